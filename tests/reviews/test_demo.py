"""The demo school's review rounds: one alive in its entry phase, last year's closed (make run, seed_demo)."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from reviews import demo as reviews_demo
from reviews import selectors, services
from reviews.models import Entry, EntryChange, Light, Phase, ReviewCycle
from school import demo
from school.models import Enrollment, TeachingGroup


@pytest.fixture
def demo_school(db) -> demo.DemoSchool:
    school = demo.demo_school_create(students=80, with_logins=False, username_prefix="r-")
    reviews_demo.demo_cycles_create(school, demo.DEFAULT_SEED)
    return school


def current_of(school) -> ReviewCycle:
    return ReviewCycle.objects.get(school=school.school, name=reviews_demo.CURRENT_NAME)


def snapshot(school) -> list[tuple]:
    return list(
        Entry.objects.filter(cycle__school=school.school)
        .order_by("cycle__name", "teaching_group__name", "student__number")
        .values_list("cycle__name", "teaching_group__name", "student__number", "grade", "light", "advice")
    )


def test_seed_demo_shows_a_round_alive(db):
    out = StringIO()
    call_command("seed_demo", "--students", "40", stdout=out)

    assert "“Leerlingbespreking periode 1” (havo) in its entry phase" in out.getvalue()
    cycle = ReviewCycle.objects.get(name="Leerlingbespreking periode 1")
    assert cycle.phase == Phase.ENTRY
    assert cycle.entry_deadline == datetime.date(2026, 11, 27)
    assert set(cycle.departments.values_list("name", flat=True)) == {"Bovenbouw havo"}
    vwo = ReviewCycle.objects.get(name=reviews_demo.VWO_NAME)
    assert (vwo.phase, set(vwo.departments.values_list("name", flat=True))) == (Phase.MENTOR_TALKS, {"Bovenbouw vwo"})
    assert ReviewCycle.objects.get(phase=Phase.CLOSED).period.school_year.name == "2025-2026"


def test_about_seventy_percent_is_complete(demo_school):
    completion = selectors.cycle_completion(cycle=current_of(demo_school))

    assert 0.6 <= completion.complete / completion.expected <= 0.8


def test_the_demo_teacher_has_one_group_complete_and_one_half_done(demo_school):
    cycle = current_of(demo_school)
    progress = {
        p.group.name: p for p in selectors.teacher_groups_in_cycle(cycle=cycle, user=demo_school.logins[demo.TEACHER])
    }

    assert progress["4H1-en"].is_complete
    assert 0.4 <= progress["4H2-en"].complete / progress["4H2-en"].expected <= 0.6
    assert progress["5H1-en"].complete == 0


def test_grades_are_dutch_and_lights_follow_them(demo_school):
    entries = list(Entry.objects.filter(cycle__school=demo_school.school).exclude(light=""))
    grades = [entry.grade for entry in entries]

    assert all(Decimal("1.0") <= grade <= Decimal("10.0") for grade in grades)
    assert all(grade == grade.quantize(Decimal("0.1")) for grade in grades)
    assert sum(Decimal("5.0") <= grade <= Decimal("8.5") for grade in grades) / len(grades) >= 0.8
    for entry in entries:
        assert (entry.light == Light.RED) == (entry.grade < Decimal("5.5")), entry
        if entry.light == Light.GREEN:
            assert entry.grade >= Decimal("6.3")
        if entry.light in (Light.ORANGE, Light.RED):
            assert entry.advice.strip(), entry  # orange and red always have advice
    assert {Light.GREEN, Light.ORANGE, Light.RED} <= {entry.light for entry in entries}


def test_advice_is_concrete_dutch(demo_school):
    advice = set(Entry.objects.exclude(advice="").values_list("advice", flat=True))

    assert any("oefentoets" in text for text in advice)
    assert all(text.endswith(".") for text in advice)


def test_last_years_round_is_closed_and_complete(demo_school):
    closed = ReviewCycle.objects.get(school=demo_school.school, phase=Phase.CLOSED)
    entries = Entry.objects.filter(cycle=closed)
    this_year = Enrollment.objects.filter(
        student__school=demo_school.school, teaching_group__school_year__name="2026-2027"
    )

    assert entries.count() == this_year.count()
    assert all(entry.is_complete for entry in entries)
    # Its groups are last year's: no teachers, so this year's teachers' rosters stay as they were.
    assert not TeachingGroup.teachers.through.objects.filter(teachinggroup__entries__cycle=closed).exists()


def test_every_entry_of_the_running_round_has_its_history(demo_school):
    cycle = current_of(demo_school)

    assert EntryChange.objects.filter(entry__cycle=cycle).count() == Entry.objects.filter(cycle=cycle).count()


def test_copy_last_rounds_advice_has_something_to_copy(demo_school):
    cycle = current_of(demo_school)
    group = TeachingGroup.objects.get(school=demo_school.school, school_year__name="2026-2027", name="5H1-en")

    copied = services.entries_copy_previous_advice(
        cycle=cycle, teaching_group=group, actor=demo_school.logins[demo.TEACHER]
    )

    assert copied > 0


def test_the_same_seed_gives_the_same_rounds(db):
    first = demo.demo_school_create(students=20, with_logins=False, username_prefix="a-")
    second = demo.demo_school_create(students=20, with_logins=False, username_prefix="b-")
    for school in (first, second):
        reviews_demo.demo_cycles_create(school, 11)

    assert snapshot(first) == snapshot(second)
    assert snapshot(first)


def test_the_vwo_round_is_at_its_mentor_talks_with_every_entry_in(demo_school):
    vwo = ReviewCycle.objects.get(school=demo_school.school, name=reviews_demo.VWO_NAME)
    completion = selectors.cycle_completion(cycle=vwo)

    assert vwo.phase == Phase.MENTOR_TALKS
    assert completion.expected > 0
    assert completion.complete == completion.expected
