"""Reads of the audit log: one school's events, filtered and paged for the admin's page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    person: str = ""
    student: str = ""
    kind: str = ""
    action: str = ""


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _name_terms(text: str, fields: tuple[str, ...]) -> Q:
    """Every word must occur in one of the fields: "Lina Bouzid" finds Lina Bouzid."""
    condition = Q()
    for term in text.split():
        term_condition = Q()
        for name in fields:
            term_condition |= Q(**{f"{name}__icontains": term})
        condition &= term_condition
    return condition


def audit_events_filtered(events: QuerySet[AuditEvent], filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The events (already scoped to one school by the policy) that match the filters, newest first."""
    if filters.date_from:
        events = events.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_start_of(filters.date_to + datetime.timedelta(days=1)))
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.person:
        events = events.filter(_name_terms(filters.person, ("actor_name", "actor__username")))
    if filters.student:
        text = filters.student
        student_condition = _name_terms(text, ("student__first_name", "student__infix", "student__last_name"))
        student_condition |= Q(student__number=text)
        events = events.filter(student_condition)
    return events.select_related("student").order_by("-at", "-pk")


def audit_events_page(events: QuerySet[AuditEvent], filters: AuditFilters, *, page_number: str | int = 1) -> Page:
    """One page of the filtered events: a count and the rows, whatever the number of events."""
    return Paginator(audit_events_filtered(events, filters), PAGE_SIZE).get_page(page_number)
