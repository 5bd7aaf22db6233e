"""The minutes of a department meeting as a PDF, made by a Celery task (DESIGN §5).

One MinutesJob row per meeting: asking again resets it and makes the PDF afresh,
which replaces the old file. The task claims the row PENDING → RUNNING with a
conditional update, so a message delivered twice renders once. The page polls the
row; the file lives under MEDIA_ROOT and is only ever sent by a permission-checked view.
"""

from __future__ import annotations

import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from school import jobs
from school.models import User
from school.pdf import html_to_pdf, pdf_static_url

from .. import policies, tasks
from ..models import DepartmentMeeting, MinutesJob
from ..selectors.minutes import MINUTES_STALE_AFTER, minutes_can_be_made, minutes_for_pdf

logger = logging.getLogger(__name__)

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
    now = timezone.now()
    reset = {
        "status": MinutesJob.Status.PENDING,
        "error": "",
        "attempts": 0,
        "requested_by": actor,
        "requested_at": now,
        "finished_at": None,
    }
    with transaction.atomic():
        # A conditional update, not read-then-write: two clicks at once reset the row once.
        restartable = Q(status__in=[MinutesJob.Status.DONE, MinutesJob.Status.FAILED]) | Q(
            requested_at__lt=now - MINUTES_STALE_AFTER
        )
        restarted = MinutesJob.objects.filter(restartable, meeting=meeting).update(**reset)
        job = MinutesJob.objects.filter(meeting=meeting).first()
        if job is None:
            try:
                with transaction.atomic():
                    job = MinutesJob.objects.create(meeting=meeting, **reset)
            except IntegrityError:  # created by a parallel request a moment ago: that one queued the task
                return MinutesJob.objects.get(meeting=meeting)
        elif not restarted:
            return job  # already waiting or being made: no second task
        tasks.minutes_render_task.delay_on_commit(job.pk)
    return job


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
    school = job.meeting.cycle.school
    try:
        # No request here: the minutes are in the school's language and time zone.
        with translation.override(school.language), timezone.override(school.timezone):
            pdf = minutes_pdf_render(meeting_id=job.meeting_id)
        jobs.job_file_keep(job, pdf, name=f"minutes-{job.meeting_id}-{secrets.token_hex(8)}.pdf", what="Minutes job")
    except Exception as error:
        return jobs.job_failed(job, error, task, what="Minutes job")
    MinutesJob.objects.filter(pk=job.pk).update(status=MinutesJob.Status.DONE, error="", finished_at=timezone.now())
    job.refresh_from_db()
    return job


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
