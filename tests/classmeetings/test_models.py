"""The database holds the rules that must never break, whatever the code above it does."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from classmeetings.models import (
    FloorRequest,
    ItemPoint,
    MeetingItem,
    MeetingStudent,
    OpenClassMeeting,
    PersonalCoach,
    PreparedInput,
)
from mentoring.models import Agreement, MentorTalk
from tests.factories import StaffFactory
from tests.rounds import this_round


def refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_one_current_speaker_per_item(world, an_open_item, classmate):
    now = timezone.now()
    FloorRequest.objects.create(item=an_open_item, user=world.student_user, status="granted", granted_at=now)
    refused(
        lambda: FloorRequest.objects.create(item=an_open_item, user=classmate.user, status="granted", granted_at=now)
    )
    # Done and waiting requests beside the speaker are fine.
    FloorRequest.objects.create(item=an_open_item, user=classmate.user, status="requested")
    FloorRequest.objects.create(item=an_open_item, user=world.teacher, status="done", granted_at=now)


def test_one_open_request_per_person_per_item(world, an_open_item):
    FloorRequest.objects.create(item=an_open_item, user=world.student_user)
    refused(lambda: FloorRequest.objects.create(item=an_open_item, user=world.student_user))
    refused(
        lambda: FloorRequest.objects.create(
            item=an_open_item, user=world.student_user, status="granted", granted_at=timezone.now()
        )
    )
    # Withdrawn and done requests leave room for a new one.
    FloorRequest.objects.filter(item=an_open_item).update(status="withdrawn")
    FloorRequest.objects.create(item=an_open_item, user=world.student_user)


def test_a_granted_request_has_its_time_and_a_status_from_the_list(world, an_open_item):
    refused(lambda: FloorRequest.objects.create(item=an_open_item, user=world.teacher, status="granted"))
    refused(lambda: FloorRequest.objects.create(item=an_open_item, user=world.teacher, status="shouting"))


def test_one_open_item_per_meeting(world, a_running_meeting, an_open_item):
    other = a_running_meeting.items.exclude(pk=an_open_item.pk).get()
    refused(lambda: MeetingItem.objects.filter(pk=other.pk).update(status="open", opened_at=timezone.now()))


def test_item_times_and_minutes(world, a_running_meeting):
    item = a_running_meeting.items.first()
    refused(lambda: MeetingItem.objects.filter(pk=item.pk).update(status="open"))
    refused(lambda: MeetingItem.objects.filter(pk=item.pk).update(status="closed", opened_at=timezone.now()))
    refused(lambda: MeetingItem.objects.filter(pk=item.pk).update(planned_minutes=0))
    refused(lambda: MeetingItem.objects.filter(pk=item.pk).update(planned_minutes=61))


def test_a_meeting_runs_only_with_last_times_agreements_checked(a_meeting):
    refused(
        lambda: OpenClassMeeting.objects.filter(pk=a_meeting.pk).update(status="running", started_at=timezone.now())
    )
    refused(lambda: OpenClassMeeting.objects.filter(pk=a_meeting.pk).update(minutes_per_student=0))
    refused(lambda: OpenClassMeeting.objects.filter(pk=a_meeting.pk).update(status="adjourned"))


def test_a_closed_meeting_has_its_closing_time(a_running_meeting):
    refused(lambda: OpenClassMeeting.objects.filter(pk=a_running_meeting.pk).update(status="closed"))


def test_a_student_is_once_on_a_programme_and_excused_has_its_time(world, a_meeting):
    refused(lambda: MeetingStudent.objects.create(meeting=a_meeting, student=world.student))
    refused(lambda: MeetingStudent.objects.filter(meeting=a_meeting, student=world.student).update(excused=True))


def test_excusing_has_no_reason_field():
    names = {f.name for f in MeetingStudent._meta.get_fields()}
    assert not names & {"reason", "excuse_reason", "note", "why"}


def test_one_active_personal_coach_per_student(world):
    first, second = StaffFactory(school=world.school), StaffFactory(school=world.school)
    PersonalCoach.objects.create(student=world.student, coach=first)
    refused(lambda: PersonalCoach.objects.create(student=world.student, coach=second))
    PersonalCoach.objects.filter(student=world.student).update(ended_at=timezone.now() + datetime.timedelta(seconds=1))
    PersonalCoach.objects.create(student=world.student, coach=second)


def test_a_coach_ends_after_being_chosen(world):
    coach = PersonalCoach.objects.create(student=world.student, coach=StaffFactory(school=world.school))
    refused(
        lambda: PersonalCoach.objects.filter(pk=coach.pk).update(ended_at=coach.chosen_at - datetime.timedelta(days=1))
    )


def test_prepared_input_once_per_student_and_submitted_has_its_time(world, a_meeting):
    PreparedInput.objects.create(meeting=a_meeting, student=world.student)
    refused(lambda: PreparedInput.objects.create(meeting=a_meeting, student=world.student))
    refused(lambda: PreparedInput.objects.filter(meeting=a_meeting).update(status="submitted"))


def test_points_have_a_kind_and_a_text(an_open_item):
    refused(lambda: ItemPoint.objects.create(item=an_open_item, kind="neutral", text="x"))
    refused(lambda: ItemPoint.objects.create(item=an_open_item, kind="positive", text=""))


def test_an_agreement_is_made_in_one_place_at_most(world, an_open_item):
    agreement = Agreement.objects.create(
        student=world.student,
        class_item=an_open_item,
        text="Elke dag woordjes leren",
        owner="student",
        due_on=timezone.localdate(),
    )
    cycle = this_round(world, phase="mentor_talks", departments=[world.department])
    talk = MentorTalk.objects.create(cycle=cycle, student=world.student)
    refused(lambda: Agreement.objects.filter(pk=agreement.pk).update(talk=talk))


def test_the_meeting_items_agreements_are_mentoring_agreements(world, an_open_item):
    Agreement.objects.create(
        student=world.student, class_item=an_open_item, text="t", owner="student", due_on=timezone.localdate()
    )
    assert an_open_item.agreements.count() == 1
    assert world.student.agreements.filter(class_item=an_open_item).count() == 1  # in the student's one timeline
