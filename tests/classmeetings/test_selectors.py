"""The agenda with timing and the speaker queue, in a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from classmeetings.models import OpenClassMeeting
from classmeetings.selectors import agenda, own_place, previous_agreements, speaker_queue
from classmeetings.services import meeting_mode, preparation
from mentoring.models import Agreement
from tests.factories import StaffFactory, StudentFactory

from .conftest import a_week_ahead


def a_class_meeting(world, size: int):
    for _ in range(size - 1):
        StudentFactory(school=world.school, class_group=world.class_group)
    return preparation.meeting_create(
        class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(), minutes_per_student=6
    )


def test_the_programme_before_the_start_has_each_students_time(world, classmate, a_meeting):
    preparation.meeting_excuse(meeting=a_meeting, actor=classmate.user)
    result = agenda(a_meeting)
    assert [row.student for row in result.rows] == [world.student]
    assert result.rows[0].planned_start == a_meeting.starts_at
    assert result.excused == [classmate]
    assert result.total_minutes == 5


def test_the_agenda_after_the_start_has_times_balance_and_the_current_item(world, classmate, an_open_item):
    meeting = an_open_item.meeting
    meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="positive", text="Inzet")
    meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="negative", text="Te laat")
    meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="negative", text="Huiswerk")
    result = agenda(meeting)
    assert [(row.student, row.planned_start) for row in result.rows] == [
        (classmate, meeting.starts_at),
        (world.student, meeting.starts_at + datetime.timedelta(minutes=5)),
    ]
    assert result.current.student == world.student
    assert (result.current.positive, result.current.negative) == (1, 2)
    assert result.planned_end == meeting.starts_at + datetime.timedelta(minutes=10)


@pytest.mark.parametrize("size", [3, 12])
def test_the_agenda_costs_the_same_for_any_class(world, django_assert_num_queries, size):
    meeting = a_class_meeting(world, size)
    with django_assert_num_queries(1):
        assert len(agenda(meeting).rows) == size
    meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
    with django_assert_num_queries(2):
        assert len(agenda(meeting).rows) == size


@pytest.mark.parametrize("waiting", [1, 8])
def test_the_speaker_queue_is_one_query(world, an_open_item, django_assert_num_queries, waiting):
    teachers = [StaffFactory(school=world.school) for _ in range(waiting)]
    an_open_item.meeting.extra_teachers.add(*teachers)
    for staff in teachers:
        meeting_mode.floor_request(item=an_open_item, actor=staff.user)
    with django_assert_num_queries(1):
        queue = speaker_queue(an_open_item)
        names = [request.user.username for request in queue.waiting]  # the users come along
    assert names == [staff.user.username for staff in teachers]


@pytest.mark.parametrize("size", [1, 6])
def test_previous_agreements_is_one_query(world, a_meeting, django_assert_num_queries, size):
    earlier = OpenClassMeeting.objects.create(
        school=world.school,
        class_group=world.class_group,
        starts_at=a_meeting.starts_at - datetime.timedelta(days=30),
        status="closed",
        agreements_checked_at=timezone.now(),
        started_at=timezone.now(),
        closed_at=timezone.now(),
    )
    item = earlier.items.create(
        student=world.student, planned_minutes=5, status="closed", opened_at=timezone.now(), closed_at=timezone.now()
    )
    for number in range(size):
        Agreement.objects.create(
            student=world.student,
            class_item=item,
            text=f"Afspraak {number}",
            owner="teacher",
            owner_staff=world.teacher.staff,
            due_on=timezone.localdate(),
        )
    with django_assert_num_queries(1):
        rows = previous_agreements(a_meeting)
        assert all(row.student.full_name and row.owner_staff.user.username for row in rows)
    assert len(rows) == size


def test_a_students_own_place_is_their_invitation_and_their_input(world, a_meeting, django_assert_num_queries):
    with django_assert_num_queries(2):
        place = own_place(a_meeting, world.student)
    assert (place.row.student, place.row.invited, place.prepared) == (world.student, True, None)
    prepared = preparation.prepared_input_get_or_start(meeting=a_meeting, actor=world.student.user)
    assert own_place(a_meeting, world.student).prepared == prepared
    assert own_place(a_meeting, world.other_student) is None  # another class: not invited
    assert own_place(a_meeting, None) is None  # staff, guardians
