"""Who gets in where, for every URL of the questions and the speed-date (DESIGN §4).

Out of scope is 404 (another school, students and parents, a question about a student
the user does not follow and not addressed to them); visible but not allowed is 403
(the mentor pressing "answer", the teacher pressing "close", a team leader asking).
"""

import pytest
from django.urls import reverse

from mentoring.models import Question, SpeedDate

EVERYONE = [
    "admin",
    "team_leader",
    "other_team_leader",
    "mentor",
    "other_mentor",
    "teacher",
    "other_teacher",
    "care_coordinator",
    "student_user",
    "guardian",
    "outsider",
]
OUT_OF_SCHOOL_STAFF = {"student_user", "guardian", "outsider"}
WHOLE_SCHOOL = {"admin", "care_coordinator"}

EXPECTED = {
    # The mentor asks; who follows the student but is not its mentor is refused (403), the rest 404.
    "question_ask": {"mentor": 200, "team_leader": 403} | dict.fromkeys(WHOLE_SCHOOL, 403),
    # Every member of staff has an inbox (the outsider their own school's); students and parents 403.
    "inbox": dict.fromkeys(set(EVERYONE) - {"student_user", "guardian"}, 200) | {"student_user": 403, "guardian": 403},
    # The addressed teacher, the mentor, the department's team leader, school-wide roles.
    "question": dict.fromkeys({"teacher", "mentor", "team_leader"} | WHOLE_SCHOOL, 200),
    "question_answer": {"teacher": 302, "mentor": 403, "team_leader": 403} | dict.fromkeys(WHOLE_SCHOOL, 403),
    "question_close": {"mentor": 302, "teacher": 403, "team_leader": 403} | dict.fromkeys(WHOLE_SCHOOL, 403),
    # Staff who teach, mentor or lead in the cycle (it covers both departments); other staff 403.
    "speed_date": dict.fromkeys(
        {"teacher", "other_teacher", "mentor", "other_mentor", "team_leader", "other_team_leader"}, 200
    )
    | dict.fromkeys(WHOLE_SCHOOL, 403),
    # Only the team leader of the department; other staff of the school see the cycle (403).
    "speed_date_start": {"team_leader": 302}
    | dict.fromkeys(set(EVERYONE) - OUT_OF_SCHOOL_STAFF - {"team_leader"}, 403),
}
POST_PAGES = {"question_answer", "question_close", "speed_date_start"}


def expected(page: str, who: str) -> int:
    return EXPECTED[page].get(who, 404)


@pytest.fixture
def a_question(world, a_cycle_in_speed_date) -> Question:
    return Question.objects.create(
        cycle=a_cycle_in_speed_date,
        student=world.student,
        teaching_group=world.teaching_group,
        addressed_to=world.teacher.staff,
        asked_by=world.mentor,
        text="Hoe gaat het met de woordjes?",
    )


def url_for(page: str, world, cycle, question) -> str:
    return {
        "question_ask": reverse("mentoring:question_ask", args=[cycle.pk, world.student.pk, world.teaching_group.pk]),
        "inbox": reverse("mentoring:inbox"),
        "question": reverse("mentoring:question", args=[question.pk]),
        "question_answer": reverse("mentoring:question_answer", args=[question.pk]),
        "question_close": reverse("mentoring:question_close", args=[question.pk]),
        "speed_date": reverse("mentoring:speed_date", args=[cycle.pk]),
        "speed_date_start": reverse("mentoring:speed_date_start", args=[cycle.pk, world.department.pk]),
    }[page]


POST_DATA = {
    "question_answer": {"answer": "Ja, vooraan."},
    "question_close": {},
    "speed_date_start": {"minutes": "20"},
}
CASES = [(page, who) for page in EXPECTED for who in EVERYONE]


def test_the_paths_are_the_agreed_ones(world, a_cycle_in_speed_date, a_question):
    cycle = a_cycle_in_speed_date
    assert reverse("mentoring:inbox") == "/mentoring/questions/"
    assert reverse("mentoring:question", args=[a_question.pk]) == f"/mentoring/questions/{a_question.pk}/"
    assert reverse("mentoring:speed_date", args=[cycle.pk]) == f"/mentoring/cycles/{cycle.pk}/speed-date/"
    assert (
        reverse("mentoring:speed_date_start", args=[cycle.pk, world.department.pk])
        == f"/mentoring/cycles/{cycle.pk}/departments/{world.department.pk}/speed-date/start/"
    )


@pytest.mark.parametrize(("page", "who"), CASES, ids=[f"{p}-{w}" for p, w in CASES])
def test_page_access(client, world, a_cycle_in_speed_date, a_question, page, who, mailoutbox):
    url = url_for(page, world, a_cycle_in_speed_date, a_question)
    client.force_login(getattr(world, who))

    response = client.post(url, POST_DATA[page]) if page in POST_PAGES else client.get(url)

    assert response.status_code == expected(page, who)
    question = Question.objects.filter(pk=a_question.pk).first()
    if page == "question_answer" and who != "teacher":
        assert question.status == "open"  # nothing written when refused
    if page == "question_close" and who != "mentor":
        assert question is not None
    if page == "speed_date_start":
        assert SpeedDate.objects.exists() == (who == "team_leader")


@pytest.mark.parametrize("page", list(EXPECTED))
def test_anonymous_is_sent_to_login(client, world, a_cycle_in_speed_date, a_question, page):
    url = url_for(page, world, a_cycle_in_speed_date, a_question)

    response = client.post(url, POST_DATA.get(page, {})) if page in POST_PAGES else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert Question.objects.get().status == "open"


@pytest.mark.parametrize("page", sorted(POST_PAGES))
def test_post_only_urls_refuse_get(client, world, a_cycle_in_speed_date, a_question, page):
    client.force_login({"question_answer": world.teacher, "question_close": world.mentor}.get(page, world.team_leader))

    assert client.get(url_for(page, world, a_cycle_in_speed_date, a_question)).status_code == 405


def test_asking_about_a_student_outside_the_group_is_not_found(client, world, a_cycle_in_speed_date):
    client.force_login(world.mentor)
    other_group = world.school.teaching_groups.get(name="5V-ne1")

    response = client.get(
        reverse("mentoring:question_ask", args=[a_cycle_in_speed_date.pk, world.student.pk, other_group.pk])
    )

    assert response.status_code == 404


def test_asking_in_a_closed_cycle_is_refused(client, world, a_cycle_in_speed_date):
    a_cycle_in_speed_date.phase = "closed"
    a_cycle_in_speed_date.save()
    client.force_login(world.mentor)
    url = reverse("mentoring:question_ask", args=[a_cycle_in_speed_date.pk, world.student.pk, world.teaching_group.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"text": "Nog een vraag"}).status_code == 403
    assert not Question.objects.exists()


def test_a_department_outside_the_cycle_has_no_start(client, world, a_cycle_in_speed_date):
    a_cycle_in_speed_date.departments.set([world.other_department])
    client.force_login(world.team_leader)

    response = client.post(
        reverse("mentoring:speed_date_start", args=[a_cycle_in_speed_date.pk, world.department.pk]), {"minutes": 20}
    )

    assert response.status_code == 404
    assert not SpeedDate.objects.exists()
