"""The mentoring access rules (DESIGN §4), role by role, with their queryset twins.

A mentor follows only their own class groups; a team leader their departments;
the school admin and care coordinator the whole school; a subject teacher
answers only what is addressed to them; only a department's team leader runs its
meeting. Nothing crosses schools.
"""

import pytest

from mentoring import policies
from mentoring.models import AgendaItem, Escalation, Question
from reviews.models import Phase
from school import policies as school_policies

FOLLOW_STUDENT = {"admin", "care_coordinator", "team_leader", "mentor"}  # world.student in 4H1 (havo)


@pytest.mark.parametrize(
    "who",
    sorted(
        FOLLOW_STUDENT
        | {"other_team_leader", "other_mentor", "teacher", "other_teacher", "student_user", "guardian", "outsider"}
    ),
)
def test_who_follows_a_student(world, who):
    user = getattr(world, who)
    assert policies.can_follow_student(user, world.student) is (who in FOLLOW_STUDENT)
    assert (world.student in policies.students_followed_by(user)) is (who in FOLLOW_STUDENT)
    assert (world.class_group in policies.class_groups_followed_by(user)) is (who in FOLLOW_STUDENT)


def test_a_mentor_follows_only_their_own_class(world):
    assert list(policies.students_followed_by(world.mentor)) == [world.student]
    assert list(policies.class_groups_followed_by(world.mentor)) == [world.class_group]


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin", "other_mentor", "teacher"])
def test_only_the_students_own_mentor_mentors_in_an_open_cycle(world, a_cycle_in_speed_date, who):
    user = getattr(world, who)
    assert policies.can_mentor_in_cycle(user, a_cycle_in_speed_date, world.student) is (who == "mentor")
    a_cycle_in_speed_date.phase = Phase.CLOSED
    assert policies.can_mentor_in_cycle(user, a_cycle_in_speed_date, world.student) is False


@pytest.mark.parametrize(
    ("who", "leads", "oversees"),
    [
        ("team_leader", True, True),
        ("other_team_leader", False, False),
        ("admin", False, True),
        ("care_coordinator", False, True),
        ("mentor", False, False),
        ("student_user", False, False),
        ("outsider", False, False),
    ],
)
def test_departments(world, who, leads, oversees):
    user = getattr(world, who)
    assert policies.can_lead_department(user, world.department) is leads
    assert (world.department in policies.departments_led_by(user)) is leads
    assert (world.department in policies.departments_overseen_by(user)) is oversees


@pytest.fixture
def a_question(world, a_cycle_in_speed_date) -> Question:
    return Question.objects.create(
        cycle=a_cycle_in_speed_date,
        student=world.student,
        teaching_group=world.teaching_group,
        addressed_to=world.teacher.staff,
        asked_by=world.mentor,
        text="Waar ligt het aan?",
    )


@pytest.mark.parametrize(
    ("who", "sees", "answers", "closes"),
    [
        ("teacher", True, True, False),
        ("mentor", True, False, True),
        ("team_leader", True, False, False),
        ("admin", True, False, False),
        ("other_teacher", False, False, False),
        ("other_mentor", False, False, False),
        ("other_team_leader", False, False, False),
        ("student_user", False, False, False),
        ("outsider", False, False, False),
    ],
)
def test_questions(world, a_question, who, sees, answers, closes):
    user = getattr(world, who)
    assert (a_question in policies.questions_visible_to(user)) is sees
    assert policies.can_answer_question(user, a_question) is answers
    assert policies.can_close_question(user, a_question) is closes
    assert (a_question in policies.questions_addressed_to(user)) is (who == "teacher")


def test_nobody_answers_in_a_closed_cycle(world, a_question):
    a_question.cycle.phase = Phase.CLOSED
    assert policies.can_answer_question(world.teacher, a_question) is False


@pytest.mark.parametrize(
    ("who", "sees", "handles"),
    [
        ("team_leader", True, True),
        ("mentor", True, False),
        ("admin", True, False),
        ("care_coordinator", True, False),
        ("other_team_leader", False, False),
        ("other_mentor", False, False),
        ("teacher", False, False),
        ("guardian", False, False),
        ("outsider", False, False),
    ],
)
def test_escalations(world, an_escalation, who, sees, handles):
    user = getattr(world, who)
    assert (an_escalation in policies.escalations_visible_to(user)) is sees
    assert policies.can_handle_escalation(user, an_escalation) is handles


def test_a_team_leader_sees_an_escalation_of_their_department_even_for_a_student_who_moved(world, an_escalation):
    world.student.class_group = world.other_class_group
    world.student.save()
    assert an_escalation in policies.escalations_visible_to(world.team_leader)
    assert Escalation.objects.filter(pk=an_escalation.pk).exists()


@pytest.mark.parametrize(
    ("who", "sees", "runs"),
    [
        ("team_leader", True, True),
        ("admin", True, False),
        ("care_coordinator", True, False),
        ("other_team_leader", False, False),
        ("mentor", False, False),
        ("teacher", False, False),
        ("student_user", False, False),
        ("outsider", False, False),
    ],
)
def test_meetings(world, a_meeting, who, sees, runs):
    user = getattr(world, who)
    assert (a_meeting in policies.meetings_visible_to(user)) is sees
    assert policies.can_run_meeting(user, a_meeting) is runs


def test_an_attendee_sees_the_meeting_and_votes_only_while_voting(world, a_meeting, an_escalation):
    a_meeting.attendees.add(world.teacher.staff)
    item = AgendaItem.objects.create(meeting=a_meeting, escalation=an_escalation, status=AgendaItem.Status.WAITING)
    assert a_meeting in policies.meetings_visible_to(world.teacher)
    assert policies.can_run_meeting(world.teacher, a_meeting) is False
    assert policies.can_vote(world.teacher, item) is False
    item.status = AgendaItem.Status.VOTING
    assert policies.can_vote(world.teacher, item) is True
    assert policies.can_vote(world.other_teacher, item) is False


@pytest.mark.parametrize(
    ("who", "dashboards", "own_escalations", "oversees", "portal"),
    [
        ("mentor", True, True, False, False),
        ("team_leader", True, False, True, False),
        ("admin", True, False, True, False),
        ("teacher", True, False, False, False),
        ("other_team_leader", True, False, False, False),
        ("student_user", False, False, False, True),
        ("guardian", False, False, False, True),
        ("outsider", True, False, False, False),  # staff of their own school: the list is empty for ours
    ],
)
def test_page_level_rules(world, who, dashboards, own_escalations, oversees, portal):
    user = getattr(world, who)
    assert policies.can_view_dashboards(user) is dashboards
    assert policies.can_list_own_escalations(user) is own_escalations
    assert school_policies.can_oversee_department(user, world.department) is oversees
    assert policies.can_use_portal(user) is portal
