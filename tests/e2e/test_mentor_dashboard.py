"""The mentor dashboard in a real browser: the tip on focus, Escape and arrow keys, a verdict through htmx."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from mentoring.models import MentorReview
from reviews.models import Entry, Phase, ReviewCycle
from tests.conftest import build_school_world
from tests.factories import PASSWORD, PeriodFactory, StudentFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def dashboard_world(transactional_db):
    world = build_school_world()
    period = PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1")
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=period,
        name="Ronde 1",
        entry_deadline=datetime.date(2026, 11, 27),
        phase=Phase.SPEED_DATE,
    )
    cycle.departments.set([world.department])
    Entry.objects.create(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        light="red",
        grade="4.8",
        advice="Woordjes elke dag herhalen.",
    )
    world.student.last_name = "Zwart"  # sorted below the other student: ArrowUp has somewhere to go
    world.student.save()
    other = StudentFactory(school=world.school, class_group=world.class_group, last_name="Aksoy")
    world.teaching_group.students.add(other)
    Entry.objects.create(cycle=cycle, teaching_group=world.teaching_group, student=other, light="green", grade="7.5")
    return world, cycle, other


def log_in(page: Page, user, url: str) -> None:
    page.goto(f"/login/?next={url}")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))


def test_tip_keys_and_verdict(page: Page, dashboard_world):
    world, cycle, other = dashboard_world
    url = reverse("mentoring:dashboard", args=[cycle.pk, world.class_group.pk])
    log_in(page, world.mentor, url)
    page.set_viewport_size({"width": 1280, "height": 800})

    cell = page.locator(f"#student-{world.student.pk} .mx-cell")
    tip = cell.locator(".mx-tip")
    cell.focus()
    expect(tip).to_contain_text("4,8")
    assert tip.bounding_box()["width"] > 100  # shown, not clipped away

    page.keyboard.press("Escape")  # hides the tip (WCAG 1.4.13), the focus stays
    assert tip.bounding_box()["width"] <= 2
    page.keyboard.press("ArrowUp")  # to the same subject of the student above
    expect(page.locator(".mx-cell:focus")).to_have_count(1)
    assert page.evaluate("document.activeElement.closest('tr').id") == f"student-{other.pk}"
    assert tip.bounding_box()["width"] <= 2

    row = page.locator(f"#student-{world.student.pk}")
    row.get_by_role("button", name=re.compile("Aandacht nodig|Needs attention")).click()
    expect(row.locator(".badge--warning")).to_be_visible()
    expect(page.locator("#verdict-progress progress")).to_have_attribute("value", "1")
    expect(page.locator("#messages .alert--success")).to_be_visible()
    expect(page.locator("#mx-controls a[href$='filter=attention'] .mx-filters__count")).to_have_text("(1)")
    focused = page.evaluate("document.activeElement && document.activeElement.value")
    assert focused == "needs_attention"
    assert MentorReview.objects.get().verdict == "needs_attention"

    row.get_by_role("button", name=re.compile("Ongedaan maken|Undo")).click()
    expect(page.locator("#verdict-progress progress")).to_have_attribute("value", "0")
    assert not MentorReview.objects.exists()
