"""What the background PDF jobs share (mentoring's minutes and prep sheets, boards' wall prints):
the job row's fields, claiming it once, giving up or retrying, and keeping the file.

A job model is a `FileJob` with a private `file` of its own (each in its own folder).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Worth another try: a full disk or a lost database connection may be gone in a minute.
TRANSIENT_ERRORS = (OSError, DatabaseError)
RETRY_BACKOFF_S = 10  # 10, 20, 40 seconds


class FileJob(models.Model):
    """A file made by a Celery task while the page polls the row: waiting → being made → ready (or failed)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("being made")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


def job_claim(model: type[models.Model], job_id: int, *, related: tuple[str, ...] = (), **also) -> models.Model | None:
    """PENDING → RUNNING, for one delivery only; None when another delivery has it (or it is done).

    The claim is one conditional UPDATE, so of two deliveries of one message only one goes on.
    `also`: more fields to set with it; `related`: what to select_related on the claimed row.
    """
    claimed = model.objects.filter(pk=job_id, status=model.Status.PENDING).update(
        status=model.Status.RUNNING, attempts=F("attempts") + 1, **also
    )
    if not claimed:
        return None
    return model.objects.select_related(*related).get(pk=job_id)


def job_failed(job: models.Model, error: Exception, task, *, what: str) -> models.Model:
    """Retry a transient error with backoff (back to PENDING for the next delivery); else mark the job FAILED.

    `task` is the bound Celery task; without one (called directly) a failure is final at once.
    """
    model = type(job)
    request = getattr(task, "request", None)
    retries = getattr(request, "retries", 0) or 0
    can_retry = (
        isinstance(error, TRANSIENT_ERRORS)
        and task is not None
        and not getattr(request, "called_directly", True)
        and retries < (task.max_retries or 0)
    )
    if can_retry:
        logger.warning("%s %s: %s; retry %s", what, job.pk, error, retries + 1)
        # Back to PENDING, so that the retried delivery can claim it again.
        model.objects.filter(pk=job.pk, status=model.Status.RUNNING).update(status=model.Status.PENDING)
        # throw=False: this delivery ends normally (acked); the retry is a message of its own.
        retry = task.retry(exc=error, countdown=RETRY_BACKOFF_S * 2**retries, throw=False)
        if request.is_eager:
            # In-process (CELERY_TASK_ALWAYS_EAGER) Celery re-runs a retry only when the task returns
            # it, and ours returns nothing: the retry runs here, at once.
            retry.sig.apply()
        job.refresh_from_db()
        return job
    logger.exception("%s %s failed", what, job.pk, exc_info=error)
    model.objects.filter(pk=job.pk).update(
        status=model.Status.FAILED,
        error=f"{type(error).__name__}: {error}"[:1000],
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def job_file_keep(job: models.Model, pdf: bytes, *, name: str, what: str) -> None:
    """Save the new PDF under a fresh `name`, point the row at it, then delete the file it replaces.

    The old file stays whole until the row points at the new one.
    """
    model = type(job)
    old_name = job.file.name
    storage = job.file.storage
    job.file.save(name, ContentFile(pdf), save=False)
    try:
        model.objects.filter(pk=job.pk).update(file=job.file.name)
    except Exception:
        storage.delete(job.file.name)
        raise
    if old_name and old_name != job.file.name:
        try:
            storage.delete(old_name)
        except OSError:  # already gone: nothing to replace
            logger.warning("%s %s: could not delete the old file %s", what, job.pk, old_name)
