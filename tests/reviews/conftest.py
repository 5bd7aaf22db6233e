"""Fixtures for the review cycle: a school world with a cycle in its entry phase."""

import datetime

import pytest

from reviews.models import ReviewCycle
from tests.factories import PeriodFactory


@pytest.fixture
def a_cycle_in_entry_phase(world) -> ReviewCycle:
    period = PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1")
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=period,
        name="Leerlingbespreking periode 1",
        entry_deadline=datetime.date(2026, 11, 27),
    )
    cycle.departments.set([world.department, world.other_department])
    return cycle
