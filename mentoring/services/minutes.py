"""The minutes of a department meeting as a PDF, made by a Celery task (DESIGN §5).

One MinutesJob row per meeting: asking again resets it and makes the PDF afresh,
which replaces the old file. The task claims the row PENDING → RUNNING with a
conditional update, so a message delivered twice renders once. The page polls the
row; the file lives under MEDIA_ROOT and is only ever sent by a permission-checked view.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from school import jobs
from school.models import User
from school.pdf import html_to_pdf, pdf_static_url

from .. import policies, tasks
from ..models import DepartmentMeeting, MinutesJob
from ..selectors.minutes import MINUTES_STALE_AFTER, minutes_can_be_made, minutes_for_pdf

# Errors worth another try: the disk, the database or the storage hiccupped. Anything
# else (a template that does not render, a bug) fails at once: trying again would not help.


# --- asking for the minutes ------------------------------------------------------------------------------


def minutes_job_request(*, meeting: DepartmentMeeting, actor: User) -> MinutesJob:
    """Ask for the meeting's minutes (again): whoever may follow the meeting, once it has a decision or is over.

    Idempotent: while the minutes are being made, asking again returns the same job and queues
    nothing more. A job lost for longer than MINUTES_STALE_AFTER is started afresh.
    """
    if not policies.meetings_visible_to(actor).filter(pk=meeting.pk).exists():
        raise PermissionDenied
    if not minutes_can_be_made(meeting=meeting):
        raise ValidationError(
            _("There are no minutes yet: the meeting has not recorded a decision."), code="nothing_to_record"
        )
    return jobs.job_request(
        MinutesJob,
        key={"meeting": meeting},
        actor=actor,
        stale_after=MINUTES_STALE_AFTER,
        task=tasks.minutes_render_task,
    )


# --- making them (the Celery task) -----------------------------------------------------------------------


def minutes_job_claim(*, job_id: int) -> MinutesJob | None:
    """PENDING → RUNNING, for one delivery only; None when another delivery has it (or it is done)."""
    return jobs.job_claim(MinutesJob, job_id, related=("meeting__cycle__school",))


def minutes_job_run(*, job_id: int, task=None) -> MinutesJob | None:
    """Render the minutes to PDF and keep the file; retry transient errors with backoff, then give up.

    `task` is the bound Celery task (for its retries); without one a failure is final at once.
    Returns the job as it ends, or None when this delivery had nothing to do.
    """
    job = minutes_job_claim(job_id=job_id)
    if job is None:
        return None
    return jobs.job_render(
        job,
        task,
        school=job.meeting.cycle.school,
        render=lambda: minutes_pdf_render(meeting_id=job.meeting_id),
        name=f"minutes-{job.meeting_id}-{secrets.token_hex(8)}.pdf",
        what="Minutes job",
    )


# --- the PDF ----------------------------------------------------------------------------------------------


def minutes_pdf_html(*, meeting_id: int) -> str:
    """The minutes as HTML, in the active language (the task sets the school's)."""
    minutes = minutes_for_pdf(meeting_id=meeting_id)
    return render_to_string(
        "mentoring/pdf/minutes.html",
        {"minutes": minutes, "stylesheet_url": pdf_static_url("css/pdf.css")},
    )


def minutes_pdf_render(*, meeting_id: int) -> bytes:
    """The minutes as PDF bytes."""
    return html_to_pdf(minutes_pdf_html(meeting_id=meeting_id))
