"""The mentoring part of "Mijn werk": the mentor's classes, the teacher's questions, the team leader's escalations."""

from mentoring.models import MentorReview, Question
from tests.factories import PASSWORD


def _home(client, user) -> str:
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_mentor_sees_their_class_with_the_students_marked(client, world, a_cycle_in_speed_date):
    MentorReview.objects.create(
        cycle=a_cycle_in_speed_date,
        student=world.student,
        verdict=MentorReview.Verdict.CLEAR,
        reviewed_by=world.mentor,
    )
    html = _home(client, world.mentor)
    assert "Read your mentees" in html or "Lees de stoplichten" in html
    assert f"/mentoring/cycles/{a_cycle_in_speed_date.pk}/classes/{world.class_group.pk}/" in html
    assert 'value="1" max="1"' in html


def test_a_teacher_sees_the_questions_waiting_for_them(client, world, a_cycle_in_speed_date):
    Question.objects.create(
        cycle=a_cycle_in_speed_date,
        student=world.student,
        teaching_group=world.teaching_group,
        addressed_to=world.teacher.staff,
        asked_by=world.mentor,
        text="Waar ligt het aan?",
    )
    assert "questions-title" in _home(client, world.teacher)
    assert "questions-title" not in _home(client, world.other_teacher)


def test_a_team_leader_sees_the_escalations_waiting(client, world, an_escalation):
    html = _home(client, world.team_leader)
    assert "mentoring-departments-title" in html
    assert f"/mentoring/cycles/{an_escalation.cycle_id}/departments/{world.department.pk}/" in html
    assert "mentoring-departments-title" not in _home(client, world.mentor)


def test_students_and_parents_get_no_mentoring_section(client, world, an_escalation):
    for user in (world.student_user, world.guardian):
        html = _home(client, user)
        assert "mentoring-" not in html
