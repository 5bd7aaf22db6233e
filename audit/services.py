"""Writes of the audit log: record an event, purge the ones past their retention.

`audit_record` is called by the views and services of mentoring, boards and classmeetings at every
read and write of sensitive data. With a request it also keeps where the reader was (the address,
the page, the browser); with only an actor (a task, a command) it keeps who.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

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
