"""Escalations: the mentor raises one with the evidence attached; the team leader accepts, answers or merges it.

Bad input is refused with a clear message and nothing is written; the wrong person is refused outright.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mentoring.models import (
    ESCALATION_TEXT_MAX_LENGTH,
    AgendaItem,
    Category,
    DepartmentMeeting,
    Escalation,
)
from mentoring.selectors.evidence import student_evidence
from mentoring.services.escalations import (
    escalation_accept,
    escalation_create,
    escalation_merge,
    escalation_return,
)
from reviews.models import Phase
from tests.factories import StudentFactory


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are asserted in English (the msgids); the Dutch catalogue is checked elsewhere."""
    with translation.override("en"):
        yield


def raise_one(world, cycle, **overrides):
    values = {
        "cycle": cycle,
        "student": world.student,
        "actor": world.mentor,
        "category": Category.PROMOTION,
        "question": "Kan Sam naar vmbo-t?",
        "proposal": "Overstappen na periode 2.",
    }
    values.update(overrides)
    return escalation_create(**values)


def an_escalation_about(world, cycle, student, category=Category.CARE, **extra) -> Escalation:
    """A row written directly, for handling tests (the service's own rules are tested above)."""
    return Escalation.objects.create(
        cycle=cycle,
        student=student,
        department=world.department,
        category=category,
        question=extra.pop("question", "Heeft Sam extra begeleiding nodig?"),
        evidence=student_evidence(cycle=cycle, student=student).as_snapshot(),
        raised_by=world.mentor,
        **extra,
    )


# --- raising ------------------------------------------------------------------------------------------


class TestCreate:
    def test_the_mentor_raises_one_with_the_evidence_attached(self, world, a_cycle_in_speed_date):
        escalation = raise_one(world, a_cycle_in_speed_date, student_view="  Ik wil het zelf proberen.  ")

        escalation.refresh_from_db()
        assert escalation.status == Escalation.Status.PENDING
        assert escalation.department == world.department
        assert escalation.raised_by == world.mentor
        assert escalation.student_view == "Ik wil het zelf proberen."
        evidence = escalation.evidence
        assert evidence["counts"] == {"green": 0, "orange": 0, "red": 1}
        assert evidence["trend"] == "worse"
        assert evidence["cycle"] == "Ronde 1"
        assert evidence["previous_cycle"] == "Ronde 0"
        assert evidence["student_view"] == "Ik wil het zelf proberen."
        [subject] = evidence["subjects"]
        assert subject["subject"] == "Nederlands"
        assert subject["grade"] == "4.8"
        assert subject["light"] == "red"
        assert subject["previous_light"] == "green"
        assert subject["advice"] == "Woordjes elke dag herhalen."

    def test_text_is_stripped(self, world, a_cycle_in_speed_date):
        escalation = raise_one(world, a_cycle_in_speed_date, question="  Blijft Sam zitten?  ", proposal=" Nee. ")

        assert (escalation.question, escalation.proposal) == ("Blijft Sam zitten?", "Nee.")

    def test_care_and_other_need_no_proposal(self, world, a_cycle_in_speed_date):
        care = raise_one(world, a_cycle_in_speed_date, category=Category.CARE, proposal="")
        other = raise_one(world, a_cycle_in_speed_date, category=Category.OTHER, proposal="")

        assert care.proposal == other.proposal == ""

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"question": ""}, "question"),
            ({"question": "   \n "}, "question"),
            ({"question": "x" * (ESCALATION_TEXT_MAX_LENGTH + 1)}, "question"),
            ({"category": "expulsion"}, "category"),
            ({"category": Category.PROMOTION, "proposal": ""}, "proposal"),
            ({"category": Category.REPEATING, "proposal": "  "}, "proposal"),
            ({"student_view": "y" * (ESCALATION_TEXT_MAX_LENGTH + 1)}, "student_view"),
        ],
        ids=["empty", "blank", "too-long", "bad-category", "promotion-no-proposal", "repeating-no-proposal", "view"],
    )
    def test_bad_input_writes_nothing(self, world, a_cycle_in_speed_date, overrides, field):
        with pytest.raises(ValidationError) as caught:
            raise_one(world, a_cycle_in_speed_date, **overrides)

        assert field in caught.value.message_dict
        assert caught.value.message_dict[field][0]  # a message in words
        assert not Escalation.objects.exists()

    def test_a_high_stakes_question_says_why_it_needs_a_proposal(self, world, a_cycle_in_speed_date):
        with pytest.raises(ValidationError) as caught:
            raise_one(world, a_cycle_in_speed_date, category=Category.REPEATING, proposal="")

        assert "proposal" in caught.value.message_dict["proposal"][0]

    def test_a_second_open_escalation_in_the_same_category_is_refused(self, world, a_cycle_in_speed_date):
        first = raise_one(world, a_cycle_in_speed_date)

        with pytest.raises(ValidationError) as caught:
            raise_one(world, a_cycle_in_speed_date, question="Toch naar vmbo-t?")

        assert caught.value.code == "duplicate"
        assert caught.value.params["pk"] == first.pk
        assert "already been escalated" in caught.value.messages[0]
        assert Escalation.objects.count() == 1

    def test_a_percent_sign_in_the_question_does_not_break_the_message(self, world, a_cycle_in_speed_date):
        raise_one(world, a_cycle_in_speed_date, question="Is 50% kans op overgang genoeg?")

        with pytest.raises(ValidationError) as caught:
            raise_one(world, a_cycle_in_speed_date, question="Nog eens?")

        assert "Is 50% kans op overgang genoeg?" in caught.value.messages[0]

    def test_another_category_or_an_answered_one_is_not_a_duplicate(self, world, a_cycle_in_speed_date):
        first = raise_one(world, a_cycle_in_speed_date)
        raise_one(world, a_cycle_in_speed_date, category=Category.CARE)
        Escalation.objects.filter(pk=first.pk).update(status=Escalation.Status.RETURNED, response="Nee.")

        raise_one(world, a_cycle_in_speed_date, question="Nu dan wel?")

        assert Escalation.objects.count() == 3

    @pytest.mark.parametrize("who", ["other_mentor", "team_leader", "admin", "care_coordinator", "teacher"])
    def test_only_the_students_mentor_raises_one(self, world, a_cycle_in_speed_date, who):
        with pytest.raises(PermissionDenied):
            raise_one(world, a_cycle_in_speed_date, actor=getattr(world, who))

        assert not Escalation.objects.exists()

    def test_not_in_a_closed_cycle(self, world, a_cycle_in_speed_date):
        a_cycle_in_speed_date.phase = Phase.CLOSED
        a_cycle_in_speed_date.save()

        with pytest.raises(PermissionDenied):
            raise_one(world, a_cycle_in_speed_date)

        assert not Escalation.objects.exists()

    def test_the_student_must_be_in_the_cycle(self, world, a_cycle_in_speed_date):
        a_cycle_in_speed_date.departments.set([world.other_department])

        with pytest.raises(ValidationError) as caught:
            raise_one(world, a_cycle_in_speed_date)

        assert caught.value.code == "not_in_cycle"
        assert not Escalation.objects.exists()


# --- accepting onto the agenda -------------------------------------------------------------------------


class TestAccept:
    def test_accepting_puts_it_on_the_departments_meeting(self, world, an_escalation):
        escalation = escalation_accept(escalation=an_escalation, actor=world.team_leader, timebox_minutes=15)

        assert escalation.status == Escalation.Status.ACCEPTED
        assert escalation.handled_by == world.team_leader
        assert escalation.handled_at is not None
        meeting = DepartmentMeeting.objects.get()
        assert (meeting.cycle, meeting.department) == (an_escalation.cycle, world.department)
        item = AgendaItem.objects.get()
        assert (item.meeting, item.escalation, item.position, item.timebox_minutes) == (meeting, escalation, 1, 15)

    def test_the_next_one_goes_to_the_end_of_an_existing_agenda(self, world, an_escalation, a_meeting):
        second = an_escalation_about(world, an_escalation.cycle, world.student)
        escalation_accept(escalation=an_escalation, actor=world.team_leader)

        escalation_accept(escalation=second, actor=world.team_leader)

        assert DepartmentMeeting.objects.get() == a_meeting
        assert list(a_meeting.items.values_list("escalation_id", "position")) == [
            (an_escalation.pk, 1),
            (second.pk, 2),
        ]

    def test_a_double_click_makes_one_item(self, world, an_escalation):
        escalation_accept(escalation=an_escalation, actor=world.team_leader)

        with pytest.raises(ValidationError) as caught:
            escalation_accept(escalation=an_escalation, actor=world.team_leader)

        assert "already on the agenda" in caught.value.messages[0]
        assert AgendaItem.objects.count() == 1

    @pytest.mark.parametrize("status", ["returned", "merged", "decided"])
    def test_only_pending_ones_are_accepted(self, world, an_escalation, status):
        other = an_escalation_about(world, an_escalation.cycle, world.student)
        Escalation.objects.filter(pk=an_escalation.pk).update(
            status=status, response="Nee.", merged_into=other if status == "merged" else None
        )

        with pytest.raises(ValidationError):
            escalation_accept(escalation=an_escalation, actor=world.team_leader)

        assert not AgendaItem.objects.exists()

    def test_not_onto_a_finished_meeting(self, world, an_escalation, a_meeting):
        a_meeting.status = DepartmentMeeting.Status.FINISHED
        a_meeting.save()

        with pytest.raises(ValidationError) as caught:
            escalation_accept(escalation=an_escalation, actor=world.team_leader)

        assert caught.value.code == "meeting_finished"
        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.PENDING
        assert not AgendaItem.objects.exists()

    @pytest.mark.parametrize("minutes", [0, 121, "tien"])
    def test_the_timebox_is_checked(self, world, an_escalation, minutes):
        with pytest.raises(ValidationError) as caught:
            escalation_accept(escalation=an_escalation, actor=world.team_leader, timebox_minutes=minutes)

        assert "timebox_minutes" in caught.value.message_dict
        assert not AgendaItem.objects.exists()

    @pytest.mark.parametrize("who", ["mentor", "admin", "care_coordinator", "other_team_leader"])
    def test_only_the_departments_team_leader_accepts(self, world, an_escalation, who):
        with pytest.raises(PermissionDenied):
            escalation_accept(escalation=an_escalation, actor=getattr(world, who))

        assert not AgendaItem.objects.exists()
        assert not DepartmentMeeting.objects.exists()

    def test_not_in_a_closed_cycle(self, world, an_escalation):
        an_escalation.cycle.phase = Phase.CLOSED
        an_escalation.cycle.save()

        with pytest.raises(PermissionDenied):
            escalation_accept(escalation=an_escalation, actor=world.team_leader)


# --- answering and sending back -------------------------------------------------------------------------


class TestReturn:
    def test_answering_a_pending_one(self, world, an_escalation):
        escalation = escalation_return(escalation=an_escalation, actor=world.team_leader, response="  Nog niet.  ")

        escalation.refresh_from_db()
        assert escalation.status == Escalation.Status.RETURNED
        assert escalation.response == "Nog niet."
        assert escalation.handled_by == world.team_leader

    @pytest.mark.parametrize("response", ["", "   "])
    def test_an_answer_is_needed(self, world, an_escalation, response):
        with pytest.raises(ValidationError) as caught:
            escalation_return(escalation=an_escalation, actor=world.team_leader, response=response)

        assert "response" in caught.value.message_dict
        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.PENDING

    def test_an_accepted_one_still_waiting_leaves_the_agenda(self, world, an_escalation):
        escalation_accept(escalation=an_escalation, actor=world.team_leader)

        escalation_return(escalation=an_escalation, actor=world.team_leader, response="Dit lossen we zo op.")

        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.RETURNED
        assert not AgendaItem.objects.exists()

    def test_not_once_the_meeting_discusses_it(self, world, an_escalation):
        escalation_accept(escalation=an_escalation, actor=world.team_leader)
        AgendaItem.objects.update(status=AgendaItem.Status.DISCUSSING)

        with pytest.raises(ValidationError) as caught:
            escalation_return(escalation=an_escalation, actor=world.team_leader, response="Toch niet.")

        assert caught.value.code == "discussed"
        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.ACCEPTED
        assert AgendaItem.objects.count() == 1

    def test_not_twice(self, world, an_escalation):
        escalation_return(escalation=an_escalation, actor=world.team_leader, response="Nee.")

        with pytest.raises(ValidationError):
            escalation_return(escalation=an_escalation, actor=world.team_leader, response="Ja.")

        an_escalation.refresh_from_db()
        assert an_escalation.response == "Nee."

    def test_the_mentor_cannot_answer_their_own(self, world, an_escalation):
        with pytest.raises(PermissionDenied):
            escalation_return(escalation=an_escalation, actor=world.mentor, response="Zelf geregeld.")


# --- merging duplicates -------------------------------------------------------------------------------------


class TestMerge:
    def test_a_duplicate_is_merged(self, world, an_escalation):
        duplicate = an_escalation_about(world, an_escalation.cycle, world.student, question="Naar vmbo-t?")

        merged = escalation_merge(escalation=duplicate, into=an_escalation, actor=world.team_leader)

        merged.refresh_from_db()
        assert merged.status == Escalation.Status.MERGED
        assert merged.merged_into == an_escalation
        assert merged.handled_by == world.team_leader

    def test_a_duplicate_waiting_on_the_agenda_leaves_it(self, world, an_escalation):
        duplicate = an_escalation_about(world, an_escalation.cycle, world.student)
        escalation_accept(escalation=duplicate, actor=world.team_leader)

        escalation_merge(escalation=duplicate, into=an_escalation, actor=world.team_leader)

        assert not AgendaItem.objects.filter(escalation=duplicate).exists()

    def test_earlier_duplicates_follow_along(self, world, an_escalation):
        middle = an_escalation_about(world, an_escalation.cycle, world.student)
        oldest = an_escalation_about(world, an_escalation.cycle, world.student, category=Category.OTHER)
        escalation_merge(escalation=oldest, into=middle, actor=world.team_leader)

        escalation_merge(escalation=middle, into=an_escalation, actor=world.team_leader)

        oldest.refresh_from_db()
        assert oldest.merged_into == an_escalation

    def test_not_into_itself(self, world, an_escalation):
        with pytest.raises(ValidationError) as caught:
            escalation_merge(escalation=an_escalation, into=an_escalation, actor=world.team_leader)

        assert "into" in caught.value.message_dict

    def test_not_into_another_students_escalation(self, world, an_escalation):
        classmate = StudentFactory(school=world.school, class_group=world.class_group)
        theirs = an_escalation_about(world, an_escalation.cycle, classmate)

        with pytest.raises(ValidationError) as caught:
            escalation_merge(escalation=an_escalation, into=theirs, actor=world.team_leader)

        assert "same student" in caught.value.message_dict["into"][0]
        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.PENDING

    @pytest.mark.parametrize("status", ["merged", "returned"])
    def test_not_into_a_merged_or_answered_one(self, world, an_escalation, status):
        target = an_escalation_about(world, an_escalation.cycle, world.student)
        elsewhere = an_escalation_about(world, an_escalation.cycle, world.student, category=Category.OTHER)
        Escalation.objects.filter(pk=target.pk).update(
            status=status, response="Nee.", merged_into=elsewhere if status == "merged" else None
        )
        target.refresh_from_db()

        with pytest.raises(ValidationError):
            escalation_merge(escalation=an_escalation, into=target, actor=world.team_leader)

        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.PENDING

    def test_not_once_discussed(self, world, an_escalation):
        target = an_escalation_about(world, an_escalation.cycle, world.student)
        escalation_accept(escalation=an_escalation, actor=world.team_leader)
        AgendaItem.objects.update(status=AgendaItem.Status.VOTING)

        with pytest.raises(ValidationError):
            escalation_merge(escalation=an_escalation, into=target, actor=world.team_leader)

        assert AgendaItem.objects.count() == 1

    def test_only_the_team_leader_merges(self, world, an_escalation):
        target = an_escalation_about(world, an_escalation.cycle, world.student)

        with pytest.raises(PermissionDenied):
            escalation_merge(escalation=an_escalation, into=target, actor=world.admin)
