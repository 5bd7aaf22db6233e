"""Celery tasks of the roster: they take ids, claim their job row and call a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone, translation

from . import services

# An import of a large school takes seconds; minutes mean something is wrong.
SOFT_TIME_LIMIT = 600
TIME_LIMIT = 660


@shared_task(acks_late=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def roster_import_run_task(job_id: int) -> None:
    """Run a roster import job: its dry run, or its apply. Safe to deliver twice (acks_late)."""
    job = services.roster_import_job_claim(job_id=job_id)
    if job is None:
        return  # claimed by an earlier delivery of this message
    # No request here: messages rendered now (the database's own complaints) use the school's language.
    with translation.override(job.school.language), timezone.override(job.school.timezone):
        services.roster_import_job_run(job=job)
