"""Saving one traffic-light entry: values, versions, phases, history, access."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from reviews.models import Entry, EntryChange, Phase
from reviews.services import EntryConflict, entry_save, parse_grade


def save(world, cycle, *, actor=None, version=0, reason="", **values):
    return entry_save(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        actor=actor or world.teacher,
        values=values,
        version=version,
        reason=reason,
    )


@pytest.mark.parametrize(
    ("typed", "grade"),
    [
        ("7,5", Decimal("7.5")),
        ("7.5", Decimal("7.5")),
        (" 8 ", Decimal("8.0")),
        ("10", Decimal("10.0")),
        ("1,0", Decimal("1.0")),
        ("", None),
    ],
)
def test_grades_are_read_the_dutch_way(typed, grade):
    assert parse_grade(typed) == grade


@pytest.mark.parametrize(
    ("typed", "code", "message"),
    [
        ("11", "range", "valt buiten de schaal"),
        ("0,5", "range", "valt buiten de schaal"),
        ("abc", "invalid", "is geen cijfer"),
        ("5,55", "decimals", "meer dan één decimaal"),
        ("-3", "invalid", "is geen cijfer"),
        ("7,", "invalid", "is geen cijfer"),
    ],
)
def test_bad_grades_get_a_specific_dutch_message(typed, code, message):
    with translation.override("nl"), pytest.raises(ValidationError) as error:
        parse_grade(typed)
    assert error.value.code == code
    assert message in error.value.messages[0]


def test_first_save_creates_the_entry_and_its_history(world, a_cycle_in_entry_phase):
    saved = save(world, a_cycle_in_entry_phase, grade="6,4", light="orange", advice="Plan je huiswerk per dag.")

    entry = Entry.objects.get()
    assert saved.changed
    assert (entry.grade, entry.light, entry.version) == (Decimal("6.4"), "orange", 1)
    change = EntryChange.objects.get()
    assert change.before == {"grade": "", "light": "", "advice": ""}
    assert change.after["light"] == "orange"
    assert change.changed_by == world.teacher


def test_a_save_from_an_old_version_is_refused_and_nothing_changes(world, a_cycle_in_entry_phase):
    save(world, a_cycle_in_entry_phase, light="green")
    save(world, a_cycle_in_entry_phase, version=1, light="orange", advice="Oefen de woordjes.")

    with pytest.raises(EntryConflict) as conflict:
        save(world, a_cycle_in_entry_phase, version=1, light="red")

    assert conflict.value.current.light == "orange"
    assert Entry.objects.get().light == "orange"
    assert Entry.objects.get().version == 2


def test_two_first_saves_conflict_instead_of_duplicating(world, a_cycle_in_entry_phase):
    save(world, a_cycle_in_entry_phase, light="green")
    with pytest.raises(EntryConflict):
        save(world, a_cycle_in_entry_phase, version=0, light="red")
    assert Entry.objects.count() == 1


def test_invalid_values_write_nothing(world, a_cycle_in_entry_phase):
    with pytest.raises(ValidationError) as error:
        save(world, a_cycle_in_entry_phase, grade="11", light="green", advice="x" * 100_000)

    assert set(error.value.message_dict) == {"grade", "advice"}
    assert not Entry.objects.exists()
    assert not EntryChange.objects.exists()


def test_saving_the_same_value_again_is_not_a_change(world, a_cycle_in_entry_phase):
    save(world, a_cycle_in_entry_phase, light="green")
    saved = save(world, a_cycle_in_entry_phase, version=1, light="green")
    assert not saved.changed
    assert EntryChange.objects.count() == 1


def test_after_the_entry_phase_a_change_needs_a_reason(world, a_cycle_in_entry_phase):
    cycle = a_cycle_in_entry_phase
    save(world, cycle, light="green")
    cycle.phase = Phase.SPEED_DATE
    cycle.save()

    with pytest.raises(ValidationError) as error:
        save(world, cycle, version=1, light="orange", advice="Vraag hulp bij de les.")
    assert "reason" in error.value.message_dict

    save(world, cycle, version=1, light="orange", advice="Vraag hulp bij de les.", reason="Toets herkansing")
    assert EntryChange.objects.first().reason == "Toets herkansing"


def test_a_closed_cycle_is_read_only(world, a_cycle_in_entry_phase):
    a_cycle_in_entry_phase.phase = Phase.CLOSED
    a_cycle_in_entry_phase.save()
    with pytest.raises(PermissionDenied):
        save(world, a_cycle_in_entry_phase, light="green", reason="te laat")


@pytest.mark.parametrize("who", ["other_teacher", "mentor", "team_leader", "admin", "student_user", "outsider"])
def test_only_the_groups_teachers_write_its_entries(world, a_cycle_in_entry_phase, who):
    with pytest.raises(PermissionDenied):
        save(world, a_cycle_in_entry_phase, actor=getattr(world, who), light="green")
    assert not Entry.objects.exists()


def test_a_student_not_in_the_group_cannot_get_an_entry(world, a_cycle_in_entry_phase):
    with pytest.raises(PermissionDenied):
        entry_save(
            cycle=a_cycle_in_entry_phase,
            teaching_group=world.teaching_group,
            student=world.other_student,
            actor=world.teacher,
            values={"light": "green"},
            version=0,
        )
