"""Fixtures for the open class meeting: 4H1 with a class representative, and a meeting a week ahead."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from classmeetings.models import ClassRepresentative, OpenClassMeeting, PersonalCoach
from classmeetings.services import meeting_mode, preparation
from school.models import Student, User
from tests.factories import StaffFactory, StudentFactory, UserFactory

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def a_week_ahead(hour: int = 10, days: int = 7) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=AMSTERDAM)


@pytest.fixture
def classmate(world) -> Student:
    """A second student of 4H1, with a login: the class representative ("klasleider")."""
    return StudentFactory(
        school=world.school, class_group=world.class_group, user=UserFactory(school=world.school), last_name="Aalders"
    )


@pytest.fixture
def representative(world, classmate) -> User:
    ClassRepresentative.objects.create(class_group=world.class_group, student=classmate, appointed_by=world.mentor)
    return classmate.user


@pytest.fixture
def coach(world) -> User:
    """A member of staff world.student chose as their personal coach."""
    staff = StaffFactory(school=world.school)
    PersonalCoach.objects.create(student=world.student, coach=staff)
    return staff.user


@pytest.fixture
def a_meeting(world, classmate, representative) -> OpenClassMeeting:
    """4H1's open meeting a week from now, being prepared: both students invited and discussed, 5 minutes each."""
    return preparation.meeting_create(
        class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(), minutes_per_student=5
    )


@pytest.fixture
def a_running_meeting(world, a_meeting) -> OpenClassMeeting:
    return meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)


@pytest.fixture
def an_open_item(world, a_running_meeting):
    """world.student's item, under discussion."""
    item = a_running_meeting.items.get(student=world.student)
    return meeting_mode.item_open(item=item, actor=world.mentor)
