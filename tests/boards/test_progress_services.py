"""Saving a progress card: only the class's mentors, valid values, optimistic version, history rows,
and nothing half written on bad input or a conflict."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from boards.models import ProgressCard, ProgressCardChange
from boards.services.progress import ProgressCardConflict, progress_card_save

VALUES = {"internship_placed": "no", "tests_behind": "2", "attendance_concern": "1", "notable": "Mist veel lessen"}


def test_a_mentor_creates_the_first_card_with_its_history(world):
    card = progress_card_save(student=world.student, actor=world.mentor, values=VALUES, version=0)
    card.refresh_from_db()
    assert (card.internship_placed, card.tests_behind, card.attendance_concern, card.notable) == (
        False,
        2,
        True,
        "Mist veel lessen",
    )
    assert card.version == 1
    assert card.updated_by == world.mentor
    assert card.updated_at is not None
    change = ProgressCardChange.objects.get(card=card)
    assert change.before == {"internship_placed": None, "tests_behind": 0, "attendance_concern": False, "notable": ""}
    assert change.after["tests_behind"] == 2
    assert change.changed_by == world.mentor


def test_a_second_save_bumps_the_version_and_records_only_changed_fields(world):
    progress_card_save(student=world.student, actor=world.mentor, values=VALUES, version=0)
    card = progress_card_save(
        student=world.student, actor=world.mentor, values={**VALUES, "internship_placed": "yes"}, version=1
    )
    assert card.version == 2
    assert card.internship_placed is True
    latest = ProgressCardChange.objects.filter(card=card).first()
    assert latest.before == {"internship_placed": False}
    assert latest.after == {"internship_placed": True}


def test_a_stale_version_is_a_conflict_carrying_the_current_card_and_writes_nothing(world):
    progress_card_save(student=world.student, actor=world.mentor, values=VALUES, version=0)
    with pytest.raises(ProgressCardConflict) as caught:
        progress_card_save(student=world.student, actor=world.mentor, values={"tests_behind": "9"}, version=0)
    assert caught.value.current.tests_behind == 2
    assert caught.value.current.version == 1
    assert ProgressCard.objects.get(student=world.student).tests_behind == 2
    assert ProgressCardChange.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"tests_behind": "51"}, "tests_behind", "Tests behind must be a whole number from 0 to 50."),
        ({"tests_behind": "-1"}, "tests_behind", "Tests behind must be a whole number from 0 to 50."),
        ({"tests_behind": "two"}, "tests_behind", "Tests behind must be a whole number from 0 to 50."),
        ({"notable": "x" * 301}, "notable", "Keep the notable note to 300 characters (now 301)."),
        ({"internship_placed": "maybe"}, "internship_placed", "Choose yes, no or unknown for the internship."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(world, values, field, message):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        progress_card_save(student=world.student, actor=world.mentor, values={**VALUES, **values}, version=0)
    assert caught.value.message_dict[field] == [message]
    assert not ProgressCard.objects.exists()
    assert not ProgressCardChange.objects.exists()


@pytest.mark.parametrize("who", ["team_leader", "other_mentor", "teacher", "admin", "student_user", "outsider"])
def test_only_the_class_mentor_saves(world, who):
    with pytest.raises(PermissionDenied):
        progress_card_save(student=world.student, actor=getattr(world, who), values=VALUES, version=0)
    assert not ProgressCard.objects.exists()
