"""The class representative and personal coaches."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from classmeetings import policies
from classmeetings.models import ClassRepresentative, PersonalCoach
from classmeetings.services import people
from tests.factories import StaffFactory, StudentFactory


def test_the_mentor_appoints_and_replaces_the_class_representative(world, classmate):
    people.representative_set(class_group=world.class_group, student=world.student, actor=world.mentor)
    people.representative_set(class_group=world.class_group, student=classmate, actor=world.mentor)
    assert ClassRepresentative.objects.get().student == classmate
    assert policies.can_create_meeting(classmate.user, world.class_group)
    assert not policies.can_create_meeting(world.student_user, world.class_group)


def test_the_representative_is_an_active_student_of_the_class(world):
    leaver = StudentFactory(school=world.school, class_group=world.class_group, is_active=False)
    for student in (world.other_student, leaver):
        with pytest.raises(ValidationError) as error:
            people.representative_set(class_group=world.class_group, student=student, actor=world.mentor)
        assert "student" in error.value.message_dict


@pytest.mark.parametrize("role", ["team_leader", "other_mentor", "student_user", "admin", "outsider"])
def test_only_the_mentor_appoints(world, role):
    with pytest.raises(PermissionDenied):
        people.representative_set(class_group=world.class_group, student=world.student, actor=getattr(world, role))


def test_clearing_the_representative(world, representative):
    people.representative_clear(class_group=world.class_group, actor=world.mentor)
    assert not ClassRepresentative.objects.exists()
    assert not policies.can_create_meeting(representative, world.class_group)


def test_a_representative_who_moves_class_no_longer_chairs(world, classmate, representative):
    classmate.class_group = world.other_class_group
    classmate.save(update_fields=["class_group"])
    representative._represented_class_ids = None  # a new request
    assert not policies.can_create_meeting(representative, world.class_group)


def test_a_student_chooses_and_changes_their_coach(world):
    first, second = StaffFactory(school=world.school), StaffFactory(school=world.school)
    chosen = people.coach_choose(student=world.student, coach=first, actor=world.student_user)
    assert people.coach_choose(student=world.student, coach=first, actor=world.student_user) == chosen
    people.coach_choose(student=world.student, coach=second, actor=world.student_user)
    assert PersonalCoach.objects.get(ended_at__isnull=True).coach == second
    assert PersonalCoach.objects.get(coach=first).ended_at is not None
    assert policies.is_coach_of(second.user, world.student)
    assert not policies.is_coach_of(first.user, world.student)
    people.coach_end(student=world.student, actor=world.student_user)
    assert not policies.is_coach_of(second.user, world.student)
    assert people.coach_end(student=world.student, actor=world.student_user) is None


def test_a_coach_is_active_staff_of_the_students_school(world):
    inactive = StaffFactory(school=world.school, is_active=False)
    for staff in (world.outsider.staff, inactive):
        with pytest.raises(ValidationError):
            people.coach_choose(student=world.student, coach=staff, actor=world.student_user)


@pytest.mark.parametrize("role", ["mentor", "guardian", "other_student_user"])
def test_only_the_student_chooses(world, role):
    with pytest.raises(PermissionDenied):
        people.coach_choose(student=world.student, coach=world.teacher.staff, actor=getattr(world, role))
