"""Celery tasks of the audit log; scheduled by Celery beat (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .services import audit_purge


@shared_task(acks_late=True)
def audit_purge_task() -> int:
    """Remove the events past their retention. Idempotent: a second run finds nothing left to remove."""
    return audit_purge()
