"""Celery tasks of the privacy app: they take ids and call a service (found by the Celery app's autodiscovery).

privacy.exports is imported inside the tasks, so that it can name the tasks it queues.
"""

from __future__ import annotations

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)

# One student's export is one PDF of a few dozen pages at most: seconds, a minute on a busy worker.
EXPORT_SOFT_TIME_LIMIT, EXPORT_TIME_LIMIT = 120, 180


@shared_task(acks_late=True)
def erase_left_students_task() -> dict[str, int]:
    """Nightly (CELERY_BEAT_SCHEDULE): delete export PDFs past their retention, then anonymise students whose
    retention period has ended. Idempotent."""
    from . import exports

    # First, and on its own: a failing erasure must not keep old exports (everything about a minor) around.
    purged = exports.student_exports_purge()
    if purged:
        logger.info("Deleted %s student export(s) past their retention", purged)
    run = services.erase_left_students()
    return {"due": len(run.due), "erased": len(run.erased), "stamped": run.stamped}


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=EXPORT_SOFT_TIME_LIMIT,
    time_limit=EXPORT_TIME_LIMIT,
    max_retries=3,
)
def student_export_render_task(self, job_id: int) -> None:
    """Render one student's data export to PDF. Idempotent: the job row is claimed PENDING → RUNNING."""
    from .exports import student_export_job_run

    student_export_job_run(job_id=job_id, task=self)
