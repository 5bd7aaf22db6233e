"""The right-of-access export as a PDF, made by a Celery task (DESIGN §5), and kept for a few days only.

One StudentExportJob row per student: asking again resets it and makes the PDF afresh, which
replaces the old file (school.jobs, shared with the other apps' PDFs). The task claims the row
PENDING → RUNNING with a conditional update, so a message delivered twice renders once. The page
polls the row; the file is only ever sent by a permission-checked view (privacy.views), to the
school admin, and audited there.

The PDF holds everything stored about a minor: it is kept EXPORT_KEEP_DAYS days after it was
made. The download refuses an older one at once, and the nightly privacy task deletes it, its row
and any file left behind in the folder (student_exports_purge). The JSON export is made in the
request (it is fast) and never stored.
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from school import jobs
from school.files import files_delete_after_commit
from school.models import Student, User

from . import policies, services, tasks
from .models import StudentExportJob

logger = logging.getLogger(__name__)

EXPORT_KEEP_DAYS = 7  # long enough to pass the file on to the student or their parents, no longer
EXPORT_STALE_AFTER = datetime.timedelta(minutes=30)  # a job lost for this long may be asked for again
EXPORT_FOLDER = StudentExportJob._meta.get_field("file").upload_to
WHAT = "Student export"


def export_cutoff(*, now: datetime.datetime | None = None) -> datetime.datetime:
    """Exports made (or asked for, when never finished) before this moment are past their retention."""
    return (now or timezone.now()) - datetime.timedelta(days=EXPORT_KEEP_DAYS)


def export_expires_at(job: StudentExportJob) -> datetime.datetime | None:
    """When a ready export is deleted; None while it is not ready."""
    if job.status != StudentExportJob.Status.DONE or job.finished_at is None:
        return None
    return job.finished_at + datetime.timedelta(days=EXPORT_KEEP_DAYS)


def export_is_expired(job: StudentExportJob, *, now: datetime.datetime | None = None) -> bool:
    expires_at = export_expires_at(job)
    return expires_at is not None and expires_at <= (now or timezone.now())


# --- reading ----------------------------------------------------------------------------------------------


def student_export_job_for(*, student: Student) -> StudentExportJob | None:
    """The student's export job with who asked for it, or None when nobody has asked."""
    return StudentExportJob.objects.filter(student=student).select_related("requested_by").first()


def student_export_ready(*, student: Student) -> StudentExportJob | None:
    """The job whose PDF may be downloaded now: ready, with a file, within its retention; else None."""
    job = student_export_job_for(student=student)
    if job is None or job.status != StudentExportJob.Status.DONE or not job.file or export_is_expired(job):
        return None
    return job


# --- asking for the PDF -----------------------------------------------------------------------------------


def student_export_job_request(*, student: Student, actor: User) -> StudentExportJob:
    """Ask for the student's export PDF (again): the school admin of the student's school only.

    Idempotent: while the PDF is being made, asking again returns the same job and queues nothing
    more (a double click queues one task). A job lost for longer than EXPORT_STALE_AFTER is started
    afresh.
    """
    if not policies.students_exportable_by(actor).filter(pk=student.pk).exists():
        raise PermissionDenied
    return jobs.job_request(
        StudentExportJob,
        key={"student": student},
        actor=actor,
        stale_after=EXPORT_STALE_AFTER,
        task=tasks.student_export_render_task,
    )


# --- making it (the Celery task) --------------------------------------------------------------------------


def student_export_job_run(*, job_id: int, task=None) -> StudentExportJob | None:
    """Render the export to PDF and keep the file; retry transient errors with backoff, then give up.

    `task` is the bound Celery task (for its retries); without one a failure is final at once.
    Returns the job as it ends, or None when this delivery had nothing to do (or the row is gone).
    """
    job = jobs.job_claim(StudentExportJob, job_id, related=("student__school",))
    if job is None:
        return None
    return jobs.job_render(
        job,
        task,
        school=job.student.school,
        render=lambda: services.student_export_pdf(student=job.student),
        name=f"student-export-{job.student_id}-{secrets.token_hex(8)}.pdf",
        what=WHAT,
    )


# --- retention (nightly) ----------------------------------------------------------------------------------


def _past_retention(cutoff: datetime.datetime) -> Q:
    # Finished long ago, or asked for long ago and never finished (a lost job): both may go.
    return Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, requested_at__lt=cutoff)


def student_exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the export jobs past their retention with their PDFs, and PDFs no row points at any more.

    Each row is deleted by a conditional delete, so a job asked for again a moment ago stays; its
    file goes after the transaction commits. Returns how many files and rows were deleted.
    """
    cutoff = export_cutoff(now=now)
    deleted, going = 0, set()
    for pk, name in StudentExportJob.objects.filter(_past_retention(cutoff)).values_list("pk", "file"):
        with transaction.atomic():
            count, _by_model = StudentExportJob.objects.filter(_past_retention(cutoff), pk=pk).delete()
            if count and name:
                going.add(name)
                files_delete_after_commit([name])
        deleted += bool(count)
    return deleted + _orphans_delete(cutoff, going=going)


def _orphans_delete(cutoff: datetime.datetime, *, going: set[str]) -> int:
    """PDFs in the export folder older than the retention that no row points at (a crash, a deleted student).

    `going`: the files of the rows just deleted, which go once their deletion commits.
    """
    folder = EXPORT_FOLDER.rstrip("/")
    try:
        _dirs, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    kept = set(StudentExportJob.objects.exclude(file="").values_list("file", flat=True))
    deleted = 0
    for name in names:
        path = f"{folder}/{name}"
        if path in kept or path in going:
            continue
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except OSError:
            logger.exception("Could not delete the old export %s; delete it by hand", path)
    return deleted
