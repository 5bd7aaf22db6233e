"""The mentor talk's pages: who gets in (every URL, every role), what they show, and how forms and htmx behave.

Out of scope is 404 (another school, a class or student the user does not follow, another guardian's child,
a round not yet published to the family); visible but not allowed is 403 (the team leader and school-wide
roles read the talk list and the talk but do not act; the student reads their booking but does not book).
"""

import datetime
import re
import zoneinfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    Goal,
    MentorTalk,
    Reflection,
    TalkSlot,
)
from mentoring.services import talks as services
from tests.conftest import EVERYONE
from tests.factories import GuardianFactory, StudentFactory

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
READERS = {"team_leader", "admin", "care_coordinator"}  # follow the class: read the list and the talk, act on nothing


def day(offset: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def slot_at(world, cycle, hour: int, minute: int = 0, *, offset: int = 7, class_group=None) -> TalkSlot:
    start = datetime.datetime.combine(day(offset), datetime.time(hour, minute), tzinfo=AMSTERDAM)
    return TalkSlot.objects.create(
        cycle=cycle,
        mentor=world.mentor.staff,
        class_group=class_group or world.class_group,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=15),
        location="Lokaal 1.04",
    )


def decided_agreement(world, cycle, *, text="Bijles wiskunde regelen") -> Agreement:
    """An open agreement from a decision of the havo department meeting of `cycle` about world.student."""
    meeting, _created = DepartmentMeeting.objects.get_or_create(cycle=cycle, department=world.department)
    escalation = Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.CARE,
        question="Heeft Sam extra hulp nodig?",
        status=Escalation.Status.DECIDED,
    )
    item = AgendaItem.objects.create(meeting=meeting, escalation=escalation, status=AgendaItem.Status.DECIDED)
    decision = Decision.objects.create(item=item, student=world.student, text="Bijles en een gesprek met ouders.")
    return Agreement.objects.create(
        student=world.student, decision=decision, text=text, owner="guardian", due_on=day(-10)
    )


@pytest.fixture
def setting(world, a_previous_cycle, a_published_cycle):
    """The published round: a booked time for world.student, a free one, and an open agreement from last round."""
    booked = slot_at(world, a_published_cycle, 16)
    free = slot_at(world, a_published_cycle, 16, 15)
    talk = services.talk_book(cycle=a_published_cycle, student=world.student, slot=booked, actor=world.guardian)
    agreement = decided_agreement(world, a_previous_cycle)
    return {"cycle": a_published_cycle, "booked": booked, "free": free, "talk": talk, "agreement": agreement}


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- access: every URL, every role ------------------------------------------------------------------------------


def url_for(page: str, world, s: dict) -> str:
    cycle = s["cycle"]
    return {
        "talks": reverse("mentoring:talks", args=[cycle.pk, world.class_group.pk]),
        "talk_slots": reverse("mentoring:talk_slots", args=[cycle.pk, world.class_group.pk]),
        "slot_delete": reverse("mentoring:slot_delete", args=[s["free"].pk]),
        "talk_start": reverse("mentoring:talk_start", args=[cycle.pk, world.student.pk]),
        "talk_book": reverse("mentoring:talk_book", args=[cycle.pk, world.student.pk]),
        "talk": reverse("mentoring:talk", args=[s["talk"].pk]),
        "talk_cancel": reverse("mentoring:talk_cancel", args=[s["talk"].pk]),
        "talk_notes": reverse("mentoring:talk_notes", args=[s["talk"].pk]),
        "talk_held": reverse("mentoring:talk_held", args=[s["talk"].pk]),
        "talk_agreement_add": reverse("mentoring:talk_agreement_add", args=[s["talk"].pk]),
        "agreement_check": reverse("mentoring:agreement_check", args=[s["agreement"].pk]),
    }[page]


GET_PAGES = ["talks", "talk_book", "talk"]
POST_PAGES = [
    "talk_slots",
    "slot_delete",
    "talk_start",
    "talk_book",
    "talk_cancel",
    "talk_notes",
    "talk_held",
    "talk_agreement_add",
    "agreement_check",
]
FAMILY_PAGES = {"talk_book", "talk_cancel"}  # the booking: also the student and guardians


def expected(page: str, method: str, who: str) -> int:
    if page in FAMILY_PAGES:
        if who in ("mentor", "guardian"):
            return 200 if method == "get" else 302
        if who == "student_user":
            return 200 if method == "get" else 403  # they read their booking; their parents or mentor book
        return 403 if who in READERS else 404
    if who == "mentor":
        return 200 if method == "get" else 302
    if who in READERS:
        return 200 if method == "get" else 403
    return 404


CASES = [(page, "get", who) for page in GET_PAGES for who in EVERYONE] + [
    (page, "post", who) for page in POST_PAGES for who in EVERYONE
]


def snapshot(s: dict) -> tuple:
    talk = MentorTalk.objects.get(pk=s["talk"].pk)
    return (
        sorted(TalkSlot.objects.values_list("pk", flat=True)),
        sorted(MentorTalk.objects.values_list("pk", "slot_id")),
        talk.notes,
        talk.held_at,
        sorted(Agreement.objects.values_list("pk", "status")),
    )


POST_DATA = {
    "date": day(8).isoformat(),
    "start_time": "10:00",
    "minutes": "15",
    "count": "2",
    "notes": "aantekening",
    "held": "1",
    "text": "Planner bijhouden",
    "owner": "student",
    "due_on": day(30).isoformat(),
    "status": "met",
}


@pytest.mark.parametrize(("page", "method", "who"), CASES, ids=[f"{p}-{m}-{w}" for p, m, w in CASES])
def test_access(client, world, setting, page, method, who):
    url = url_for(page, world, setting)
    before = snapshot(setting)
    client.force_login(getattr(world, who))

    data = {**POST_DATA, "slot": setting["free"].pk}
    response = client.get(url) if method == "get" else client.post(url, data)

    assert response.status_code == expected(page, method, who)
    if response.status_code in (403, 404) or method == "get":
        assert snapshot(setting) == before  # a refusal changes nothing
    else:
        assert snapshot(setting) != before or page == "talk_start"  # the talk existed already


@pytest.mark.parametrize(("page", "method"), sorted({(p, m) for p, m, _w in CASES}))
def test_anonymous_is_sent_to_login(client, world, setting, page, method):
    url = url_for(page, world, setting)

    response = client.get(url) if method == "get" else client.post(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["guardian", "student_user"])
def test_before_publishing_the_family_sees_no_booking_page(client, world, a_cycle_in_speed_date, who):
    client.force_login(getattr(world, who))
    url = reverse("mentoring:talk_book", args=[a_cycle_in_speed_date.pk, world.student.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"slot": 1}).status_code == 404


def test_the_mentor_books_before_publishing(client, world, a_cycle_in_speed_date):
    slot = slot_at(world, a_cycle_in_speed_date, 16)
    client.force_login(world.mentor)
    url = reverse("mentoring:talk_book", args=[a_cycle_in_speed_date.pk, world.student.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, {"slot": slot.pk}).status_code == 302
    assert MentorTalk.objects.get().slot == slot


def test_a_class_outside_the_round_is_404(client, world, a_published_cycle):
    a_published_cycle.departments.set([world.other_department])
    client.force_login(world.mentor)

    assert client.get(reverse("mentoring:talks", args=[a_published_cycle.pk, world.class_group.pk])).status_code == 404


def test_a_closed_round_leaves_the_mentor_reading(client, world, setting):
    cycle = setting["cycle"]
    cycle.phase = "closed"
    cycle.save()
    client.force_login(world.mentor)

    html = client.get(url_for("talks", world, setting)).content.decode()
    assert reverse("mentoring:talk_slots", args=[cycle.pk, world.class_group.pk]) not in html
    assert client.post(url_for("talk_slots", world, setting), POST_DATA).status_code == 403
    assert client.post(url_for("talk_notes", world, setting), POST_DATA).status_code == 403
    html = client.get(url_for("talk", world, setting)).content.decode()
    assert reverse("mentoring:talk_notes", args=[setting["talk"].pk]) not in html


# --- the talk list -------------------------------------------------------------------------------------------------


def test_the_talk_list_shows_each_student_their_time_reflection_and_open_agreements(client, world, setting):
    classmate = StudentFactory(school=world.school, class_group=world.class_group, first_name="Noor")
    Reflection.objects.create(
        cycle=setting["cycle"], student=world.student, status="submitted", submitted_at=timezone.now()
    )
    english(client)
    client.force_login(world.mentor)

    html = client.get(url_for("talks", world, setting)).content.decode()

    assert world.student.full_name in html
    assert classmate.full_name in html
    assert "no time yet" in html  # the classmate
    assert timezone.localtime(setting["booked"].starts_at, AMSTERDAM).strftime("%H:%M") in html
    assert "submitted" in html
    assert "not started" in html
    assert '<span class="badge badge--warning">1</span>' in html  # world.student's open agreement
    assert reverse("mentoring:talk", args=[setting["talk"].pk]) in html
    assert reverse("mentoring:talk_start", args=[setting["cycle"].pk, classmate.pk]) in html
    assert reverse("mentoring:slot_delete", args=[setting["free"].pk]) in html
    assert reverse("mentoring:slot_delete", args=[setting["booked"].pk]) not in html  # booked: cancel instead
    assert reverse("mentoring:talk_cancel", args=[setting["talk"].pk]) in html


def test_the_team_leader_reads_the_list_without_buttons(client, world, setting):
    client.force_login(world.team_leader)

    html = client.get(url_for("talks", world, setting)).content.decode()

    assert world.student.full_name in html
    for name in ("talk_slots",):
        assert reverse(f"mentoring:{name}", args=[setting["cycle"].pk, world.class_group.pk]) not in html
    assert reverse("mentoring:slot_delete", args=[setting["free"].pk]) not in html
    assert reverse("mentoring:talk_cancel", args=[setting["talk"].pk]) not in html


def test_adding_a_series_redirects_with_a_note(client, world, setting):
    client.force_login(world.mentor)

    response = client.post(url_for("talk_slots", world, setting), POST_DATA)

    assert response.status_code == 302
    assert response.url.endswith("#slots")
    assert TalkSlot.objects.count() == 4


def test_an_overlapping_series_shows_the_form_again_naming_the_time(client, world, setting):
    english(client)
    client.force_login(world.mentor)
    data = {**POST_DATA, "date": day(7).isoformat(), "start_time": "15:50", "count": "3"}

    response = client.post(url_for("talk_slots", world, setting), data)

    assert response.status_code == 422
    html = response.content.decode()
    assert "from 16:00 to 16:15" in html
    assert TalkSlot.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"minutes": "90"}, "at most 60 minutes"),
        ({"count": "0"}, "at least 1 talk"),
        ({"count": "25"}, "at most 20 talks"),
        ({"date": ""}, "Give the date of the talks."),
        ({"start_time": "straks"}, "Give a time, for example 16:00."),
    ],
)
def test_a_bad_series_says_what_is_wrong_and_adds_nothing(client, world, setting, changes, message):
    english(client)
    client.force_login(world.mentor)

    response = client.post(url_for("talk_slots", world, setting), {**POST_DATA, **changes})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert TalkSlot.objects.count() == 2


def test_a_booked_time_is_not_taken_back(client, world, setting):
    english(client)
    client.force_login(world.mentor)

    response = client.post(reverse("mentoring:slot_delete", args=[setting["booked"].pk]), follow=True)

    assert "cancel the booking first" in response.content.decode()
    assert TalkSlot.objects.filter(pk=setting["booked"].pk).exists()


def test_a_talk_without_an_appointment_opens_the_talk_page(client, world, setting):
    classmate = StudentFactory(school=world.school, class_group=world.class_group)
    client.force_login(world.mentor)

    response = client.post(reverse("mentoring:talk_start", args=[setting["cycle"].pk, classmate.pk]))

    talk = MentorTalk.objects.get(student=classmate)
    assert response.url == reverse("mentoring:talk", args=[talk.pk])
    assert talk.slot is None


# --- booking ---------------------------------------------------------------------------------------------------


def test_the_guardian_sees_the_booking_and_the_free_times(client, world, setting):
    english(client)
    client.force_login(world.guardian)

    html = client.get(url_for("talk_book", world, setting)).content.decode()

    assert "Choose a time for the mentor talk" in html
    assert f'value="{setting["free"].pk}"' in html
    assert f'value="{setting["booked"].pk}"' not in html  # taken: not offered
    assert "16:00\N{EN DASH}16:15" in html  # the booked time, in the school's time
    assert reverse("mentoring:talk_cancel", args=[setting["talk"].pk]) in html


def test_the_student_reads_their_booking_but_gets_no_form(client, world, setting):
    client.force_login(world.student_user)

    html = client.get(url_for("talk_book", world, setting)).content.decode()

    assert "16:00\N{EN DASH}16:15" in html
    assert 'name="slot"' not in html
    assert reverse("mentoring:talk_cancel", args=[setting["talk"].pk]) not in html


def test_booking_moves_and_redirects(client, world, setting):
    client.force_login(world.guardian)

    response = client.post(url_for("talk_book", world, setting), {"slot": setting["free"].pk})

    assert response.status_code == 302
    assert MentorTalk.objects.get(student=world.student).slot == setting["free"]


def test_htmx_booking_answers_with_the_fragment(client, world, setting):
    english(client)
    client.force_login(world.guardian)

    response = client.post(url_for("talk_book", world, setting), {"slot": setting["free"].pk}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="booking"')
    assert "Booked:" in html
    assert "<html" not in html


def test_a_time_taken_meanwhile_answers_409_with_the_list_as_it_is_now(client, world, setting):
    classmate = StudentFactory(school=world.school, class_group=world.class_group)
    guardian = GuardianFactory(school=world.school, students=[classmate]).user
    english(client)
    client.force_login(guardian)
    url = reverse("mentoring:talk_book", args=[setting["cycle"].pk, classmate.pk])

    response = client.post(url, {"slot": setting["booked"].pk}, HTTP_HX_REQUEST="true")

    assert response.status_code == 409
    html = response.content.decode()
    assert "This time was just taken by someone else: choose another." in html
    assert f'value="{setting["free"].pk}"' in html
    assert f'value="{setting["booked"].pk}"' not in html
    assert not MentorTalk.objects.filter(student=classmate).exists()

    # Without JavaScript: the page again, with the same message.
    response = client.post(url, {"slot": setting["booked"].pk})
    assert response.status_code == 409
    assert "just taken" in response.content.decode()


def test_no_time_chosen_is_422(client, world, setting):
    english(client)
    client.force_login(world.guardian)

    response = client.post(url_for("talk_book", world, setting), {}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "Choose a time." in response.content.decode()


def test_a_time_of_another_class_is_refused(client, world, setting):
    other = slot_at(world, setting["cycle"], 9, class_group=world.other_class_group)
    client.force_login(world.guardian)

    response = client.post(url_for("talk_book", world, setting), {"slot": other.pk})

    assert response.status_code == 422
    assert MentorTalk.objects.get(student=world.student).slot == setting["booked"]


def test_the_guardian_cancels(client, world, setting):
    client.force_login(world.guardian)

    response = client.post(url_for("talk_cancel", world, setting), {"next": "https://evil.example/"})

    assert response.url == url_for("talk_book", world, setting)  # not to another site
    assert MentorTalk.objects.get(student=world.student).slot is None


def test_the_htmx_refresh_gives_the_fragment(client, world, setting):
    client.force_login(world.guardian)

    response = client.get(url_for("talk_book", world, setting), HTTP_HX_REQUEST="true")

    assert response.content.decode().lstrip().startswith('<div id="booking"')


# --- the talk page -------------------------------------------------------------------------------------------------


def test_the_talk_page_starts_with_the_open_agreements_from_earlier(client, world, setting):
    english(client)
    client.force_login(world.mentor)

    html = client.get(url_for("talk", world, setting)).content.decode()

    assert "Bijles wiskunde regelen" in html
    assert "department meeting Bovenbouw havo, Ronde 0" in html
    check = reverse("mentoring:agreement_check", args=[setting["agreement"].pk])
    assert check in html
    for status in ("met", "partly", "not_met"):
        assert f'name="status" value="{status}"' in html
    # At the top: before the reflection, the notes and the new agreements.
    assert html.index(check) < html.index('id="reflection"') < html.index('id="notes"') < html.index('id="agreements"')


def test_the_submitted_reflection_and_goals_are_on_the_talk_page(client, world, setting, a_reflection):
    english(client)
    client.force_login(world.mentor)
    html = client.get(url_for("talk", world, setting)).content.decode()
    assert "not submitted the reflection yet" in html
    assert "Een voldoende voor Nederlands" not in html  # a draft is the student's own

    a_reflection.status, a_reflection.submitted_at = "submitted", timezone.now()
    a_reflection.save()
    html = client.get(url_for("talk", world, setting)).content.decode()

    assert "Geschiedenis ging goed: ik maakte samenvattingen." in html
    assert "Een voldoende voor Nederlands" in html
    assert "Elke dag tien minuten woordjes leren" in html
    assert Goal.objects.count() == 1


def test_no_reflection_yet_is_said(client, world, setting):
    english(client)
    client.force_login(world.mentor)

    assert "has not started a reflection yet" in client.get(url_for("talk", world, setting)).content.decode()


def test_the_team_leader_reads_the_talk_without_buttons(client, world, setting):
    client.force_login(world.team_leader)

    html = client.get(url_for("talk", world, setting)).content.decode()

    assert "Bijles wiskunde regelen" in html
    assert reverse("mentoring:agreement_check", args=[setting["agreement"].pk]) not in html
    assert reverse("mentoring:talk_notes", args=[setting["talk"].pk]) not in html
    assert reverse("mentoring:talk_agreement_add", args=[setting["talk"].pk]) not in html
    assert reverse("mentoring:talk_held", args=[setting["talk"].pk]) not in html


def test_notes_autosave_answers_a_short_note(client, world, setting):
    english(client)
    client.force_login(world.mentor)

    response = client.post(
        url_for("talk_notes", world, setting), {"notes": "Sam is tevreden."}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert MentorTalk.objects.get(pk=setting["talk"].pk).notes == "Sam is tevreden."


def test_notes_save_button_redirects(client, world, setting):
    client.force_login(world.mentor)

    response = client.post(url_for("talk_notes", world, setting), {"notes": "Zonder JavaScript."})

    assert response.url.endswith("#notes")
    assert MentorTalk.objects.get(pk=setting["talk"].pk).notes == "Zonder JavaScript."


def test_too_long_notes_are_refused(client, world, setting):
    client.force_login(world.mentor)

    response = client.post(url_for("talk_notes", world, setting), {"notes": "x" * 10_001}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert MentorTalk.objects.get(pk=setting["talk"].pk).notes == ""


def test_an_agreement_is_added_through_htmx(client, world, setting):
    english(client)
    client.force_login(world.mentor)

    response = client.post(url_for("talk_agreement_add", world, setting), POST_DATA, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="talk-agreements"')
    assert "Planner bijhouden" in html
    agreement = Agreement.objects.get(talk=setting["talk"])
    assert (agreement.owner, agreement.due_on, agreement.student) == ("student", day(30), world.student)


def test_a_bad_agreement_shows_its_errors_and_writes_nothing(client, world, setting):
    english(client)
    client.force_login(world.mentor)
    data = {**POST_DATA, "text": "", "owner": "teacher", "due_on": day(-1).isoformat()}

    response = client.post(url_for("talk_agreement_add", world, setting), data, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    html = response.content.decode()
    assert "Say what is agreed." in html
    assert "Choose who does it" in html
    assert "lies in the past" in html
    assert not Agreement.objects.filter(talk=setting["talk"]).exists()

    response = client.post(url_for("talk_agreement_add", world, setting), data)  # without JavaScript
    assert response.status_code == 422
    assert "Say what is agreed." in response.content.decode()


def test_the_talk_is_marked_held(client, world, setting):
    client.force_login(world.mentor)

    client.post(url_for("talk_held", world, setting), {"held": "1"})
    assert MentorTalk.objects.get(pk=setting["talk"].pk).held_at is not None
    client.post(url_for("talk_held", world, setting), {"held": "0"})
    assert MentorTalk.objects.get(pk=setting["talk"].pk).held_at is None


# --- checking agreements -------------------------------------------------------------------------------------


def test_checking_an_agreement_through_htmx_gives_its_row(client, world, setting):
    english(client)
    client.force_login(world.mentor)
    url = url_for("agreement_check", world, setting)

    response = client.post(url, {"status": "partly"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<li class="agreement agreement--partly" id="agreement-{setting["agreement"].pk}"'
    )
    assert "partly met" in html
    assert 'data-announce="Agreement checked: partly met."' in html
    assert Agreement.objects.get(pk=setting["agreement"].pk).status == "partly"

    # Once checked, it cannot be checked again.
    response = client.post(url, {"status": "met"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "checked already" in response.content.decode()
    assert Agreement.objects.get(pk=setting["agreement"].pk).status == "partly"


def test_a_checked_agreement_stays_on_this_rounds_talk_page(client, world, setting):
    client.force_login(world.mentor)
    client.post(url_for("agreement_check", world, setting), {"status": "met"})

    html = client.get(url_for("talk", world, setting)).content.decode()

    assert "Bijles wiskunde regelen" in html
    assert reverse("mentoring:agreement_check", args=[setting["agreement"].pk]) not in html


def test_checking_without_javascript_goes_back(client, world, setting):
    client.force_login(world.mentor)
    back = url_for("talk", world, setting) + "#earlier"

    response = client.post(url_for("agreement_check", world, setting), {"status": "not_met", "next": back})

    assert response.url == back
    assert Agreement.objects.get(pk=setting["agreement"].pk).status == "not_met"


def test_an_unknown_result_is_refused(client, world, setting):
    client.force_login(world.mentor)

    response = client.post(url_for("agreement_check", world, setting), {"status": "open"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert Agreement.objects.get(pk=setting["agreement"].pk).status == "open"


def test_a_talk_agreement_of_last_round_comes_back_too(client, world, setting, a_previous_cycle):
    earlier = MentorTalk.objects.create(cycle=a_previous_cycle, student=world.student)
    Agreement.objects.create(
        student=world.student, talk=earlier, text="Elke week de planner", owner="student", due_on=day(-2)
    )
    english(client)
    client.force_login(world.mentor)

    html = client.get(url_for("talk", world, setting)).content.decode()

    assert "Elke week de planner" in html
    assert "mentor talk, Ronde 0" in html


# --- markup: a strict CSP follows, every field has a label -------------------------------------------------------


def test_pages_need_nothing_inline_and_label_every_field(client, world, setting, a_reflection):
    a_reflection.status, a_reflection.submitted_at = "submitted", timezone.now()
    a_reflection.save()
    pages = [
        ("mentor", url_for("talks", world, setting)),
        ("mentor", url_for("talk", world, setting)),
        ("mentor", url_for("talk_book", world, setting)),
        ("guardian", url_for("talk_book", world, setting)),
        ("student_user", url_for("talk_book", world, setting)),
    ]
    for who, url in pages:
        client.force_login(getattr(world, who))
        html = client.get(url).content.decode()
        label = f"{who} {url}"
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), label
        assert not re.search(r"<style\b", html), label
        assert not re.search(r"\sstyle=", html), label
        assert not re.search(r"\son[a-z]+=", html), label
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in tag:
                continue
            field_id = re.search(r'\sid="([^"]+)"', tag)
            assert field_id, (label, tag)
            assert f'for="{field_id.group(1)}"' in html, (label, tag)
