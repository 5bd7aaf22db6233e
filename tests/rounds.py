"""Review rounds for tests: last round (closed) and this one, with world.student's light in Nederlands."""

from __future__ import annotations

import datetime
from decimal import Decimal

from reviews.models import Entry, Light, Phase, ReviewCycle
from school.models import Department
from tests.conftest import SchoolWorld
from tests.factories import PeriodFactory

ADVICE = "Woordjes elke dag herhalen."


def review_round(
    world: SchoolWorld, *, name: str, period: str, deadline: datetime.date, phase: str, departments: list[Department]
) -> ReviewCycle:
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name=period),
        name=name,
        entry_deadline=deadline,
        phase=phase,
    )
    cycle.departments.set(departments)
    return cycle


def last_round(world: SchoolWorld, *, departments: list[Department]) -> ReviewCycle:
    """Closed: world.student was green (7,5) in Nederlands."""
    cycle = review_round(
        world,
        name="Ronde 0",
        period="Periode 0",
        deadline=datetime.date(2026, 9, 25),
        phase=Phase.CLOSED,
        departments=departments,
    )
    Entry.objects.create(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        light=Light.GREEN,
        grade=Decimal("7.5"),
    )
    return cycle


def this_round(world: SchoolWorld, *, phase: str, departments: list[Department], advice: str = ADVICE) -> ReviewCycle:
    """In `phase`: world.student is red (4,8) in Nederlands now, with the teacher's advice (worse than last time)."""
    cycle = review_round(
        world,
        name="Ronde 1",
        period="Periode 1",
        deadline=datetime.date(2026, 11, 20),
        phase=phase,
        departments=departments,
    )
    Entry.objects.create(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        light=Light.RED,
        grade=Decimal("4.8"),
        advice=advice,
        updated_by=world.teacher,
    )
    return cycle
