"""The demo school's audit log: events by the demo logins on the demo's own records, in Dutch on /audit/."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from audit.demo import DAYS
from audit.models import AuditEvent
from school import demo

Kind = AuditEvent.Kind


@pytest.fixture
def demo_school(db) -> demo.DemoSchool:
    school = demo.demo_school_create(students=40, with_logins=True, username_prefix="")
    lines = demo.demo_extensions_run(school)
    assert any(line.startswith("Audit log:") for line in lines)
    return school


def test_the_log_has_reads_and_writes_by_the_demo_logins_on_the_demos_records(demo_school):
    events = list(AuditEvent.objects.select_related("actor", "student"))
    logins = demo_school.logins

    kinds_by_actor = {(event.actor.username, event.kind) for event in events}
    assert (demo.CARE_COORDINATOR, Kind.CARE_MEETING) in kinds_by_actor
    assert (demo.TEAM_LEADER_HAVO, Kind.ESCALATION) in kinds_by_actor
    assert (demo.MENTOR_VWO, Kind.REFLECTION) in kinds_by_actor
    assert (demo.MENTOR_VWO, Kind.MENTOR_TALK) in kinds_by_actor
    assert (demo.MENTOR, Kind.PROGRESS_BOARD) in kinds_by_actor
    assert (demo.TEACHER, Kind.REFLECTION) in kinds_by_actor
    assert {event.school_id for event in events} == {demo_school.school.pk}
    lina = logins[demo.STUDENT].student
    assert any(event.student == lina for event in events)
    now = timezone.now()
    assert all(now - datetime.timedelta(days=DAYS + 1) <= event.at <= now for event in events)
    assert all(event.ip_address and event.user_agent and event.path.startswith("/") for event in events)


def test_every_demo_summary_is_one_the_views_write_so_it_reads_in_dutch(demo_school):
    summaries = set(AuditEvent.objects.values_list("summary", flat=True))
    with translation.override("nl"):
        untranslated = {summary for summary in summaries if translation.gettext(summary) == summary}
    assert untranslated == set()


def test_the_school_admin_sees_the_demo_log(client, demo_school):
    client.force_login(demo_school.logins[demo.ADMIN])

    response = client.get(reverse("audit:events"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Zorgoverleg gelezen" in page
    assert "Voortgangsbord van een klas gelezen" in page
