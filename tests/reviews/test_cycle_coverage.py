"""Which classes, departments and students a review cycle covers: its departments, in its school year."""

import datetime

import pytest

from reviews import policies
from reviews.models import ReviewCycle
from tests.factories import ClassGroupFactory, PeriodFactory, SchoolYearFactory, StudentFactory


@pytest.fixture
def havo_cycle(world) -> ReviewCycle:
    period = PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1")
    cycle = ReviewCycle.objects.create(
        school=world.school, period=period, name="Ronde havo", entry_deadline=datetime.date(2026, 11, 27)
    )
    cycle.departments.set([world.department])
    return cycle


def test_a_cycle_covers_its_departments_classes_and_students(world, havo_cycle):
    assert policies.cycle_covers_department(havo_cycle, world.department)
    assert policies.cycle_covers_class_group(havo_cycle, world.class_group)
    assert policies.cycle_covers_student(havo_cycle, world.student)


def test_not_another_department(world, havo_cycle):
    assert not policies.cycle_covers_department(havo_cycle, world.other_department)
    assert not policies.cycle_covers_class_group(havo_cycle, world.other_class_group)
    assert not policies.cycle_covers_student(havo_cycle, world.other_student)


def test_not_a_class_of_another_school_year_nor_a_student_who_left(world, havo_cycle):
    next_year = SchoolYearFactory(school=world.school, name="2027-2028")
    later = ClassGroupFactory(school=world.school, school_year=next_year, department=world.department, name="5H1")
    assert not policies.cycle_covers_class_group(havo_cycle, later)
    left = StudentFactory(school=world.school, class_group=world.class_group, is_active=False)
    assert not policies.cycle_covers_student(havo_cycle, left)
