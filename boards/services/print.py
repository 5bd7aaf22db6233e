"""Wall prints (issue 6): any board as an A3 landscape PDF to hang in the team room, made by a Celery task.

One BoardPrintJob row per printed board: asking again resets it and makes the PDF afresh, which
replaces the old file. The task claims the row PENDING → RUNNING with a conditional update, so a
message delivered twice renders once. The page polls the row; the file lives under MEDIA_ROOT and
is only ever sent by a permission-checked view (boards.views.print). Rendering, retries and
keeping the file are school.pdf's and school.jobs', shared with the mentoring app's PDFs.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.template.loader import render_to_string

from school import jobs
from school.models import User
from school.pdf import html_to_pdf, pdf_static_url

from .. import policies, tasks
from ..models import BoardPrintJob
from ..selectors.print import PRINT_STALE_AFTER, TARGET_FIELD, care_print, improvement_print, progress_print

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
    return jobs.job_request(
        BoardPrintJob,
        key={"kind": kind, TARGET_FIELD[kind]: target},
        actor=actor,
        stale_after=PRINT_STALE_AFTER,
        task=tasks.board_print_task,
        create={"school_id": target.school_id},
        without_names=bool(without_names) and kind == Kind.PROGRESS,
    )


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
    return jobs.job_render(
        job,
        task,
        school=job.school,
        render=lambda: board_print_pdf(job=job),
        name=f"board-print-{job.kind}-{job.target_id}-{secrets.token_hex(8)}.pdf",
        what="Board print",
    )


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
