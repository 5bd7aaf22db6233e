"""The department meeting's services: every rule, every bad input, and nothing half written.

Only the department's team leader runs the meeting; a finished meeting is read-only;
an item closes only with a decision (text, a rationale for high stakes, agreements with
an owner and a due date to come); the decision keeps a snapshot of the evidence and the
silent vote's tally; votes stay secret until revealed; the mentor gets an e-mail.
"""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from mentoring.models import AgendaItem, Agreement, Category, Decision, DepartmentMeeting, Escalation, Vote
from mentoring.selectors import meetings as selectors
from mentoring.services import meetings as services
from reviews.models import Entry, Light
from tests.factories import StaffFactory, StudentFactory

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def accept(escalation: Escalation, meeting: DepartmentMeeting, position: int = 1, **kwargs) -> AgendaItem:
    """What escalation_accept does (another part of the app): the escalation goes onto the agenda."""
    escalation.status = Escalation.Status.ACCEPTED
    escalation.save(update_fields=["status"])
    return AgendaItem.objects.create(meeting=meeting, escalation=escalation, position=position, **kwargs)


def another_escalation(world, cycle, *, category=Category.CARE, student=None) -> Escalation:
    return Escalation.objects.create(
        cycle=cycle,
        student=student or StudentFactory(school=world.school, class_group=world.class_group),
        department=world.department,
        category=category,
        question="Heeft deze leerling extra begeleiding nodig?",
        raised_by=world.mentor,
    )


@pytest.fixture
def an_item(an_escalation, a_meeting) -> AgendaItem:
    """The (high-stakes) promotion question on the agenda, waiting."""
    return accept(an_escalation, a_meeting)


@pytest.fixture
def a_running_meeting(a_meeting, an_item) -> DepartmentMeeting:
    a_meeting.status = DepartmentMeeting.Status.RUNNING
    a_meeting.started_at = timezone.now()
    a_meeting.save()
    return a_meeting


@pytest.fixture
def present(world, a_meeting):
    """The teacher and the mentor are marked present."""
    a_meeting.attendees.set([world.teacher.staff, world.mentor.staff])
    return a_meeting


@pytest.fixture
def discussing(an_item, a_running_meeting) -> AgendaItem:
    an_item.status = AgendaItem.Status.DISCUSSING
    an_item.opened_at = timezone.now()
    an_item.save()
    return an_item


def fresh(item: AgendaItem) -> AgendaItem:
    return AgendaItem.objects.select_related("meeting__cycle", "meeting__department", "escalation__student").get(
        pk=item.pk
    )


def agreement(**overrides) -> dict:
    return {"text": "Elke week een oefentoets", "owner": "student", "owner_staff_id": None, "due_on": TOMORROW} | (
        overrides
    )


# --- who may run the meeting ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "other_team_leader", "mentor", "teacher", "care_coordinator", "outsider"])
def test_only_the_departments_team_leader_runs_the_meeting(world, a_meeting, an_item, who):
    user = getattr(world, who)
    calls = [
        lambda: services.meeting_plan(meeting=a_meeting, actor=user, location="B-204"),
        lambda: services.meeting_start(meeting=a_meeting, actor=user),
        lambda: services.agenda_reorder(meeting=a_meeting, actor=user, item_ids=[an_item.pk]),
        lambda: services.agenda_item_timebox(item=an_item, actor=user, minutes=5),
        lambda: services.attendance_set(meeting=a_meeting, actor=user, staff_ids=[world.teacher.staff.pk]),
        lambda: services.item_open(item=an_item, actor=user),
        lambda: services.vote_open(item=an_item, actor=user),
        lambda: services.decision_record(item=an_item, actor=user, text="x", rationale="y"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    a_meeting.refresh_from_db()
    assert (a_meeting.status, a_meeting.location) == ("planned", "")
    assert not a_meeting.attendees.exists()


def test_meeting_get_or_create_is_one_per_cycle_and_department(world, a_cycle_in_speed_date):
    first = services.meeting_get_or_create(cycle=a_cycle_in_speed_date, department=world.department)
    again = services.meeting_get_or_create(cycle=a_cycle_in_speed_date, department=world.department)
    other = services.meeting_get_or_create(cycle=a_cycle_in_speed_date, department=world.other_department)

    assert first.pk == again.pk != other.pk
    assert DepartmentMeeting.objects.count() == 2


def test_a_closed_cycle_makes_the_meeting_read_only(world, a_meeting, an_item):
    a_meeting.cycle.phase = "closed"
    a_meeting.cycle.save()

    with pytest.raises(PermissionDenied):
        services.meeting_plan(meeting=a_meeting, actor=world.team_leader, location="B-204")


# --- plan, start, finish ----------------------------------------------------------------------------------


def test_plan_sets_start_and_location(world, a_meeting):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)

    services.meeting_plan(meeting=a_meeting, actor=world.team_leader, starts_at=starts, location="  Teamkamer ")

    a_meeting.refresh_from_db()
    assert (a_meeting.starts_at, a_meeting.location) == (starts, "Teamkamer")


def test_plan_refuses_a_location_too_long(world, a_meeting):
    with pytest.raises(ValidationError) as error:
        services.meeting_plan(meeting=a_meeting, actor=world.team_leader, location="x" * 101)
    assert "location" in error.value.message_dict
    a_meeting.refresh_from_db()
    assert a_meeting.location == ""


def test_start_needs_an_agenda(world, a_meeting):
    with pytest.raises(ValidationError) as error:
        services.meeting_start(meeting=a_meeting, actor=world.team_leader)
    assert error.value.code == "empty"
    a_meeting.refresh_from_db()
    assert a_meeting.status == "planned"


def test_start_moves_planned_to_running_once(world, a_meeting, an_item):
    services.meeting_start(meeting=a_meeting, actor=world.team_leader)
    a_meeting.refresh_from_db()
    assert a_meeting.status == "running"
    assert a_meeting.started_at is not None

    with pytest.raises(ValidationError) as error:
        services.meeting_start(meeting=a_meeting, actor=world.team_leader)
    assert error.value.code == "started"


def test_finish_only_when_every_item_is_decided(world, a_running_meeting, an_item, a_cycle_in_speed_date):
    accept(another_escalation(world, a_cycle_in_speed_date), a_running_meeting, position=2)

    with pytest.raises(ValidationError) as error:
        services.meeting_finish(meeting=a_running_meeting, actor=world.team_leader)
    assert error.value.code == "items_open"
    assert "2" in error.value.messages[0]  # how many are still open
    a_running_meeting.refresh_from_db()
    assert a_running_meeting.status == "running"

    for item in a_running_meeting.items.all():
        item = fresh(item)
        services.item_open(item=item, actor=world.team_leader)
        services.decision_record(item=item, actor=world.team_leader, text="Besluit", rationale="Waarom")
    services.meeting_finish(meeting=a_running_meeting, actor=world.team_leader)

    a_running_meeting.refresh_from_db()
    assert a_running_meeting.status == "finished"
    assert a_running_meeting.finished_at is not None


def test_finish_needs_a_running_meeting(world, a_meeting, an_item):
    with pytest.raises(ValidationError) as error:
        services.meeting_finish(meeting=a_meeting, actor=world.team_leader)
    assert error.value.code == "not_running"


def test_a_finished_meeting_is_read_only(world, a_meeting, an_item):
    a_meeting.status = DepartmentMeeting.Status.FINISHED
    a_meeting.save()
    calls = [
        lambda: services.meeting_plan(meeting=a_meeting, actor=world.team_leader, location="B-204"),
        lambda: services.agenda_reorder(meeting=a_meeting, actor=world.team_leader, item_ids=[an_item.pk]),
        lambda: services.agenda_item_timebox(item=an_item, actor=world.team_leader, minutes=5),
        lambda: services.attendance_set(meeting=a_meeting, actor=world.team_leader, staff_ids=[]),
        lambda: services.item_open(item=an_item, actor=world.team_leader),
        lambda: services.item_notes_save(item=an_item, actor=world.team_leader, notes="x"),
        lambda: services.meeting_finish(meeting=a_meeting, actor=world.team_leader),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as error:
            call()
        assert error.value.code == "finished"


# --- the agenda ---------------------------------------------------------------------------------------------


@pytest.fixture
def three_items(world, a_meeting, an_item, a_cycle_in_speed_date) -> list[AgendaItem]:
    second = accept(another_escalation(world, a_cycle_in_speed_date), a_meeting, position=2)
    third = accept(another_escalation(world, a_cycle_in_speed_date), a_meeting, position=3)
    return [an_item, second, third]


def order(meeting) -> list[int]:
    return list(meeting.items.order_by("position", "pk").values_list("pk", flat=True))


def test_reorder_puts_items_in_the_given_order(world, a_meeting, three_items):
    first, second, third = (item.pk for item in three_items)

    services.agenda_reorder(meeting=a_meeting, actor=world.team_leader, item_ids=[third, first, second])

    assert order(a_meeting) == [third, first, second]


@pytest.mark.parametrize(
    "make_ids",
    [
        lambda ids: ids[:2],  # one missing
        lambda ids: [*ids, ids[0]],  # one twice
        lambda ids: [*ids[:2], 999999],  # one that is not on this agenda
        lambda ids: [ids[0], ids[1], "drie"],  # not a number
    ],
    ids=["missing", "duplicate", "unknown", "not-a-number"],
)
def test_reorder_must_name_exactly_the_open_items(world, a_meeting, three_items, make_ids):
    before = order(a_meeting)

    with pytest.raises(ValidationError):
        services.agenda_reorder(
            meeting=a_meeting, actor=world.team_leader, item_ids=make_ids([item.pk for item in three_items])
        )

    assert order(a_meeting) == before


def test_reorder_leaves_decided_items_out_and_first(world, a_meeting, three_items):
    first, second, third = three_items
    AgendaItem.objects.filter(pk=second.pk).update(status=AgendaItem.Status.DECIDED)

    with pytest.raises(ValidationError):  # a decided item may not be named
        services.agenda_reorder(meeting=a_meeting, actor=world.team_leader, item_ids=[third.pk, second.pk, first.pk])
    services.agenda_reorder(meeting=a_meeting, actor=world.team_leader, item_ids=[third.pk, first.pk])

    assert order(a_meeting) == [second.pk, third.pk, first.pk]


def test_move_up_and_down_stops_at_the_ends(world, a_meeting, three_items):
    first, second, third = three_items

    services.agenda_item_move(item=fresh(third), actor=world.team_leader, offset=-1)
    assert order(a_meeting) == [first.pk, third.pk, second.pk]
    services.agenda_item_move(item=fresh(first), actor=world.team_leader, offset=-1)
    assert order(a_meeting) == [first.pk, third.pk, second.pk]


@pytest.mark.parametrize("minutes", [0, 121, -5, "tien", "", None, "7.5"])
def test_timebox_is_1_to_120_minutes(world, an_item, minutes):
    with pytest.raises(ValidationError) as error:
        services.agenda_item_timebox(item=an_item, actor=world.team_leader, minutes=minutes)

    assert "timebox_minutes" in error.value.message_dict
    assert "120" in error.value.message_dict["timebox_minutes"][0]
    an_item.refresh_from_db()
    assert an_item.timebox_minutes == 10


@pytest.mark.parametrize("minutes", [1, 120, "15"])
def test_timebox_is_saved(world, an_item, minutes):
    services.agenda_item_timebox(item=an_item, actor=world.team_leader, minutes=minutes)
    an_item.refresh_from_db()
    assert an_item.timebox_minutes == int(minutes)


def test_agenda_update_is_all_or_nothing(world, a_meeting, three_items):
    first, second, third = three_items

    with pytest.raises(ValidationError) as error:
        services.agenda_update(
            meeting=a_meeting,
            actor=world.team_leader,
            item_ids=[third.pk, second.pk, first.pk],
            timeboxes={first.pk: 5, second.pk: 500},
        )
    assert f"timebox_{second.pk}" in error.value.message_dict
    assert order(a_meeting) == [first.pk, second.pk, third.pk]
    assert set(a_meeting.items.values_list("timebox_minutes", flat=True)) == {10}

    with pytest.raises(ValidationError):  # a bad order undoes the timeboxes written before it
        services.agenda_update(
            meeting=a_meeting, actor=world.team_leader, item_ids=[third.pk], timeboxes={first.pk: 5}
        )
    assert set(a_meeting.items.values_list("timebox_minutes", flat=True)) == {10}

    services.agenda_update(
        meeting=a_meeting,
        actor=world.team_leader,
        item_ids=[third.pk, second.pk, first.pk],
        timeboxes={first.pk: 5, second.pk: 20},
    )
    assert order(a_meeting) == [third.pk, second.pk, first.pk]
    assert dict(a_meeting.items.values_list("pk", "timebox_minutes")) == {first.pk: 5, second.pk: 20, third.pk: 10}


# --- attendance ---------------------------------------------------------------------------------------------


def test_attendance_is_who_is_present(world, a_meeting):
    services.attendance_set(
        meeting=a_meeting, actor=world.team_leader, staff_ids=[world.teacher.staff.pk, world.mentor.staff.pk]
    )
    assert set(a_meeting.attendees.all()) == {world.teacher.staff, world.mentor.staff}

    services.attendance_set(meeting=a_meeting, actor=world.team_leader, staff_ids=[str(world.teacher.staff.pk)])
    assert list(a_meeting.attendees.all()) == [world.teacher.staff]


def test_attendance_only_takes_staff_of_the_school(world, a_meeting):
    stranger = StaffFactory()  # another school
    inactive = StaffFactory(school=world.school, is_active=False)
    for wrong in ([world.teacher.staff.pk, stranger.pk], [inactive.pk], [999999], ["x"]):
        with pytest.raises(ValidationError) as error:
            services.attendance_set(meeting=a_meeting, actor=world.team_leader, staff_ids=wrong)
        assert "attendees" in error.value.message_dict
    assert not a_meeting.attendees.exists()


# --- meeting mode: items ------------------------------------------------------------------------------------


def test_items_open_only_in_a_running_meeting(world, a_meeting, an_item):
    with pytest.raises(ValidationError) as error:
        services.item_open(item=an_item, actor=world.team_leader)
    assert error.value.code == "not_running"


def test_one_item_open_at_a_time(world, a_running_meeting, an_item, a_cycle_in_speed_date):
    second = accept(another_escalation(world, a_cycle_in_speed_date), a_running_meeting, position=2)

    services.item_open(item=fresh(an_item), actor=world.team_leader)
    with pytest.raises(ValidationError) as error:
        services.item_open(item=fresh(second), actor=world.team_leader)

    assert error.value.code == "other_open"
    assert world.student.full_name in error.value.messages[0]
    assert fresh(second).status == "waiting"
    assert fresh(an_item).status == "discussing"
    assert fresh(an_item).opened_at is not None
    services.item_open(item=fresh(an_item), actor=world.team_leader)  # opening it again changes nothing


def test_notes_save_often_and_not_after_the_decision(world, discussing):
    services.item_notes_save(item=discussing, actor=world.team_leader, notes="Eerste punt")
    services.item_notes_save(item=discussing, actor=world.team_leader, notes="Eerste punt\r\nTweede punt")
    assert fresh(discussing).notes == "Eerste punt\nTweede punt"

    AgendaItem.objects.filter(pk=discussing.pk).update(status=AgendaItem.Status.DECIDED)
    with pytest.raises(ValidationError):
        services.item_notes_save(item=fresh(discussing), actor=world.team_leader, notes="later")
    assert fresh(discussing).notes == "Eerste punt\nTweede punt"


def test_an_item_closes_only_by_its_decision(world, discussing):
    """There is no other service that sets an item decided: the status only changes in decision_record."""
    import inspect

    source = inspect.getsource(services)
    assert source.count("AgendaItem.Status.DECIDED, ") == 1  # the one assignment, in decision_record
    assert "item.status, item.closed_at = AgendaItem.Status.DECIDED" in inspect.getsource(services.decision_record)


# --- the silent vote ----------------------------------------------------------------------------------------


def test_a_vote_needs_attendance_first(world, an_item, a_running_meeting):
    with pytest.raises(ValidationError) as error:
        services.vote_open(item=fresh(an_item), actor=world.team_leader)
    assert error.value.code == "no_attendees"
    assert fresh(an_item).status == "waiting"


def test_a_vote_is_for_high_stakes_only(world, a_running_meeting, present, a_cycle_in_speed_date):
    care = accept(another_escalation(world, a_cycle_in_speed_date), a_running_meeting, position=2)
    with pytest.raises(ValidationError) as error:
        services.vote_open(item=fresh(care), actor=world.team_leader)
    assert error.value.code == "not_high_stakes"


def test_a_vote_needs_a_running_meeting(world, an_item, present):
    with pytest.raises(ValidationError) as error:
        services.vote_open(item=fresh(an_item), actor=world.team_leader)
    assert error.value.code == "not_running"


@pytest.fixture
def voting(an_item, a_running_meeting, present, world) -> AgendaItem:
    return services.vote_open(item=fresh(an_item), actor=world.team_leader)


def test_one_vote_per_attendee_who_may_change_it_until_revealed(world, voting):
    services.vote_cast(item=fresh(voting), actor=world.teacher, choice="agree", comment="Goede cijfers")
    services.vote_cast(item=fresh(voting), actor=world.teacher, choice="disagree", comment="Toch niet")

    vote = Vote.objects.get()
    assert (vote.voter, vote.choice, vote.comment) == (world.teacher.staff, "disagree", "Toch niet")


@pytest.mark.parametrize("who", ["team_leader", "admin", "other_teacher", "other_team_leader", "outsider"])
def test_only_attendees_vote(world, voting, who):
    with pytest.raises(PermissionDenied):
        services.vote_cast(item=fresh(voting), actor=getattr(world, who), choice="agree")
    assert not Vote.objects.exists()


@pytest.mark.parametrize(("choice", "comment"), [("yes", ""), ("", ""), ("agree", "x" * 301)])
def test_a_vote_needs_a_valid_choice(world, voting, choice, comment):
    with pytest.raises(ValidationError):
        services.vote_cast(item=fresh(voting), actor=world.teacher, choice=choice, comment=comment)
    assert not Vote.objects.exists()


def test_no_vote_when_the_vote_is_not_open(world, an_item, a_running_meeting, present):
    with pytest.raises(ValidationError) as error:
        services.vote_cast(item=fresh(an_item), actor=world.teacher, choice="agree")
    assert error.value.code == "closed"
    assert not Vote.objects.exists()


def test_votes_stay_secret_until_revealed(world, voting):
    services.vote_cast(item=fresh(voting), actor=world.teacher, choice="agree", comment="geheim-commentaar")
    attendees = set(voting.meeting.attendees.values_list("pk", flat=True))

    state = selectors.vote_state(item=fresh(voting), attendee_ids=attendees)
    assert (state.is_open, state.cast, state.attendees) == (True, 1, 2)
    assert state.votes == []
    assert state.tally == {}

    services.vote_reveal(item=fresh(voting), actor=world.team_leader)
    item = fresh(voting)
    assert item.status == "discussing"
    assert item.votes_revealed_at is not None
    state = selectors.vote_state(item=item, attendee_ids=attendees)
    assert state.tally == {"agree": 1, "disagree": 0, "abstain": 0}
    assert [vote.comment for vote in state.votes] == ["geheim-commentaar"]

    with pytest.raises(ValidationError):  # voting is closed now
        services.vote_cast(item=item, actor=world.mentor, choice="agree")
    with pytest.raises(ValidationError):  # and stays closed
        services.vote_open(item=item, actor=world.team_leader)


def test_only_the_team_leader_reveals(world, voting):
    with pytest.raises(PermissionDenied):
        services.vote_reveal(item=fresh(voting), actor=world.teacher)
    with pytest.raises(ValidationError):
        services.vote_reveal(
            item=fresh(services.vote_reveal(item=fresh(voting), actor=world.team_leader)), actor=world.team_leader
        )


# --- the decision -------------------------------------------------------------------------------------------


def nothing_written(item: AgendaItem, status: str = "discussing") -> None:
    assert not Decision.objects.exists()
    assert not Agreement.objects.exists()
    item = fresh(item)
    assert item.status == status
    assert item.closed_at is None
    assert item.escalation.status == "accepted"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "", "rationale": "Waarom"}, "text"),
        ({"text": "   ", "rationale": "Waarom"}, "text"),
        ({"text": "x" * 4001, "rationale": "Waarom"}, "text"),
        ({"text": "Blijft op havo", "rationale": ""}, "rationale"),  # high stakes: a rationale is required
        ({"text": "Blijft op havo", "rationale": "Waarom", "agreements": [agreement(due_on=YESTERDAY)]}, "agreements"),
        (
            {"text": "Blijft op havo", "rationale": "Waarom", "agreements": [agreement(owner="principal")]},
            "agreements",
        ),
        ({"text": "Blijft op havo", "rationale": "Waarom", "agreements": [agreement(text="")]}, "agreements"),
        ({"text": "Blijft op havo", "rationale": "Waarom", "agreements": [agreement(due_on=None)]}, "agreements"),
        ({"text": "Blijft op havo", "rationale": "Waarom", "agreements": [agreement(due_on="morgen")]}, "agreements"),
        (
            {"text": "Blijft op havo", "rationale": "Waarom", "agreements": [agreement(owner_staff_id=999999)]},
            "agreements",
        ),
        (
            # a good agreement and a bad one: neither is written
            {
                "text": "Blijft op havo",
                "rationale": "Waarom",
                "agreements": [agreement(), agreement(due_on=YESTERDAY)],
            },
            "agreements",
        ),
    ],
    ids=[
        "no-text",
        "blank-text",
        "text-too-long",
        "high-stakes-without-rationale",
        "past-due-date",
        "bad-owner",
        "agreement-without-text",
        "agreement-without-date",
        "agreement-bad-date",
        "owner-staff-unknown",
        "one-good-one-bad",
    ],
)
def test_bad_decisions_write_nothing(world, discussing, kwargs, field):
    with pytest.raises(ValidationError) as error:
        services.decision_record(item=fresh(discussing), actor=world.team_leader, **kwargs)

    assert field in error.value.message_dict
    nothing_written(discussing)


def test_the_rationale_message_says_why(world, discussing):
    with pytest.raises(ValidationError) as error:
        services.decision_record(item=fresh(discussing), actor=world.team_leader, text="Blijft op havo")
    message = error.value.message_dict["rationale"][0]
    assert str(fresh(discussing).escalation.get_category_display()) in message


def test_past_due_date_message_names_the_agreement_and_date(world, discussing):
    with pytest.raises(ValidationError) as error:
        services.decision_record(
            item=fresh(discussing),
            actor=world.team_leader,
            text="Blijft",
            rationale="Waarom",
            agreements=[agreement(), agreement(due_on=YESTERDAY)],
        )
    [message] = error.value.message_dict["agreements"]
    assert "2" in message
    assert YESTERDAY.strftime("%d-%m-%Y") in message


def test_owner_staff_of_another_school_is_refused(world, discussing):
    stranger = StaffFactory()
    with pytest.raises(ValidationError):
        services.decision_record(
            item=fresh(discussing),
            actor=world.team_leader,
            text="Blijft",
            rationale="Waarom",
            agreements=[agreement(owner_staff_id=stranger.pk)],
        )
    nothing_written(discussing)


@pytest.mark.parametrize(("status", "code"), [("waiting", "item_waiting"), ("voting", "item_voting")])
def test_a_decision_needs_an_item_under_discussion(world, an_item, a_running_meeting, status, code):
    AgendaItem.objects.filter(pk=an_item.pk).update(status=status)

    with pytest.raises(ValidationError) as error:
        services.decision_record(item=fresh(an_item), actor=world.team_leader, text="Blijft", rationale="Waarom")

    assert error.value.code == code
    nothing_written(an_item, status=status)


def test_a_decision_is_recorded_once(world, discussing):
    services.decision_record(item=fresh(discussing), actor=world.team_leader, text="Blijft", rationale="Waarom")
    with pytest.raises(ValidationError) as error:
        services.decision_record(item=fresh(discussing), actor=world.team_leader, text="Nog eens", rationale="Waarom")
    assert error.value.code == "item_decided"
    assert Decision.objects.count() == 1


def test_a_decision_closes_the_item_with_everything(world, discussing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decision = services.decision_record(
            item=fresh(discussing),
            actor=world.team_leader,
            text="  Sam blijft op havo, met extra hulp bij Nederlands.  ",
            rationale="Rood voor Nederlands, maar de rest is groen.",
            agreements=[
                agreement(text="Bijles Nederlands regelen", owner="mentor", owner_staff_id=world.mentor.staff.pk),
                agreement(text="Woordjes elke dag", owner="student", due_on=TOMORROW.isoformat()),
            ],
        )

    assert len(callbacks) == 1
    item = fresh(discussing)
    assert item.status == "decided"
    assert item.closed_at is not None
    assert item.escalation.status == "decided"
    assert decision.text == "Sam blijft op havo, met extra hulp bij Nederlands."
    assert decision.student == world.student
    assert decision.decided_by == world.team_leader
    assert decision.votes == {}  # no vote was held
    agreements = list(decision.agreements.order_by("pk"))
    assert [(a.text, a.owner, a.owner_staff, a.due_on, a.student) for a in agreements] == [
        ("Bijles Nederlands regelen", "mentor", world.mentor.staff, TOMORROW, world.student),
        ("Woordjes elke dag", "student", None, TOMORROW, world.student),
    ]
    assert {a.created_by for a in agreements} == {world.team_leader}


def test_a_care_decision_needs_no_rationale(world, a_running_meeting, a_cycle_in_speed_date):
    item = accept(another_escalation(world, a_cycle_in_speed_date), a_running_meeting, position=2)
    services.item_open(item=fresh(item), actor=world.team_leader)

    decision = services.decision_record(
        item=fresh(item), actor=world.team_leader, text="Gesprek met de zorgcoördinator"
    )

    assert decision.rationale == ""
    assert decision.evidence["counts"] == {"green": 0, "orange": 0, "red": 0}  # a snapshot is stored for every item


def test_the_decision_keeps_its_evidence_snapshot(world, discussing, a_cycle_in_speed_date):
    Escalation.objects.filter(pk=discussing.escalation_id).update(student_view="Ik wil op de havo blijven.")
    decision = services.decision_record(
        item=fresh(discussing), actor=world.team_leader, text="Blijft op havo", rationale="Waarom"
    )
    snapshot = Decision.objects.get(pk=decision.pk).evidence

    assert snapshot["counts"] == {"green": 0, "orange": 0, "red": 1}
    assert snapshot["trend"] == "worse"
    assert snapshot["student_view"] == "Ik wil op de havo blijven."
    [subject] = snapshot["subjects"]
    assert (subject["subject"], subject["light"], subject["grade"], subject["previous_light"]) == (
        "Nederlands",
        "red",
        "4.8",
        "green",
    )

    # Later the teacher corrects the entry: the decision's snapshot stays as it was.
    Entry.objects.filter(cycle=a_cycle_in_speed_date, student=world.student).update(
        light=Light.GREEN, grade=Decimal("7.0"), advice="Goed bezig"
    )
    assert Decision.objects.get(pk=decision.pk).evidence == snapshot


def test_the_decision_keeps_the_vote_tally(world, voting):
    services.vote_cast(item=fresh(voting), actor=world.teacher, choice="agree")
    services.vote_cast(item=fresh(voting), actor=world.mentor, choice="abstain")
    services.vote_reveal(item=fresh(voting), actor=world.team_leader)

    decision = services.decision_record(
        item=fresh(voting), actor=world.team_leader, text="Naar vmbo-t", rationale="Ja"
    )

    assert decision.votes == {"agree": 1, "disagree": 0, "abstain": 1}


# --- the mentor's e-mail ------------------------------------------------------------------------------------


def test_the_mentor_is_told_by_email_in_their_language(world, discussing, django_capture_on_commit_callbacks):
    world.mentor.language = "en"
    world.mentor.save()
    StaffFactory(school=world.school)  # not a mentor of the class: no e-mail
    silent = StaffFactory(school=world.school, user__email="")
    world.class_group.mentors.add(silent)  # a second mentor without an address: no e-mail either

    with django_capture_on_commit_callbacks(execute=True):
        services.decision_record(
            item=fresh(discussing),
            actor=world.team_leader,
            text="Sam blijft op havo.",
            rationale="Waarom",
            agreements=[agreement(text="Bijles regelen", owner="mentor")],
        )

    [message] = mail.outbox
    assert message.to == [world.mentor.email]
    assert world.student.full_name in message.subject
    assert "Decision about" in message.subject  # English, as the mentor chose
    assert "Kan Sam beter naar vmbo-t?" in message.body
    assert "Sam blijft op havo." in message.body
    assert "Bijles regelen" in message.body
    assert message.reply_to == [world.team_leader.email]
    try:
        path = reverse("mentoring:student", args=[discussing.meeting.cycle_id, world.student.pk])
    except Exception:
        path = reverse("home")
    assert "http://" in message.body
    assert path in message.body


def test_the_notice_is_dutch_by_default(world, discussing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_record(item=fresh(discussing), actor=world.team_leader, text="Blijft", rationale="Waarom")
    [message] = mail.outbox
    assert message.to == [world.mentor.email]


def test_no_mentor_no_email(world, discussing):
    world.class_group.mentors.clear()
    decision = services.decision_record(item=fresh(discussing), actor=world.team_leader, text="B", rationale="W")
    assert services.decision_notice_send(decision_id=decision.pk) == 0
    assert services.decision_notice_send(decision_id=999999) == 0
    assert mail.outbox == []
