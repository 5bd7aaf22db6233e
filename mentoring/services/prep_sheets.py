"""Prep sheets for the mentor talk as PDFs: one student's sheet, and a class's batch made by a Celery task.

One student's sheet is rendered with WeasyPrint in the reader's language and kept as a
PrepSheet row per (round, student, language): making it again replaces the file. A class's
batch is one PrepSheetJob row per round and class, reused: the task claims it PENDING →
RUNNING with a conditional update (a message delivered twice renders once), makes every
student's sheet in the family's language, counts `done` up as it goes (the page polls the
row), and merges the sheets into one PDF in class order. Files live under MEDIA_ROOT and are
only ever sent by a permission-checked view. The static-file fetcher is school.pdf's.
"""

from __future__ import annotations

import functools
import io
import logging
import secrets

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from reviews import policies as review_policies
from reviews.models import ReviewCycle
from school import jobs
from school.models import ClassGroup, Student, User
from school.pdf import PDF_BASE_URL, pdf_static_url, static_files_fetcher_class

from .. import policies, tasks
from ..models import PrepSheet, PrepSheetJob
from ..selectors.prep_sheets import (
    PREP_SHEETS_STALE_AFTER,
    class_students_with_guardians,
    family_language,
    prep_sheet_data,
    school_language,
    supported_language,
)

logger = logging.getLogger(__name__)

# Errors worth another try: the disk, the database or the storage hiccupped. Anything else
# (a template that does not render, a bug) fails at once: trying again would not help.

STYLESHEETS = ("css/pdf.css", "css/pdf-prep-sheet.css")


# --- one student's sheet --------------------------------------------------------------------------------


def prep_sheet_html(*, cycle: ReviewCycle, student: Student, language: str) -> str:
    """The sheet as HTML in `language` (a supported one, else the school's), dates in the school's time zone.

    Its stylesheets are not linked: prep_sheet_pdf passes them parsed (see _stylesheets).
    """
    language = supported_language(language) or school_language(cycle.school)
    with translation.override(language), timezone.override(cycle.school.timezone):
        data = prep_sheet_data(cycle=cycle, student=student)
        return render_to_string("mentoring/pdf/prep_sheet.html", {"sheet": data})


@functools.cache
def _stylesheets() -> tuple:
    """pdf.css and the sheet's own, parsed once per process: a batch renders thirty sheets with them.

    Fetched like every PDF resource, through school.pdf's fetcher (our static files only). They
    hold no @font-face (local fonts only), so no font configuration is tied to them.
    """
    from weasyprint import CSS

    fetcher = static_files_fetcher_class()()
    return tuple(CSS(url=pdf_static_url(path), url_fetcher=fetcher) for path in STYLESHEETS)


def prep_sheet_pdf(*, cycle: ReviewCycle, student: Student, language: str) -> bytes:
    """One student's prep sheet as PDF bytes (A4), in `language`."""
    from weasyprint import HTML

    html = prep_sheet_html(cycle=cycle, student=student, language=language)
    fetcher = static_files_fetcher_class()()
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).write_pdf(stylesheets=_stylesheets())


def prep_sheet_store(*, cycle: ReviewCycle, student: Student, language: str) -> PrepSheet:
    """Render the sheet and keep it as the (round, student, language) PrepSheet, replacing the old file."""
    language = supported_language(language) or school_language(cycle.school)
    pdf = prep_sheet_pdf(cycle=cycle, student=student, language=language)
    return _keep_sheet(cycle=cycle, student=student, language=language, pdf=pdf)


def _keep_sheet(*, cycle: ReviewCycle, student: Student, language: str, pdf: bytes) -> PrepSheet:
    """Save the new file, point the row at it (update_or_create), then delete the file it replaces."""
    field = PrepSheet._meta.get_field("file")
    storage = field.storage
    # A fresh name each time: the old file stays whole until the row points at the new one.
    name = storage.save(
        field.generate_filename(None, f"prep-sheet-{cycle.pk}-{student.pk}-{language}-{secrets.token_hex(8)}.pdf"),
        ContentFile(pdf),
    )
    try:
        with transaction.atomic():
            # Locked, so that two renders at once each delete the file the other one replaced, never their own.
            old_name = (
                PrepSheet.objects.select_for_update()
                .filter(cycle=cycle, student=student, language=language)
                .values_list("file", flat=True)
                .first()
            )
            sheet, _created = PrepSheet.objects.update_or_create(
                cycle=cycle, student=student, language=language, defaults={"file": name}
            )
    except Exception:
        storage.delete(name)
        raise
    if old_name and old_name != name:
        try:
            storage.delete(old_name)
        except OSError:  # already gone: nothing to replace
            logger.warning("Prep sheet %s: could not delete the old file %s", sheet.pk, old_name)
    return sheet


# --- asking for a class's batch ---------------------------------------------------------------------------


def prep_sheet_job_request(*, cycle: ReviewCycle, class_group: ClassGroup, actor: User) -> PrepSheetJob:
    """Ask for the class's prep sheets (again): the class's mentor.

    Idempotent: while the sheets are waiting or being made, asking again returns the same job
    and queues nothing more (a double click queues one task). A job lost for longer than
    PREP_SHEETS_STALE_AFTER is started afresh.
    """
    if not policies.can_make_prep_sheets(actor, cycle, class_group):
        raise PermissionDenied
    if not review_policies.cycle_covers_class_group(cycle, class_group):
        raise PermissionDenied
    now = timezone.now()
    reset = {
        "status": PrepSheetJob.Status.PENDING,
        "error": "",
        "attempts": 0,
        "done": 0,
        "requested_by": actor,
        "requested_at": now,
        "started_at": None,
        "finished_at": None,
    }
    with transaction.atomic():
        # A conditional update, not read-then-write: two clicks at once reset the row once.
        restartable = Q(status__in=[PrepSheetJob.Status.DONE, PrepSheetJob.Status.FAILED]) | Q(
            requested_at__lt=now - PREP_SHEETS_STALE_AFTER
        )
        restarted = PrepSheetJob.objects.filter(restartable, cycle=cycle, class_group=class_group).update(**reset)
        job = PrepSheetJob.objects.filter(cycle=cycle, class_group=class_group).first()
        if job is None:
            try:
                with transaction.atomic():
                    job = PrepSheetJob.objects.create(cycle=cycle, class_group=class_group, **reset)
            except IntegrityError:  # created by a parallel request a moment ago: that one queued the task
                return PrepSheetJob.objects.get(cycle=cycle, class_group=class_group)
        elif not restarted:
            if job.is_unsent:  # asked again while the broker was down: try once more
                jobs.job_enqueue(PrepSheetJob, job.pk, tasks.prep_sheets_batch_task)
            return job  # already waiting or being made: no second task
        # Never lost when the broker is down: the row waits, marked unsent (see school.jobs.job_send).
        jobs.job_enqueue(PrepSheetJob, job.pk, tasks.prep_sheets_batch_task)
    return job


# --- making them (the Celery task) -----------------------------------------------------------------------


def prep_sheet_job_claim(*, job_id: int) -> PrepSheetJob | None:
    """PENDING → RUNNING, for one delivery only; None when another delivery has it (or it is done)."""
    return jobs.job_claim(
        PrepSheetJob,
        job_id,
        related=("cycle__school", "cycle__period", "class_group"),
        started_at=timezone.now(),
        done=0,
    )


def prep_sheet_job_run(*, job_id: int, task=None) -> PrepSheetJob | None:
    """Make every student's sheet, merge them into one PDF and keep it; retry transient errors, then give up.

    `task` is the bound Celery task (for its retries); without one a failure is final at once.
    Returns the job as it ends, or None when this delivery had nothing to do.
    """
    job = prep_sheet_job_claim(job_id=job_id)
    if job is None:
        return None
    school = job.cycle.school
    try:
        # No request here: the task speaks the school's language and keeps its time zone;
        # each sheet then switches to its family's language.
        with translation.override(school_language(school)), timezone.override(school.timezone):
            pdf = _make_batch(job)
        jobs.job_file_keep(
            job,
            pdf,
            name=f"prep-sheets-{job.cycle_id}-{job.class_group_id}-{secrets.token_hex(8)}.pdf",
            what="Prep sheets job",
        )
    except Exception as error:
        return jobs.job_failed(job, error, task, what="Prep sheets job")
    PrepSheetJob.objects.filter(pk=job.pk).update(
        status=PrepSheetJob.Status.DONE, error="", finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _make_batch(job: PrepSheetJob) -> bytes:
    """Every student's sheet in class order, each kept as their PrepSheet, merged into one PDF."""
    from pypdf import PdfWriter

    cycle, school = job.cycle, job.cycle.school
    students = class_students_with_guardians(cycle=cycle, class_group=job.class_group)
    PrepSheetJob.objects.filter(pk=job.pk).update(total=len(students), done=0)
    writer = PdfWriter()
    for student in students:
        language = family_language(student=student, school=school, guardians=list(student.guardians.all()))
        pdf = prep_sheet_pdf(cycle=cycle, student=student, language=language)
        _keep_sheet(cycle=cycle, student=student, language=language, pdf=pdf)
        writer.append(io.BytesIO(pdf), outline_item=student.full_name)
        # Outside any long transaction: the polling page sees each sheet arrive.
        PrepSheetJob.objects.filter(pk=job.pk).update(done=F("done") + 1)
    writer.add_metadata({"/Title": f"{job.class_group.name} · {cycle.name}", "/Creator": "Leerlingbespreking"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
