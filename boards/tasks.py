"""Celery tasks of the boards app: they take ids and call a service (found by the Celery app's autodiscovery).

Imported by the services as `tasks.<name>_task.delay_on_commit(pk)`; the services are imported
inside each task so that services and tasks can name each other.
"""

from __future__ import annotations

from celery import shared_task

# A wall print is one A3 PDF (a 30-card board with photos at most): seconds, a minute at most.
BOARD_PRINT_SOFT_TIME_LIMIT, BOARD_PRINT_TIME_LIMIT = 120, 180


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=BOARD_PRINT_SOFT_TIME_LIMIT,
    time_limit=BOARD_PRINT_TIME_LIMIT,
    max_retries=3,
)
def board_print_task(self, job_id: int) -> None:
    """Print one board as an A3 PDF. Idempotent: the job row is claimed PENDING → RUNNING."""
    from .services.print import board_print_run

    board_print_run(job_id=job_id, task=self)
