"""The minutes of an open class meeting as a PDF, made by a Celery task (DESIGN §1.2, §5).

One MinutesJob row per meeting: asking again resets it and makes the PDF afresh, which replaces
the old file. The task claims the row PENDING → RUNNING with a conditional update, so a message
delivered twice renders once. The page polls the row; the file lives under MEDIA_ROOT and is only
ever sent by a permission-checked view (classmeetings.views.minutes). Rendering, retries and
keeping the file are school.pdf's and school.jobs', shared with the other apps' PDFs.

The minutes hold every discussed student's notes: only the staff who follow the meeting ask for
them and read them (policies.is_staff_participant), never a student, not even the klasleider.
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
from ..models import MinutesJob, OpenClassMeeting
from ..selectors.minutes import MINUTES_STALE_AFTER, minutes_can_be_made, minutes_for_pdf

STYLESHEETS = ("css/pdf.css", "css/pdf-class-meeting.css")  # the shared print styles, then our own
WHAT = "Class meeting minutes"


# --- asking for the minutes ---------------------------------------------------------------------------------


def minutes_job_request(*, meeting: OpenClassMeeting, actor: User) -> MinutesJob:
    """Ask for the meeting's minutes (again): the staff who follow it, once it has a decision or is closed.

    Idempotent: while the minutes are being made, asking again returns the same job and queues
    nothing more (a double click queues one task). A job lost for longer than MINUTES_STALE_AFTER
    is started afresh.
    """
    if not policies.is_staff_participant(actor, meeting):
        raise PermissionDenied
    if not minutes_can_be_made(meeting=meeting):
        raise ValidationError(
            _("There are no minutes yet: the meeting has not started or has not recorded a decision."),
            code="nothing_to_record",
        )
    return jobs.job_request(
        MinutesJob,
        key={"meeting": meeting},
        actor=actor,
        stale_after=MINUTES_STALE_AFTER,
        task=tasks.class_minutes_render_task,
    )


# --- making them (the Celery task) --------------------------------------------------------------------------


def minutes_job_claim(*, job_id: int) -> MinutesJob | None:
    """PENDING → RUNNING, for one delivery only; None when another delivery has it (or it is done)."""
    return jobs.job_claim(MinutesJob, job_id, related=("meeting__school",))


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
        school=job.meeting.school,
        render=lambda: minutes_pdf_render(meeting_id=job.meeting_id),
        name=f"class-meeting-minutes-{job.meeting_id}-{secrets.token_hex(8)}.pdf",
        what=WHAT,
    )


# --- the PDF ------------------------------------------------------------------------------------------------


def minutes_pdf_html(*, meeting_id: int) -> str:
    """The minutes as HTML, in the active language (the task sets the school's)."""
    return render_to_string(
        "classmeetings/pdf/minutes.html",
        {
            "minutes": minutes_for_pdf(meeting_id=meeting_id),
            "stylesheet_url": pdf_static_url(STYLESHEETS[0]),
            "extra_stylesheet_url": pdf_static_url(STYLESHEETS[1]),
        },
    )


def minutes_pdf_render(*, meeting_id: int) -> bytes:
    """The minutes as PDF bytes (A4); the fetcher serves our static files only."""
    return html_to_pdf(minutes_pdf_html(meeting_id=meeting_id))
