"""Preparing the meeting: the programme, excusing oneself, prepared input, last time's agreements."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from classmeetings.models import MeetingStudent, OpenClassMeeting, PreparedInput
from classmeetings.services import meeting_mode, preparation
from mentoring.models import Agreement, Reflection
from tests.factories import PeriodFactory, StudentFactory
from tests.rounds import this_round

from .conftest import a_week_ahead


def programme(meeting) -> list[tuple[str, bool, bool]]:
    return [
        (row.student.last_name, row.discussed, row.excused)
        for row in MeetingStudent.objects.filter(meeting=meeting).select_related("student").order_by("position")
    ]


# --- creating the meeting -----------------------------------------------------------------------------------------


def test_creating_invites_every_active_student_and_discusses_all(world, classmate, a_meeting):
    StudentFactory(school=world.school, class_group=world.class_group, is_active=False)
    rows = MeetingStudent.objects.filter(meeting=a_meeting)
    assert {row.student_id for row in rows} == {world.student.pk, classmate.pk}
    assert all(row.invited and row.discussed and not row.excused for row in rows)
    assert a_meeting.status == OpenClassMeeting.Status.PREPARING
    assert a_meeting.school_id == world.school.pk
    assert a_meeting.created_by == world.mentor


def test_the_class_representative_creates_a_meeting_with_a_list_and_extra_teachers(world, classmate, representative):
    meeting = preparation.meeting_create(
        class_group=world.class_group,
        actor=representative,
        starts_at=a_week_ahead(),
        minutes_per_student=8,
        discuss_all=False,
        discussed_student_ids=[world.student.pk],
        extra_teacher_ids=[world.other_teacher.staff.pk],
    )
    assert {name: discussed for name, discussed, _ in programme(meeting)} == {
        world.student.last_name: True,
        classmate.last_name: False,
    }
    assert list(meeting.extra_teachers.all()) == [world.other_teacher.staff]
    assert meeting.minutes_per_student == 8


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": datetime.datetime(2026, 12, 1, 10, 0)}, "starts_at"),  # noqa: DTZ001 - naive on purpose
        ({"minutes_per_student": 0}, "minutes_per_student"),
        ({"minutes_per_student": "vijf"}, "minutes_per_student"),
        ({"minutes_per_student": 61}, "minutes_per_student"),
        ({"discuss_all": False, "discussed_student_ids": []}, "discussed"),
        ({"discuss_all": False, "discussed_student_ids": ["x"]}, "discussed"),
        ({"location": "x" * 101}, "location"),
    ],
)
def test_bad_programmes_are_refused_with_a_message(world, representative, changes, field):
    values = {"class_group": world.class_group, "actor": world.mentor, "starts_at": a_week_ahead(), **changes}
    with pytest.raises(ValidationError) as error:
        preparation.meeting_create(**values)
    assert field in error.value.message_dict
    assert not OpenClassMeeting.objects.exists()


def test_only_students_of_the_class_are_discussed_and_only_staff_of_the_school_invited(world, representative):
    with pytest.raises(ValidationError) as error:
        preparation.meeting_create(
            class_group=world.class_group,
            actor=world.mentor,
            starts_at=a_week_ahead(),
            discuss_all=False,
            discussed_student_ids=[world.other_student.pk],
            extra_teacher_ids=[world.outsider.staff.pk],
        )
    assert set(error.value.message_dict) == {"discussed", "extra_teachers"}


def test_a_period_of_another_school_is_refused(world):
    with pytest.raises(ValidationError) as error:
        preparation.meeting_create(
            class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(), period=PeriodFactory()
        )
    assert "period" in error.value.message_dict


@pytest.mark.parametrize("role", ["student_user", "teacher", "other_mentor", "other_team_leader", "admin", "outsider"])
def test_others_may_not_create_a_meeting(world, role):
    with pytest.raises(PermissionDenied):
        preparation.meeting_create(class_group=world.class_group, actor=getattr(world, role), starts_at=a_week_ahead())


def test_the_programme_changes_while_prepared(world, classmate, a_meeting):
    newcomer = StudentFactory(school=world.school, class_group=world.class_group, last_name="Zwart")
    preparation.meeting_programme_set(
        meeting=a_meeting,
        actor=classmate.user,
        starts_at=a_week_ahead(hour=13),
        minutes_per_student=3,
        discuss_all=False,
        discussed_student_ids=[world.student.pk, newcomer.pk],
        extra_teacher_ids=[world.other_teacher.staff.pk],
        order=[newcomer.pk, world.student.pk],
    )
    a_meeting.refresh_from_db()
    assert a_meeting.minutes_per_student == 3
    assert a_meeting.starts_at == a_week_ahead(hour=13)
    assert programme(a_meeting) == [
        ("Zwart", True, False),
        (world.student.last_name, True, False),
        ("Aalders", False, False),
    ]


def test_the_programme_is_fixed_once_the_meeting_runs(world, a_running_meeting):
    with pytest.raises(ValidationError) as error:
        preparation.meeting_programme_set(
            meeting=a_running_meeting,
            actor=world.mentor,
            starts_at=a_week_ahead(),
            minutes_per_student=5,
            discuss_all=True,
        )
    assert error.value.code == "not_preparing"


def test_an_order_naming_a_stranger_is_refused(world, a_meeting):
    with pytest.raises(ValidationError):
        preparation.meeting_programme_set(
            meeting=a_meeting,
            actor=world.mentor,
            starts_at=a_week_ahead(),
            minutes_per_student=5,
            discuss_all=True,
            order=[world.other_student.pk],
        )


# --- excusing oneself -----------------------------------------------------------------------------------------------


def test_a_student_excuses_themselves_without_a_reason_and_undoes_it(world, a_meeting):
    row = preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user)
    assert row.excused
    assert row.excused_at is not None
    again = preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user)
    assert again.excused_at == row.excused_at  # twice is once
    undone = preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user, excused=False)
    assert not undone.excused
    assert undone.excused_at is None


@pytest.mark.parametrize("role", ["mentor", "other_student_user", "guardian", "teacher"])
def test_nobody_excuses_someone_else(world, a_meeting, role):
    with pytest.raises(PermissionDenied):
        preparation.meeting_excuse(meeting=a_meeting, actor=getattr(world, role))


def test_excusing_closes_when_the_meeting_starts(world, a_running_meeting):
    with pytest.raises(PermissionDenied):
        preparation.meeting_excuse(meeting=a_running_meeting, actor=world.student_user)


def test_an_excused_student_gets_no_item(world, classmate, a_meeting):
    preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user)
    meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
    assert list(a_meeting.items.values_list("student_id", flat=True)) == [classmate.pk]


# --- prepared input -------------------------------------------------------------------------------------------------


def test_input_starts_empty_without_a_reflection(world, a_meeting):
    prepared = preparation.prepared_input_get_or_start(meeting=a_meeting, actor=world.student_user)
    assert prepared.went_well == ""
    assert prepared.from_reflection is None
    assert prepared.status == PreparedInput.Status.DRAFT


def test_input_is_prefilled_from_the_reflection_of_the_same_period(world, a_meeting):
    cycle = this_round(world, phase="mentor_talks", departments=[world.department])
    reflection = Reflection.objects.create(
        cycle=cycle, student=world.student, went_well="Geschiedenis", feeling_in_class="Prima"
    )
    a_meeting.period = cycle.period
    a_meeting.save(update_fields=["period"])
    prepared = preparation.prepared_input_get_or_start(meeting=a_meeting, actor=world.student_user)
    assert (prepared.went_well, prepared.feeling_in_class) == ("Geschiedenis", "Prima")
    assert prepared.from_reflection == reflection


def test_without_a_period_the_meetings_date_finds_it(world, a_meeting):
    cycle = this_round(world, phase="mentor_talks", departments=[world.department])
    day = a_meeting.starts_at.date()
    cycle.period.start_date, cycle.period.end_date = (
        day - datetime.timedelta(days=10),
        day + datetime.timedelta(days=10),
    )
    cycle.period.save()
    Reflection.objects.create(cycle=cycle, student=world.student, went_well="Geschiedenis")
    prepared = preparation.prepared_input_get_or_start(meeting=a_meeting, actor=world.student_user)
    assert prepared.went_well == "Geschiedenis"


def test_a_reflection_of_another_period_is_not_used(world, a_meeting):
    cycle = this_round(world, phase="mentor_talks", departments=[world.department])
    Reflection.objects.create(cycle=cycle, student=world.student, went_well="Geschiedenis")
    a_meeting.period = PeriodFactory(school=world.school, school_year=world.class_group.school_year)
    a_meeting.save(update_fields=["period"])
    prepared = preparation.prepared_input_get_or_start(meeting=a_meeting, actor=world.student_user)
    assert prepared.went_well == ""


def test_saving_and_submitting_input(world, a_meeting):
    prepared = preparation.prepared_input_save(
        meeting=a_meeting,
        actor=world.student_user,
        values={"went_well": "Wiskunde\r\nging goed", "went_less_well": "Frans"},
        version=1,
    )
    assert prepared.went_well == "Wiskunde\nging goed"
    assert prepared.version == 2
    submitted = preparation.prepared_input_submit(meeting=a_meeting, actor=world.student_user)
    assert submitted.is_submitted
    assert submitted.submitted_at is not None
    with pytest.raises(ValidationError) as error:
        preparation.prepared_input_save(
            meeting=a_meeting, actor=world.student_user, values={"went_well": "x"}, version=3
        )
    assert error.value.code == "submitted"


def test_a_stale_tab_does_not_overwrite_input(world, a_meeting):
    preparation.prepared_input_save(meeting=a_meeting, actor=world.student_user, values={"went_well": "A"}, version=1)
    with pytest.raises(preparation.PreparedInputConflict) as conflict:
        preparation.prepared_input_save(
            meeting=a_meeting, actor=world.student_user, values={"went_well": "B"}, version=1
        )
    assert conflict.value.current.went_well == "A"
    # The same text again (a retry) is no conflict.
    same = preparation.prepared_input_save(
        meeting=a_meeting, actor=world.student_user, values={"went_well": "A"}, version=1
    )
    assert same.version == 2


def test_bad_input_is_refused(world, a_meeting):
    with pytest.raises(ValidationError) as error:
        preparation.prepared_input_save(
            meeting=a_meeting, actor=world.student_user, values={"help_needed": "x" * 2001}, version=1
        )
    assert "help_needed" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        preparation.prepared_input_submit(meeting=a_meeting, actor=world.student_user)
    assert set(error.value.message_dict) == {"went_well", "went_less_well"}


@pytest.mark.parametrize("role", ["mentor", "other_student_user", "guardian"])
def test_only_the_attending_student_writes_their_input(world, a_meeting, role):
    with pytest.raises(PermissionDenied):
        preparation.prepared_input_save(meeting=a_meeting, actor=getattr(world, role), values={}, version=1)


def test_an_excused_student_writes_no_input(world, a_meeting):
    preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user)
    with pytest.raises(PermissionDenied):
        preparation.prepared_input_get_or_start(meeting=a_meeting, actor=world.student_user)


# --- last time's agreements ------------------------------------------------------------------------------


@pytest.fixture
def last_times_agreements(world, classmate, a_meeting) -> list[Agreement]:
    """An earlier meeting of 4H1, closed, whose items left two open agreements."""
    earlier = OpenClassMeeting.objects.create(
        school=world.school,
        class_group=world.class_group,
        starts_at=a_meeting.starts_at - datetime.timedelta(days=60),
        status="closed",
        agreements_checked_at=timezone.now(),
        started_at=timezone.now(),
        closed_at=timezone.now(),
    )
    agreements = []
    for position, student in enumerate([world.student, classmate], start=1):
        item = earlier.items.create(
            student=student,
            position=position,
            planned_minutes=5,
            status="closed",
            opened_at=timezone.now(),
            closed_at=timezone.now(),
        )
        agreements.append(
            Agreement.objects.create(
                student=student,
                class_item=item,
                text=f"Afspraak {position}",
                owner="student",
                due_on=timezone.localdate(),
            )
        )
    return agreements


def test_the_meeting_cannot_start_before_last_times_agreements_are_checked(world, a_meeting, last_times_agreements):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
    assert error.value.code == "agreements_open"
    assert "2 agreements" in error.value.messages[0]
    first, second = last_times_agreements
    still_open = preparation.previous_agreements_check(
        meeting=a_meeting, actor=world.mentor, statuses={first.pk: "met"}
    )
    assert still_open == [second]
    a_meeting.refresh_from_db()
    assert a_meeting.agreements_checked_at is None
    with pytest.raises(ValidationError):
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
    preparation.previous_agreements_check(meeting=a_meeting, actor=world.mentor, statuses={str(second.pk): "partly"})
    a_meeting.refresh_from_db()
    assert a_meeting.agreements_checked_at is not None
    assert {a.status for a in Agreement.objects.all()} == {"met", "partly"}
    meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
    assert a_meeting.status == "running"


def test_checking_is_for_the_staff_chairs_with_a_valid_status(world, a_meeting, last_times_agreements, representative):
    first, _second = last_times_agreements
    with pytest.raises(PermissionDenied):
        preparation.previous_agreements_check(meeting=a_meeting, actor=representative, statuses={first.pk: "met"})
    with pytest.raises(ValidationError):
        preparation.previous_agreements_check(meeting=a_meeting, actor=world.mentor, statuses={first.pk: "open"})
    preparation.previous_agreements_check(meeting=a_meeting, actor=world.mentor, statuses={first.pk: "not_met"})
    with pytest.raises(ValidationError) as error:  # checked already
        preparation.previous_agreements_check(meeting=a_meeting, actor=world.mentor, statuses={first.pk: "met"})
    assert error.value.code == "unknown"


def test_agreements_of_another_class_are_not_this_meetings_to_check(world, a_meeting, last_times_agreements):
    other_class_meeting = preparation.meeting_create(
        class_group=world.other_class_group, actor=world.other_mentor, starts_at=a_week_ahead()
    )
    with pytest.raises(ValidationError):
        preparation.previous_agreements_check(
            meeting=other_class_meeting, actor=world.other_mentor, statuses={last_times_agreements[0].pk: "met"}
        )
    meeting_mode.meeting_start(meeting=other_class_meeting, actor=world.other_mentor)  # nothing of its own to check
