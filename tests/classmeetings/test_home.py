"""The open class meeting on "Mijn werk": invitations, the meeting to prepare, the shared screen, the floor."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classmeetings import selectors
from classmeetings.models import OpenClassMeeting
from classmeetings.services import meeting_mode, preparation
from mentoring.models import Agreement
from tests.classmeetings.conftest import a_week_ahead
from tests.factories import GuardianFactory, StaffFactory, StudentFactory, UserFactory


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _attr(html: str, name: str) -> list[str]:
    return re.findall(rf'{name}="([^"]*)"', html)


def held_meeting(world, *, days_ago: int, agreements_per_item: int = 1) -> OpenClassMeeting:
    """A meeting of 4H1 held `days_ago` days ago through the services: every item decided with agreements."""
    meeting = preparation.meeting_create(
        class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(days=-days_ago)
    )
    still_open = list(selectors.open_previous_agreements(meeting))
    if still_open:
        preparation.previous_agreements_check(
            meeting=meeting, actor=world.mentor, statuses={a.pk: Agreement.Status.MET for a in still_open}
        )
    meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
    due_on = timezone.localdate() + datetime.timedelta(days=14)
    for item in meeting.items.order_by("position"):
        meeting_mode.item_open(item=item, actor=world.mentor)
        meeting_mode.decision_record(
            item=item,
            actor=world.mentor,
            tips="Blijf vragen stellen.",
            agreements=[
                {"text": f"Afspraak {n}", "owner": Agreement.Owner.STUDENT, "due_on": due_on}
                for n in range(agreements_per_item)
            ],
        )
        meeting_mode.item_close(item=item, actor=world.mentor)
    return meeting_mode.meeting_close(meeting=meeting, actor=world.mentor)


class TestStudents:
    def test_an_invited_student_is_asked_for_their_input(self, client, world, a_meeting):
        html = _home(client, world.student_user)
        assert _attr(html, "data-home-invitation") == [str(a_meeting.pk)]
        assert _attr(html, "data-home-input") == ["none"]
        assert reverse("classmeetings:input", args=[a_meeting.pk]) in html
        assert reverse("classmeetings:detail", args=[a_meeting.pk]) in html  # "I can't come" is there

    def test_a_draft_then_handed_in(self, client, world, a_meeting):
        values = {"went_well": "Engels.", "went_less_well": "Wiskunde."}
        preparation.prepared_input_save(meeting=a_meeting, actor=world.student_user, values=values, version=1)
        assert _attr(_home(client, world.student_user), "data-home-input") == ["draft"]
        preparation.prepared_input_submit(meeting=a_meeting, actor=world.student_user)
        assert _attr(_home(client, world.student_user), "data-home-input") == ["submitted"]

    def test_an_excused_student_can_undo_it(self, client, world, a_meeting):
        preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user)
        html = _home(client, world.student_user)
        assert _attr(html, "data-home-invitation") == [str(a_meeting.pk)]
        assert _attr(html, "data-home-input") == []
        assert reverse("classmeetings:detail", args=[a_meeting.pk]) in html

    def test_while_it_runs_a_student_asks_for_the_floor(self, client, world, a_running_meeting):
        html = _home(client, world.student_user)
        assert reverse("classmeetings:floor", args=[a_running_meeting.pk]) in html
        assert "data-home-mode" not in html  # the shared screen is the chairs'

    def test_a_closed_meeting_is_no_longer_on_the_home_page(self, client, world, classmate):
        held_meeting(world, days_ago=30)
        assert "data-home-classmeetings" not in _home(client, world.student_user)

    def test_students_of_other_classes_and_guardians_see_nothing(self, client, world, a_meeting):
        for user in (world.other_student_user, world.guardian, world.other_guardian, world.outsider):
            assert "data-home-classmeetings" not in _home(client, user)


class TestChairs:
    def test_the_mentor_sees_last_times_agreements_still_to_check(self, client, world, classmate):
        held_meeting(world, days_ago=35, agreements_per_item=2)
        upcoming = preparation.meeting_create(
            class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(days=4)
        )
        still_open = selectors.open_previous_agreements(upcoming).count()
        assert still_open == 4

        html = _home(client, world.mentor)
        assert _attr(html, "data-home-chaired") == [str(upcoming.pk)]
        assert _attr(html, "data-open-previous") == ["4"]
        assert reverse("classmeetings:agreements", args=[upcoming.pk]) in html

        first = selectors.open_previous_agreements(upcoming).order_by("pk").first()
        preparation.previous_agreements_check(
            meeting=upcoming, actor=world.mentor, statuses={first.pk: Agreement.Status.PARTLY}
        )
        assert _attr(_home(client, world.mentor), "data-open-previous") == ["3"]

    def test_nothing_to_check_says_so(self, client, world, a_meeting):
        html = _home(client, world.mentor)
        assert _attr(html, "data-home-chaired") == [str(a_meeting.pk)]
        assert _attr(html, "data-open-previous") == ["0"]
        assert reverse("classmeetings:agreements", args=[a_meeting.pk]) not in html

    def test_the_klasleider_and_the_team_leader_chair_too(self, client, world, representative, a_meeting):
        for user in (representative, world.team_leader):
            assert _attr(_home(client, user), "data-home-chaired") == [str(a_meeting.pk)]
        # The klasleider is invited as a student as well.
        assert _attr(_home(client, representative), "data-home-invitation") == [str(a_meeting.pk)]

    def test_while_it_runs_the_chairs_open_the_shared_screen(self, client, world, representative, a_running_meeting):
        mode_url = reverse("classmeetings:mode", args=[a_running_meeting.pk])
        for user in (world.mentor, representative):
            html = _home(client, user)
            assert mode_url in html
            assert _attr(html, "data-home-chaired") == [str(a_running_meeting.pk)]

    def test_other_mentors_and_other_schools_chair_nothing_here(self, client, world, a_meeting):
        for user in (world.other_mentor, world.other_team_leader, world.outsider):
            assert "data-home-chaired" not in _home(client, user)


class TestStaffWhoFollow:
    def test_a_teacher_of_the_class_asks_for_the_floor_while_it_runs(self, client, world, a_running_meeting):
        html = _home(client, world.teacher)
        assert _attr(html, "data-home-followed") == [str(a_running_meeting.pk)]
        assert reverse("classmeetings:floor", args=[a_running_meeting.pk]) in html
        assert "data-home-chaired" not in html

    def test_not_before_it_runs(self, client, world, a_meeting):
        assert "data-home-classmeetings" not in _home(client, world.teacher)

    def test_an_invited_extra_teacher_follows_and_the_school_wide_roles_only_when_invited(
        self, client, world, a_meeting
    ):
        extra = StaffFactory(school=world.school)
        a_meeting.extra_teachers.add(extra, world.admin.staff)
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
        assert _attr(_home(client, extra.user), "data-home-followed") == [str(a_meeting.pk)]
        assert _attr(_home(client, world.admin), "data-home-followed") == [str(a_meeting.pk)]
        assert "data-home-followed" not in _home(client, world.care_coordinator)
        assert "data-home-followed" not in _home(client, world.other_teacher)


# --- query counts -------------------------------------------------------------------------------------------


def _grow(world, *, students: int, agreements_per_item: int) -> None:
    """More classmates (each with a login and a guardian), and a held meeting with more agreements."""
    for _ in range(students):
        student = StudentFactory(
            school=world.school, class_group=world.class_group, user=UserFactory(school=world.school)
        )
        GuardianFactory(school=world.school, students=[student])
    held_meeting(world, days_ago=35 + students, agreements_per_item=agreements_per_item)


@pytest.mark.parametrize("who", ["mentor", "student_user", "klasleider", "teacher", "admin"])
@pytest.mark.parametrize("running", [False, True], ids=["preparing", "running"])
def test_home_queries_do_not_grow_with_the_class_or_its_agreements(
    client, django_assert_num_queries, world, representative, who, running
):
    def upcoming() -> OpenClassMeeting:
        meeting = preparation.meeting_create(
            class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead(days=4)
        )
        meeting.extra_teachers.add(world.admin.staff)
        if running:
            for agreement in selectors.open_previous_agreements(meeting):
                preparation.previous_agreements_check(
                    meeting=meeting, actor=world.mentor, statuses={agreement.pk: Agreement.Status.MET}
                )
            meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
        return meeting

    user = representative if who == "klasleider" else getattr(world, who)
    shown = running or who in ("mentor", "student_user", "klasleider")  # staff who only follow: while it runs
    _grow(world, students=1, agreements_per_item=1)
    upcoming()
    client.force_login(user)
    with CaptureQueriesContext(connection) as small:
        response = client.get("/")
    assert ("data-home-classmeetings" in response.content.decode()) == shown

    # A bigger class with more agreements, and a second meeting to show.
    _grow(world, students=6, agreements_per_item=3)
    upcoming()
    client.force_login(user)
    with django_assert_num_queries(len(small)):
        response = client.get("/")
    html = response.content.decode()
    assert ("data-home-classmeetings" in html) == shown
    if shown:  # both meetings are listed: a query per meeting would show
        assert len(re.findall(r'data-home-(?:invitation|chaired|followed)="', html)) >= 2


# --- the main menu ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("student_user", True),
        ("mentor", True),
        ("team_leader", True),
        ("teacher", True),
        ("admin", True),
        ("care_coordinator", True),
        ("guardian", False),  # a parent reads their child's summary, not the meetings
        ("outsider", True),  # a school admin of another school: their own school's meetings
    ],
)
def test_the_menu_leads_to_the_open_class_meetings(client, world, who, shown):
    html = _home(client, getattr(world, who))
    assert ('data-nav="classmeetings"' in html) == shown
    if shown:
        assert f'href="{reverse("classmeetings:list")}" data-nav="classmeetings"' in html


def test_the_menu_item_is_current_on_the_list(client, world):
    client.force_login(world.mentor)
    html = client.get(reverse("classmeetings:list")).content.decode()
    assert 'data-nav="classmeetings" aria-current="page"' in html
