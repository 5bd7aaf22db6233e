"""Who may read the audit log: the school admin, of their own school only (DESIGN §4).

Not the care coordinator: the log is the check on who read what, the admin keeps it.
Everyone else on the staff knows the page exists (403); it never crosses schools.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from school.models import User
from school.policies import roles_of

from .models import AuditEvent


def can_read_audit_log(user: User | AnonymousUser) -> bool:
    return roles_of(user).is_school_admin


def audit_events_visible_to(user: User | AnonymousUser) -> QuerySet[AuditEvent]:
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_school_admin:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(school_id=roles.school_id)
