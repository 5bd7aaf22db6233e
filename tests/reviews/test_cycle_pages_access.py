"""Every page around the grid: who gets in, who is refused, and how (DESIGN §4).

Out of scope is 404 (another school, a student or parent asking for a cycle, a group the
user may not open); a page the user can see but not use is 403 (a teacher pressing
"next phase", a team leader importing grades into a group they do not teach).
"""

import pytest
from django.urls import reverse

from reviews.models import ReminderJob
from tests.conftest import EVERYONE

STAFF = {"admin", "team_leader", "other_team_leader", "mentor", "other_mentor", "teacher", "other_teacher"} | {
    "care_coordinator"
}
MANAGERS = {"admin", "team_leader", "other_team_leader"}  # the cycle covers both departments
# The grid's students are in team_leader's department: other_team_leader does not follow that group.
GRID_MANAGERS = {"admin", "team_leader"}
NOT_IN_SCHOOL_STAFF = set(EVERYONE) - STAFF  # students, parents, another school's admin


def expected(page: str, who: str) -> int:
    """The answer each role gets on each page."""
    if page in ("cycle_list", "cycle_create", "light_scheme"):
        # No object: the outsider works in their own school. Students and parents are refused.
        own_school_ok = {"cycle_list": STAFF | {"outsider"}, "cycle_create": MANAGERS | {"outsider"}}
        own_school_ok["light_scheme"] = {"admin", "outsider"}
        return 200 if who in own_school_ok[page] else 403
    if page == "cycle_detail":
        return 200 if who in STAFF else 404
    if page in ("cycle_advance", "cycle_remind", "reminder_status"):
        if who in NOT_IN_SCHOOL_STAFF:
            return 404
        return 403 if who not in MANAGERS else (200 if page == "reminder_status" else 302)
    if page == "grades_import":
        # The grid's reach: its teachers, the team leader of its students' department and the admin;
        # only teachers write.
        if who == "teacher":
            return 200
        return 403 if who in GRID_MANAGERS else 404
    if page == "entry_history":
        return 200 if who in GRID_MANAGERS | {"teacher"} else 404
    raise AssertionError(page)


def url_for(page: str, world, cycle, job) -> str:
    group, student = world.teaching_group, world.student
    return {
        "cycle_list": reverse("reviews:cycle_list"),
        "cycle_create": reverse("reviews:cycle_create"),
        "light_scheme": reverse("reviews:light_scheme"),
        "cycle_detail": reverse("reviews:cycle_detail", args=[cycle.pk]),
        "cycle_advance": reverse("reviews:cycle_advance", args=[cycle.pk]),
        "cycle_remind": reverse("reviews:cycle_remind", args=[cycle.pk]),
        "reminder_status": reverse("reviews:reminder_status", args=[cycle.pk, job.pk]),
        "grades_import": reverse("reviews:grades_import", args=[cycle.pk, group.pk]),
        "entry_history": reverse("reviews:entry_history", args=[cycle.pk, group.pk, student.pk]),
    }[page]


POST_PAGES = {"cycle_advance", "cycle_remind"}
PAGES = [
    "cycle_list",
    "cycle_create",
    "light_scheme",
    "cycle_detail",
    "cycle_advance",
    "cycle_remind",
    "reminder_status",
    "grades_import",
    "entry_history",
]
CASES = [(page, who) for page in PAGES for who in EVERYONE]


@pytest.fixture
def a_finished_reminder(a_cycle_in_entry_phase) -> ReminderJob:
    return ReminderJob.objects.create(cycle=a_cycle_in_entry_phase, status=ReminderJob.Status.DONE, total=1, sent=1)


@pytest.mark.parametrize(("page", "who"), CASES, ids=[f"{p}-{w}" for p, w in CASES])
def test_page_access(client, world, a_cycle_in_entry_phase, a_finished_reminder, page, who, mailoutbox):
    url = url_for(page, world, a_cycle_in_entry_phase, a_finished_reminder)
    client.force_login(getattr(world, who))

    if page in POST_PAGES:
        # The next phase leaves the entry phase: the confirm step, which changes nothing yet.
        data = {"to_phase": "speed_date"} if page == "cycle_advance" else {}
        response = client.post(url, data)
        want = expected(page, who)
        if page == "cycle_advance" and want == 302:
            want = 200
        assert response.status_code == want
    else:
        assert client.get(url).status_code == expected(page, who)
    a_cycle_in_entry_phase.refresh_from_db()
    assert a_cycle_in_entry_phase.phase == "entry"


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, world, a_cycle_in_entry_phase, a_finished_reminder, page):
    url = url_for(page, world, a_cycle_in_entry_phase, a_finished_reminder)

    response = client.post(url) if page in POST_PAGES else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_reminder_of_another_cycle_is_not_found(client, world, a_cycle_in_entry_phase, a_finished_reminder):
    other = a_cycle_in_entry_phase.__class__.objects.create(
        school=world.school,
        period=a_cycle_in_entry_phase.period,
        name="Tussentijdse bespreking",
        entry_deadline=a_cycle_in_entry_phase.entry_deadline,
    )
    other.departments.set([world.department])
    client.force_login(world.team_leader)

    response = client.get(reverse("reviews:reminder_status", args=[other.pk, a_finished_reminder.pk]))

    assert response.status_code == 404


def test_history_of_a_student_outside_the_group_is_not_found(client, world, a_cycle_in_entry_phase):
    client.force_login(world.teacher)
    url = reverse(
        "reviews:entry_history", args=[a_cycle_in_entry_phase.pk, world.teaching_group.pk, world.other_student.pk]
    )

    assert client.get(url).status_code == 404


def test_writes_are_post_only(client, world, a_cycle_in_entry_phase):
    client.force_login(world.team_leader)

    for name in ("reviews:cycle_advance", "reviews:cycle_remind"):
        assert client.get(reverse(name, args=[a_cycle_in_entry_phase.pk])).status_code == 405
