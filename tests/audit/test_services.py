"""audit_record and the retention purge: who, what, when, from where; append-only; kept for a set time."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone

from audit.models import SUMMARY_MAX_LENGTH, AuditEvent
from audit.services import audit_purge, audit_record, client_address
from audit.tasks import audit_purge_task
from boards.models import CareMeeting
from tests.factories import StudentFactory, UserFactory

Action, Kind = AuditEvent.Action, AuditEvent.Kind


@pytest.fixture
def care_meeting(world) -> CareMeeting:
    meeting = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg",
        held_on=datetime.date(2026, 11, 20),
        coordinator=world.care_coordinator.staff,
    )
    meeting.children.add(world.student)
    return meeting


def _request(user, **meta):
    request = RequestFactory().get("/boards/care/1/?x=1", **meta)
    request.user = user
    return request


def test_a_read_through_a_request_keeps_who_what_when_and_where(world, care_meeting):
    request = _request(world.care_coordinator, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox/140 " + "x" * 500)

    event = audit_record(
        request_or_actor=request, action=Action.READ, kind=Kind.CARE_MEETING, obj=care_meeting, summary="read"
    )

    event.refresh_from_db()
    assert event.school == world.school
    assert event.actor == world.care_coordinator
    assert event.actor_name == world.care_coordinator.get_full_name()
    assert (event.action, event.kind, event.object_id) == ("read", "care_meeting", care_meeting.pk)
    assert event.ip_address == "10.1.2.3"
    assert event.user_agent.startswith("Firefox/140")
    assert len(event.user_agent) == 200
    assert event.path == "/boards/care/1/?x=1"
    assert abs(event.at - timezone.now()) < datetime.timedelta(minutes=1)


def test_an_actor_without_a_request_is_kept_without_an_address(world):
    event = audit_record(
        request_or_actor=world.admin, action=Action.EXPORT, kind=Kind.STUDENT_EXPORT, student=world.student
    )
    assert (event.actor, event.student, event.ip_address, event.path) == (world.admin, world.student, None, "")
    assert event.school_id == world.school.pk


def test_the_summary_is_cut_to_its_length(world):
    event = audit_record(request_or_actor=world.mentor, action=Action.READ, kind=Kind.MINUTES, summary="s" * 1000)
    assert len(event.summary) == SUMMARY_MAX_LENGTH


def test_unknown_actions_and_kinds_are_refused(world):
    with pytest.raises(ValueError, match="delete_all"):
        audit_record(request_or_actor=world.mentor, action="delete_all", kind=Kind.MINUTES)
    with pytest.raises(ValueError, match="secrets"):
        audit_record(request_or_actor=world.mentor, action=Action.READ, kind="secrets")
    assert not AuditEvent.objects.exists()


def test_without_a_school_nothing_is_written(db):
    with pytest.raises(ValueError, match="school"):
        audit_record(request_or_actor=UserFactory(school=None), action=Action.READ, kind=Kind.MINUTES)


def test_an_event_is_never_changed(world):
    event = audit_record(request_or_actor=world.mentor, action=Action.READ, kind=Kind.MINUTES)
    event.summary = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert AuditEvent.objects.get().summary == ""


# --- the client's address -------------------------------------------------------------------------------


def test_x_forwarded_for_is_ignored_without_a_configured_proxy(world, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = _request(world.mentor, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_address(request) == "10.0.0.1"


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_forged(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request(world.mentor, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request) == "203.0.113.9"


def test_behind_two_proxies(world, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = _request(world.mentor, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2")
    assert client_address(request) == "203.0.113.9"
    fewer_hops_than_proxies = _request(world.mentor, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(fewer_hops_than_proxies) == "10.0.0.1"


@pytest.mark.parametrize("address", ["", "not an ip", "999.1.1.1"])
def test_an_unreadable_address_is_left_empty(world, address):
    assert client_address(_request(world.mentor, REMOTE_ADDR=address)) is None


# --- retention ------------------------------------------------------------------------------------------------


def _event_aged(world, days: int) -> AuditEvent:
    event = AuditEvent(
        school=world.school, action=Action.READ, kind=Kind.MINUTES, at=timezone.now() - datetime.timedelta(days=days)
    )
    event.save()
    return event


def test_the_purge_removes_only_events_past_the_retention(world, settings):
    settings.AUDIT_RETENTION_DAYS = 730
    old, kept = _event_aged(world, 731), _event_aged(world, 729)

    assert audit_purge() == 1

    assert list(AuditEvent.objects.all()) == [kept]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert audit_purge() == 0  # idempotent


def test_the_command_uses_the_setting_or_its_option(world, settings, capsys):
    settings.AUDIT_RETENTION_DAYS = 100
    _event_aged(world, 50), _event_aged(world, 150)

    call_command("audit_purge")
    assert "Removed 1 audit events older than 100 days." in capsys.readouterr().out
    call_command("audit_purge", days=10)
    assert AuditEvent.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("audit_purge", days=0)


def test_the_task_purges(world, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    _event_aged(world, 31)
    _event_aged(world, 1)

    assert audit_purge_task.delay().get() == {
        "audit_events": 1,
        "access_logs": 0,
        "access_failure_logs": 0,
        "access_attempts": 0,
    }
    assert AuditEvent.objects.count() == 1
    assert audit_purge_task.name == "audit.tasks.audit_purge_task"


def test_a_removed_student_or_actor_leaves_the_event_with_the_name(world):
    student = StudentFactory(school=world.school, class_group=world.class_group)
    someone = UserFactory(school=world.school, first_name="Els", last_name="Jansen")
    event = audit_record(request_or_actor=someone, action=Action.READ, kind=Kind.MINUTES, student=student)
    name = someone.get_full_name()
    student.delete()
    someone.delete()

    event.refresh_from_db()
    assert (event.student, event.actor, event.actor_name) == (None, None, name)
