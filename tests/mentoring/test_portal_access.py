"""Who gets into the portal's pages and the publish page: every URL, every role (DESIGN §4).

- publish: the department's team leader; 403 for who oversees the department without leading it
  (the school admin, the care coordinator); 404 for everyone else, another school included.
- portal (/mentoring/my/): students and guardians; 403 for everyone else (staff read students
  through their own pages; the page names no object, so there is nothing to hide).
- portal_cycle: 404 unless the user may read that student's feedback and it is published
  (staff included: their page for a student is mentoring:student).
- sharing: 404 for anyone who is not a student; a student under 18 reads why (GET) and may not
  post (403); an adult student chooses.
"""

import datetime

import pytest
from django.urls import reverse

from mentoring.models import GuardianSharing, Publication
from tests.conftest import EVERYONE

READERS = {"student_user", "guardian"}  # of world.student's feedback
PORTAL_USERS = {"student_user", "other_student_user", "guardian", "other_guardian"}
STUDENTS = {"student_user", "other_student_user"}
OVERSEERS_NOT_LEADING = {"admin", "care_coordinator"}
ADULT_BIRTHDAY = datetime.date(2000, 1, 1)


def urls(world, cycle) -> dict[str, str]:
    return {
        "publish": reverse("mentoring:publish", args=[cycle.pk, world.department.pk]),
        "portal": reverse("mentoring:portal"),
        "portal_cycle": reverse("mentoring:portal_cycle", args=[cycle.pk, world.student.pk]),
        "sharing": reverse("mentoring:sharing"),
    }


def expected(page: str, method: str, who: str) -> int:
    if page == "publish":
        if who == "team_leader":
            return 200 if method == "get" else 302
        return 403 if who in OVERSEERS_NOT_LEADING else 404
    if page == "portal":
        return 200 if who in PORTAL_USERS else 403
    if page == "portal_cycle":
        return 200 if who in READERS else 404
    if page == "sharing":
        if who not in STUDENTS:
            return 404
        return 200 if method == "get" else 403  # the world's students are under 18
    raise AssertionError(page)


CASES = [
    (page, method, who)
    for page, methods in (
        ("publish", ("get", "post")),
        ("portal", ("get",)),
        ("portal_cycle", ("get",)),
        ("sharing", ("get", "post")),
    )
    for method in methods
    for who in EVERYONE
]


@pytest.fixture
def cycle(world, a_cycle_in_speed_date):
    """Published for the portal's pages; the publish page itself is tried on the same round."""
    Publication.objects.create(
        cycle=a_cycle_in_speed_date, department=world.department, published_by=world.team_leader
    )
    return a_cycle_in_speed_date


@pytest.mark.parametrize(("page", "method", "who"), CASES, ids=[f"{p}-{m}-{w}" for p, m, w in CASES])
def test_access(client, world, cycle, page, method, who):
    if page == "publish":
        Publication.objects.all().delete()
    url = urls(world, cycle)[page]
    client.force_login(getattr(world, who))

    response = client.get(url) if method == "get" else client.post(url, {"guardians_may_see": "yes"})

    assert response.status_code == expected(page, method, who)
    if page == "publish" and method == "post":
        assert Publication.objects.exists() is (who == "team_leader")  # a refusal publishes nothing
    if page == "sharing":
        assert not GuardianSharing.objects.exists()


@pytest.mark.parametrize(("page", "method"), sorted({(p, m) for p, m, _w in CASES}))
def test_anonymous_is_sent_to_login(client, world, cycle, page, method):
    url = urls(world, cycle)[page]

    response = client.get(url) if method == "get" else client.post(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_before_publishing_the_student_and_guardian_get_404(client, world, a_cycle_in_speed_date):
    url = reverse("mentoring:portal_cycle", args=[a_cycle_in_speed_date.pk, world.student.pk])
    for who in ("student_user", "guardian"):
        client.force_login(getattr(world, who))
        assert client.get(url).status_code == 404, who


def test_published_to_another_department_stays_hidden(client, world, a_cycle_in_speed_date):
    Publication.objects.create(cycle=a_cycle_in_speed_date, department=world.other_department)
    client.force_login(world.student_user)

    response = client.get(reverse("mentoring:portal_cycle", args=[a_cycle_in_speed_date.pk, world.student.pk]))

    assert response.status_code == 404


def test_a_student_never_opens_another_students_page(client, world, cycle):
    Publication.objects.create(cycle=cycle, department=world.other_department)
    client.force_login(world.other_student_user)

    own = client.get(reverse("mentoring:portal_cycle", args=[cycle.pk, world.other_student.pk]))
    other = client.get(reverse("mentoring:portal_cycle", args=[cycle.pk, world.student.pk]))

    assert own.status_code == 200
    assert other.status_code == 404


def test_a_round_of_another_school_is_404_even_with_a_matching_number(client, world, cycle):
    client.force_login(world.student_user)

    response = client.get(reverse("mentoring:portal_cycle", args=[cycle.pk + 1000, world.student.pk]))

    assert response.status_code == 404


def test_an_adult_child_without_sharing_is_hidden_from_the_guardian(client, world, cycle):
    world.student.date_of_birth = ADULT_BIRTHDAY
    world.student.save()
    url = reverse("mentoring:portal_cycle", args=[cycle.pk, world.student.pk])
    client.force_login(world.guardian)

    assert client.get(url).status_code == 404
    GuardianSharing.objects.create(student=world.student, guardians_may_see=False)
    assert client.get(url).status_code == 404
    GuardianSharing.objects.filter(student=world.student).update(guardians_may_see=True)
    assert client.get(url).status_code == 200


def test_the_adult_student_reads_their_own_page_whatever_they_chose(client, world, cycle):
    world.student.date_of_birth = ADULT_BIRTHDAY
    world.student.save()
    GuardianSharing.objects.create(student=world.student, guardians_may_see=False)
    client.force_login(world.student_user)

    response = client.get(reverse("mentoring:portal_cycle", args=[cycle.pk, world.student.pk]))

    assert response.status_code == 200


def test_an_adult_student_may_post_their_choice(client, world):
    world.student.date_of_birth = ADULT_BIRTHDAY
    world.student.save()
    client.force_login(world.student_user)

    assert client.get(reverse("mentoring:sharing")).status_code == 200
    response = client.post(reverse("mentoring:sharing"), {"guardians_may_see": "yes"})

    assert response.status_code == 302
    assert GuardianSharing.objects.get(student=world.student).guardians_may_see is True


def test_publishing_a_department_outside_the_round_is_404(client, world, a_cycle_in_speed_date):
    a_cycle_in_speed_date.departments.set([world.other_department])
    client.force_login(world.team_leader)
    url = reverse("mentoring:publish", args=[a_cycle_in_speed_date.pk, world.department.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Publication.objects.exists()
