"""Celery tasks of the review cycle: they take ids, claim their job row and call a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone, translation

from . import services

# A reminder round is one mail per teacher: seconds. Minutes mean the mail server is stuck.
SOFT_TIME_LIMIT = 300
TIME_LIMIT = 360


@shared_task(acks_late=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def reminders_send_task(job_id: int) -> None:
    """Send the reminders of one job. Safe to deliver twice (acks_late): the claim lets one delivery send."""
    job = services.reminder_job_claim(job_id=job_id)
    if job is None:
        return  # claimed by an earlier delivery of this message
    school = job.cycle.school
    # No request here: each mail picks its reader's language; the rest uses the school's.
    with translation.override(school.language), timezone.override(school.timezone):
        services.reminder_job_run(job=job)
