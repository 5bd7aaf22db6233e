"""Meeting mode: start, items, the speaker queue, points, the decision, closing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from classmeetings.models import FloorRequest, ItemDecision, MeetingItem, OpenClassMeeting
from classmeetings.selectors import balance, open_previous_agreements, speaker_queue
from classmeetings.services import meeting_mode, preparation
from mentoring.models import Agreement
from mentoring.selectors.talks import open_agreements_for
from tests.rounds import this_round

from .conftest import a_week_ahead


def in_a_month() -> str:
    return (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


# --- starting -----------------------------------------------------------------------------------------------


def test_starting_makes_an_item_per_discussed_student_in_programme_order(world, classmate, a_meeting):
    meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
    items = list(a_meeting.items.order_by("position"))
    assert [(item.student_id, item.position, item.planned_minutes) for item in items] == [
        (classmate.pk, 1, 5),
        (world.student.pk, 2, 5),
    ]
    a_meeting.refresh_from_db()
    assert a_meeting.status == OpenClassMeeting.Status.RUNNING
    assert a_meeting.agreements_checked_at is not None


def test_the_class_representative_may_start_but_a_student_may_not(world, a_meeting, representative):
    with pytest.raises(PermissionDenied):
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.student_user)
    meeting_mode.meeting_start(meeting=a_meeting, actor=representative)


def test_a_meeting_starts_once(world, a_running_meeting):
    with pytest.raises(ValidationError) as error:
        meeting_mode.meeting_start(meeting=a_running_meeting, actor=world.mentor)
    assert error.value.code == "started"


def test_a_meeting_with_everyone_excused_does_not_start(world, classmate, a_meeting):
    preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user)
    preparation.meeting_excuse(meeting=a_meeting, actor=classmate.user)
    with pytest.raises(ValidationError) as error:
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
    assert error.value.code == "empty"


# --- items --------------------------------------------------------------------------------------------------


def test_one_item_at_a_time(world, a_running_meeting, an_open_item):
    other = a_running_meeting.items.exclude(pk=an_open_item.pk).get()
    with pytest.raises(ValidationError) as error:
        meeting_mode.item_open(item=other, actor=world.mentor)
    assert error.value.code == "other_open"
    assert meeting_mode.item_open(item=an_open_item, actor=world.mentor).status == "open"  # opening twice is once


def test_items_open_only_while_the_meeting_runs(world, a_meeting):
    with pytest.raises(PermissionDenied):  # no items before the start, and a student is no chair anyway
        meeting_mode.meeting_close(meeting=a_meeting, actor=world.student_user)
    with pytest.raises(ValidationError) as error:
        meeting_mode.meeting_close(meeting=a_meeting, actor=world.mentor)
    assert error.value.code == "not_running"


def test_notes_are_kept_by_the_staff_chair_until_the_item_closes(world, an_open_item, representative):
    meeting_mode.item_notes_save(item=an_open_item, actor=world.mentor, notes="Loopt goed\r\nmaar Frans")
    an_open_item.refresh_from_db()
    assert an_open_item.notes == "Loopt goed\nmaar Frans"
    with pytest.raises(PermissionDenied):
        meeting_mode.item_notes_save(item=an_open_item, actor=representative, notes="x")
    with pytest.raises(ValidationError):
        meeting_mode.item_notes_save(item=an_open_item, actor=world.mentor, notes="x" * 10001)


def test_points_make_the_balance(world, an_open_item, representative):
    meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="positive", text="  Helpt   anderen ")
    meeting_mode.point_note(item=an_open_item, actor=representative, kind="positive", text="Altijd op tijd")
    point = meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="negative", text="Huiswerk")
    assert balance(an_open_item) == (2, 1)
    assert an_open_item.points.first().text == "Helpt anderen"
    assert point.noted_by == world.mentor


@pytest.mark.parametrize(("kind", "text", "field"), [("neutral", "x", "kind"), ("positive", "  ", "text")])
def test_bad_points_are_refused(world, an_open_item, kind, text, field):
    with pytest.raises(ValidationError) as error:
        meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind=kind, text=text)
    assert field in error.value.message_dict


def test_points_only_on_the_open_item_and_only_by_a_chair(world, a_running_meeting, an_open_item):
    waiting = a_running_meeting.items.exclude(pk=an_open_item.pk).get()
    with pytest.raises(ValidationError):
        meeting_mode.point_note(item=waiting, actor=world.mentor, kind="positive", text="x")
    with pytest.raises(PermissionDenied):
        meeting_mode.point_note(item=an_open_item, actor=world.teacher, kind="positive", text="x")


# --- the speaker queue --------------------------------------------------------------------------------------


def test_request_grant_done(world, an_open_item, classmate):
    first = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)
    second = meeting_mode.floor_request(item=an_open_item, actor=world.teacher)
    assert meeting_mode.floor_request(item=an_open_item, actor=world.student_user) == first  # asking twice is once
    queue = speaker_queue(an_open_item)
    assert queue.speaker is None
    assert [r.user for r in queue.waiting] == [world.student_user, world.teacher]
    assert queue.position_of(world.teacher.pk) == 2

    meeting_mode.floor_grant(request=first, actor=world.mentor)
    queue = speaker_queue(an_open_item)
    assert queue.speaker.user == world.student_user
    assert queue.speaker.granted_by == world.mentor

    # Granting the next ends the current speaker: one at a time.
    meeting_mode.floor_grant(request=second, actor=classmate.user)
    first.refresh_from_db()
    assert first.status == FloorRequest.Status.DONE
    assert speaker_queue(an_open_item).speaker.user == world.teacher
    meeting_mode.floor_done(request=second, actor=world.teacher)
    assert speaker_queue(an_open_item).speaker is None


def test_withdrawing_a_request(world, an_open_item):
    request = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)
    with pytest.raises(PermissionDenied):
        meeting_mode.floor_withdraw(request=request, actor=world.teacher)
    meeting_mode.floor_withdraw(request=request, actor=world.student_user)
    request.refresh_from_db()
    assert request.status == FloorRequest.Status.WITHDRAWN
    with pytest.raises(ValidationError) as error:
        meeting_mode.floor_grant(request=request, actor=world.mentor)
    assert error.value.code == "not_waiting"
    again = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)  # a new place at the end
    assert again.pk != request.pk


def test_the_speaker_cannot_withdraw_only_be_done(world, an_open_item):
    request = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)
    meeting_mode.floor_grant(request=request, actor=world.mentor)
    with pytest.raises(ValidationError):
        meeting_mode.floor_withdraw(request=request, actor=world.student_user)


def test_only_a_chair_grants_and_ends_someone_elses_turn(world, an_open_item):
    request = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)
    for actor in (world.teacher, world.student_user):
        with pytest.raises(PermissionDenied):
            meeting_mode.floor_grant(request=request, actor=actor)
    meeting_mode.floor_grant(request=request, actor=world.mentor)
    with pytest.raises(PermissionDenied):
        meeting_mode.floor_done(request=request, actor=world.teacher)


@pytest.mark.parametrize("role", ["other_student_user", "guardian", "other_mentor", "admin", "outsider"])
def test_outsiders_cannot_ask_for_the_floor(world, an_open_item, role):
    with pytest.raises(PermissionDenied):
        meeting_mode.floor_request(item=an_open_item, actor=getattr(world, role))


def test_the_floor_is_asked_on_the_open_item_only(world, a_running_meeting, an_open_item):
    waiting = a_running_meeting.items.exclude(pk=an_open_item.pk).get()
    with pytest.raises(ValidationError) as error:
        meeting_mode.floor_request(item=waiting, actor=world.student_user)
    assert error.value.code == "item_not_open"


def test_two_stale_grants_leave_one_speaker(world, an_open_item, classmate):
    """Two chairs each click "give the floor" on their own screen: the later click wins, never two speakers."""
    first = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)
    second = meeting_mode.floor_request(item=an_open_item, actor=world.teacher)
    stale_first = FloorRequest.objects.get(pk=first.pk)
    stale_second = FloorRequest.objects.get(pk=second.pk)
    meeting_mode.floor_grant(request=stale_first, actor=world.mentor)
    meeting_mode.floor_grant(request=stale_second, actor=classmate.user)
    assert FloorRequest.objects.filter(item=an_open_item, status="granted").count() == 1


# --- the decision and closing -------------------------------------------------------------------------------


def test_an_item_cannot_close_without_a_decision(world, an_open_item):
    with pytest.raises(ValidationError) as error:
        meeting_mode.item_close(item=an_open_item, actor=world.mentor)
    assert error.value.code == "no_decision"
    assert MeetingItem.objects.get(pk=an_open_item.pk).status == "open"


def test_recording_a_decision_with_agreements_then_closing(world, an_open_item, representative):
    waiting = meeting_mode.floor_request(item=an_open_item, actor=world.teacher)
    speaking = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)
    meeting_mode.floor_grant(request=speaking, actor=world.mentor)
    decision = meeting_mode.decision_record(
        item=an_open_item,
        actor=world.mentor,
        tips="Maak een planning.",
        agreements=[
            {"text": "Elke dag woordjes", "owner": "student", "due_on": in_a_month()},
            {
                "text": "Extra uitleg",
                "owner": "teacher",
                "due_on": in_a_month(),
                "owner_staff_id": world.teacher.staff.pk,
            },
        ],
    )
    assert decision.tips == "Maak een planning."
    agreements = list(an_open_item.agreements.order_by("pk"))
    assert [(a.student_id, a.owner, a.status) for a in agreements] == [
        (world.student.pk, "student", "open"),
        (world.student.pk, "teacher", "open"),
    ]
    assert agreements[1].owner_staff == world.teacher.staff
    meeting_mode.item_close(item=an_open_item, actor=representative)  # the co-chair moves on
    an_open_item.refresh_from_db()
    assert an_open_item.status == "closed"
    assert an_open_item.closed_at is not None
    statuses = dict(FloorRequest.objects.values_list("pk", "status"))
    assert statuses == {waiting.pk: "withdrawn", speaking.pk: "done"}


def test_the_decision_needs_tips_or_agreements(world, an_open_item):
    with pytest.raises(ValidationError) as error:
        meeting_mode.decision_record(item=an_open_item, actor=world.mentor, tips="  ")
    assert "__all__" in error.value.message_dict
    decision = meeting_mode.decision_record(
        item=an_open_item,
        actor=world.mentor,
        agreements=[{"text": "Op tijd komen", "owner": "student", "due_on": in_a_month()}],
    )
    assert decision.tips == ""


@pytest.mark.parametrize(
    "agreement",
    [
        {"text": "", "owner": "student", "due_on": "2099-01-01"},
        {"text": "x" * 501, "owner": "student", "due_on": "2099-01-01"},
        {"text": "x", "owner": "guardian", "due_on": "2099-01-01"},
        {"text": "x", "owner": "student", "due_on": "morgen"},
        {"text": "x", "owner": "student", "due_on": "2000-01-01"},
        {"text": "x", "owner": "teacher", "due_on": "2099-01-01", "owner_staff_id": "abc"},
    ],
)
def test_bad_agreements_are_refused_and_nothing_is_written(world, an_open_item, agreement):
    with pytest.raises(ValidationError) as error:
        meeting_mode.decision_record(item=an_open_item, actor=world.mentor, tips="Tip", agreements=[agreement])
    assert "agreements" in error.value.message_dict
    assert not ItemDecision.objects.exists()
    assert not Agreement.objects.exists()


def test_a_staff_member_of_another_school_is_no_owner(world, an_open_item):
    with pytest.raises(ValidationError):
        meeting_mode.decision_record(
            item=an_open_item,
            actor=world.mentor,
            agreements=[
                {"text": "x", "owner": "teacher", "due_on": in_a_month(), "owner_staff_id": world.outsider.staff.pk}
            ],
        )


def test_one_decision_per_item_by_a_staff_chair(world, an_open_item, representative):
    with pytest.raises(PermissionDenied):
        meeting_mode.decision_record(item=an_open_item, actor=representative, tips="x")
    meeting_mode.decision_record(item=an_open_item, actor=world.team_leader, tips="x")
    with pytest.raises(ValidationError) as error:
        meeting_mode.decision_record(item=an_open_item, actor=world.mentor, tips="y")
    assert error.value.code == "decided"


def test_closing_the_meeting_needs_every_item_closed(world, a_running_meeting, an_open_item):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        meeting_mode.meeting_close(meeting=a_running_meeting, actor=world.mentor)
    assert "2 items" in error.value.messages[0]
    for item in sorted(a_running_meeting.items.all(), key=lambda item: item.pk != an_open_item.pk):
        meeting_mode.item_open(item=item, actor=world.mentor)
        meeting_mode.decision_record(item=item, actor=world.mentor, tips="Goed bezig")
        meeting_mode.item_close(item=item, actor=world.mentor)
    meeting_mode.meeting_close(meeting=a_running_meeting, actor=world.mentor)
    a_running_meeting.refresh_from_db()
    assert a_running_meeting.status == "closed"
    with pytest.raises(PermissionDenied):  # read-only now
        meeting_mode.item_notes_save(item=an_open_item, actor=world.mentor, notes="later")


# --- the agreements loop ------------------------------------------------------------------------------------


def run_through(meeting, mentor, agreements_for: dict) -> None:
    meeting_mode.meeting_start(meeting=meeting, actor=mentor)
    for item in meeting.items.order_by("position"):
        meeting_mode.item_open(item=item, actor=mentor)
        meeting_mode.decision_record(
            item=item, actor=mentor, tips="Tip", agreements=agreements_for.get(item.student_id, [])
        )
        meeting_mode.item_close(item=item, actor=mentor)
    meeting_mode.meeting_close(meeting=meeting, actor=mentor)


def test_the_next_meeting_and_the_next_mentor_talk_start_with_the_open_agreement(world, a_meeting):
    run_through(
        a_meeting,
        world.mentor,
        {world.student.pk: [{"text": "Elke dag woordjes", "owner": "student", "due_on": in_a_month()}]},
    )
    agreement = Agreement.objects.get()
    next_meeting = preparation.meeting_create(
        class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(days=21)
    )
    assert list(open_previous_agreements(next_meeting)) == [agreement]
    cycle = this_round(world, phase="mentor_talks", departments=[world.department])
    assert list(open_agreements_for([world.student.pk], cycle)) == [agreement]  # the mentor talk's list too
    with pytest.raises(ValidationError):
        meeting_mode.meeting_start(meeting=next_meeting, actor=world.mentor)
    preparation.previous_agreements_check(meeting=next_meeting, actor=world.mentor, statuses={agreement.pk: "met"})
    meeting_mode.meeting_start(meeting=next_meeting, actor=world.mentor)
    assert not open_agreements_for([world.student.pk], cycle).exists()
