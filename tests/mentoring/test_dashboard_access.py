"""Who opens the mentor dashboards, the department overview and the verdict, and how others are refused (§4).

Out of scope is 404 (another school, a class the user does not follow, a student or parent);
visible but not allowed is 403 (a team leader marking a student of a class they lead).
"""

import datetime

import pytest
from django.urls import reverse

from mentoring.models import MentorReview
from reviews.models import Phase, ReviewCycle
from tests.conftest import EVERYONE
from tests.factories import ClassGroupFactory, PeriodFactory, SchoolYearFactory, StudentFactory

STAFF = {"admin", "team_leader", "other_team_leader", "mentor", "other_mentor", "teacher", "other_teacher"} | {
    "care_coordinator"
}
# Who follows 4H1 (world.class_group, in the havo department) and its student.
FOLLOW_4H1 = {"mentor", "team_leader", "admin", "care_coordinator"}
OVERSEE_HAVO = {"team_leader", "admin", "care_coordinator"}


def expected(page: str, who: str) -> int:
    if page == "dashboards":
        # No object: every member of staff has a list (maybe empty; the outsider's own school's).
        return 200 if who in STAFF | {"outsider"} else 403
    if page == "dashboard":
        return 200 if who in FOLLOW_4H1 else 404
    if page == "department_overview":
        return 200 if who in OVERSEE_HAVO else 404
    if page == "verdict":
        if who == "mentor":
            return 302
        return 403 if who in FOLLOW_4H1 else 404
    raise AssertionError(page)


def url_for(page: str, world, cycle) -> str:
    return {
        "dashboards": reverse("mentoring:dashboards"),
        "dashboard": reverse("mentoring:dashboard", args=[cycle.pk, world.class_group.pk]),
        "department_overview": reverse("mentoring:department_overview", args=[cycle.pk, world.department.pk]),
        "verdict": reverse("mentoring:verdict", args=[cycle.pk, world.student.pk]),
    }[page]


PAGES = ["dashboards", "dashboard", "department_overview", "verdict"]
CASES = [(page, who) for page in PAGES for who in EVERYONE]


@pytest.mark.parametrize(("page", "who"), CASES, ids=[f"{p}-{w}" for p, w in CASES])
def test_page_access(client, world, a_cycle_in_speed_date, page, who):
    client.force_login(getattr(world, who))
    url = url_for(page, world, a_cycle_in_speed_date)

    if page == "verdict":
        response = client.post(url, {"verdict": "clear"})
        assert MentorReview.objects.exists() == (who == "mentor")
    else:
        response = client.get(url)

    assert response.status_code == expected(page, who)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, world, a_cycle_in_speed_date, page):
    url = url_for(page, world, a_cycle_in_speed_date)

    response = client.post(url, {"verdict": "clear"}) if page == "verdict" else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not MentorReview.objects.exists()


def test_the_verdict_is_post_only(client, world, a_cycle_in_speed_date):
    client.force_login(world.mentor)
    assert client.get(url_for("verdict", world, a_cycle_in_speed_date)).status_code == 405


@pytest.fixture
def a_havo_only_cycle(world, a_cycle_in_speed_date) -> ReviewCycle:
    """A round of the havo department alone: it does not cover 5V1 (vwo)."""
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=a_cycle_in_speed_date.period,
        name="Alleen havo",
        entry_deadline=datetime.date(2026, 12, 4),
        phase=Phase.SPEED_DATE,
    )
    cycle.departments.set([world.department])
    return cycle


def test_a_class_or_department_the_cycle_does_not_cover_is_not_found(client, world, a_havo_only_cycle):
    client.force_login(world.admin)  # sees the whole school, so only coverage can refuse

    assert (
        client.get(reverse("mentoring:dashboard", args=[a_havo_only_cycle.pk, world.class_group.pk])).status_code
        == 200
    )
    vwo_class = reverse("mentoring:dashboard", args=[a_havo_only_cycle.pk, world.other_class_group.pk])
    assert client.get(vwo_class).status_code == 404
    vwo = reverse("mentoring:department_overview", args=[a_havo_only_cycle.pk, world.other_department.pk])
    assert client.get(vwo).status_code == 404


def test_a_student_the_cycle_does_not_cover_cannot_be_marked(client, world, a_havo_only_cycle):
    world.other_class_group.mentors.add(world.mentor.staff)  # the mentor now mentors 5V1 too
    client.force_login(world.mentor)

    url = reverse("mentoring:verdict", args=[a_havo_only_cycle.pk, world.other_student.pk])
    assert client.post(url, {"verdict": "clear"}).status_code == 404
    assert not MentorReview.objects.exists()


def test_a_class_of_another_school_year_is_not_found(client, world, a_cycle_in_speed_date):
    next_year = SchoolYearFactory(
        school=world.school,
        name="2027-2028",
        start_date=datetime.date(2027, 8, 23),
        end_date=datetime.date(2028, 7, 14),
    )
    later_class = ClassGroupFactory(
        school=world.school, school_year=next_year, department=world.department, mentors=[world.mentor.staff]
    )
    StudentFactory(school=world.school, class_group=later_class)
    client.force_login(world.mentor)

    response = client.get(reverse("mentoring:dashboard", args=[a_cycle_in_speed_date.pk, later_class.pk]))

    assert response.status_code == 404


def test_a_cycle_of_another_school_is_not_found(client, world, a_cycle_in_speed_date):
    client.force_login(world.outsider)
    other_school_cycle = ReviewCycle.objects.create(
        school=world.outsider.school,
        period=PeriodFactory(
            school=world.outsider.school, school_year=SchoolYearFactory(school=world.outsider.school)
        ),
        name="Elders",
        entry_deadline=datetime.date(2026, 11, 20),
    )
    # Their own cycle with our class: still 404 (the class is not theirs to follow).
    url = reverse("mentoring:dashboard", args=[other_school_cycle.pk, world.class_group.pk])
    assert client.get(url).status_code == 404
