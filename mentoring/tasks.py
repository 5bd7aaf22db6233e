"""Celery tasks of the speed-date and the department meeting: they take ids and call a service.

Imported by the services as `tasks.<name>_task.delay_on_commit(pk)`; the services
are imported inside each task so that services and tasks can name each other.
"""

from __future__ import annotations

from celery import shared_task

# A notice is one e-mail: seconds. The minutes are one PDF: seconds, a minute at most.
NOTICE_SOFT_TIME_LIMIT, NOTICE_TIME_LIMIT = 60, 90
MINUTES_SOFT_TIME_LIMIT, MINUTES_TIME_LIMIT = 120, 180


@shared_task(soft_time_limit=NOTICE_SOFT_TIME_LIMIT, time_limit=NOTICE_TIME_LIMIT)
def question_notice_task(question_id: int) -> None:
    """E-mail the teacher that a mentor asked them a question."""
    from .services.questions import question_notice_send

    question_notice_send(question_id=question_id)


@shared_task(soft_time_limit=NOTICE_SOFT_TIME_LIMIT, time_limit=NOTICE_TIME_LIMIT)
def decision_notice_task(decision_id: int) -> None:
    """E-mail the student's mentors that the department meeting decided about their mentee."""
    from .services.meetings import decision_notice_send

    decision_notice_send(decision_id=decision_id)


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=MINUTES_SOFT_TIME_LIMIT,
    time_limit=MINUTES_TIME_LIMIT,
    max_retries=3,
)
def minutes_render_task(self, job_id: int) -> None:
    """Render one meeting's minutes to PDF. Idempotent: the job row is claimed PENDING → RUNNING."""
    from .services.minutes import minutes_job_run

    minutes_job_run(job_id=job_id, task=self)


# A class's prep sheets: about 30 PDFs and one merge, some ten seconds; generous limits for a busy machine.
PREP_SHEETS_SOFT_TIME_LIMIT, PREP_SHEETS_TIME_LIMIT = 600, 720


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=PREP_SHEETS_SOFT_TIME_LIMIT,
    time_limit=PREP_SHEETS_TIME_LIMIT,
    max_retries=3,
)
def prep_sheets_batch_task(self, job_id: int) -> None:
    """Make a class's prep sheets and merge them into one PDF. Idempotent: the job row is claimed PENDING → RUNNING."""
    from .services.prep_sheets import prep_sheet_job_run

    prep_sheet_job_run(job_id=job_id, task=self)
