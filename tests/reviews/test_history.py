"""An entry's history: who changed what, when, before and after, why, in which phase."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import services
from reviews.models import Phase, ReviewCycle


def save(world, cycle, *, version, reason="", **values):
    return services.entry_save(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        actor=world.teacher,
        values=values,
        version=version,
        reason=reason,
    )


def history_url(world, cycle) -> str:
    return reverse("reviews:entry_history", args=[cycle.pk, world.teaching_group.pk, world.student.pk])


@pytest.fixture
def an_entry_changed_twice(world, a_cycle_in_entry_phase):
    save(world, a_cycle_in_entry_phase, version=0, grade="6,4", light="orange", advice="Plan je huiswerk per dag.")
    ReviewCycle.objects.filter(pk=a_cycle_in_entry_phase.pk).update(phase=Phase.SPEED_DATE)
    a_cycle_in_entry_phase.refresh_from_db()
    save(world, a_cycle_in_entry_phase, version=1, reason="Herkansing gemaakt", grade="7,1", light="green")
    return a_cycle_in_entry_phase


def test_shows_who_when_before_after_reason_and_phase_newest_first(client, world, an_entry_changed_twice):
    client.force_login(world.teacher)

    response = client.get(history_url(world, an_entry_changed_twice))

    html = response.content.decode()
    assert response.status_code == 200
    lines = response.context["lines"]
    assert [line.change.reason for line in lines] == ["Herkansing gemaakt", ""]
    assert [line.change.phase for line in lines] == [Phase.SPEED_DATE, Phase.ENTRY]
    newest = {change.field: (change.before, change.after) for change in lines[0].fields}
    assert newest == {"grade": ("6.4", "7.1"), "light": ("orange", "green")}
    assert html.index("7,1") < html.index("Plan je huiswerk per dag.")  # newest first
    assert "6,4" in html  # the Dutch way
    assert "Herkansing gemaakt" in html
    assert "Speeddate" in html
    assert "Stoplichten" in html
    assert str(world.teacher) in html
    assert "(leeg)" in html  # before the first save
    assert "light--orange" in html
    assert "light--green" in html


def test_advice_is_shown_escaped(client, world, a_cycle_in_entry_phase):
    save(world, a_cycle_in_entry_phase, version=0, light="red", advice="<script>alert(1)</script> Oefen elke dag.")
    client.force_login(world.teacher)

    html = client.get(history_url(world, a_cycle_in_entry_phase)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Oefen elke dag." in html


def test_no_changes_yet(client, world, a_cycle_in_entry_phase):
    client.force_login(world.teacher)

    html = client.get(history_url(world, a_cycle_in_entry_phase)).content.decode()

    assert "Nog geen wijzigingen" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 200),
        ("team_leader", 200),
        ("other_team_leader", 404),  # leads another department: not this group's students
        ("admin", 200),
        ("other_teacher", 404),
        ("mentor", 404),
        ("care_coordinator", 404),
        ("student_user", 404),
        ("guardian", 404),
        ("outsider", 404),
    ],
)
def test_visible_to_whoever_may_open_the_grid(client, world, an_entry_changed_twice, who, status):
    client.force_login(getattr(world, who))

    assert client.get(history_url(world, an_entry_changed_twice)).status_code == status


def test_query_count_does_not_grow_with_the_changes(client, world, a_cycle_in_entry_phase, django_assert_num_queries):
    save(world, a_cycle_in_entry_phase, version=0, grade="6,0")
    client.force_login(world.teacher)
    with CaptureQueriesContext(connection) as small:
        client.get(history_url(world, a_cycle_in_entry_phase))
    for version, grade in enumerate(("6,5", "7,0", "7,5", "8,0"), start=1):
        save(world, a_cycle_in_entry_phase, version=version, grade=grade, light="green")

    with django_assert_num_queries(len(small)):
        client.get(history_url(world, a_cycle_in_entry_phase))
