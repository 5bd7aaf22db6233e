"""Writes of the mentor talk: a series of times (all or nothing), booking and moving, cancelling, notes,
agreements made in the talk and checking the agreements from earlier."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    MentorTalk,
    Publication,
    TalkSlot,
)
from mentoring.selectors import talks as selectors
from mentoring.services import talks as services
from reviews.models import Phase
from tests.factories import GuardianFactory, StudentFactory

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def day(offset: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def at(offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day(offset), datetime.time(hour, minute), tzinfo=AMSTERDAM)


def slot_at(world, cycle, start: datetime.datetime, *, minutes: int = 15, class_group=None, mentor=None) -> TalkSlot:
    return TalkSlot.objects.create(
        cycle=cycle,
        mentor=mentor or world.mentor.staff,
        class_group=class_group or world.class_group,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
    )


@pytest.fixture
def a_free_slot(world, a_published_cycle) -> TalkSlot:
    """A time the mentor of 4H1 offers a week from now at 16:00."""
    return slot_at(world, a_published_cycle, at(7, 16))


@pytest.fixture
def another_free_slot(world, a_published_cycle) -> TalkSlot:
    return slot_at(world, a_published_cycle, at(7, 16, 15))


@pytest.fixture
def classmate(world):
    """A second student of 4H1, with their own guardian."""
    student = StudentFactory(school=world.school, class_group=world.class_group)
    guardian = GuardianFactory(school=world.school, students=[student])
    return student, guardian.user


def add(world, cycle, **kwargs):
    values = {
        "cycle": cycle,
        "class_group": world.class_group,
        "actor": world.mentor,
        "date": day(),
        "start_time": datetime.time(16, 0),
        "minutes": 15,
        "count": 4,
        "location": "Lokaal 1.04",
    }
    values.update(kwargs)
    return services.talk_slots_add(**values)


def error_text(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.messages)


# --- a series of times ---------------------------------------------------------------------------------


def test_a_series_follows_on_in_school_time(world, a_published_cycle):
    slots = add(world, a_published_cycle)

    assert len(slots) == 4 == TalkSlot.objects.count()
    starts = [timezone.localtime(slot.starts_at, AMSTERDAM) for slot in TalkSlot.objects.order_by("starts_at")]
    assert [start.strftime("%H:%M") for start in starts] == ["16:00", "16:15", "16:30", "16:45"]
    last = TalkSlot.objects.order_by("starts_at").last()
    assert timezone.localtime(last.ends_at, AMSTERDAM).strftime("%H:%M") == "17:00"
    assert {slot.location for slot in TalkSlot.objects.all()} == {"Lokaal 1.04"}
    assert {slot.mentor_id for slot in TalkSlot.objects.all()} == {world.mentor.staff.pk}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"minutes": 4}, "minutes"),
        ({"minutes": 61}, "minutes"),
        ({"minutes": "kwartier"}, "minutes"),
        ({"count": 0}, "count"),
        ({"count": 21}, "count"),
        ({"count": None}, "count"),
        ({"date": None}, "date"),
        ({"start_time": "vier uur"}, "start_time"),
        ({"location": "x" * 101}, "location"),
    ],
)
def test_bad_ranges_are_refused_and_nothing_is_written(world, a_published_cycle, changes, field):
    with pytest.raises(ValidationError) as error:
        add(world, a_published_cycle, **changes)

    assert field in error.value.message_dict
    assert TalkSlot.objects.count() == 0


def test_a_series_in_the_past_is_refused(world, a_published_cycle):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        add(world, a_published_cycle, date=timezone.localdate() - datetime.timedelta(days=1))

    assert "has passed" in error_text(error)
    assert TalkSlot.objects.count() == 0


def test_a_series_past_midnight_is_refused(world, a_published_cycle):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        add(world, a_published_cycle, start_time=datetime.time(22, 0), minutes=30, count=5)

    assert "past midnight" in error_text(error)
    assert TalkSlot.objects.count() == 0
    assert len(add(world, a_published_cycle, start_time=datetime.time(22, 0), minutes=30, count=4)) == 4


def test_overlapping_the_mentors_own_time_names_it_and_writes_nothing(world, a_published_cycle):
    slot_at(world, a_published_cycle, at(7, 16))  # 16:00-16:15

    with translation.override("en"), pytest.raises(ValidationError) as error:
        add(world, a_published_cycle, start_time=datetime.time(15, 30), minutes=20, count=3)  # 15:30-16:30

    assert "from 16:00 to 16:15" in error_text(error)
    assert "4H1" in error_text(error)
    assert TalkSlot.objects.count() == 1
    # Ending exactly when the existing time starts is no overlap.
    assert len(add(world, a_published_cycle, start_time=datetime.time(15, 30), minutes=15, count=2)) == 2


def test_overlap_counts_the_mentors_times_of_every_class_and_round(world, a_published_cycle, a_previous_cycle):
    world.other_class_group.mentors.add(world.mentor.staff)
    slot_at(world, a_previous_cycle, at(7, 16, 30), class_group=world.other_class_group)

    with pytest.raises(ValidationError):
        add(world, a_published_cycle)

    assert TalkSlot.objects.count() == 1


def test_another_mentors_time_is_no_overlap(world, a_published_cycle):
    world.class_group.mentors.add(world.other_mentor.staff)
    slot_at(world, a_published_cycle, at(7, 16), mentor=world.other_mentor.staff)

    assert len(add(world, a_published_cycle)) == 4


@pytest.mark.parametrize("who", ["other_mentor", "team_leader", "admin", "guardian", "student_user"])
def test_only_the_classs_mentor_offers_times(world, a_published_cycle, who):
    with pytest.raises(PermissionDenied):
        add(world, a_published_cycle, actor=getattr(world, who))
    assert TalkSlot.objects.count() == 0


def test_no_times_in_a_closed_round(world, a_published_cycle):
    a_published_cycle.phase = Phase.CLOSED
    a_published_cycle.save()

    with pytest.raises(PermissionDenied):
        add(world, a_published_cycle)


def test_a_free_time_is_taken_back_a_booked_one_is_not(world, a_free_slot, another_free_slot):
    services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=world.guardian)

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.talk_slot_delete(slot=a_free_slot, actor=world.mentor)
    assert "cancel the booking first" in error_text(error)
    assert world.student.full_name in error_text(error)
    assert TalkSlot.objects.filter(pk=a_free_slot.pk).exists()

    with pytest.raises(PermissionDenied):
        services.talk_slot_delete(slot=another_free_slot, actor=world.team_leader)
    services.talk_slot_delete(slot=another_free_slot, actor=world.mentor)
    assert not TalkSlot.objects.filter(pk=another_free_slot.pk).exists()
    services.talk_slot_delete(slot=another_free_slot, actor=world.mentor)  # a double click: nothing happens


# --- booking ----------------------------------------------------------------------------------------------


def test_a_guardian_books_a_free_time(world, a_free_slot):
    talk = services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=world.guardian)

    talk.refresh_from_db()
    assert talk.slot == a_free_slot
    assert talk.booked_by == world.guardian
    assert talk.booked_at is not None
    assert talk.student == world.student


def test_the_mentor_books_too_even_before_publishing(world, a_cycle_in_speed_date):
    slot = slot_at(world, a_cycle_in_speed_date, at(7, 16))

    talk = services.talk_book(cycle=a_cycle_in_speed_date, student=world.student, slot=slot, actor=world.mentor)

    assert talk.slot == slot


@pytest.mark.parametrize("who", ["other_guardian", "student_user", "team_leader", "other_mentor", "teacher"])
def test_others_do_not_book(world, a_free_slot, who):
    with pytest.raises(PermissionDenied):
        services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=getattr(world, who))
    assert not MentorTalk.objects.exists()


def test_a_guardian_books_nothing_before_publishing(world, a_cycle_in_speed_date):
    slot = slot_at(world, a_cycle_in_speed_date, at(7, 16))

    with pytest.raises(PermissionDenied):
        services.talk_book(cycle=a_cycle_in_speed_date, student=world.student, slot=slot, actor=world.guardian)


def test_a_time_of_another_class_or_round_is_refused(world, a_published_cycle, a_previous_cycle):
    other_class = slot_at(world, a_published_cycle, at(7, 16), class_group=world.other_class_group)
    other_round = slot_at(world, a_previous_cycle, at(7, 17))

    for slot in (other_class, other_round):
        with pytest.raises(ValidationError) as error:
            services.talk_book(cycle=a_published_cycle, student=world.student, slot=slot, actor=world.mentor)
        assert "slot" in error.value.message_dict
    assert not MentorTalk.objects.exists()


def test_a_time_that_has_passed_is_refused(world, a_published_cycle):
    slot = slot_at(world, a_published_cycle, timezone.now() - datetime.timedelta(minutes=5))

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.talk_book(cycle=a_published_cycle, student=world.student, slot=slot, actor=world.guardian)

    assert "has passed" in error_text(error)


def test_a_taken_time_is_refused_with_a_clear_message(world, a_free_slot, classmate):
    student, guardian = classmate
    cycle = a_free_slot.cycle
    services.talk_book(cycle=cycle, student=world.student, slot=a_free_slot, actor=world.guardian)

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.talk_book(cycle=cycle, student=student, slot=a_free_slot, actor=guardian)

    assert error.value.error_dict["slot"][0].code == "taken"
    assert "just taken" in error_text(error)
    assert MentorTalk.objects.get(slot=a_free_slot).student == world.student
    assert not MentorTalk.objects.filter(student=student).exists()  # nothing half written


def test_booking_again_moves_the_booking_and_frees_the_old_time(world, a_free_slot, another_free_slot, classmate):
    cycle = a_free_slot.cycle
    services.talk_book(cycle=cycle, student=world.student, slot=a_free_slot, actor=world.guardian)

    services.talk_book(cycle=cycle, student=world.student, slot=another_free_slot, actor=world.guardian)

    assert MentorTalk.objects.count() == 1
    assert MentorTalk.objects.get().slot == another_free_slot
    student, guardian = classmate
    assert services.talk_book(cycle=cycle, student=student, slot=a_free_slot, actor=guardian).slot == a_free_slot


def test_booking_the_same_time_twice_changes_nothing(world, a_free_slot):
    first = services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=world.guardian)
    again = services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=world.mentor)

    assert again.pk == first.pk
    assert MentorTalk.objects.get().booked_by == world.guardian


def test_a_held_talk_keeps_its_time(world, a_free_slot, another_free_slot):
    talk = services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=world.guardian)
    services.talk_held(talk=talk, actor=world.mentor)

    with pytest.raises(ValidationError):
        services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=another_free_slot, actor=world.mentor)
    with pytest.raises(ValidationError):
        services.talk_booking_cancel(talk=talk, actor=world.guardian)
    assert MentorTalk.objects.get().slot == a_free_slot


# --- cancelling ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["guardian", "mentor"])
def test_the_guardian_or_the_mentor_cancels_and_the_time_is_free(world, a_free_slot, classmate, who):
    talk = services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=world.guardian)

    services.talk_booking_cancel(talk=talk, actor=getattr(world, who))

    talk.refresh_from_db()
    assert talk.slot is None
    assert talk.booked_by is None
    student, guardian = classmate
    assert services.talk_book(cycle=a_free_slot.cycle, student=student, slot=a_free_slot, actor=guardian).slot_id


@pytest.mark.parametrize("who", ["other_guardian", "student_user", "team_leader"])
def test_others_do_not_cancel(world, a_free_slot, who):
    talk = services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=world.guardian)

    with pytest.raises(PermissionDenied):
        services.talk_booking_cancel(talk=talk, actor=getattr(world, who))
    talk.refresh_from_db()
    assert talk.slot == a_free_slot


# --- the talk itself -------------------------------------------------------------------------------------------


def test_a_talk_without_an_appointment(world, a_published_cycle):
    talk = services.talk_get_or_create(cycle=a_published_cycle, student=world.student, actor=world.mentor)

    assert talk.slot is None
    assert services.talk_get_or_create(cycle=a_published_cycle, student=world.student, actor=world.mentor) == talk
    with pytest.raises(PermissionDenied):
        services.talk_get_or_create(cycle=a_published_cycle, student=world.student, actor=world.team_leader)
    with pytest.raises(PermissionDenied):
        services.talk_get_or_create(cycle=a_published_cycle, student=world.student, actor=world.other_mentor)


@pytest.fixture
def a_talk(world, a_published_cycle) -> MentorTalk:
    return services.talk_get_or_create(cycle=a_published_cycle, student=world.student, actor=world.mentor)


def test_notes_save_and_refuse_too_long_text(world, a_talk):
    services.talk_notes_save(talk=a_talk, actor=world.mentor, notes="Gaat goed.\r\nWiskunde oefenen.")
    a_talk.refresh_from_db()
    assert a_talk.notes == "Gaat goed.\nWiskunde oefenen."

    with pytest.raises(ValidationError):
        services.talk_notes_save(talk=a_talk, actor=world.mentor, notes="x" * (services.TALK_NOTES_MAX_LENGTH + 1))
    with pytest.raises(PermissionDenied):
        services.talk_notes_save(talk=a_talk, actor=world.team_leader, notes="niet van mij")
    a_talk.refresh_from_db()
    assert a_talk.notes == "Gaat goed.\nWiskunde oefenen."


def test_held_and_taken_back(world, a_talk):
    services.talk_held(talk=a_talk, actor=world.mentor)
    a_talk.refresh_from_db()
    assert a_talk.held_at is not None

    services.talk_held(talk=a_talk, actor=world.mentor, held=False)
    a_talk.refresh_from_db()
    assert a_talk.held_at is None


def test_an_agreement_made_in_the_talk(world, a_talk):
    agreement = services.talk_agreement_add(
        talk=a_talk, actor=world.mentor, text="Elke week planner laten zien", owner="mentor", due_on=day(30)
    )

    assert agreement.talk == a_talk
    assert agreement.student == world.student
    assert agreement.owner_staff == world.mentor.staff
    assert agreement.status == Agreement.Status.OPEN
    assert agreement.created_by == world.mentor


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": "  "}, "text"),
        ({"text": "x" * 501}, "text"),
        ({"owner": "teacher"}, "owner"),
        ({"owner": ""}, "owner"),
        ({"due_on": None}, "due_on"),
        ({"due_on": timezone.localdate() - datetime.timedelta(days=1)}, "due_on"),
    ],
)
def test_a_bad_agreement_is_refused_and_nothing_is_written(world, a_talk, changes, field):
    values = {"text": "Huiswerk plannen", "owner": "student", "due_on": day(14), **changes}

    with pytest.raises(ValidationError) as error:
        services.talk_agreement_add(talk=a_talk, actor=world.mentor, **values)

    assert field in error.value.message_dict
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("who", ["team_leader", "other_mentor", "guardian"])
def test_only_the_mentor_makes_agreements(world, a_talk, who):
    with pytest.raises(PermissionDenied):
        services.talk_agreement_add(
            talk=a_talk, actor=getattr(world, who), text="Huiswerk plannen", owner="student", due_on=day(14)
        )
    assert not Agreement.objects.exists()


# --- agreements from earlier -----------------------------------------------------------------------------------


def decided_agreement(world, cycle, *, text="Bijles wiskunde regelen", status="open") -> Agreement:
    """An agreement made at a decision of the havo department meeting of `cycle`."""
    meeting, _created = DepartmentMeeting.objects.get_or_create(cycle=cycle, department=world.department)
    escalation = Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.CARE,
        question="Heeft Sam extra hulp nodig?",
        status=Escalation.Status.DECIDED,
    )
    item = AgendaItem.objects.create(meeting=meeting, escalation=escalation, status=AgendaItem.Status.DECIDED)
    decision = Decision.objects.create(item=item, student=world.student, text="Bijles en een gesprek met ouders.")
    return Agreement.objects.create(
        student=world.student, decision=decision, text=text, owner="guardian", due_on=day(-10), status=status
    )


def test_the_mentor_checks_an_open_agreement_once(world, a_previous_cycle):
    agreement = decided_agreement(world, a_previous_cycle)

    services.agreement_check(agreement=agreement, actor=world.mentor, status="partly")

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PARTLY
    assert agreement.checked_at is not None
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.agreement_check(agreement=agreement, actor=world.mentor, status="met")
    assert "checked already" in error_text(error)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PARTLY


@pytest.mark.parametrize("status", ["met", "partly", "not_met"])
def test_met_partly_not_met(world, a_previous_cycle, status):
    agreement = decided_agreement(world, a_previous_cycle)

    assert services.agreement_check(agreement=agreement, actor=world.mentor, status=status).status == status


@pytest.mark.parametrize("status", ["open", "", "done"])
def test_an_unknown_result_is_refused(world, a_previous_cycle, status):
    agreement = decided_agreement(world, a_previous_cycle)

    with pytest.raises(ValidationError):
        services.agreement_check(agreement=agreement, actor=world.mentor, status=status)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OPEN


@pytest.mark.parametrize("who", ["other_mentor", "team_leader", "admin", "guardian"])
def test_only_the_students_mentor_checks(world, a_previous_cycle, who):
    agreement = decided_agreement(world, a_previous_cycle)

    with pytest.raises(PermissionDenied):
        services.agreement_check(agreement=agreement, actor=getattr(world, who), status="met")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OPEN


def test_open_agreements_from_earlier_come_back(world, a_previous_cycle, a_published_cycle, classmate):
    from_decision = decided_agreement(world, a_previous_cycle)
    decided_agreement(world, a_previous_cycle, text="Al afgevinkt", status="met")
    earlier_talk = MentorTalk.objects.create(cycle=a_previous_cycle, student=world.student)
    from_talk = Agreement.objects.create(
        student=world.student, talk=earlier_talk, text="Planner bijhouden", owner="student", due_on=day(-3)
    )
    this_talk = services.talk_get_or_create(cycle=a_published_cycle, student=world.student, actor=world.mentor)
    services.talk_agreement_add(talk=this_talk, actor=world.mentor, text="Nieuw", owner="student", due_on=day(9))
    student, _guardian = classmate

    found = set(selectors.open_agreements_for([world.student.pk, student.pk], a_published_cycle))
    assert found == {from_decision, from_talk}
    assert selectors.open_agreements_by_student(a_published_cycle, [world.student.pk, student.pk]) == {
        world.student.pk: 2
    }
    # In the earlier round itself, that round's own talk agreements are not "from earlier".
    assert set(selectors.open_agreements_for([world.student.pk], a_previous_cycle)) == {from_decision}


def test_a_decision_of_a_later_round_is_not_from_earlier(world, a_previous_cycle, a_published_cycle):
    decided_agreement(world, a_published_cycle)

    assert not selectors.open_agreements_for([world.student.pk], a_previous_cycle).exists()


def test_unpublished_department_guardian_cannot_book_after_unpublishing(world, a_free_slot):
    Publication.objects.all().delete()

    with pytest.raises(PermissionDenied):
        services.talk_book(cycle=a_free_slot.cycle, student=world.student, slot=a_free_slot, actor=world.guardian)
