"""Care meeting screens: who sees and writes what (DESIGN §4), every read logged, fixed query counts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from boards.models import CareConsent, CareEntry, CareGuest, CareMeeting, CareReadLog, Mood
from boards.selectors.care import care_meeting_page
from boards.services import care as services
from tests.conftest import EVERYONE
from tests.factories import PASSWORD, StudentFactory, UserFactory


@pytest.fixture
def meeting(world) -> CareMeeting:
    meeting = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg",
        held_on=datetime.date(2026, 11, 20),
        coordinator=world.care_coordinator.staff,
    )
    meeting.children.add(world.student)
    meeting.participants.add(world.mentor.staff)
    return meeting


def _guest(world, meeting, *, days: int = 7) -> CareGuest:
    user = UserFactory(school=world.school)
    return CareGuest.objects.create(
        meeting=meeting,
        user=user,
        organisation=CareGuest.Organisation.YOUTH_CARE,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )


def _consent(meeting, student):
    CareConsent.objects.create(
        meeting=meeting,
        student=student,
        given_by=CareConsent.GivenBy.GUARDIAN,
        given_by_name="Ouder",
        given_on=datetime.date(2026, 11, 1),
    )


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


# Who sees the board (GET) and who writes (POST): everyone else gets 404.
SEES = {"care_coordinator", "mentor"}
WRITES = {"care_coordinator"}


def _urls(meeting):
    return {
        "board": ("get", reverse("boards:care_meeting", args=[meeting.pk])),
        "reads": ("get", reverse("boards:care_read_log", args=[meeting.pk])),
        "entry": ("post", reverse("boards:care_entry", args=[meeting.pk])),
        "consent": ("post", reverse("boards:care_consent", args=[meeting.pk])),
        "guest": ("post", reverse("boards:care_guest_invite", args=[meeting.pk])),
    }


@pytest.mark.parametrize("name", ["board", "reads", "entry", "consent", "guest", "list", "revoke"])
def test_anonymous_goes_to_login(client, world, meeting, name):
    urls = _urls(meeting)
    urls["list"] = ("get", reverse("boards:care_meetings"))
    urls["revoke"] = ("post", reverse("boards:care_guest_revoke", args=[_guest(world, meeting).pk]))
    method, url = urls[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("name", ["board", "reads", "entry", "consent", "guest"])
def test_access_per_role(client, world, meeting, who, name):
    _login(client, getattr(world, who))
    method, url = _urls(meeting)[name]
    response = getattr(client, method)(url, {})
    if who not in SEES:
        expected = {404}
    elif who in WRITES:
        expected = {200, 422} if name != "board" else {200}
    else:
        expected = {403} if name != "board" else {200}
    assert response.status_code in expected, (who, name, response.status_code)


@pytest.mark.parametrize("who", EVERYONE)
def test_revoke_per_role(client, world, meeting, who):
    guest = _guest(world, meeting)
    _login(client, getattr(world, who))
    response = client.post(reverse("boards:care_guest_revoke", args=[guest.pk]))
    expected = 302 if who in WRITES else 403 if who in SEES else 404
    assert response.status_code == expected
    guest.refresh_from_db()
    assert (guest.revoked_at is not None) is (who in WRITES)


def test_a_guest_sees_the_one_board_only_with_consent_and_while_access_lasts(client, world, meeting):
    guest = _guest(world, meeting)
    other = CareMeeting.objects.create(
        school=world.school,
        title="Ander",
        held_on=datetime.date(2026, 11, 20),
        coordinator=world.care_coordinator.staff,
    )
    other.children.add(world.other_student)
    _consent(other, world.other_student)
    _login(client, guest.user)
    url = reverse("boards:care_meeting", args=[meeting.pk])
    assert client.get(url).status_code == 404  # consent not yet complete
    _consent(meeting, world.student)
    assert client.get(url).status_code == 200
    assert client.get(reverse("boards:care_meeting", args=[other.pk])).status_code == 404  # another meeting
    list_page = client.get(reverse("boards:care_meetings"))
    assert list(list_page.context["meetings"]) == [meeting]
    # A guest reads, never writes.
    assert client.post(reverse("boards:care_entry", args=[meeting.pk]), {}).status_code == 403
    assert client.get(reverse("boards:care_read_log", args=[meeting.pk])).status_code == 403
    assert client.post(reverse("boards:care_guest_revoke", args=[guest.pk])).status_code == 403
    CareGuest.objects.filter(pk=guest.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert client.get(url).status_code == 404  # expired
    CareGuest.objects.filter(pk=guest.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=1), revoked_at=timezone.now()
    )
    assert client.get(url).status_code == 404  # revoked


def test_every_read_is_logged(client, world, meeting):
    _login(client, world.mentor)
    url = reverse("boards:care_meeting", args=[meeting.pk])
    for _ in range(3):
        client.get(url, REMOTE_ADDR="192.0.2.7")
    logs = CareReadLog.objects.filter(meeting=meeting)
    assert logs.count() == 3
    assert {(log.user_id, log.path, log.address) for log in logs} == {(world.mentor.pk, url, "192.0.2.7")}
    client.logout()
    _login(client, world.care_coordinator)
    response = client.get(reverse("boards:care_read_log", args=[meeting.pk]))
    assert response.status_code == 200
    assert CareReadLog.objects.filter(meeting=meeting).count() == 4
    assert str(world.mentor) in response.content.decode()


def test_refused_reads_are_not_logged(client, world, meeting):
    _login(client, world.admin)
    assert client.get(reverse("boards:care_meeting", args=[meeting.pk])).status_code == 404
    assert not CareReadLog.objects.exists()


def test_the_child_leads_check_in_then_successes_then_next_steps(client, world, meeting):
    CareEntry.objects.create(
        meeting=meeting, student=world.student, kind="next", text="Huiswerk plannen", owner="mentor"
    )
    CareEntry.objects.create(meeting=meeting, student=world.student, kind="success", text="Op tijd in de les")
    CareEntry.objects.create(meeting=meeting, student=world.student, kind="check_in", mood=Mood.GOOD)
    _login(client, world.mentor)
    html = client.get(reverse("boards:care_meeting", args=[meeting.pk])).content.decode()
    assert html.index('id="care-checkin"') < html.index("🙂") < html.index('id="care-successes"')
    assert html.index('id="care-successes"') < html.index("Op tijd in de les") < html.index('id="care-next"')
    assert html.index('id="care-next"') < html.index("Huiswerk plannen")
    assert "badge badge--danger" in html  # consent missing, flagged in words (translated)


def test_create_a_meeting(client, world):
    _login(client, world.care_coordinator)
    url = reverse("boards:care_meetings")
    assert client.get(url).context["form"] is not None
    response = client.post(url, {"title": "Zorg", "held_on": "2026-11-30", "children": [], "participants": []})
    assert response.status_code == 422
    assert not CareMeeting.objects.exists()
    response = client.post(
        url, {"title": "Zorg", "held_on": "2026-11-30", "children": [world.student.pk], "participants": []}
    )
    meeting = CareMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("boards:care_meeting", args=[meeting.pk])
    client.logout()
    _login(client, world.mentor)
    assert client.get(url).context["form"] is None
    assert client.post(url, {"title": "x"}).status_code == 403


def test_coordinator_writes_entries_consent_and_invites(client, world, meeting):
    _login(client, world.care_coordinator)
    entry_url = reverse("boards:care_entry", args=[meeting.pk])
    response = client.post(entry_url, {"student": world.student.pk, "kind": "check_in", "version": 0})
    assert response.status_code == 422
    assert not CareEntry.objects.exists()
    response = client.post(entry_url, {"student": world.student.pk, "kind": "check_in", "mood": "great", "version": 0})
    assert response.status_code == 302
    response = client.post(entry_url, {"student": world.student.pk, "kind": "check_in", "mood": "bad", "version": 0})
    assert response.status_code == 409
    assert CareEntry.objects.get().mood == "great"
    response = client.post(
        entry_url,
        {
            "student": world.student.pk,
            "kind": "next",
            "text": "Plannen",
            "owner": "leerplicht",
            "due_on": "2026-12-01",
        },
    )
    assert response.status_code == 302
    consent_url = reverse("boards:care_consent", args=[meeting.pk])
    response = client.post(
        consent_url,
        {"student": world.student.pk, "given_by": "young_person", "given_by_name": "X", "given_on": "2026-11-01"},
    )
    assert response.status_code == 422
    assert not CareConsent.objects.exists()
    response = client.post(
        consent_url,
        {"student": world.student.pk, "given_by": "guardian", "given_by_name": "X", "given_on": "2026-11-01"},
    )
    assert response.status_code == 302
    assert CareConsent.objects.count() == 1
    until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("boards:care_guest_invite", args=[meeting.pk]),
        {
            "first_name": "Sanne",
            "last_name": "de Wit",
            "email": "s@jz.example",
            "organisation": "youth_care",
            "expires_on": until,
        },
    )
    assert response.status_code == 200
    link = response.context["invite"]["link"]
    assert "/password/reset/" in link
    # The link opens the set-password page for the guest.
    client.logout()
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]


def test_invite_too_long_is_refused(client, world, meeting):
    _login(client, world.care_coordinator)
    until = (timezone.localdate() + datetime.timedelta(days=120)).isoformat()
    response = client.post(
        reverse("boards:care_guest_invite", args=[meeting.pk]),
        {"first_name": "A", "last_name": "B", "email": "a@b.example", "organisation": "other", "expires_on": until},
    )
    assert response.status_code == 422
    assert not CareGuest.objects.exists()
    assert response.context["guest_form"].errors["expires_on"]


def _fill(world, meeting, children: int):
    students = [world.student] + [
        StudentFactory(school=world.school, class_group=world.class_group) for _ in range(children - 1)
    ]
    meeting.children.set(students)
    for student in students:
        CareEntry.objects.create(meeting=meeting, student=student, kind="check_in", mood=Mood.GOOD)
        CareEntry.objects.create(meeting=meeting, student=student, kind="success", text="Goed")
        CareEntry.objects.create(meeting=meeting, student=student, kind="next", text="Plannen", owner="mentor")
        _consent(meeting, student)
    for _ in range(children):
        _guest(world, meeting)


@pytest.mark.parametrize("children", [1, 3])
def test_page_query_count_is_fixed(world, meeting, children, django_assert_num_queries):
    _fill(world, meeting, children)
    with django_assert_num_queries(5):
        page = care_meeting_page(meeting=meeting)
        for child in page.children:
            assert child.check_in
            assert child.successes
            assert child.next_steps
            assert child.consent
        for row in page.guests:
            str(row.guest.user)
        for staff in page.participants:
            str(staff.user)
    assert len(page.children) == children
    assert not page.consent_missing


def test_board_view_query_count_is_the_same_for_1_and_3_children(client, world, meeting):
    _login(client, world.care_coordinator)
    url = reverse("boards:care_meeting", args=[meeting.pk])
    counts = []
    for children in (1, 3):
        CareEntry.objects.all().delete()
        CareConsent.objects.all().delete()
        CareGuest.objects.all().delete()
        _fill(world, meeting, children)
        client.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_services_are_reachable(world, meeting):
    assert services.consent_giver_for(world.student, timezone.localdate()) == CareConsent.GivenBy.GUARDIAN


def test_the_board_polls_for_changes(client, world, meeting):
    _login(client, world.mentor)
    url = reverse("boards:care_meeting", args=[meeting.pk])
    since = client.get(url).context["since"]
    reads = CareReadLog.objects.count()
    response = client.get(url, {"since": since}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert CareReadLog.objects.count() == reads  # nothing shown: no read
    services.care_entry_save(
        meeting=meeting, actor=world.care_coordinator, student=world.student, kind="success", text="Op tijd"
    )
    response = client.get(url, {"since": since}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Op tijd" in response.content.decode()
    assert 'id="care-board"' in response.content.decode()
    assert CareReadLog.objects.count() == reads + 1  # what changed is shown: a read


def test_polling_is_for_the_meetings_people_only(client, world, meeting):
    _login(client, world.admin)
    response = client.get(
        reverse("boards:care_meeting", args=[meeting.pk]), {"since": "x"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 404


def test_the_board_has_unique_ids(client, world, meeting):
    _login(client, world.care_coordinator)
    html = client.get(reverse("boards:care_meeting", args=[meeting.pk])).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
