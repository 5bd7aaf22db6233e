"""Meeting mode's screens: the shared screen, a participant's own device, and every button on them.

Who gets in: out of scope is 404 (another school, another class's student or teacher, a guardian), a
follower of the meeting who may not press that button is 403 (a student granting the floor, the class
representative writing a decision), anonymous goes to the login page. What a viewer reads of an item is
the policy's: a student never reads another student's prepared input, notes, points or decision.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from classmeetings.models import FloorRequest, ItemDecision, ItemPoint, MeetingItem, OpenClassMeeting
from classmeetings.services import meeting_mode, preparation
from mentoring.models import Agreement
from tests.factories import StudentFactory, UserFactory

from .conftest import a_week_ahead
from .test_views_preparation import no_inline_code

OUT_OF_SCOPE = ["other_student_user", "other_teacher", "other_mentor", "guardian", "other_guardian", "outsider"]


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages are asserted in English
    return client


@pytest.fixture
def third(world):
    """Another student of 4H1 (not the item's student, not the class representative)."""
    return StudentFactory(school=world.school, class_group=world.class_group, user=UserFactory(school=world.school))


def in_a_month() -> str:
    return (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


def url(name: str, meeting, *args) -> str:
    return reverse(f"classmeetings:{name}", args=[meeting.pk, *args])


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def decision_data(**rows) -> dict:
    data = {
        "tips": "",
        "agreements-TOTAL_FORMS": "3",
        "agreements-INITIAL_FORMS": "0",
        "agreements-MIN_NUM_FORMS": "0",
        "agreements-MAX_NUM_FORMS": "12",
    }
    data.update(rows)
    return data


def one_agreement(**overrides) -> dict:
    values = {
        "agreements-0-text": "Elke week een planning maken",
        "agreements-0-owner": "student",
        "agreements-0-owner_staff": "",
        "agreements-0-due_on": in_a_month(),
    }
    values.update(overrides)
    return decision_data(**values)


def submitted_input(world, meeting, text="Wiskunde ging goed door elke dag te oefenen"):
    preparation.prepared_input_save(
        meeting=meeting, actor=world.student_user, values={"went_well": text, "went_less_well": "Frans"}, version=1
    )
    return preparation.prepared_input_submit(meeting=meeting, actor=world.student_user)


# --- who gets in -----------------------------------------------------------------------------------------------


class TestAccessToTheScreens:
    @pytest.mark.parametrize("name", ["mode", "floor"])
    def test_anonymous_goes_to_login(self, client, a_running_meeting, name):
        response = client.get(url(name, a_running_meeting))
        assert response.status_code == 302
        assert reverse("login") in response.url

    @pytest.mark.parametrize("name", ["mode", "floor"])
    @pytest.mark.parametrize("who", OUT_OF_SCOPE)
    def test_who_does_not_follow_the_meeting_gets_404(self, client, world, a_running_meeting, name, who):
        client.force_login(getattr(world, who))
        assert client.get(url(name, a_running_meeting)).status_code == 404
        assert client.get(url(name, a_running_meeting), HTTP_HX_REQUEST="true").status_code == 404

    @pytest.mark.parametrize("name", ["mode", "floor"])
    @pytest.mark.parametrize("who", ["mentor", "team_leader", "teacher", "student_user", "admin"])
    def test_who_follows_the_meeting_gets_in(self, client, world, an_open_item, name, who):
        client.force_login(getattr(world, who))
        response = client.get(url(name, an_open_item.meeting))
        assert response.status_code == 200
        no_inline_code(response.content.decode())

    @pytest.mark.parametrize("name", ["mode", "floor"])
    def test_the_representative_and_another_student_get_in(self, client, representative, third, an_open_item, name):
        for user in (representative, third.user):
            client.force_login(user)
            assert client.get(url(name, an_open_item.meeting)).status_code == 200


POSTS = {
    # name: (needs, extra url args) — needs: chair / minutes / part
    "start": "chair",
    "close": "minutes",
    "item_open": "chair",
    "item_close": "chair",
    "item_point": "chair",
    "item_notes": "minutes",
    "item_decision": "minutes",
    "floor_request": "part",
}


def post_url(name, meeting, item=None, floor=None):
    if name in ("start", "close"):
        return url(name, meeting)
    if name.startswith("item_") or name == "floor_request":
        return url(name, meeting, item.pk)
    return url(name, meeting, floor.pk)


class TestAccessToTheButtons:
    @pytest.mark.parametrize("name", [*POSTS, "floor_grant", "floor_withdraw", "floor_done"])
    def test_anonymous_goes_to_login(self, client, world, an_open_item, name):
        floor = meeting_mode.floor_request(item=an_open_item, actor=world.teacher)
        response = client.post(post_url(name, an_open_item.meeting, an_open_item, floor))
        assert response.status_code == 302
        assert reverse("login") in response.url

    @pytest.mark.parametrize("name", [*POSTS, "floor_grant", "floor_withdraw", "floor_done"])
    @pytest.mark.parametrize("who", OUT_OF_SCOPE)
    def test_who_does_not_follow_the_meeting_gets_404(self, client, world, an_open_item, name, who):
        floor = meeting_mode.floor_request(item=an_open_item, actor=world.teacher)
        client.force_login(getattr(world, who))
        response = client.post(post_url(name, an_open_item.meeting, an_open_item, floor), one_agreement())
        assert response.status_code == 404
        assert not ItemPoint.objects.exists()
        assert not ItemDecision.objects.exists()

    @pytest.mark.parametrize(
        ("name", "who"),
        [
            ("start", "student_user"),
            ("start", "teacher"),
            ("close", "representative"),
            ("close", "teacher"),
            ("item_open", "student_user"),
            ("item_close", "teacher"),
            ("item_point", "student_user"),
            ("item_point", "teacher"),
            ("item_notes", "representative"),
            ("item_notes", "student_user"),
            ("item_decision", "representative"),
            ("item_decision", "teacher"),
            ("floor_request", "admin"),  # reads every meeting of the school, takes part in none uninvited
            ("floor_grant", "student_user"),
            ("floor_grant", "teacher"),
            ("floor_withdraw", "student_user"),  # not their own request
            ("floor_done", "student_user"),
        ],
    )
    def test_a_follower_who_may_not_press_it_gets_403(self, client, world, representative, an_open_item, name, who):
        floor = meeting_mode.floor_request(item=an_open_item, actor=world.team_leader)
        if name == "floor_done":
            meeting_mode.floor_grant(request=floor, actor=world.mentor)
        meeting = an_open_item.meeting
        user = representative if who == "representative" else getattr(world, who)
        client.force_login(user)
        data = {"kind": "positive", "text": "Helpt anderen", "notes": "x", **one_agreement()}
        response = client.post(post_url(name, meeting, an_open_item, floor), data)
        assert response.status_code == 403
        assert not ItemPoint.objects.exists()
        assert not ItemDecision.objects.exists()
        an_open_item.refresh_from_db()
        assert (an_open_item.status, an_open_item.notes) == (MeetingItem.Status.OPEN, "")
        assert FloorRequest.objects.filter(user=user).count() == 0

    def test_an_item_of_another_meeting_is_404(self, client, world, an_open_item):
        other = preparation.meeting_create(
            class_group=world.other_class_group, actor=world.other_mentor, starts_at=a_week_ahead()
        )
        client.force_login(world.mentor)
        response = client.post(url("item_point", other, an_open_item.pk), {"kind": "positive", "text": "x"})
        assert response.status_code == 404


# --- starting and closing the meeting ------------------------------------------------------------------------


class TestStartAndClose:
    def earlier_agreement(self, world, meeting) -> Agreement:
        earlier = OpenClassMeeting.objects.create(
            school=world.school,
            class_group=world.class_group,
            starts_at=meeting.starts_at - datetime.timedelta(days=35),
            status="closed",
            agreements_checked_at=timezone.now(),
            started_at=timezone.now(),
            closed_at=timezone.now(),
        )
        item = earlier.items.create(
            student=world.student,
            planned_minutes=5,
            status="closed",
            opened_at=timezone.now(),
            closed_at=timezone.now(),
        )
        return Agreement.objects.create(
            student=world.student,
            class_item=item,
            text="Huiswerk plannen",
            owner="student",
            due_on=timezone.localdate(),
        )

    def test_start_is_refused_while_last_times_agreements_are_open(self, client, world, a_meeting):
        self.earlier_agreement(world, a_meeting)
        client.force_login(world.mentor)
        response = client.post(url("start", a_meeting))
        assert response.status_code == 302
        assert response.url == url("mode", a_meeting)
        assert any("1 agreement of last time is still open" in text for text in said(response))
        a_meeting.refresh_from_db()
        assert a_meeting.status == OpenClassMeeting.Status.PREPARING
        assert not a_meeting.items.exists()
        html = client.get(url("mode", a_meeting)).content.decode()
        assert "data-start-blocker" in html
        assert "data-meeting-start" in html

    def test_the_representative_starts_the_meeting(self, client, representative, a_meeting):
        client.force_login(representative)
        html = client.get(url("mode", a_meeting)).content.decode()
        assert "data-meeting-start" in html
        assert "data-start-blocker" not in html
        response = client.post(url("start", a_meeting))
        assert response.url == url("mode", a_meeting)
        a_meeting.refresh_from_db()
        assert a_meeting.status == OpenClassMeeting.Status.RUNNING
        assert a_meeting.items.count() == 2

    def test_a_student_sees_no_start_button(self, client, world, a_meeting):
        client.force_login(world.student_user)
        html = client.get(url("mode", a_meeting)).content.decode()
        assert "data-meeting-start" not in html

    def test_closing_lists_why_not_then_closes(self, client, world, an_open_item):
        meeting = an_open_item.meeting
        client.force_login(world.mentor)
        response = client.post(url("close", meeting))
        assert response.url == url("mode", meeting)
        assert any("2 items are not closed yet" in text for text in said(response))
        meeting.refresh_from_db()
        assert meeting.status == OpenClassMeeting.Status.RUNNING
        for item in [an_open_item, *meeting.items.exclude(pk=an_open_item.pk)]:
            meeting_mode.item_open(item=item, actor=world.mentor)
            meeting_mode.decision_record(item=item, actor=world.mentor, tips="Blijf vragen stellen")
            meeting_mode.item_close(item=item, actor=world.mentor)
        response = client.post(url("close", meeting))
        meeting.refresh_from_db()
        assert meeting.status == OpenClassMeeting.Status.CLOSED
        html = client.get(url("mode", meeting)).content.decode()
        assert "hx-get" not in html  # a closed meeting does not poll
        assert "data-meeting-close" not in html
        assert "data-item-open" not in html


# --- the shared screen ---------------------------------------------------------------------------------------


class TestSharedScreen:
    def test_the_open_item_with_its_timer_queue_balance_and_agenda(self, client, world, an_open_item):
        meeting = an_open_item.meeting
        meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="positive", text="Helpt anderen")
        meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="negative", text="Te laat")
        meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="negative", text="Huiswerk")
        client.force_login(world.mentor)
        html = client.get(url("mode", meeting)).content.decode()
        assert f'data-shown-item="{an_open_item.pk}"' in html
        assert 'data-item-status="open"' in html
        assert re.search(r"data-timer-clock>\s*[45]:\d\d left", html)  # 5 minutes planned, counting down
        assert 'data-balance-positive="1" data-balance-negative="2"' in html
        assert f'data-agenda-item="{an_open_item.pk}" data-status="open" aria-current="true"' in html
        assert html.count("data-point=") == 3
        assert "data-decision-record" in html  # the staff chair writes the decision
        assert "data-notes" in html
        assert 'hx-trigger="every 2s"' in html
        assert "html lang" in html
        assert 'class="meeting-screen"' in html

    def test_over_time_is_said_in_words(self, client, world, an_open_item):
        MeetingItem.objects.filter(pk=an_open_item.pk).update(opened_at=timezone.now() - datetime.timedelta(minutes=7))
        client.force_login(world.mentor)
        html = client.get(url("mode", an_open_item.meeting)).content.decode()
        assert re.search(r"data-timer-clock>\s*[23] min over time", html)
        assert "cm-timer--over" in html

    def test_the_staff_chair_reads_the_students_prepared_input(self, client, world, a_meeting):
        submitted_input(world, a_meeting)
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
        item = a_meeting.items.get(student=world.student)
        meeting_mode.item_open(item=item, actor=world.mentor)
        client.force_login(world.mentor)
        html = client.get(url("mode", a_meeting)).content.decode()
        assert "data-prepared-input" in html
        assert "elke dag te oefenen" in html

    def test_the_representative_chairs_but_reads_no_other_students_input_notes_or_points(
        self, client, world, representative, a_meeting
    ):
        submitted_input(world, a_meeting)
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
        item = a_meeting.items.get(student=world.student)
        meeting_mode.item_open(item=item, actor=world.mentor)
        meeting_mode.item_notes_save(item=item, actor=world.mentor, notes="Thuis gaat het moeilijk")
        meeting_mode.point_note(item=item, actor=world.mentor, kind="negative", text="Vaak afwezig")
        meeting_mode.decision_record(item=item, actor=world.mentor, tips="Praat met de mentor")
        client.force_login(representative)
        html = client.get(url("mode", a_meeting)).content.decode()
        for private in ("elke dag te oefenen", "Thuis gaat het moeilijk", "Vaak afwezig", "Praat met de mentor"):
            assert private not in html
        assert "data-prepared-input" not in html
        assert "data-notes" not in html
        assert "data-decision-record" not in html
        assert 'data-balance-positive="0" data-balance-negative="1"' in html  # the balance is shared
        assert "data-decision-hidden" in html
        assert 'id="point-form"' in html
        assert "data-item-close" in html
        fragment = client.get(url("mode", a_meeting), HTTP_HX_REQUEST="true").content.decode()
        assert "Vaak afwezig" not in fragment

    def test_the_student_reads_their_own_item_and_another_student_does_not(self, client, world, third, a_meeting):
        submitted_input(world, a_meeting)
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
        item = a_meeting.items.get(student=world.student)
        meeting_mode.item_open(item=item, actor=world.mentor)
        meeting_mode.point_note(item=item, actor=world.mentor, kind="positive", text="Sterk in wiskunde")
        client.force_login(world.student_user)
        html = client.get(url("mode", a_meeting)).content.decode()
        assert "elke dag te oefenen" in html
        assert "Sterk in wiskunde" in html
        assert 'id="point-form"' not in html
        assert "data-item-close" not in html
        client.force_login(third.user)
        html = client.get(url("mode", a_meeting)).content.decode()
        assert "elke dag te oefenen" not in html
        assert "Sterk in wiskunde" not in html

    def test_walking_the_agenda_with_the_arrow_links(self, client, world, classmate, an_open_item):
        meeting = an_open_item.meeting
        first = meeting.items.get(student=classmate)
        client.force_login(world.mentor)
        html = client.get(url("mode", meeting) + f"?item={first.pk}").content.decode()
        assert f'data-shown-item="{first.pk}"' in html
        assert f'data-key-next href="{url("mode", meeting)}?item={an_open_item.pk}"' in html
        assert f'data-other-open="{an_open_item.pk}"' in html  # "go to the item under discussion"
        assert "data-item-open" not in html  # another item is open
        assert f'hx-get="{url("mode", meeting)}?item={first.pk}"' in html  # the poll keeps the walked-to item
        assert client.get(url("mode", meeting) + "?item=999999").status_code == 200  # unknown: the current one

    def test_the_poll_answers_with_the_live_parts_out_of_band(self, client, world, an_open_item):
        client.force_login(world.mentor)
        response = client.get(url("mode", an_open_item.meeting), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        for part in ("mode-poll", "mode-head", "mode-queue", "mode-balance", "mode-agenda"):
            assert re.search(rf'id="{part}"[^>]*hx-swap-oob="true"', html), part
        assert 'data-shape="running-' in html
        assert "data-decision-record" not in html  # never the form the chair is typing in


# --- items, points, notes, decision --------------------------------------------------------------------------


class TestItems:
    def test_open_then_close_refused_without_a_decision_then_closed_with_one(self, client, world, a_running_meeting):
        item = a_running_meeting.items.get(student=world.student)
        client.force_login(world.mentor)
        response = client.post(url("item_open", a_running_meeting, item.pk))
        assert response.url == url("mode", a_running_meeting) + f"?item={item.pk}"
        item.refresh_from_db()
        assert item.status == MeetingItem.Status.OPEN
        response = client.post(url("item_close", a_running_meeting, item.pk))
        assert any("cannot close without a decision" in text for text in said(response))
        item.refresh_from_db()
        assert item.status == MeetingItem.Status.OPEN
        response = client.post(url("item_decision", a_running_meeting, item.pk), one_agreement(tips="Vraag om hulp"))
        assert response.status_code == 302
        decision = ItemDecision.objects.get(item=item)
        assert decision.tips == "Vraag om hulp"
        agreement = Agreement.objects.get(class_item=item)
        assert (agreement.student, agreement.owner, agreement.text) == (
            world.student,
            "student",
            "Elke week een planning maken",
        )
        html = client.get(url("mode", a_running_meeting) + f"?item={item.pk}").content.decode()
        assert f'data-agreement="{agreement.pk}"' in html
        assert "data-decision-record" not in html
        response = client.post(url("item_close", a_running_meeting, item.pk))
        assert response.url == url("mode", a_running_meeting)
        item.refresh_from_db()
        assert item.status == MeetingItem.Status.CLOSED

    def test_opening_a_second_item_is_refused_with_the_reason(self, client, world, classmate, an_open_item):
        meeting = an_open_item.meeting
        other = meeting.items.get(student=classmate)
        client.force_login(world.mentor)
        response = client.post(url("item_open", meeting, other.pk))
        assert any("is still open" in text for text in said(response))
        other.refresh_from_db()
        assert other.status == MeetingItem.Status.WAITING

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (decision_data(), "Write down the decision: tips, agreements, or both."),
            (one_agreement(**{"agreements-0-due_on": "2001-01-01"}), "This date lies in the past"),
            (one_agreement(**{"agreements-0-owner": "guardian"}), "Select a valid choice"),
            (one_agreement(**{"agreements-0-due_on": ""}), "Give a due date."),
            (decision_data(tips="x" * 4001), "Ensure this value has at most 4000 characters"),
        ],
    )
    def test_a_bad_decision_is_422_with_a_clear_message_and_nothing_written(
        self, client, world, an_open_item, data, message
    ):
        client.force_login(world.mentor)
        response = client.post(url("item_decision", an_open_item.meeting, an_open_item.pk), data)
        assert response.status_code == 422
        assert message in response.content.decode()
        assert not ItemDecision.objects.exists()
        assert not Agreement.objects.exists()

    def test_a_second_decision_is_refused(self, client, world, an_open_item):
        meeting_mode.decision_record(item=an_open_item, actor=world.mentor, tips="Eerst")
        client.force_login(world.mentor)
        response = client.post(url("item_decision", an_open_item.meeting, an_open_item.pk), decision_data(tips="Twee"))
        assert response.status_code == 302
        assert any("has its decision already" in text for text in said(response))
        assert ItemDecision.objects.get().tips == "Eerst"

    def test_a_point_plain_and_under_htmx(self, client, world, representative, an_open_item):
        meeting = an_open_item.meeting
        client.force_login(representative)
        response = client.post(url("item_point", meeting, an_open_item.pk), {"kind": "positive", "text": "Behulpzaam"})
        assert response.status_code == 302
        assert response.url == url("mode", meeting) + f"?item={an_open_item.pk}#points"
        response = client.post(
            url("item_point", meeting, an_open_item.pk),
            {"kind": "negative", "text": "Te laat"},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert 'id="point-form"' in html
        assert re.search(r'id="mode-balance"[^>]*hx-swap-oob="true"', html)
        assert 'data-balance-positive="1" data-balance-negative="1"' in html
        assert list(ItemPoint.objects.values_list("kind", "text", "noted_by")) == [
            ("positive", "Behulpzaam", representative.pk),
            ("negative", "Te laat", representative.pk),
        ]

    @pytest.mark.parametrize("htmx", [True, False])
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"kind": "positive", "text": "  "}, "Write the point down in a few words."),
            ({"kind": "neutral", "text": "x"}, "Choose positive or a point to work on."),
            ({"kind": "positive", "text": "x" * 301}, "Ensure this value has at most 300 characters"),
        ],
    )
    def test_a_bad_point_is_422_and_nothing_is_noted(self, client, world, an_open_item, data, message, htmx):
        client.force_login(world.mentor)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(url("item_point", an_open_item.meeting, an_open_item.pk), data, **headers)
        assert response.status_code == 422
        html = response.content.decode()
        assert message in html
        assert ("<html" in html) is not htmx
        assert not ItemPoint.objects.exists()

    def test_a_point_on_a_waiting_item_is_refused(self, client, world, classmate, an_open_item):
        waiting = an_open_item.meeting.items.get(student=classmate)
        client.force_login(world.mentor)
        response = client.post(url("item_point", waiting.meeting, waiting.pk), {"kind": "positive", "text": "x"})
        assert response.url == url("mode", waiting.meeting) + f"?item={waiting.pk}"
        assert said(response) == ["This item is not under discussion."]
        response = client.post(
            url("item_point", waiting.meeting, waiting.pk), {"kind": "positive", "text": "x"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 422
        assert "This item is not under discussion." in response.content.decode()
        assert not ItemPoint.objects.exists()

    def test_notes_save_plain_and_under_htmx(self, client, world, an_open_item):
        meeting = an_open_item.meeting
        client.force_login(world.mentor)
        response = client.post(url("item_notes", meeting, an_open_item.pk), {"notes": "Eerste"})
        assert response.url == url("mode", meeting) + f"?item={an_open_item.pk}#notes"
        response = client.post(
            url("item_notes", meeting, an_open_item.pk), {"notes": "Tweede\r\nregel"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert "Saved at" in response.content.decode()
        an_open_item.refresh_from_db()
        assert an_open_item.notes == "Tweede\nregel"
        response = client.post(
            url("item_notes", meeting, an_open_item.pk), {"notes": "x" * 10001}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 422
        assert "at most 10000 fit" in response.content.decode()
        an_open_item.refresh_from_db()
        assert an_open_item.notes == "Tweede\nregel"


# --- the speaker queue and a participant's own device ----------------------------------------------------------


class TestFloor:
    def test_ask_be_given_the_floor_and_be_done(self, client, world, representative, third, an_open_item):
        meeting = an_open_item.meeting
        client.force_login(third.user)
        html = client.get(url("floor", meeting)).content.decode()
        assert f'data-floor-item="{an_open_item.pk}"' in html
        assert 'data-floor-state="idle"' in html
        response = client.post(url("floor_request", meeting, an_open_item.pk), {"next": "floor"})
        assert response.url == url("floor", meeting)
        client.force_login(world.teacher)
        response = client.post(
            url("floor_request", meeting, an_open_item.pk), {"next": "floor"}, HTTP_HX_REQUEST="true"
        )
        assert 'data-floor-place="2"' in response.content.decode()
        assert "<html" not in response.content.decode()

        client.force_login(representative)  # the co-chair grants it from the shared screen
        html = client.get(url("mode", meeting)).content.decode()
        mine = FloorRequest.objects.get(user=third.user)
        assert f'data-grant="{mine.pk}"' in html
        response = client.post(url("floor_grant", meeting, mine.pk), HTTP_HX_REQUEST="true")
        assert re.search(rf'data-speaker="{third.user.pk}"', response.content.decode())

        client.force_login(third.user)
        html = client.get(url("floor", meeting), HTTP_HX_REQUEST="true").content.decode()
        assert 'data-floor-state="speaking"' in html
        assert "data-floor-done" in html
        client.post(url("floor_done", meeting, mine.pk), {"next": "floor"})
        mine.refresh_from_db()
        assert mine.status == FloorRequest.Status.DONE
        client.force_login(world.teacher)
        html = client.get(url("floor", meeting)).content.decode()
        assert 'data-floor-place="1"' in html  # now first in line

    def test_withdraw_own_request(self, client, world, an_open_item):
        meeting = an_open_item.meeting
        floor = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)
        client.force_login(world.student_user)
        response = client.post(url("floor_withdraw", meeting, floor.pk), {"next": "floor"})
        assert response.url == url("floor", meeting)
        floor.refresh_from_db()
        assert floor.status == FloorRequest.Status.WITHDRAWN

    def test_a_chair_ends_the_speaker(self, client, world, an_open_item):
        floor = meeting_mode.floor_request(item=an_open_item, actor=world.teacher)
        meeting_mode.floor_grant(request=floor, actor=world.mentor)
        client.force_login(world.mentor)
        response = client.post(url("floor_done", an_open_item.meeting, floor.pk))
        assert response.url == url("mode", an_open_item.meeting)
        floor.refresh_from_db()
        assert floor.status == FloorRequest.Status.DONE

    def test_asking_between_items_is_refused_with_a_message(self, client, world, classmate, an_open_item):
        waiting = an_open_item.meeting.items.get(student=classmate)
        client.force_login(world.student_user)
        response = client.post(url("floor_request", waiting.meeting, waiting.pk), {"next": "floor"})
        assert any("not under discussion" in text for text in said(response))
        assert not FloorRequest.objects.exists()

    def test_the_own_device_shows_a_students_own_item_and_nothing_of_anothers(
        self, client, world, classmate, third, an_open_item
    ):
        meeting_mode.point_note(item=an_open_item, actor=world.mentor, kind="positive", text="Goed bezig")
        meeting_mode.decision_record(item=an_open_item, actor=world.mentor, tips="Ga zo door")
        client.force_login(world.student_user)
        html = client.get(url("floor", an_open_item.meeting)).content.decode()
        assert f'data-own-item="{an_open_item.pk}"' in html
        assert "Goed bezig" in html
        assert "Ga zo door" in html
        for user in (classmate.user, third.user):
            client.force_login(user)
            html = client.get(url("floor", an_open_item.meeting)).content.decode()
            assert "Goed bezig" not in html
            assert "Ga zo door" not in html
            assert f'data-own-item="{an_open_item.pk}"' not in html

    def test_before_the_start_and_for_a_reader(self, client, world, a_meeting):
        client.force_login(world.student_user)
        html = client.get(url("floor", a_meeting)).content.decode()
        assert 'data-floor-state="not-started"' in html
        assert "data-floor-ask" not in html
        meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
        item = a_meeting.items.first()
        meeting_mode.item_open(item=item, actor=world.mentor)
        client.force_login(world.admin)
        html = client.get(url("floor", a_meeting)).content.decode()
        assert 'data-floor-state="follows"' in html
        assert "data-floor-ask" not in html


# --- a fixed number of queries ---------------------------------------------------------------------------------


def a_full_meeting(world, size: int) -> MeetingItem:
    """4H1 with `size` more students, each asking for the floor on world.student's open item."""
    students = [
        StudentFactory(school=world.school, class_group=world.class_group, user=UserFactory(school=world.school))
        for _ in range(size)
    ]
    meeting = preparation.meeting_create(class_group=world.class_group, actor=world.mentor, starts_at=a_week_ahead())
    submitted_input(world, meeting)
    meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
    item = meeting.items.get(student=world.student)
    meeting_mode.item_open(item=item, actor=world.mentor)
    for student in students:
        meeting_mode.floor_request(item=item, actor=student.user)
        meeting_mode.point_note(item=item, actor=world.mentor, kind="positive", text=f"Punt {student.pk}")
    meeting_mode.floor_grant(request=FloorRequest.objects.filter(item=item).first(), actor=world.mentor)
    return item


@pytest.mark.parametrize("size", [3, 15])
def test_the_shared_screen_costs_the_same_for_any_class(client, world, django_assert_num_queries, size):
    item = a_full_meeting(world, size)
    client.force_login(world.mentor)
    client.get(url("mode", item.meeting))  # the session and the like, once
    with django_assert_num_queries(14):  # 13 + the audit event of the staff's read of the prepared input
        response = client.get(url("mode", item.meeting))
    assert response.content.decode().count("data-agenda-item=") == size + 1
    with django_assert_num_queries(11):
        response = client.get(url("mode", item.meeting), HTTP_HX_REQUEST="true")
    assert response.content.decode().count("data-grant=") == size - 1


@pytest.mark.parametrize("size", [3, 15])
def test_the_own_device_costs_the_same_for_any_class(client, world, django_assert_num_queries, size):
    item = a_full_meeting(world, size)
    client.force_login(world.student_user)
    client.get(url("floor", item.meeting))
    with django_assert_num_queries(9):
        response = client.get(url("floor", item.meeting), HTTP_HX_REQUEST="true")
    assert 'data-floor-state="idle"' in response.content.decode()
    with django_assert_num_queries(10):  # the page also reads the messages
        client.get(url("floor", item.meeting))
