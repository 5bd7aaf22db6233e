"""The school admin's audit log page: only the admin of the school, filterable, paged, fixed queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import PAGE_SIZE
from tests.conftest import EVERYONE
from tests.factories import StudentFactory

Action, Kind = AuditEvent.Action, AuditEvent.Kind
URL = "/audit/"


def _event(world, *, actor=None, action=Action.READ, kind=Kind.CARE_MEETING, student=None, days_ago=0, **extra):
    actor = actor or world.care_coordinator
    event = AuditEvent(
        school=actor.school,
        actor=actor,
        actor_name=actor.get_full_name(),
        action=action,
        kind=kind,
        student=student,
        at=timezone.now() - datetime.timedelta(days=days_ago),
        **extra,
    )
    event.save()
    return event


def test_the_url_is_audit_events():
    assert reverse("audit:events") == URL


# --- access ------------------------------------------------------------------------------------------------------

# Staff know the page exists (403); students and guardians do not (404). The other school's admin sees their own.
EXPECTED = {
    "admin": 200,
    "outsider": 200,
    "team_leader": 403,
    "other_team_leader": 403,
    "mentor": 403,
    "other_mentor": 403,
    "teacher": 403,
    "other_teacher": 403,
    "care_coordinator": 403,
    "student_user": 404,
    "other_student_user": 404,
    "guardian": 404,
    "other_guardian": 404,
}


def test_every_role_has_an_expectation():
    assert set(EXPECTED) == set(EVERYONE)


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_open_the_audit_log(client, world, login, who):
    assert login(getattr(world, who)).get(URL).status_code == EXPECTED[who]


def test_anonymous_goes_to_the_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_post_is_refused(client, world, login):
    assert login(world.admin).post(URL).status_code == 405


def test_another_schools_events_are_never_shown(client, world, login):
    ours = _event(world, summary="ours-event")
    theirs = _event(world, actor=world.outsider, summary="theirs-event")

    html = login(world.admin).get(URL).content.decode()
    assert "ours-event" in html
    assert "theirs-event" not in html

    response = login(world.outsider).get(URL)
    assert list(response.context["page"].object_list) == [theirs]
    assert ours.summary not in response.content.decode()


def test_the_home_page_links_the_admin_to_the_log(client, world, login):
    assert URL in login(world.admin).get("/").content.decode()
    assert URL not in login(world.care_coordinator).get("/").content.decode()
    assert URL not in login(world.mentor).get("/").content.decode()


# --- the list ------------------------------------------------------------------------------------------------------


def test_newest_first_with_who_what_and_where(client, world, login):
    _event(world, days_ago=2, summary="older")
    newest = _event(
        world,
        actor=world.mentor,
        action=Action.DOWNLOAD,
        kind=Kind.PREP_SHEET,
        student=world.student,
        summary="A student's prep sheet downloaded",
        ip_address="10.9.8.7",
        user_agent="Firefox/140",
        path="/mentoring/my/x/",
    )
    response = login(world.admin).get(URL)
    rows = list(response.context["page"].object_list)
    assert rows[0] == newest
    assert rows[1].summary == "older"
    html = response.content.decode()
    for text in (world.mentor.get_full_name(), "download", "prep sheet", world.student.full_name, "10.9.8.7"):
        assert text in html
    assert "Firefox/140" in html


def test_text_in_an_event_is_escaped(client, world, login):
    _event(world, summary="<script>alert(1)</script>", path="/x/<b>")
    html = login(world.admin).get(URL).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _shown(client, **query) -> set[int]:
    response = client.get(URL, query)
    assert response.status_code == 200
    return {event.pk for event in response.context["page"].object_list}


def test_filters(client, world, login):
    other = StudentFactory(
        school=world.school, class_group=world.class_group, first_name="Noor", last_name="de Wit", number="77123"
    )
    read = _event(world, student=world.student, days_ago=10)
    download = _event(world, actor=world.mentor, action=Action.DOWNLOAD, kind=Kind.MINUTES, days_ago=3)
    about_noor = _event(world, actor=world.team_leader, kind=Kind.ESCALATION, student=other, days_ago=0)
    client = login(world.admin)

    assert _shown(client) == {read.pk, download.pk, about_noor.pk}
    assert _shown(client, kind="minutes") == {download.pk}
    assert _shown(client, action="read") == {read.pk, about_noor.pk}
    assert _shown(client, person=world.mentor.last_name) == {download.pk}
    assert _shown(client, person=world.mentor.username) == {download.pk}
    assert _shown(client, student="Noor wit") == {about_noor.pk}
    assert _shown(client, student="77123") == {about_noor.pk}
    today = timezone.localdate()
    assert _shown(client, date_from=(today - datetime.timedelta(days=5)).isoformat()) == {download.pk, about_noor.pk}
    assert _shown(client, date_to=(today - datetime.timedelta(days=5)).isoformat()) == {read.pk}
    assert _shown(client, date_from=today.isoformat(), date_to=today.isoformat()) == {about_noor.pk}
    assert _shown(client, kind="escalation", action="read", student="Noor") == {about_noor.pk}


def test_a_backwards_date_range_says_so(client, world, login):
    response = login(world.admin).get(URL, {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert response.status_code == 422
    assert "The end date lies before the start date." in response.content.decode()


@pytest.mark.parametrize(
    "query", [{"kind": "nonsense"}, {"action": "x"}, {"date_from": "yesterday"}, {"person": "a" * 500}, {"page": "x"}]
)
def test_nonsense_in_the_filters_never_breaks_the_page(client, world, login, query):
    _event(world)
    assert login(world.admin).get(URL, query).status_code in (200, 422)


def test_pages_keep_the_filters(client, world, login):
    for _ in range(PAGE_SIZE + 5):
        _event(world, kind=Kind.REFLECTION)
    _event(world, kind=Kind.MINUTES)
    client = login(world.admin)

    first = client.get(URL, {"kind": "reflection"})
    assert len(first.context["page"].object_list) == PAGE_SIZE
    assert "kind=reflection&amp;page=2" in first.content.decode()
    second = client.get(URL, {"kind": "reflection", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_the_page_takes_the_same_queries_for_more_events(client, world, login, django_assert_num_queries):
    client = login(world.admin)
    for _ in range(2):
        _event(world, student=world.student)
    client.get(URL)  # session and roles warmed up like any later request
    # session, user, roles (2), count, page of events with their students
    with django_assert_num_queries(6):
        assert client.get(URL, {"kind": "care_meeting"}).status_code == 200
    for _ in range(30):
        _event(world, student=StudentFactory(school=world.school, class_group=world.class_group), actor=world.mentor)
    with django_assert_num_queries(6):
        response = client.get(URL, {"kind": "care_meeting"})
    assert len(response.context["page"].object_list) == 32
