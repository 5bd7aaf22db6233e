"""Fixtures for the speed-date and the department meeting: a world whose cycle has lights to read."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from mentoring.models import Category, DepartmentMeeting, Escalation, Goal, Publication, Reflection, TalkSlot
from mentoring.selectors.evidence import student_evidence
from reviews.models import Phase, ReviewCycle
from tests.rounds import last_round, this_round


@pytest.fixture
def a_previous_cycle(world) -> ReviewCycle:
    """Last round, closed: world.student was green in Nederlands then."""
    return last_round(world, departments=[world.department, world.other_department])


@pytest.fixture
def a_cycle_in_speed_date(world, a_previous_cycle) -> ReviewCycle:
    """This round, in its speed-date phase: world.student is red in Nederlands now (worse than last time)."""
    return this_round(world, phase=Phase.SPEED_DATE, departments=[world.department, world.other_department])


@pytest.fixture
def an_escalation(world, a_cycle_in_speed_date) -> Escalation:
    """The mentor asks the team leader whether world.student should move down to vmbo-t (pending)."""
    cycle = a_cycle_in_speed_date
    return Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.PROMOTION,
        question="Kan Sam beter naar vmbo-t?",
        proposal="Overstappen na periode 2.",
        evidence=student_evidence(cycle=cycle, student=world.student).as_snapshot(),
        raised_by=world.mentor,
    )


@pytest.fixture
def a_meeting(world, a_cycle_in_speed_date) -> DepartmentMeeting:
    """The havo department's meeting for this round, still being prepared, with no items yet."""
    return DepartmentMeeting.objects.create(cycle=a_cycle_in_speed_date, department=world.department)


# --- step 4: published feedback, reflections, talks ---------------------------------------------


@pytest.fixture
def a_published_cycle(world, a_cycle_in_speed_date) -> ReviewCycle:
    """This round in its mentor-talk phase, published to the havo department (world.student's), not to vwo."""
    cycle = a_cycle_in_speed_date
    cycle.phase = Phase.MENTOR_TALKS
    cycle.save(update_fields=["phase"])
    Publication.objects.create(cycle=cycle, department=world.department, published_by=world.team_leader)
    return cycle


@pytest.fixture
def a_reflection(world, a_published_cycle) -> Reflection:
    """world.student's draft reflection with one goal."""
    reflection = Reflection.objects.create(
        cycle=a_published_cycle,
        student=world.student,
        went_well="Geschiedenis ging goed: ik maakte samenvattingen.",
        went_less_well="Nederlands: ik heb de woordjes niet geleerd.",
    )
    Goal.objects.create(
        reflection=reflection,
        position=1,
        goal="Een voldoende voor Nederlands",
        action="Elke dag tien minuten woordjes leren",
        measure="De volgende toets is een 6 of hoger",
    )
    return reflection


@pytest.fixture
def a_talk_slot(world, a_published_cycle) -> TalkSlot:
    """A slot the mentor of 4H1 offers two weeks from today at 16:00 (always in the future)."""
    day = timezone.localdate() + datetime.timedelta(days=14)
    starts = datetime.datetime.combine(day, datetime.time(16, 0), tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
    return TalkSlot.objects.create(
        cycle=a_published_cycle,
        mentor=world.mentor.staff,
        class_group=world.class_group,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=15),
        location="Lokaal 1.04",
    )
