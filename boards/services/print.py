"""Wall prints (issue 6): any board as an A3 landscape PDF to hang in the team room, made by a Celery task.

One BoardPrintJob row per printed board: asking again resets it and makes the PDF afresh, which
replaces the old file. The task claims the row PENDING → RUNNING with a conditional update, so a
message delivered twice renders once. The page polls the row; the file lives under MEDIA_ROOT and
is only ever sent by a permission-checked view (boards.views.print). Rendering, retries and
keeping the file are school.pdf's and school.jobs', shared with the mentoring app's PDFs.
"""

from __future__ import annotations

import logging
import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from school import jobs
from school.models import User
from school.pdf import html_to_pdf, pdf_static_url

from .. import policies, tasks
from ..models import BoardPrintJob
from ..selectors.print import PRINT_STALE_AFTER, TARGET_FIELD, care_print, improvement_print, progress_print

logger = logging.getLogger(__name__)

Kind = BoardPrintJob.Kind
STYLESHEET = "css/pdf-board.css"


# --- asking for a print -------------------------------------------------------------------------------------


def board_print_request(*, kind: str, target: Model, actor: User, without_names: bool = False) -> BoardPrintJob:
    """Ask for the board's wall print (again): whoever may print it (boards.policies.can_print_*).

    Idempotent: while the print is waiting or being made, asking again returns the same job and
    queues nothing more (a double click queues one task). A job lost for longer than
    PRINT_STALE_AFTER is started afresh. `without_names` (a progress board only) prints no names
    and no photos.
    """
    if not policies.can_print(actor, kind, target):
        raise PermissionDenied
    board = {"kind": kind, TARGET_FIELD[kind]: target}
    now = timezone.now()
    reset = {
        "status": BoardPrintJob.Status.PENDING,
        "error": "",
        "attempts": 0,
        "without_names": bool(without_names) and kind == Kind.PROGRESS,
        "requested_by": actor,
        "requested_at": now,
        "finished_at": None,
    }
    with transaction.atomic():
        # A conditional update, not read-then-write: two clicks at once reset the row once.
        restartable = Q(status__in=[BoardPrintJob.Status.DONE, BoardPrintJob.Status.FAILED]) | Q(
            requested_at__lt=now - PRINT_STALE_AFTER
        )
        restarted = BoardPrintJob.objects.filter(restartable, **board).update(**reset)
        job = BoardPrintJob.objects.filter(**board).first()
        if job is None:
            try:
                with transaction.atomic():
                    job = BoardPrintJob.objects.create(**board, school_id=target.school_id, **reset)
            except IntegrityError:  # created by a parallel request a moment ago: that one queued the task
                return BoardPrintJob.objects.get(**board)
        elif not restarted:
            return job  # already waiting or being made: no second task
        tasks.board_print_task.delay_on_commit(job.pk)
    return job


# --- making it (the Celery task) ---------------------------------------------------------------------------


def board_print_claim(*, job_id: int) -> BoardPrintJob | None:
    """PENDING → RUNNING, for one delivery only; None when another delivery has it (or it is done)."""
    return jobs.job_claim(BoardPrintJob, job_id, related=("school",))


def board_print_run(*, job_id: int, task=None) -> BoardPrintJob | None:
    """Render the board to PDF and keep the file; retry transient errors with backoff, then give up.

    `task` is the bound Celery task (for its retries); without one a failure is final at once.
    Returns the job as it ends, or None when this delivery had nothing to do.
    """
    job = board_print_claim(job_id=job_id)
    if job is None:
        return None
    school = job.school
    try:
        # No request here: the print is in the school's language and time zone.
        with translation.override(school.language), timezone.override(school.timezone):
            pdf = board_print_pdf(job=job)
        jobs.job_file_keep(
            job, pdf, name=f"board-print-{job.kind}-{job.target_id}-{secrets.token_hex(8)}.pdf", what="Board print"
        )
    except Exception as error:
        return jobs.job_failed(job, error, task, what="Board print")
    BoardPrintJob.objects.filter(pk=job.pk).update(
        status=BoardPrintJob.Status.DONE, error="", finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


# --- the PDF ----------------------------------------------------------------------------------------------


def board_print_html(*, job: BoardPrintJob) -> tuple[str, list[str]]:
    """The print as HTML in the active language, and the stored files (photos) it shows."""
    context = {"stylesheet_url": pdf_static_url(STYLESHEET)}
    media: list[str] = []
    if job.kind == Kind.IMPROVEMENT:
        context["board"] = improvement_print(board_id=job.improvement_board_id)
        template = "boards/print/improvement.html"
    elif job.kind == Kind.PROGRESS:
        board = progress_print(class_group_id=job.class_group_id, without_names=job.without_names)
        context["board"] = board
        media = board.photo_names
        template = "boards/print/progress.html"
    else:
        context["board"] = care_print(meeting_id=job.care_meeting_id)
        template = "boards/print/care.html"
    return render_to_string(template, context), media


def board_print_pdf(*, job: BoardPrintJob) -> bytes:
    """The print as PDF bytes (A3 landscape); the fetcher serves our static files and this print's photos only."""
    html, media = board_print_html(job=job)
    return html_to_pdf(html, media_names=media)
