"""Writes of the audit log: record an event, forget an erased person, purge what is past its retention.

`audit_record` is called by the views and services of mentoring, boards and classmeetings at every
read and write of sensitive data. With a request it also keeps where the reader was (the address,
the page, the browser); with only an actor (a task, a command) it keeps who.
`audit_actor_forget` is the one change to written events (privacy erasure); `audit_purge` and
`axes_logs_purge` remove what is older than its retention (nightly, audit.tasks.audit_purge_task).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from school.auth import client_ip
from school.models import Student, User

from .models import PATH_MAX_LENGTH, SUMMARY_MAX_LENGTH, USER_AGENT_MAX_LENGTH, AuditEvent

Action = AuditEvent.Action
Kind = AuditEvent.Kind


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as login throttling sees it (school.auth.client_ip), or None when it is not one."""
    try:
        return str(ipaddress.ip_address(client_ip(request).strip()))
    except ValueError:
        return None


def _school_id(*, actor: User | None, obj: models.Model | None, student: Student | None) -> int | None:
    """The school the data belongs to: the record's (or its loaded student's or round's), the student's, the actor's.

    No query: the policies have scoped the record to the actor's school already, so the actor's is the last resort.
    """
    loaded = obj._state.fields_cache if obj is not None else {}
    for source in (obj, loaded.get("student"), loaded.get("cycle"), student, actor):
        school_id = getattr(source, "school_id", None)
        if school_id is not None:
            return school_id
    return None


def audit_record(
    *,
    request_or_actor: HttpRequest | User,
    action: str,
    kind: str,
    obj: models.Model | None = None,
    student: Student | None = None,
    summary: str = "",
) -> AuditEvent:
    """Write down one read or write of sensitive data: who, what, when, from where.

    `obj` is the record read or written (its id is kept, and its student when it has one);
    `summary` says what happened in a few words, never the sensitive text itself.
    """
    request = request_or_actor if isinstance(request_or_actor, HttpRequest) else None
    actor = request.user if request is not None else request_or_actor
    if isinstance(actor, AnonymousUser) or (actor is not None and not actor.is_authenticated):
        actor = None
    if student is None and obj is not None:
        student_id = getattr(obj, "student_id", None)
    else:
        student_id = student.pk if student is not None else None
    school_id = _school_id(actor=actor, obj=obj, student=student)
    if school_id is None:
        raise ValueError("An audit event needs a school: from the record, the student or the actor.")
    event = AuditEvent(
        school_id=school_id,
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username())[:150] if actor is not None else "",
        action=Action(action),
        kind=Kind(kind),
        object_id=obj.pk if obj is not None else None,
        student_id=student_id,
        summary=summary[:SUMMARY_MAX_LENGTH],
    )
    if request is not None:
        event.path = request.get_full_path()[:PATH_MAX_LENGTH]
        event.ip_address = client_address(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
    event.save()
    return event


def audit_purge(*, now=None, days: int | None = None) -> int:
    """Remove the events older than the retention (`AUDIT_RETENTION_DAYS`); returns how many went."""
    days = settings.AUDIT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def audit_actor_forget(*, user_ids: Iterable[int], label: str) -> int:
    """Replace the name of an anonymised person on the events they did, and blank where they were.

    Privacy erasure calls this for a student's own account and for a guardian's account it anonymises:
    their name must not outlive them in the log for up to AUDIT_RETENTION_DAYS. `label` is the name the
    account gets ("oud-leerling-<id>"). The address and browser of those events go too (personal data of
    the person, a minor mostly); when, what, which record and about whom stay as evidence. Events that
    staff did about the student keep the staff member's name. The only sanctioned change to a written
    event (audit.models), as one UPDATE. Returns how many events changed.
    """
    return AuditEvent.objects.filter(actor_id__in=list(user_ids)).update(
        actor_name=label[: AuditEvent._meta.get_field("actor_name").max_length], ip_address=None, user_agent=""
    )


def axes_logs_purge(*, days: int | None = None) -> dict[str, int]:
    """Remove django-axes' records older than `AXES_LOG_RETENTION_DAYS`: logins, failed logins, lockout counters.

    The access logs go through django-axes' own handler (as `manage.py axes_reset_logs --age` does);
    the failure counters (AccessAttempt) have no age API there, so they go by their first attempt.
    A counter that old has long passed its cool-off and locks nobody out any more.
    Returns how many rows went, per table.
    """
    days = settings.AXES_LOG_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    _count, by_model = AccessAttempt.objects.filter(attempt_time__lte=cutoff).delete()
    return {
        "access_logs": AxesProxyHandler.reset_logs(age_days=days),
        "access_failure_logs": AxesProxyHandler.reset_failure_logs(age_days=days),
        "access_attempts": by_model.get(AccessAttempt._meta.label, 0),
    }
