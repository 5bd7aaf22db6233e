"""Every reflection URL: who gets in, who is refused, and how (DESIGN §4).

The student's own page is the student's alone: everyone else gets 404, and so does the student
before the round is published to their department. The mentor's pages are for those who follow
the student (the mentor, the department's team leader, school-wide roles); a draft is the
student's own (404 for staff). Commenting and reopening are the mentor's: those who read the
reflection but are not its mentor get 403. Guardians see goals on the portal page, not here.
"""

import pytest
from django.urls import reverse

from mentoring.models import Publication, Reflection
from mentoring.services import reflection as services

WHO = [
    "outsider",
    "student_user",
    "other_student_user",
    "guardian",
    "other_guardian",
    "teacher",
    "other_mentor",
    "mentor",
    "team_leader",
    "other_team_leader",
    "admin",
    "care_coordinator",
]
FOLLOWERS = {"mentor", "team_leader", "admin", "care_coordinator"}  # of world.student and 4H1

PAGES = ["reflection", "reflection_save", "reflection_submit", "reflections", "reflection_view"]
POSTS = {"reflection_save", "reflection_submit", "reflection_comment", "reflection_reopen"}
MENTOR_ACTIONS = ["reflection_comment", "reflection_reopen"]


def expected(page: str, who: str) -> int:
    if page in ("reflection", "reflection_save", "reflection_submit"):
        # The student's own: the page, a save (post/redirect/get), a submit.
        return (200 if page == "reflection" else 302) if who == "student_user" else 404
    if page == "reflections":
        return 200 if who in FOLLOWERS else 404
    if page == "reflection_view":
        if who == "student_user":
            return 302  # to their own page
        return 200 if who in FOLLOWERS else 404
    if page in MENTOR_ACTIONS:
        if who == "mentor":
            return 302
        return 403 if who in FOLLOWERS | {"student_user"} else 404
    raise AssertionError(page)


@pytest.fixture
def submitted(world, a_reflection) -> Reflection:
    return services.reflection_submit(reflection=a_reflection, actor=world.student_user)


def url_for(page: str, world, reflection: Reflection) -> str:
    cycle = reflection.cycle
    return {
        "reflection": reverse("mentoring:reflection", args=[cycle.pk]),
        "reflection_save": reverse("mentoring:reflection", args=[cycle.pk]),
        "reflection_submit": reverse("mentoring:reflection_submit", args=[cycle.pk]),
        "reflections": reverse("mentoring:reflections", args=[cycle.pk, world.class_group.pk]),
        "reflection_view": reverse("mentoring:reflection_view", args=[reflection.pk]),
        "reflection_comment": reverse("mentoring:reflection_comment", args=[reflection.pk]),
        "reflection_reopen": reverse("mentoring:reflection_reopen", args=[reflection.pk]),
    }[page]


def post_data(page: str, reflection: Reflection) -> dict:
    return {
        "reflection_save": {"version": reflection.version, "went_well": "Anders"},
        "reflection_submit": {},
        "reflection_comment": {"comment": "Mooi plan."},
        "reflection_reopen": {},
    }[page]


def request(client, page, url, reflection):
    return client.post(url, post_data(page, reflection)) if page in POSTS else client.get(url)


CASES = [(page, who) for page in [*PAGES, *MENTOR_ACTIONS] for who in WHO]


@pytest.mark.parametrize(("page", "who"), CASES, ids=[f"{p}-{w}" for p, w in CASES])
def test_access(client, world, submitted, page, who):
    client.force_login(getattr(world, who))

    response = request(client, page, url_for(page, world, submitted), submitted)

    assert response.status_code == expected(page, who)
    fresh = Reflection.objects.get(pk=submitted.pk)
    assert fresh.went_well == submitted.went_well  # submitted: nobody changes the text
    assert fresh.is_submitted == (not (page == "reflection_reopen" and who == "mentor"))
    assert bool(fresh.mentor_comment) == (page == "reflection_comment" and who == "mentor")


@pytest.mark.parametrize("page", [*PAGES, *MENTOR_ACTIONS])
def test_anonymous_is_sent_to_login(client, world, submitted, page):
    response = request(client, page, url_for(page, world, submitted), submitted)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin", "care_coordinator"])
@pytest.mark.parametrize("page", ["reflection_view", "reflection_comment", "reflection_reopen"])
def test_a_draft_is_the_students_own(client, world, a_reflection, who, page):
    client.force_login(getattr(world, who))

    response = request(client, page, url_for(page, world, a_reflection), a_reflection)

    assert response.status_code == 404
    a_reflection.refresh_from_db()
    assert (a_reflection.status, a_reflection.mentor_comment) == (Reflection.Status.DRAFT, "")


def test_the_students_own_page_for_a_round_not_published_to_their_department_is_404(client, world, a_published_cycle):
    """Published to havo only: the vwo student (other_student_user) has no page for it."""
    client.force_login(world.other_student_user)
    url = reverse("mentoring:reflection", args=[a_published_cycle.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"version": 0, "went_well": "Te vroeg"}).status_code == 404
    assert not Reflection.objects.filter(student=world.other_student).exists()


def test_before_publishing_the_student_has_no_page(client, world, a_cycle_in_speed_date):
    client.force_login(world.student_user)

    assert client.get(reverse("mentoring:reflection", args=[a_cycle_in_speed_date.pk])).status_code == 404


def test_another_student_sees_only_their_own_reflection(client, world, a_reflection):
    """Published to vwo as well: the other student's page is theirs, empty, never world.student's text."""
    Publication.objects.create(cycle=a_reflection.cycle, department=world.other_department)
    client.force_login(world.other_student_user)

    response = client.get(reverse("mentoring:reflection", args=[a_reflection.cycle.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert a_reflection.went_well not in html
    assert "Een voldoende voor Nederlands" not in html


def test_another_department_class_is_404_for_the_team_leader(client, world, a_published_cycle):
    client.force_login(world.team_leader)

    url = reverse("mentoring:reflections", args=[a_published_cycle.pk, world.other_class_group.pk])

    assert client.get(url).status_code == 404


def test_a_class_the_round_does_not_cover_is_404(client, world, a_published_cycle):
    a_published_cycle.departments.set([world.other_department])
    client.force_login(world.mentor)

    url = reverse("mentoring:reflections", args=[a_published_cycle.pk, world.class_group.pk])

    assert client.get(url).status_code == 404


def test_a_closed_round_the_student_reads_but_does_not_write(client, world, a_reflection):
    cycle = a_reflection.cycle
    cycle.phase = "closed"
    cycle.save()
    client.force_login(world.student_user)
    url = reverse("mentoring:reflection", args=[cycle.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, {"version": a_reflection.version, "went_well": "Te laat"}).status_code == 403
    assert client.post(reverse("mentoring:reflection_submit", args=[cycle.pk])).status_code == 403
    a_reflection.refresh_from_db()
    assert a_reflection.went_well != "Te laat"
    assert not a_reflection.is_submitted
