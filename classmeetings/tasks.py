"""Celery tasks of the open class meeting: they take ids and call a service (found by the Celery app's autodiscovery).

Imported by the services as `tasks.<name>_task.delay_on_commit(pk)`; the services are imported
inside each task so that services and tasks can name each other.
"""

from __future__ import annotations

from celery import shared_task

# The minutes are one PDF (a class of 30 with notes and agreements): seconds, a minute at most.
MINUTES_SOFT_TIME_LIMIT, MINUTES_TIME_LIMIT = 120, 180


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=MINUTES_SOFT_TIME_LIMIT,
    time_limit=MINUTES_TIME_LIMIT,
    max_retries=3,
)
def class_minutes_render_task(self, job_id: int) -> None:
    """Render one open class meeting's minutes to PDF. Idempotent: the job row is claimed PENDING → RUNNING."""
    from .services.minutes import minutes_job_run

    minutes_job_run(job_id=job_id, task=self)
