"""Celery tasks of the roster (they take ids, claim their job row and call a service), and the beat task that
sends the jobs of every app that were asked for while the broker was down, and the outbox's notices."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone, translation

from . import jobs, services

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


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def jobs_resend_unsent_task() -> int:
    """Celery beat, every minute: send every job that waits unsent (asked for while the broker was down),
    then every task waiting in the outbox (UnsentTask: an e-mail notice the broker refused).

    Idempotent: a job is sent again only while it is marked unsent (a conditional update takes the mark
    off first), and each job's task claims its row PENDING → RUNNING, so no job runs twice; an outbox row
    is locked while it is sent (skip_locked: another round passes it by) and deleted once the broker took it.
    """
    return jobs.jobs_resend_unsent()
