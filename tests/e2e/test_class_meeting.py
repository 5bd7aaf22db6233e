"""Issue 7's acceptance test: an open class meeting in a real browser, three people at once.

The chair (4H1's mentor) runs the shared screen, the class representative co-chairs on their own screen,
and a student follows on their own device. The student asks for the floor; the chair sees it within the
poll and gives it; the student reads "you have the floor". The chair notes a point (the representative's
screen shows the balance change), writes the decision with one agreement and closes the item. Then the
class's next meeting opens with that agreement to check: the chair marks it met and the meeting starts.

Selectors are data- attributes and ids, so the test does not depend on the wording of the Dutch catalogue.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from classmeetings.models import ClassRepresentative, FloorRequest, MeetingItem, OpenClassMeeting
from classmeetings.services import meeting_mode, preparation
from mentoring.models import Agreement
from school.models import Student, User
from tests.classmeetings.conftest import a_week_ahead
from tests.conftest import SchoolWorld, build_school_world
from tests.e2e.people import log_in, open_page, screenshots_on_failure
from tests.factories import StudentFactory, UserFactory

pytestmark = pytest.mark.e2e

POLL_MS = 6_000  # the screens poll every 2 s


@dataclass
class ClassMeetingWorld:
    world: SchoolWorld
    representative: User
    classmate: Student
    meeting: OpenClassMeeting
    item: MeetingItem  # world.student's item, waiting


@pytest.fixture
def class_meeting_world(transactional_db) -> ClassMeetingWorld:
    """4H1 with a class representative, its open meeting started (last time left nothing to check)."""
    world = build_school_world()
    classmate = StudentFactory(
        school=world.school, class_group=world.class_group, user=UserFactory(school=world.school), last_name="Aalders"
    )
    ClassRepresentative.objects.create(class_group=world.class_group, student=classmate, appointed_by=world.mentor)
    meeting = preparation.meeting_create(
        class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(days=1), minutes_per_student=5
    )
    meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
    item = meeting.items.get(student=world.student)
    return ClassMeetingWorld(
        world=world, representative=classmate.user, classmate=classmate, meeting=meeting, item=item
    )


def test_the_floor_a_decision_and_its_agreement_checked_at_the_next_meeting(
    page, browser, live_server, class_meeting_world, request
):
    cm = class_meeting_world
    world, meeting, item = cm.world, cm.meeting, cm.item
    mode_url = reverse("classmeetings:mode", args=[meeting.pk])
    floor_url = reverse("classmeetings:floor", args=[meeting.pk])
    chair = page
    representative = open_page(browser, live_server)
    student = open_page(browser, live_server)

    with screenshots_on_failure(request, {"representative": representative, "student": student}):
        log_in(chair, world.mentor, mode_url)
        log_in(representative, cm.representative, mode_url)
        log_in(student, world.student_user, floor_url)

        # The chair walks to the student's item and opens it: the timer starts.
        chair.goto(f"{mode_url}?item={item.pk}")
        chair.locator(f'[data-item-open="{item.pk}"]').click()
        expect(chair.locator("#mode-head")).to_have_attribute("data-item-status", "open")
        expect(chair.locator("[data-timer-clock]")).to_have_text(re.compile(r"\d:\d\d"))

        # The student's own device follows: their item is under discussion. They ask for the floor.
        expect(student.locator(f'[data-floor-item="{item.pk}"]')).to_be_visible(timeout=POLL_MS)
        student.locator("[data-floor-ask]").click()
        expect(student.locator("[data-floor-place]")).to_have_attribute("data-floor-place", "1")

        # The chair sees the request come in through the poll, without reloading, and gives the floor.
        waiting = chair.locator('#mode-queue [data-floor-status="requested"]')
        expect(waiting).to_have_count(1, timeout=POLL_MS)
        expect(representative.locator('#mode-queue [data-floor-status="requested"]')).to_have_count(1, timeout=POLL_MS)
        chair.locator("#mode-queue [data-grant]").click()
        expect(chair.locator(f'#mode-queue [data-speaker="{world.student_user.pk}"]')).to_be_visible()

        # The student reads that they have the floor, and says when they are done.
        expect(student.locator('[data-floor-state="speaking"]')).to_be_visible(timeout=POLL_MS)
        student.locator("[data-floor-done]").click()
        expect(student.locator('[data-floor-state="idle"]')).to_be_visible()
        assert FloorRequest.objects.get(user=world.student_user).status == FloorRequest.Status.DONE

        # The chair notes a point; the representative's screen shows the balance change.
        chair.locator("#point-form input[value=positive]").check()
        chair.locator("#point-form input[name=text]").fill("Helpt klasgenoten met wiskunde")
        chair.locator("[data-point-add]").click()
        expect(chair.locator("#mode-balance [data-balance-positive]")).to_have_attribute("data-balance-positive", "1")
        expect(chair.locator("#points [data-point]")).to_have_count(1)
        expect(representative.locator("#mode-balance [data-balance-positive]")).to_have_attribute(
            "data-balance-positive", "1", timeout=POLL_MS
        )
        expect(representative.locator("#points")).to_have_count(0)  # not the representative's own item

        # Closing without a decision is refused; the chair writes the decision with one agreement, then closes.
        chair.locator(f'[data-item-close="{item.pk}"]').click()
        expect(chair.locator("#messages .alert--error")).to_be_visible()
        expect(chair.locator("#mode-head")).to_have_attribute("data-item-status", "open")
        due = timezone.localdate() + datetime.timedelta(days=21)
        chair.locator("#id_tips").fill("Plan je huiswerk aan het begin van de week.")
        chair.locator("#id_agreements-0-text").fill("Elke maandag een weekplanning maken")
        chair.locator("#id_agreements-0-owner").select_option("student")
        chair.locator("#id_agreements-0-due_on").fill(due.isoformat())
        chair.locator("[data-decision-record]").click()
        agreement = Agreement.objects.get(class_item=item)
        expect(chair.locator(f'[data-agreement="{agreement.pk}"]')).to_be_visible()
        chair.locator(f'[data-item-close="{item.pk}"]').click()
        expect(chair.locator(f'[data-agenda-item="{item.pk}"]')).to_have_attribute("data-status", "closed")
        item.refresh_from_db()
        assert item.status == MeetingItem.Status.CLOSED
        assert (agreement.owner, agreement.due_on, agreement.status) == ("student", due, Agreement.Status.OPEN)

        # The student's own device shows their item's decision; the representative never read it.
        expect(student.locator(f'[data-own-item="{item.pk}"] [data-agreement="{agreement.pk}"]')).to_be_visible(
            timeout=POLL_MS
        )
        expect(representative.locator(f'[data-agreement="{agreement.pk}"]')).to_have_count(0)

        # The class's next meeting: it opens with that agreement to check before new business.
        second = preparation.meeting_create(
            class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(days=14)
        )
        second_mode = reverse("classmeetings:mode", args=[second.pk])
        chair.goto(second_mode)
        expect(chair.locator("[data-start-blocker]")).to_be_visible()
        chair.locator("[data-agreements-link]").click()
        expect(chair).to_have_url(re.compile(re.escape(reverse("classmeetings:agreements", args=[second.pk])) + "$"))
        row = chair.locator(f'[data-previous-agreement="{agreement.pk}"]')
        expect(row).to_have_attribute("data-status", "open")
        row.locator('[data-check="met"]').click()
        expect(chair.locator(f'[data-previous-agreement="{agreement.pk}"]')).to_have_attribute("data-status", "met")
        agreement.refresh_from_db()
        assert agreement.status == Agreement.Status.MET

        # Every agreement is checked: the meeting can start.
        chair.goto(second_mode)
        chair.locator("[data-meeting-start]").click()
        expect(chair.locator("[data-mode]")).to_have_attribute("data-meeting-status", "running")
        second.refresh_from_db()
        assert second.status == OpenClassMeeting.Status.RUNNING
