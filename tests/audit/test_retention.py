"""Retention beyond the audit events: django-axes' login records are purged by age; an erased person's name
leaves the events they did (the one sanctioned change to a written event)."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_actor_forget, audit_record, axes_logs_purge
from audit.tasks import audit_purge_task

Action, Kind = AuditEvent.Action, AuditEvent.Kind
pytestmark = pytest.mark.django_db


def _aged(model, days: int, **fields):
    row = model.objects.create(
        username=fields.pop("username", "jan.jansen"),
        ip_address="10.0.0.7",
        user_agent="Firefox/140",
        http_accept="*/*",
        path_info="/accounts/login/",
        **fields,
    )
    # attempt_time is auto_now_add: age it afterwards.
    model.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - datetime.timedelta(days=days))
    return row


def _one_of_each(days: int, username: str) -> None:
    _aged(AccessLog, days, username=username)
    _aged(AccessFailureLog, days, username=username, locked_out=False)
    attempt = _aged(AccessAttempt, days, username=username, get_data="", post_data="", failures_since_start=3)
    AccessAttemptExpiration.objects.create(access_attempt=attempt, expires_at=timezone.now())


def test_login_records_past_the_retention_go_and_younger_ones_stay(settings):
    settings.AXES_LOG_RETENTION_DAYS = 90
    _one_of_each(91, "oud")
    _one_of_each(89, "recent")

    assert axes_logs_purge() == {"access_logs": 1, "access_failure_logs": 1, "access_attempts": 1}

    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert list(model.objects.values_list("username", flat=True)) == ["recent"], model
    assert AccessAttemptExpiration.objects.count() == 1  # the old counter's expiry went with it
    assert axes_logs_purge() == {"access_logs": 0, "access_failure_logs": 0, "access_attempts": 0}  # idempotent


def test_the_nightly_task_purges_audit_events_and_login_records(world, settings):
    settings.AUDIT_RETENTION_DAYS = 730
    settings.AXES_LOG_RETENTION_DAYS = 90
    _one_of_each(100, "oud")
    _one_of_each(10, "recent")
    AuditEvent(
        school=world.school, action=Action.READ, kind=Kind.MINUTES, at=timezone.now() - datetime.timedelta(days=731)
    ).save()

    assert audit_purge_task.delay().get() == {
        "audit_events": 1,
        "access_logs": 1,
        "access_failure_logs": 1,
        "access_attempts": 1,
    }
    assert AccessLog.objects.get().username == "recent"


def test_the_command_purges_login_records_by_the_setting_or_its_option(settings, capsys):
    settings.AXES_LOG_RETENTION_DAYS = 90
    _one_of_each(100, "oud")
    _one_of_each(10, "recent")

    call_command("audit_purge")
    out = capsys.readouterr().out
    assert "Removed 3 login records older than 90 days (1 logins, 1 failed logins, 1 lockout counters)." in out
    call_command("audit_purge", axes_days=5)
    assert not AccessLog.objects.exists()
    assert not AccessAttempt.objects.exists()
    with pytest.raises(CommandError):
        call_command("audit_purge", axes_days=0)


def test_the_retention_setting_defaults_to_ninety_days():
    from config.settings import base

    assert base.AXES_LOG_RETENTION_DAYS == 90


def _read_by(user, world, address: str) -> AuditEvent:
    request = RequestFactory().get("/mentoring/reflection/", REMOTE_ADDR=address, HTTP_USER_AGENT="Safari/18")
    request.user = user
    return audit_record(request_or_actor=request, action=Action.READ, kind=Kind.REFLECTION, student=world.student)


def test_forgetting_an_actor_renames_their_events_and_blanks_where_they_were(world):
    own = _read_by(world.student_user, world, "10.0.0.1")
    by_mentor = _read_by(world.mentor, world, "10.0.0.2")
    by_classmate = _read_by(world.other_student_user, world, "10.0.0.3")

    assert audit_actor_forget(user_ids=[world.student_user.pk], label="oud-leerling-7") == 1

    own.refresh_from_db()
    assert (own.actor_name, own.ip_address, own.user_agent) == ("oud-leerling-7", None, "")
    # The rest of the evidence stays: when, what, about whom, which page.
    assert (own.action, own.kind, own.student_id, own.path, own.actor_id) == (
        Action.READ,
        Kind.REFLECTION,
        world.student.pk,
        "/mentoring/reflection/",
        world.student_user.pk,
    )
    for event, user, address in (
        (by_mentor, world.mentor, "10.0.0.2"),
        (by_classmate, world.other_student_user, "10.0.0.3"),
    ):
        event.refresh_from_db()
        assert event.actor_name == user.get_full_name()
        assert event.ip_address == address
        assert event.user_agent == "Safari/18"


def test_events_stay_append_only_otherwise(world):
    event = _read_by(world.student_user, world, "10.0.0.1")
    event.actor_name = "someone else"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
