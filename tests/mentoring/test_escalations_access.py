"""Every escalation URL and the student page: who gets in, who is refused, and how (DESIGN §4).

Out of scope is 404 (another school, students and parents, a teacher who does not follow the
student, another department's team leader); a page the user can see but not use is 403 (the
admin or the mentor pressing "accept", a team leader raising an escalation about someone's mentee).
"""

import pytest
from django.urls import reverse

from mentoring.models import AgendaItem, Category, Escalation
from mentoring.selectors.evidence import student_evidence

WHO = [
    "outsider",
    "student_user",
    "guardian",
    "teacher",
    "other_mentor",
    "mentor",
    "team_leader",
    "other_team_leader",
    "admin",
    "care_coordinator",
]
FOLLOWERS = {"mentor", "team_leader", "admin", "care_coordinator"}  # of world.student
HANDLERS = {"team_leader"}
OVERSEERS = {"team_leader", "admin", "care_coordinator"}  # of world.department


def expected(page: str, who: str) -> int:
    if page == "student":
        return 200 if who in FOLLOWERS else 404
    if page == "escalation_create":
        return 200 if who == "mentor" else 403 if who in FOLLOWERS else 404
    if page == "escalation":
        return 200 if who in FOLLOWERS else 404
    if page == "escalations":
        return 200 if who in OVERSEERS else 404
    if page in ("escalation_accept", "escalation_return", "escalation_merge"):
        return 302 if who in HANDLERS else 403 if who in FOLLOWERS else 404
    if page == "escalations_mine":
        if who in ("outsider", "student_user", "guardian"):
            return 404  # the round itself is not theirs to see
        return 200 if who in ("mentor", "other_mentor") else 403
    raise AssertionError(page)


PAGES = [
    "student",
    "escalation_create",
    "escalation",
    "escalations",
    "escalations_mine",
    "escalation_accept",
    "escalation_return",
    "escalation_merge",
]
POSTS = {"escalation_accept", "escalation_return", "escalation_merge"}


@pytest.fixture
def a_duplicate(world, an_escalation) -> Escalation:
    """A second open escalation about the same student: something to merge into."""
    return Escalation.objects.create(
        cycle=an_escalation.cycle,
        student=world.student,
        department=world.department,
        category=Category.CARE,
        question="Heeft Sam hulp nodig bij plannen?",
        evidence=student_evidence(cycle=an_escalation.cycle, student=world.student).as_snapshot(),
        raised_by=world.mentor,
    )


def url_for(page: str, world, escalation: Escalation) -> str:
    cycle = escalation.cycle
    return {
        "student": reverse("mentoring:student", args=[cycle.pk, world.student.pk]),
        "escalation_create": reverse("mentoring:escalation_create", args=[cycle.pk, world.student.pk]),
        "escalation": reverse("mentoring:escalation", args=[escalation.pk]),
        "escalations": reverse("mentoring:escalations", args=[cycle.pk, world.department.pk]),
        "escalations_mine": reverse("mentoring:escalations_mine", args=[cycle.pk]),
        "escalation_accept": reverse("mentoring:escalation_accept", args=[escalation.pk]),
        "escalation_return": reverse("mentoring:escalation_return", args=[escalation.pk]),
        "escalation_merge": reverse("mentoring:escalation_merge", args=[escalation.pk]),
    }[page]


def post_data(page: str, a_duplicate: Escalation) -> dict:
    return {
        "escalation_accept": {"timebox_minutes": "10"},
        "escalation_return": {"response": "Dit lossen jullie samen op."},
        "escalation_merge": {"into": str(a_duplicate.pk)},
    }[page]


CASES = [(page, who) for page in PAGES for who in WHO]


@pytest.mark.parametrize(("page", "who"), CASES, ids=[f"{p}-{w}" for p, w in CASES])
def test_access(client, world, an_escalation, a_duplicate, page, who):
    client.force_login(getattr(world, who))
    url = url_for(page, world, an_escalation)

    response = client.post(url, post_data(page, a_duplicate)) if page in POSTS else client.get(url)

    assert response.status_code == expected(page, who)
    an_escalation.refresh_from_db()
    changed = an_escalation.status != Escalation.Status.PENDING
    assert changed == (page in POSTS and who in HANDLERS)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, world, an_escalation, a_duplicate, page):
    url = url_for(page, world, an_escalation)

    response = client.post(url, post_data(page, a_duplicate)) if page in POSTS else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not AgendaItem.objects.exists()


def test_posting_the_create_form_is_refused_like_its_page(client, world, an_escalation):
    client.force_login(world.team_leader)
    url = reverse("mentoring:escalation_create", args=[an_escalation.cycle.pk, world.student.pk])

    response = client.post(url, {"category": "care", "question": "Hulp nodig?"})

    assert response.status_code == 403
    assert Escalation.objects.count() == 1


def test_the_student_page_of_a_student_outside_the_cycle_is_not_found(client, world, an_escalation):
    an_escalation.cycle.departments.set([world.other_department])
    client.force_login(world.mentor)

    response = client.get(reverse("mentoring:student", args=[an_escalation.cycle.pk, world.student.pk]))

    assert response.status_code == 404


def test_a_department_outside_the_cycle_is_not_found(client, world, an_escalation):
    an_escalation.cycle.departments.set([world.other_department])
    client.force_login(world.team_leader)

    response = client.get(reverse("mentoring:escalations", args=[an_escalation.cycle.pk, world.department.pk]))

    assert response.status_code == 404


def test_another_departments_team_leader_cannot_merge_into_our_escalation(client, world, an_escalation):
    """A forged target outside what the team leader may see is an invalid choice, not a merge."""
    theirs = Escalation.objects.create(
        cycle=an_escalation.cycle,
        student=world.other_student,
        department=world.other_department,
        category=Category.CARE,
        question="?",
        raised_by=world.other_mentor,
    )
    client.force_login(world.team_leader)

    client.post(reverse("mentoring:escalation_merge", args=[an_escalation.pk]), {"into": theirs.pk})

    an_escalation.refresh_from_db()
    assert an_escalation.status == Escalation.Status.PENDING


def test_the_mentor_cannot_act_in_a_closed_cycle(client, world, an_escalation):
    an_escalation.cycle.phase = "closed"
    an_escalation.cycle.save()
    client.force_login(world.mentor)

    response = client.get(reverse("mentoring:escalation_create", args=[an_escalation.cycle.pk, world.student.pk]))

    assert response.status_code == 403


def test_the_team_leader_cannot_act_in_a_closed_cycle(client, world, an_escalation):
    an_escalation.cycle.phase = "closed"
    an_escalation.cycle.save()
    client.force_login(world.team_leader)

    response = client.post(reverse("mentoring:escalation_accept", args=[an_escalation.pk]), {"timebox_minutes": 10})

    assert response.status_code == 403
    assert client.get(reverse("mentoring:escalation", args=[an_escalation.pk])).status_code == 200


@pytest.mark.parametrize("name", ["escalation_accept", "escalation_return", "escalation_merge"])
def test_actions_are_post_only(client, world, an_escalation, name):
    client.force_login(world.team_leader)

    assert client.get(reverse(f"mentoring:{name}", args=[an_escalation.pk])).status_code == 405
