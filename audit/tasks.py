"""Celery tasks of the audit log; scheduled by Celery beat (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .services import audit_purge, axes_logs_purge


@shared_task(acks_late=True)
def audit_purge_task() -> dict[str, int]:
    """Remove the audit events and django-axes' login records past their retention (AUDIT_RETENTION_DAYS,
    AXES_LOG_RETENTION_DAYS). Idempotent: a second run finds nothing left to remove. Returns the counts.
    """
    return {"audit_events": audit_purge(), **axes_logs_purge()}
