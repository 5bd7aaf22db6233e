"""Writing the reflection: drafts that save themselves without overwriting another tab, goals, submitting,
and the mentor's comment and reopen (mentoring.services.reflection)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mentoring.models import (
    GOAL_MAX_LENGTH,
    REFLECTION_MAX_LENGTH,
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    Goal,
    Publication,
    Reflection,
)
from mentoring.selectors.reflection import last_agreements
from mentoring.services import reflection as services
from mentoring.services.reflection import ReflectionConflict
from reviews.models import Phase


def save(world, cycle, *, version, values=None, goals=None, actor=None):
    return services.reflection_save(
        cycle=cycle,
        student=world.student,
        actor=actor or world.student_user,
        values=values or {},
        goals=goals,
        version=version,
    )


def goal(position, text="", action="", measure=""):
    return {"position": position, "goal": text, "action": action, "measure": measure}


def snapshot(cycle, student):
    """Everything stored about the student's reflection, to show that nothing was written."""
    reflection = Reflection.objects.filter(cycle=cycle, student=student).first()
    if reflection is None:
        return None
    return (
        reflection.version,
        reflection.status,
        tuple(getattr(reflection, name) for name in services.REFLECTION_FIELDS),
        tuple(reflection.goals.order_by("position").values_list("position", "goal", "action", "measure")),
    )


# --- saving -------------------------------------------------------------------------------------------


def test_the_first_save_creates_the_draft_at_version_1(world, a_published_cycle):
    reflection = save(
        world,
        a_published_cycle,
        version=0,
        values={"went_well": "  Geschiedenis.  ", "went_less_well": "Nederlands."},
        goals=[goal(1, "Een 6 voor Nederlands", "Elke dag woordjes"), goal(2), goal(3)],
    )

    assert reflection.version == 1
    assert reflection.status == Reflection.Status.DRAFT
    assert reflection.went_well == "Geschiedenis."
    assert list(reflection.goals.values_list("position", "goal", "action")) == [
        (1, "Een 6 voor Nederlands", "Elke dag woordjes")
    ]


def test_a_save_replaces_the_goals_and_raises_the_version(world, a_reflection):
    reflection = save(
        world,
        a_reflection.cycle,
        version=a_reflection.version,
        values={"went_well": "Anders."},
        goals=[goal(1, "Op tijd beginnen"), goal(2, "Hulp vragen bij wiskunde", measure="Ik heb het gevraagd")],
    )

    assert reflection.version == a_reflection.version + 1
    assert list(reflection.goals.values_list("position", "goal")) == [
        (1, "Op tijd beginnen"),
        (2, "Hulp vragen bij wiskunde"),
    ]


def test_answers_not_sent_keep_their_text(world, a_reflection):
    """A partial post (the form always sends everything) never blanks the rest; goals=None keeps the goals."""
    reflection = save(world, a_reflection.cycle, version=a_reflection.version, values={"help_needed": "Bijles."})

    assert reflection.help_needed == "Bijles."
    assert reflection.went_well == a_reflection.went_well
    assert reflection.goals.count() == 1


def test_nothing_changed_writes_nothing(world, a_reflection):
    reflection = save(
        world, a_reflection.cycle, version=a_reflection.version, values={"went_well": a_reflection.went_well}
    )

    assert reflection.version == a_reflection.version


def test_a_newer_version_from_another_tab_is_a_conflict_and_nothing_is_written(world, a_reflection):
    cycle = a_reflection.cycle
    first_tab_version = a_reflection.version
    save(world, cycle, version=first_tab_version, values={"went_well": "Uit het tweede tabblad."})
    before = snapshot(cycle, world.student)

    with pytest.raises(ReflectionConflict) as conflict:
        save(world, cycle, version=first_tab_version, values={"went_well": "Uit het eerste tabblad."})

    assert conflict.value.current.went_well == "Uit het tweede tabblad."
    assert conflict.value.current.version == first_tab_version + 1
    assert [g["goal"] for g in conflict.value.goals] == ["Een voldoende voor Nederlands"]
    assert snapshot(cycle, world.student) == before


def test_two_first_saves_the_second_is_a_conflict(world, a_published_cycle):
    save(world, a_published_cycle, version=0, values={"went_well": "Tabblad 1"})

    with pytest.raises(ReflectionConflict):
        save(world, a_published_cycle, version=0, values={"went_well": "Tabblad 2"})

    assert Reflection.objects.get().went_well == "Tabblad 1"


def test_the_same_text_sent_again_with_an_old_version_is_no_conflict(world, a_reflection):
    """A retried request whose first attempt did get through: the stored text is already this."""
    values = {"went_well": "Eén keer bedoeld."}
    save(world, a_reflection.cycle, version=a_reflection.version, values=values)

    again = save(world, a_reflection.cycle, version=a_reflection.version, values=values)

    assert again.version == a_reflection.version + 1


def test_too_long_answers_and_goals_are_refused_per_field_and_nothing_is_written(world, a_reflection):
    cycle = a_reflection.cycle
    before = snapshot(cycle, world.student)

    with translation.override("en"), pytest.raises(ValidationError) as error:
        save(
            world,
            cycle,
            version=a_reflection.version,
            values={"went_well": "x" * (REFLECTION_MAX_LENGTH + 1), "help_needed": "Kort."},
            goals=[goal(1, "Doel"), goal(2, "y" * (GOAL_MAX_LENGTH + 1))],
        )

    assert error.value.message_dict == {
        "went_well": [
            f"This text is {REFLECTION_MAX_LENGTH + 1} characters long; at most {REFLECTION_MAX_LENGTH} fit."
        ],
        "goal_2_goal": [f"This text is {GOAL_MAX_LENGTH + 1} characters long; at most {GOAL_MAX_LENGTH} fit."],
    }
    assert snapshot(cycle, world.student) == before


def test_line_breaks_count_once(world, a_published_cycle):
    text = "a\r\n" * (REFLECTION_MAX_LENGTH // 2)

    reflection = save(world, a_published_cycle, version=0, values={"went_well": text})

    assert "\r" not in reflection.went_well


def test_a_goal_block_with_only_its_action_needs_the_goal_itself(world, a_reflection):
    before = snapshot(a_reflection.cycle, world.student)

    with translation.override("en"), pytest.raises(ValidationError) as error:
        save(
            world,
            a_reflection.cycle,
            version=a_reflection.version,
            values={"went_well": "Nieuw."},
            goals=[goal(1, "Doel"), goal(2, action="Elke dag lezen")],
        )

    assert error.value.message_dict == {
        "goal_2_goal": ["Write the goal itself: what do you want to reach in the coming period?"]
    }

    assert snapshot(a_reflection.cycle, world.student) == before


def test_empty_goal_blocks_are_left_out(world, a_published_cycle):
    reflection = save(world, a_published_cycle, version=0, goals=[goal(1), goal(2, "  Alleen de tweede "), goal(3)])

    assert list(reflection.goals.values_list("position", "goal")) == [(2, "Alleen de tweede")]


def test_goal_positions_are_1_to_3_each_once(world, a_published_cycle):
    with pytest.raises(ValidationError):
        save(world, a_published_cycle, version=0, goals=[goal(4, "Vier")])
    with pytest.raises(ValidationError):
        save(world, a_published_cycle, version=0, goals=[goal(1, "Een"), goal(1, "Nog een")])
    assert not Reflection.objects.exists()


@pytest.mark.parametrize("who", ["other_student_user", "guardian", "mentor", "admin"])
def test_only_the_student_themselves_writes(world, a_reflection, who):
    with pytest.raises(PermissionDenied):
        save(
            world,
            a_reflection.cycle,
            version=a_reflection.version,
            values={"went_well": "x"},
            actor=getattr(world, who),
        )


def test_nothing_is_written_before_publishing(world, a_cycle_in_speed_date):
    with pytest.raises(PermissionDenied):
        save(world, a_cycle_in_speed_date, version=0, values={"went_well": "Te vroeg."})


def test_a_closed_round_is_read_only(world, a_reflection):
    cycle = a_reflection.cycle
    cycle.phase = Phase.CLOSED
    cycle.save()

    with pytest.raises(PermissionDenied):
        save(world, cycle, version=a_reflection.version, values={"went_well": "Te laat."})


# --- submitting -------------------------------------------------------------------------------------------


def test_submit_needs_what_went_well_what_went_less_well_and_a_goal(world, a_published_cycle):
    draft = save(world, a_published_cycle, version=0, values={"feeling_in_class": "Goed."})

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.reflection_submit(reflection=draft, actor=world.student_user)

    messages = error.value.message_dict
    assert messages["__all__"] == [
        "Before you submit, still fill in: what went well, what went less well, at least one goal."
    ]
    assert messages["went_well"] == ["Answer this question before you submit."]
    assert messages["went_less_well"] == ["Answer this question before you submit."]
    assert messages["goal_1_goal"] == ["Write at least one goal for the coming period."]

    draft.refresh_from_db()
    assert draft.status == Reflection.Status.DRAFT


def test_submit_names_only_what_is_missing(world, a_reflection):
    a_reflection.goals.all().delete()

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.reflection_submit(reflection=a_reflection, actor=world.student_user)

    assert error.value.message_dict["__all__"] == ["Before you submit, still fill in: at least one goal."]


def test_submitted_it_is_read_only_for_the_student(world, a_reflection):
    submitted = services.reflection_submit(reflection=a_reflection, actor=world.student_user)
    assert submitted.status == Reflection.Status.SUBMITTED
    assert submitted.submitted_at is not None
    before = snapshot(a_reflection.cycle, world.student)

    with pytest.raises(ValidationError) as error:
        save(world, a_reflection.cycle, version=submitted.version, values={"went_well": "Toch anders."})

    assert error.value.code == "submitted"
    assert snapshot(a_reflection.cycle, world.student) == before


def test_submitting_twice_changes_nothing(world, a_reflection):
    first = services.reflection_submit(reflection=a_reflection, actor=world.student_user)
    second = services.reflection_submit(reflection=a_reflection, actor=world.student_user)

    assert (second.version, second.submitted_at) == (first.version, first.submitted_at)


@pytest.mark.parametrize("who", ["mentor", "guardian", "other_student_user"])
def test_only_the_student_submits(world, a_reflection, who):
    with pytest.raises(PermissionDenied):
        services.reflection_submit(reflection=a_reflection, actor=getattr(world, who))


# --- the mentor: reopen and comment ---------------------------------------------------------------------


@pytest.fixture
def submitted(world, a_reflection) -> Reflection:
    return services.reflection_submit(reflection=a_reflection, actor=world.student_user)


def test_the_mentor_reopens_it_as_a_draft_the_student_can_change(world, submitted):
    reopened = services.reflection_reopen(reflection=submitted, actor=world.mentor)

    assert reopened.status == Reflection.Status.DRAFT
    assert reopened.submitted_at is None
    assert reopened.version == submitted.version + 1
    changed = save(world, submitted.cycle, version=reopened.version, values={"went_well": "Aangevuld."})
    assert changed.went_well == "Aangevuld."


@pytest.mark.parametrize("who", ["team_leader", "admin", "care_coordinator", "other_mentor", "student_user"])
def test_only_the_mentor_reopens(world, submitted, who):
    with pytest.raises(PermissionDenied):
        services.reflection_reopen(reflection=submitted, actor=getattr(world, who))
    submitted.refresh_from_db()
    assert submitted.is_submitted


def test_a_draft_cannot_be_reopened(world, a_reflection):
    with pytest.raises(PermissionDenied):
        services.reflection_reopen(reflection=a_reflection, actor=world.mentor)


def test_the_mentor_comments_and_an_empty_comment_removes_it(world, submitted):
    commented = services.reflection_comment(reflection=submitted, actor=world.mentor, text="  Mooi plan!  ")
    assert (commented.mentor_comment, commented.commented_by) == ("Mooi plan!", world.mentor)
    assert commented.commented_at is not None

    cleared = services.reflection_comment(reflection=submitted, actor=world.mentor, text="")
    assert (cleared.mentor_comment, cleared.commented_by, cleared.commented_at) == ("", None, None)


def test_a_too_long_comment_is_refused(world, submitted):
    with pytest.raises(ValidationError) as error:
        services.reflection_comment(reflection=submitted, actor=world.mentor, text="x" * (REFLECTION_MAX_LENGTH + 1))

    assert list(error.value.message_dict) == ["comment"]
    submitted.refresh_from_db()
    assert submitted.mentor_comment == ""


@pytest.mark.parametrize("who", ["team_leader", "admin", "other_mentor", "student_user", "guardian"])
def test_only_the_mentor_comments(world, submitted, who):
    with pytest.raises(PermissionDenied):
        services.reflection_comment(reflection=submitted, actor=getattr(world, who), text="Goed zo.")


def test_a_draft_gets_no_comment(world, a_reflection):
    with pytest.raises(PermissionDenied):
        services.reflection_comment(reflection=a_reflection, actor=world.mentor, text="Nog niet ingeleverd.")


# --- last time's agreements ---------------------------------------------------------------------------------


def make_decision_agreement(world, cycle, *, text, status=Agreement.Status.OPEN) -> Agreement:
    meeting, _ = DepartmentMeeting.objects.get_or_create(cycle=cycle, department=world.department)
    escalation = Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.CARE,
        question="Heeft Sam hulp nodig?",
        status=Escalation.Status.DECIDED,
        raised_by=world.mentor,
    )
    item = AgendaItem.objects.create(meeting=meeting, escalation=escalation, position=1)
    decision = Decision.objects.create(item=item, student=world.student, text="Bijles Nederlands.")
    return Agreement.objects.create(
        student=world.student,
        decision=decision,
        text=text,
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2026, 10, 15),
        status=status,
    )


def test_last_agreements_are_those_of_earlier_published_rounds(world, a_previous_cycle, a_published_cycle):
    Publication.objects.create(cycle=a_previous_cycle, department=world.department)
    make_decision_agreement(world, a_previous_cycle, text="Elke week naar de huiswerkklas", status="partly")
    make_decision_agreement(world, a_published_cycle, text="Van deze ronde zelf")

    lines = last_agreements(cycle=a_published_cycle, student=world.student)

    assert [(line.text, line.status, line.cycle_name, line.made_at_talk) for line in lines] == [
        ("Elke week naar de huiswerkklas", "partly", a_previous_cycle.name, False)
    ]


def test_agreements_of_an_unpublished_earlier_round_stay_hidden(world, a_previous_cycle, a_published_cycle):
    make_decision_agreement(world, a_previous_cycle, text="Nooit gepubliceerd")

    assert last_agreements(cycle=a_published_cycle, student=world.student) == []


def test_goal_rows_are_stored_with_their_positions(world, a_published_cycle):
    save(world, a_published_cycle, version=0, goals=[goal(1, "Een"), goal(3, "Drie")])

    assert list(Goal.objects.values_list("position", flat=True)) == [1, 3]
