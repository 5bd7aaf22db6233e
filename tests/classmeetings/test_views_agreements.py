"""The "check last time's agreements" step (`<pk>/agreements/`): who gets in, what each reads, what a check writes.

A meeting the user does not follow is 404; the staff who follow it read every row, a student
(the class representative too) only their own; checking is the staff chairs' (403 for other
followers). Bad input is 422 with a specific message and writes nothing.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from classmeetings.models import OpenClassMeeting
from classmeetings.services import meeting_mode
from mentoring.models import Agreement
from tests.factories import StudentFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def an_earlier_meeting(world, meeting: OpenClassMeeting, days: int = 40) -> OpenClassMeeting:
    now = timezone.now()
    return OpenClassMeeting.objects.create(
        school=world.school,
        class_group=meeting.class_group,
        starts_at=meeting.starts_at - datetime.timedelta(days=days),
        status="closed",
        agreements_checked_at=now,
        started_at=now,
        closed_at=now,
    )


def agreements_for(earlier: OpenClassMeeting, students, *, per_student: int = 1) -> list[Agreement]:
    now = timezone.now()
    made = []
    for position, student in enumerate(students, start=1):
        item = earlier.items.create(
            student=student, position=position, planned_minutes=5, status="closed", opened_at=now, closed_at=now
        )
        for number in range(per_student):
            made.append(
                Agreement.objects.create(
                    student=student,
                    class_item=item,
                    text=f"Afspraak {student.last_name} {number}",
                    owner="student",
                    due_on=timezone.localdate(),
                )
            )
    return made


@pytest.fixture
def last_times(world, classmate, a_meeting) -> list[Agreement]:
    """An earlier 4H1 meeting left one open agreement for world.student and one for the classmate."""
    return agreements_for(an_earlier_meeting(world, a_meeting), [world.student, classmate])


def url(meeting) -> str:
    return reverse("classmeetings:agreements", args=[meeting.pk])


def rows_in(html: str) -> dict[int, str]:
    return {
        int(pk): status for pk, status in re.findall(r'data-previous-agreement="(\d+)" data-status="([a-z_]+)"', html)
    }


class TestAccess:
    def test_anonymous_goes_to_login(self, client, a_meeting):
        response = client.get(url(a_meeting))
        assert response.status_code == 302
        assert reverse("login") in response.url
        assert client.post(url(a_meeting), {}).status_code == 302

    @pytest.mark.parametrize("who", ["outsider", "other_student_user", "other_mentor", "guardian", "other_guardian"])
    def test_who_does_not_follow_the_meeting_gets_404(self, client, world, a_meeting, last_times, who):
        client.force_login(getattr(world, who))
        assert client.get(url(a_meeting)).status_code == 404
        assert client.post(url(a_meeting), {"agreement": last_times[0].pk, "status": "met"}).status_code == 404
        assert Agreement.objects.filter(status="open").count() == 2

    def test_a_missing_meeting_is_404(self, client, world):
        client.force_login(world.mentor)
        assert client.get(reverse("classmeetings:agreements", args=[999999])).status_code == 404

    @pytest.mark.parametrize("who", ["student_user", "teacher", "admin", "care_coordinator", "representative"])
    def test_followers_who_do_not_keep_minutes_read_but_may_not_check(
        self, client, world, a_meeting, last_times, representative, who
    ):
        user = representative if who == "representative" else getattr(world, who)
        client.force_login(user)
        response = client.get(url(a_meeting))
        assert response.status_code == 200
        assert "data-check=" not in response.content.decode()
        response = client.post(url(a_meeting), {"agreement": last_times[0].pk, "status": "met"})
        assert response.status_code == 403
        assert Agreement.objects.filter(status="open").count() == 2

    @pytest.mark.parametrize("who", ["mentor", "team_leader"])
    def test_the_staff_chairs_read_every_row_with_buttons(self, client, world, a_meeting, last_times, who):
        client.force_login(getattr(world, who))
        response = client.get(url(a_meeting))
        html = response.content.decode()
        assert response.status_code == 200
        assert rows_in(html) == {agreement.pk: "open" for agreement in last_times}
        assert 'data-check="met"' in html
        assert 'data-agreements-state="open"' in html
        no_inline_code(html)


class TestWhoReadsWhichRows:
    def test_staff_who_follow_read_every_row(self, client, world, a_meeting, last_times):
        client.force_login(world.teacher)
        assert set(rows_in(client.get(url(a_meeting)).content.decode())) == {a.pk for a in last_times}

    def test_a_student_reads_only_their_own(self, client, world, a_meeting, last_times):
        mine, theirs = last_times
        client.force_login(world.student_user)
        html = client.get(url(a_meeting)).content.decode()
        assert rows_in(html) == {mine.pk: "open"}
        assert theirs.text not in html

    def test_the_class_representative_reads_only_their_own(self, client, world, a_meeting, last_times, representative):
        mine, theirs = last_times[1], last_times[0]  # the representative is the classmate
        client.force_login(representative)
        html = client.get(url(a_meeting)).content.decode()
        assert rows_in(html) == {mine.pk: "open"}
        assert theirs.text not in html


class TestChecking:
    def test_a_plain_post_checks_one_row_and_comes_back(self, client, world, a_meeting, last_times):
        first, second = last_times
        client.force_login(world.mentor)
        response = client.post(url(a_meeting), {"agreement": first.pk, "status": "met"})
        assert response.status_code == 302
        assert response.url == url(a_meeting)
        first.refresh_from_db()
        assert (first.status, first.checked_at is not None) == ("met", True)
        html = client.get(url(a_meeting)).content.decode()
        assert rows_in(html) == {first.pk: "met", second.pk: "open"}
        assert 'data-open-count="1"' in html

    def test_when_none_is_open_the_step_is_done_and_the_meeting_can_start(self, client, world, a_meeting, last_times):
        first, second = last_times
        client.force_login(world.mentor)
        client.post(url(a_meeting), {"agreement": first.pk, "status": "partly"})
        client.post(url(a_meeting), {"agreement": second.pk, "status": "not_met"})
        a_meeting.refresh_from_db()
        assert a_meeting.agreements_checked_at is not None
        html = client.get(url(a_meeting)).content.decode()
        assert 'data-agreements-state="done"' in html
        assert rows_in(html) == {first.pk: "partly", second.pk: "not_met"}
        assert "data-check=" not in html
        assert "data-start-meeting" in html  # the chair starts from here (meeting mode's start URL)
        client.force_login(world.teacher)
        assert "data-start-meeting" not in client.get(url(a_meeting)).content.decode()
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)  # nothing blocks it now

    def test_htmx_gets_the_row_and_the_state_out_of_band(self, client, world, a_meeting, last_times):
        first, second = last_times
        client.force_login(world.mentor)
        response = client.post(url(a_meeting), {"agreement": first.pk, "status": "met"}, **HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert rows_in(html) == {first.pk: "met"}
        assert "data-announce=" in html
        assert 'id="agreements-state"' in html
        assert 'hx-swap-oob="true"' in html
        assert 'data-open-count="1"' in html
        assert "<html" not in html
        response = client.post(url(a_meeting), {"agreement": second.pk, "status": "met"}, **HTMX)
        assert 'data-agreements-state="done"' in response.content.decode()

    @pytest.mark.parametrize("htmx", [False, True])
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"agreement": "", "status": "met"}, "Choose an agreement to check."),
            ({"agreement": "abc", "status": "met"}, "Choose an agreement to check."),
            ({"status": "open"}, "Choose met, partly met or not met."),
            ({"status": "brilliant"}, "Choose met, partly met or not met."),
            ({"agreement": "999999", "status": "met"}, "not one of last time's open agreements"),
        ],
    )
    def test_bad_input_is_422_with_a_message_and_writes_nothing(
        self, client, world, a_meeting, last_times, data, message, htmx
    ):
        client.force_login(world.mentor)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        data = {"agreement": str(last_times[0].pk), **data}
        response = client.post(url(a_meeting), data, **(HTMX if htmx else {}))
        html = response.content.decode()
        assert response.status_code == 422
        assert message in html.replace("&#x27;", "'")
        assert Agreement.objects.filter(status="open").count() == 2
        a_meeting.refresh_from_db()
        assert a_meeting.agreements_checked_at is None

    def test_checking_twice_is_refused(self, client, world, a_meeting, last_times):
        client.force_login(world.mentor)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.post(url(a_meeting), {"agreement": last_times[0].pk, "status": "met"})
        response = client.post(url(a_meeting), {"agreement": last_times[0].pk, "status": "not_met"}, **HTMX)
        assert response.status_code == 422
        assert "checked already" in response.content.decode()
        last_times[0].refresh_from_db()
        assert last_times[0].status == "met"

    def test_another_class_s_agreement_is_not_this_meetings(self, client, world, a_meeting, last_times):
        other_student = world.other_student
        earlier_other = OpenClassMeeting.objects.create(
            school=world.school,
            class_group=world.other_class_group,
            starts_at=a_meeting.starts_at - datetime.timedelta(days=10),
            status="closed",
            agreements_checked_at=timezone.now(),
            started_at=timezone.now(),
            closed_at=timezone.now(),
        )
        (foreign,) = agreements_for(earlier_other, [other_student])
        client.force_login(world.mentor)
        response = client.post(url(a_meeting), {"agreement": foreign.pk, "status": "met"})
        assert response.status_code == 422
        foreign.refresh_from_db()
        assert foreign.status == "open"

    def test_once_the_meeting_runs_the_rows_are_read_only(self, client, world, a_meeting):
        running = meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
        (late,) = agreements_for(an_earlier_meeting(world, running), [world.student])
        client.force_login(world.mentor)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = client.get(url(running)).content.decode()
        assert "data-check=" not in html
        response = client.post(url(running), {"agreement": late.pk, "status": "met"})
        assert response.status_code == 422
        assert "has started" in response.content.decode()
        late.refresh_from_db()
        assert late.status == "open"

    def test_a_closed_meeting_is_403_for_checking(self, client, world, a_meeting, last_times):
        OpenClassMeeting.objects.filter(pk=a_meeting.pk).update(
            status="closed",
            agreements_checked_at=timezone.now(),
            started_at=timezone.now(),
            closed_at=timezone.now(),
        )
        client.force_login(world.mentor)
        assert client.get(url(a_meeting)).status_code == 200
        assert client.post(url(a_meeting), {"agreement": last_times[0].pk, "status": "met"}).status_code == 403


class TestNothingToCheck:
    def test_without_earlier_agreements_the_step_is_done(self, client, world, a_meeting):
        client.force_login(world.mentor)
        html = client.get(url(a_meeting)).content.decode()
        assert 'data-agreements-state="done"' in html
        assert 'data-open-count="0"' in html
        assert "data-previous-agreement=" not in html


@pytest.mark.parametrize("size", [1, 8])
def test_the_page_costs_the_same_for_any_number_of_agreements(
    client, world, classmate, a_meeting, django_assert_num_queries, size
):
    students = [world.student, classmate] + [
        StudentFactory(school=world.school, class_group=world.class_group) for _ in range(size)
    ]
    made = agreements_for(an_earlier_meeting(world, a_meeting), students, per_student=size)
    made[0].status, made[0].checked_at = "met", timezone.now()
    made[0].save()
    client.force_login(world.mentor)
    client.get(url(a_meeting))  # warm the session
    with django_assert_num_queries(6):
        response = client.get(url(a_meeting))
    assert response.status_code == 200
    assert len(rows_in(response.content.decode())) == len(made)
