"""Invariants of the roster that the database itself keeps."""

import pytest
from django.db import IntegrityError
from django.db.models.deletion import RestrictedError

from school.models import ClassGroup, School, Student, TeachingGroup
from tests.factories import StudentFactory


def test_deleting_a_school_removes_its_whole_roster(world):
    world.school.delete()

    assert not School.objects.filter(pk=world.school.pk).exists()
    assert not Student.objects.filter(pk=world.student.pk).exists()
    assert not ClassGroup.objects.filter(school_id=world.school.pk).exists()
    assert not TeachingGroup.objects.filter(school_id=world.school.pk).exists()


def test_a_department_with_classes_cannot_be_deleted_on_its_own(world):
    with pytest.raises(RestrictedError):
        world.department.delete()


def test_student_numbers_are_unique_within_a_school(world):
    with pytest.raises(IntegrityError):
        StudentFactory(school=world.school, number=world.student.number, class_group=world.class_group)


def test_the_same_student_number_may_exist_in_another_school(world):
    StudentFactory(number=world.student.number)  # another school

    assert Student.objects.filter(number=world.student.number).count() == 2
