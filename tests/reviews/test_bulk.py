"""The entry grid's bulk actions: empty lights to green, last cycle's advice as a starting point."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reviews.models import Entry, EntryChange, Phase, ReviewCycle
from reviews.services import entries_copy_previous_advice, entries_fill_green
from tests.factories import PeriodFactory, StudentFactory, SubjectFactory, TeachingGroupFactory


@pytest.fixture
def cycle(a_cycle_in_entry_phase):
    return a_cycle_in_entry_phase


@pytest.fixture
def students(world):
    """world.student plus three more in the teaching group, in name order."""
    more = StudentFactory.create_batch(3, school=world.school, class_group=world.class_group)
    world.teaching_group.students.add(*more)
    return [world.student, *more]


def entry(cycle, group, student, **values) -> Entry:
    return Entry.objects.create(cycle=cycle, teaching_group=group, student=student, **values)


def an_earlier_cycle(world, *, start: datetime.date, name: str) -> ReviewCycle:
    period = PeriodFactory(
        school=world.school,
        school_year=world.class_group.school_year,
        name=name,
        start_date=start,
        end_date=start + datetime.timedelta(days=60),
    )
    earlier = ReviewCycle.objects.create(
        school=world.school, period=period, name=name, entry_deadline=start + datetime.timedelta(days=50)
    )
    earlier.departments.set([world.department])
    return earlier


# --- empty lights to green -----------------------------------------------------------------------


def test_fill_green_sets_only_empty_lights(world, cycle, students):
    group = world.teaching_group
    no_light = entry(cycle, group, students[0], advice="Oefen.")
    orange = entry(cycle, group, students[1], light="orange", advice="Vraag hulp.")
    red = entry(cycle, group, students[2], light="red")

    count = entries_fill_green(cycle=cycle, teaching_group=group, actor=world.teacher)

    assert count == 2  # the entry without a light, and the student without an entry
    no_light.refresh_from_db()
    assert (no_light.light, no_light.advice, no_light.version, no_light.updated_by) == (
        "green",
        "Oefen.",
        2,
        world.teacher,
    )
    assert Entry.objects.get(pk=orange.pk).light == "orange"
    assert Entry.objects.get(pk=orange.pk).version == 1
    assert Entry.objects.get(pk=red.pk).light == "red"
    created = Entry.objects.get(student=students[3])
    assert (created.light, created.version, created.updated_by) == ("green", 1, world.teacher)

    changes = EntryChange.objects.order_by("entry__student__pk")
    assert {change.entry_id for change in changes} == {no_light.pk, created.pk}
    for change in changes:
        assert (change.before, change.after, change.changed_by, change.phase) == (
            {"light": ""},
            {"light": "green"},
            world.teacher,
            Phase.ENTRY,
        )


def test_fill_green_twice_changes_nothing_the_second_time(world, cycle, students):
    assert entries_fill_green(cycle=cycle, teaching_group=world.teaching_group, actor=world.teacher) == 4
    assert entries_fill_green(cycle=cycle, teaching_group=world.teaching_group, actor=world.teacher) == 0
    assert EntryChange.objects.count() == 4


def test_fill_green_leaves_other_groups_and_cycles_alone(world, cycle, students):
    other_group = TeachingGroupFactory(
        school=world.school,
        school_year=world.class_group.school_year,
        teachers=[world.teacher.staff],
        students=students,
    )
    entries_fill_green(cycle=cycle, teaching_group=world.teaching_group, actor=world.teacher)
    assert not Entry.objects.filter(teaching_group=other_group).exists()


@pytest.mark.parametrize("who", ["team_leader", "admin", "other_teacher", "mentor"])
def test_only_the_groups_teachers_fill_green(world, cycle, who):
    with pytest.raises(PermissionDenied):
        entries_fill_green(cycle=cycle, teaching_group=world.teaching_group, actor=getattr(world, who))
    assert not Entry.objects.exists()


def test_no_bulk_action_after_the_entry_phase(world, cycle):
    cycle.phase = Phase.SPEED_DATE
    cycle.save()
    with pytest.raises(ValidationError):
        entries_fill_green(cycle=cycle, teaching_group=world.teaching_group, actor=world.teacher)
    with pytest.raises(ValidationError):
        entries_copy_previous_advice(cycle=cycle, teaching_group=world.teaching_group, actor=world.teacher)
    assert not Entry.objects.exists()


def test_fill_green_view_redirects_with_a_dutch_count(client, world, cycle, students):
    entry(cycle, world.teaching_group, students[0], light="red")
    client.force_login(world.teacher)
    url = reverse("reviews:grid_bulk_green", args=[cycle.pk, world.teaching_group.pk])

    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("reviews:grid", args=[cycle.pk, world.teaching_group.pk])
    html = client.get(response.url).content.decode()
    assert "3 lege stoplichten op groen gezet." in html
    assert Entry.objects.filter(light="green").count() == 3

    response = client.post(url, follow=True)
    assert "Niets in te vullen" in response.content.decode()


def test_fill_green_view_needs_post(client, world, cycle):
    client.force_login(world.teacher)
    url = reverse("reviews:grid_bulk_green", args=[cycle.pk, world.teaching_group.pk])
    assert client.get(url).status_code == 405


# --- last cycle's advice ------------------------------------------------------------------------------


def test_copy_takes_the_most_recent_earlier_advice_into_empty_advice_only(world, cycle, students):
    group = world.teaching_group
    old = an_earlier_cycle(world, start=datetime.date(2026, 3, 1), name="Vorig jaar")
    last = an_earlier_cycle(world, start=datetime.date(2026, 6, 1), name="Vorige periode")
    later = an_earlier_cycle(world, start=datetime.date(2027, 1, 10), name="Volgende periode")
    last_years_group = TeachingGroupFactory(
        school=world.school,
        school_year=world.class_group.school_year,
        subject=group.subject,
        name="3H-ne1",
        students=students,
    )
    other_subject = TeachingGroupFactory(
        school=world.school,
        school_year=world.class_group.school_year,
        subject=SubjectFactory(school=world.school, code="wi", name="Wiskunde"),
        students=students,
    )
    # students[0]: advice in two earlier cycles; the most recent counts.
    entry(old, last_years_group, students[0], advice="Oud advies.")
    entry(last, group, students[0], advice="Lees elke dag tien minuten.")
    entry(later, group, students[0], advice="Uit de toekomst.")
    # students[1]: already has advice now: never overwritten.
    entry(last, group, students[1], advice="Vorig advies.")
    now_1 = entry(cycle, group, students[1], light="orange", advice="Nieuw advies.")
    # students[2]: an entry now without advice, and only advice for another subject before.
    now_2 = entry(cycle, group, students[2], light="red")
    entry(last, other_subject, students[2], advice="Wiskunde-advies.")
    # students[3]: an entry without advice now, and last cycle's advice in another group of the same subject.
    now_3 = entry(cycle, group, students[3], light="orange")
    entry(last, last_years_group, students[3], advice="Maak elke week één oefentoets.")

    count = entries_copy_previous_advice(cycle=cycle, teaching_group=group, actor=world.teacher)

    assert count == 2
    created = Entry.objects.get(cycle=cycle, student=students[0])
    assert (created.advice, created.light, created.version) == ("Lees elke dag tien minuten.", "", 1)
    now_1.refresh_from_db()
    assert (now_1.advice, now_1.version) == ("Nieuw advies.", 1)
    now_2.refresh_from_db()
    assert (now_2.advice, now_2.version) == ("", 1)
    now_3.refresh_from_db()
    assert (now_3.advice, now_3.light, now_3.version) == ("Maak elke week één oefentoets.", "orange", 2)
    assert {(c.entry_id, c.before["advice"]) for c in EntryChange.objects.all()} == {(created.pk, ""), (now_3.pk, "")}
    # The earlier cycles are untouched.
    assert Entry.objects.get(cycle=last, student=students[0]).advice == "Lees elke dag tien minuten."


def test_copy_with_nothing_earlier_changes_nothing(world, cycle, students):
    assert entries_copy_previous_advice(cycle=cycle, teaching_group=world.teaching_group, actor=world.teacher) == 0
    assert not Entry.objects.exists()


def test_copy_when_last_cycles_advice_was_empty_copies_nothing(world, cycle, students):
    last = an_earlier_cycle(world, start=datetime.date(2026, 6, 1), name="Vorige periode")
    older = an_earlier_cycle(world, start=datetime.date(2026, 3, 1), name="Daarvoor")
    entry(older, world.teaching_group, students[0], advice="Heel oud advies.")
    entry(last, world.teaching_group, students[0], light="green")  # green needed no advice last time

    assert entries_copy_previous_advice(cycle=cycle, teaching_group=world.teaching_group, actor=world.teacher) == 0


@pytest.mark.parametrize("who", ["team_leader", "admin", "other_teacher"])
def test_only_the_groups_teachers_copy_advice(world, cycle, who):
    with pytest.raises(PermissionDenied):
        entries_copy_previous_advice(cycle=cycle, teaching_group=world.teaching_group, actor=getattr(world, who))


def test_copy_advice_view_redirects_with_a_message(client, world, cycle, students):
    last = an_earlier_cycle(world, start=datetime.date(2026, 6, 1), name="Vorige periode")
    entry(last, world.teaching_group, students[1], advice="Plan je week.")
    client.force_login(world.teacher)
    url = reverse("reviews:grid_copy_advice", args=[cycle.pk, world.teaching_group.pk])

    response = client.post(url, follow=True)
    html = response.content.decode()
    assert "Advies van de vorige ronde overgenomen voor 1 leerling: kijk of het nog past." in html
    assert ">Plan je week.</textarea>" in html
