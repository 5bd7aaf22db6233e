"""A student's own summary of their item, and a student's (or guardian's) list of their meetings.

The summary is for the student, their guardians (as on the portal: an adult student decides),
their personal coach and the staff who follow the meeting; anyone else gets 404, the class
representative too (another student's item). It shows only once the item is closed with its
decision; before that a calm "not ready yet" that gives nothing away.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classmeetings.models import MeetingItem
from classmeetings.selectors import open_previous_agreements
from classmeetings.services import meeting_mode, preparation
from school.models import Student

from .conftest import a_week_ahead
from .test_minutes import AGREEMENT, NEGATIVE, NOTES, POSITIVE, TIPS, a_decided_meeting_for, decide
from .test_views_preparation import no_inline_code

# The session, the user and their roles, the item in its scope, its decision, points, agreements, the next meeting.
QUERIES_SUMMARY = 8
# The session, the user and their roles, the students (portal rule), their rows, their items, the own inputs.
QUERIES_MY_MEETINGS = {"student_user": 7, "guardian": 7}  # a guardian: no own inputs, but the children


@pytest.fixture
def a_decided_meeting(world, classmate, representative):
    return a_decided_meeting_for(world, representative_student=classmate)


@pytest.fixture
def decided_item(world, a_decided_meeting) -> MeetingItem:
    return a_decided_meeting.items.get(student=world.student)


def summary_url(item: MeetingItem) -> str:
    return reverse("classmeetings:summary", args=[item.pk])


# --- the summary: who gets in -------------------------------------------------------------------------------


class TestSummaryAccess:
    def test_anonymous_goes_to_login(self, client, decided_item):
        response = client.get(summary_url(decided_item))
        assert response.status_code == 302
        assert reverse("login") in response.url

    @pytest.mark.parametrize(
        "who", ["outsider", "other_student_user", "other_mentor", "other_teacher", "other_guardian", "representative"]
    )
    def test_anyone_else_gets_404(self, client, world, representative, decided_item, who):
        client.force_login(representative if who == "representative" else getattr(world, who))
        assert client.get(summary_url(decided_item)).status_code == 404

    @pytest.mark.parametrize(
        "who", ["student_user", "guardian", "coach", "mentor", "teacher", "team_leader", "admin", "care_coordinator"]
    )
    def test_the_student_and_those_around_them_read_it(self, client, world, coach, decided_item, who):
        client.force_login(coach if who == "coach" else getattr(world, who))
        response = client.get(summary_url(decided_item))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-summary-state="ready"' in html
        no_inline_code(html)

    def test_a_guardian_of_an_adult_student_who_does_not_share_gets_404(self, client, world, decided_item):
        Student.objects.filter(pk=world.student.pk).update(
            date_of_birth=timezone.localdate() - datetime.timedelta(days=365 * 19)
        )
        client.force_login(world.guardian)
        assert client.get(summary_url(decided_item)).status_code == 404

    def test_only_get(self, client, world, decided_item):
        client.force_login(world.student_user)
        assert client.post(summary_url(decided_item)).status_code == 405


# --- the summary: what it says ------------------------------------------------------------------------------


def test_the_student_reads_what_went_well_what_to_work_on_the_tips_and_the_agreements(
    client, world, decided_item, settings
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.student_user)
    html = client.get(summary_url(decided_item)).content.decode()
    assert f'<li data-summary-point="positive">{POSITIVE}</li>' in html
    assert f'<li data-summary-point="negative">{NEGATIVE}</li>' in html
    assert TIPS in html
    assert AGREEMENT in html
    assert 'data-owner="teacher"' in html
    assert world.teacher.get_full_name() in html
    assert "Your summary" in html
    assert NOTES not in html  # the staff's notes are not part of the student's summary


def test_the_next_check_is_the_next_planned_meeting(client, world, decided_item, a_decided_meeting):
    meeting_mode.meeting_close(meeting=a_decided_meeting, actor=world.mentor)
    following = preparation.meeting_create(
        class_group=world.class_group,
        actor=world.mentor,
        starts_at=a_week_ahead(days=40),
        minutes_per_student=5,
        location="Aula",
    )
    client.force_login(world.student_user)
    html = client.get(summary_url(decided_item)).content.decode()
    assert f'data-next-meeting="{following.pk}"' in html
    assert "Aula" in html


def test_not_ready_while_the_item_is_discussed_gives_nothing_away(client, world, a_running_meeting):
    item = a_running_meeting.items.get(student=world.student)
    meeting_mode.item_open(item=item, actor=world.mentor)
    meeting_mode.point_note(item=item, actor=world.mentor, kind="negative", text=NEGATIVE)
    client.force_login(world.student_user)
    response = client.get(summary_url(item))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-summary-state="not-ready"' in html
    assert NEGATIVE not in html


def test_not_ready_for_a_waiting_item_and_a_decided_item_not_yet_closed(client, world, classmate, a_running_meeting):
    waiting = a_running_meeting.items.get(student=classmate)
    item = a_running_meeting.items.get(student=world.student)
    meeting_mode.item_open(item=item, actor=world.mentor)
    meeting_mode.decision_record(item=item, actor=world.mentor, tips=TIPS)
    client.force_login(world.mentor)
    for unfinished in (waiting, item):
        html = client.get(summary_url(unfinished)).content.decode()
        assert 'data-summary-state="not-ready"' in html
        assert TIPS not in html


@pytest.mark.parametrize("more", [0, 4])
def test_the_summary_takes_the_same_queries_however_much_was_said(
    client, world, classmate, a_running_meeting, django_assert_num_queries, more
):
    item = a_running_meeting.items.get(student=world.student)
    meeting_mode.item_open(item=item, actor=world.mentor)
    for number in range(more):
        meeting_mode.point_note(item=item, actor=world.mentor, kind="positive", text=f"Goed punt {number}")
    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    meeting_mode.decision_record(
        item=item,
        actor=world.mentor,
        tips=TIPS,
        agreements=[
            {"text": f"Afspraak {number}", "owner": "mentor", "due_on": due, "owner_staff_id": world.mentor.staff.pk}
            for number in range(1 + more)
        ],
    )
    meeting_mode.item_close(item=item, actor=world.mentor)
    client.force_login(world.student_user)
    with django_assert_num_queries(QUERIES_SUMMARY):
        response = client.get(summary_url(item))
    assert response.content.decode().count("data-summary-agreement") == 1 + more


# --- my meetings --------------------------------------------------------------------------------------------


MY_URL = reverse("classmeetings:my_meetings")


class TestMyMeetings:
    def test_anonymous_goes_to_login(self, client, db):
        response = client.get(MY_URL)
        assert response.status_code == 302
        assert reverse("login") in response.url

    @pytest.mark.parametrize("who", ["mentor", "teacher", "admin", "outsider"])
    def test_staff_get_403(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get(MY_URL).status_code == 403

    def test_the_student_sees_their_meetings_with_summary_and_input(self, client, world, decided_item, a_meeting):
        # a_meeting (being prepared) and the decided one are both 4H1's: the fixture made two meetings.
        client.force_login(world.student_user)
        response = client.get(MY_URL)
        html = response.content.decode()
        assert response.status_code == 200
        no_inline_code(html)
        assert f'data-my-meeting="{decided_item.meeting_id}"' in html
        assert f'data-summary-link="{decided_item.pk}"' in html
        assert f'data-my-meeting="{a_meeting.pk}"' in html
        assert f'data-input-link="{a_meeting.pk}"' in html

    def test_an_excused_student_has_no_input_link_and_no_summary(self, client, world, classmate, a_decided_meeting):
        client.force_login(classmate.user)
        html = client.get(MY_URL).content.decode()
        assert f'data-my-meeting="{a_decided_meeting.pk}"' in html
        assert "data-excused" in html
        assert "data-summary-link" not in html
        assert f'data-input-link="{a_decided_meeting.pk}"' not in html

    def test_a_guardian_sees_their_childs_meetings_without_the_input(self, client, world, decided_item):
        client.force_login(world.guardian)
        html = client.get(MY_URL).content.decode()
        assert f'data-my-student="{world.student.pk}"' in html
        assert f'data-summary-link="{decided_item.pk}"' in html
        assert "data-input-link" not in html

    def test_another_student_and_guardian_see_none_of_it(self, client, world, decided_item):
        for user in (world.other_student_user, world.other_guardian):
            client.force_login(user)
            html = client.get(MY_URL).content.decode()
            assert f'data-my-meeting="{decided_item.meeting_id}"' not in html
            assert "data-summary-link" not in html

    @pytest.mark.parametrize("who", ["student_user", "guardian"])
    @pytest.mark.parametrize("meetings", [1, 4])
    def test_the_list_takes_the_same_queries_for_more_meetings(
        self, client, world, classmate, django_assert_num_queries, meetings, who
    ):
        for number in range(meetings):
            meeting = preparation.meeting_create(
                class_group=world.class_group,
                actor=world.mentor,
                starts_at=a_week_ahead(days=7 + number),
                minutes_per_student=5,
            )
            if number % 2 == 0:
                open_ones = {agreement.pk: "met" for agreement in open_previous_agreements(meeting)}
                if open_ones:
                    preparation.previous_agreements_check(meeting=meeting, actor=world.mentor, statuses=open_ones)
                meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
                decide(meeting, world.student, actor=world.mentor)
        client.force_login(getattr(world, who))
        with django_assert_num_queries(QUERIES_MY_MEETINGS[who]):
            html = client.get(MY_URL).content.decode()
        assert html.count("data-my-meeting=") == meetings
