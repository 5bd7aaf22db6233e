"""Step 4's access rules: nothing before publishing, a student sees only themselves, a guardian their children
(and an adult child only with their yes), reflections for the student and (once submitted) their followers."""

import datetime

import pytest

from mentoring import policies
from mentoring.models import GuardianSharing, Publication, Reflection
from tests.factories import StudentFactory


def test_a_guardian_sees_a_minor_child_but_an_adult_child_only_with_their_yes(world):
    assert list(policies.portal_students_for(world.guardian)) == [world.student]
    world.student.date_of_birth = datetime.date(2000, 1, 1)
    world.student.save()
    assert list(policies.portal_students_for(world.guardian)) == []
    GuardianSharing.objects.create(student=world.student, guardians_may_see=True)
    assert list(policies.portal_students_for(world.guardian)) == [world.student]


def test_a_student_sees_only_themselves(world):
    assert list(policies.portal_students_for(world.student_user)) == [world.student]
    assert list(policies.portal_students_for(world.other_student_user)) == [world.other_student]
    assert list(policies.portal_students_for(world.mentor)) == []


def test_eighteen_today_is_adult(world):
    today = datetime.date(2026, 11, 23)
    world.student.date_of_birth = datetime.date(2008, 11, 23)
    assert policies.is_adult(world.student, today)
    world.student.date_of_birth = datetime.date(2008, 11, 24)
    assert not policies.is_adult(world.student, today)


def test_nothing_is_read_before_publishing(world, a_cycle_in_speed_date):
    cycle = a_cycle_in_speed_date
    assert not policies.can_read_published(world.student_user, cycle, world.student)
    assert not policies.can_write_reflection(world.student_user, cycle, world.student)
    Publication.objects.create(cycle=cycle, department=world.department)
    assert policies.can_read_published(world.student_user, cycle, world.student)
    assert policies.can_read_published(world.guardian, cycle, world.student)
    assert not policies.can_read_published(world.other_guardian, cycle, world.student)
    assert not policies.can_read_published(world.other_student_user, cycle, world.student)
    # Published to havo only: the vwo student sees nothing of this cycle.
    assert not policies.can_read_published(world.other_student_user, cycle, world.other_student)


@pytest.mark.parametrize(
    ("who", "publishes"),
    [("team_leader", True), ("other_team_leader", False), ("admin", False), ("mentor", False)],
)
def test_only_the_departments_team_leader_publishes(world, a_cycle_in_speed_date, who, publishes):
    assert policies.can_publish(getattr(world, who), a_cycle_in_speed_date, world.department) is publishes


def test_reflections(world, a_reflection):
    assert policies.can_write_reflection(world.student_user, a_reflection.cycle, world.student)
    assert policies.can_read_reflection(world.student_user, a_reflection)
    # A draft is the student's own.
    for who in ("mentor", "team_leader", "guardian", "other_student_user", "teacher"):
        assert not policies.can_read_reflection(getattr(world, who), a_reflection), who
        assert not policies.can_read_goals(getattr(world, who), a_reflection), who
    a_reflection.status = Reflection.Status.SUBMITTED
    assert policies.can_read_reflection(world.mentor, a_reflection)
    assert policies.can_comment_reflection(world.mentor, a_reflection)
    assert not policies.can_comment_reflection(world.team_leader, a_reflection)
    assert policies.can_read_goals(world.guardian, a_reflection)
    assert not policies.can_read_reflection(world.guardian, a_reflection)
    assert not policies.can_read_goals(world.other_guardian, a_reflection)
    assert not policies.can_read_goals(world.other_student_user, a_reflection)


def test_talks_and_prep_sheets(world, a_published_cycle):
    cycle = a_published_cycle
    assert policies.can_manage_talks(world.mentor, cycle, world.class_group)
    assert not policies.can_manage_talks(world.other_mentor, cycle, world.class_group)
    assert policies.can_book_talk(world.guardian, cycle, world.student)
    assert policies.can_book_talk(world.mentor, cycle, world.student)
    assert not policies.can_book_talk(world.other_guardian, cycle, world.student)
    assert not policies.can_book_talk(world.student_user, cycle, world.student)
    assert policies.can_make_prep_sheets(world.mentor, cycle, world.class_group)
    assert not policies.can_make_prep_sheets(world.team_leader, cycle, world.class_group)
    assert policies.can_download_prep_sheet(world.guardian, cycle, world.student)
    assert policies.can_download_prep_sheet(world.team_leader, cycle, world.student)
    assert not policies.can_download_prep_sheet(world.other_guardian, cycle, world.student)
    sibling = StudentFactory(school=world.school, class_group=world.class_group)
    assert not policies.can_download_prep_sheet(world.student_user, cycle, sibling)
