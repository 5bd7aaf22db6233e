"""What the background jobs share: sending a job's task without ever failing the page when the broker
is down (and sending it later; a task without a job row, an e-mail notice, waits in the outbox meanwhile:
school.models.UnsentTask), and, for the PDF jobs (minutes, prep sheets, wall prints), asking for a
job once, claiming it once, making its file in the school's language, retrying or giving up.

Every job row is a `QueuedJob` (its `task_name` says which Celery task does it); a PDF job is a
`FileJob` with a private `file` of its own (each in its own folder).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import ClassVar

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Worth another try: a full disk or a lost database connection may be gone in a minute.
TRANSIENT_ERRORS = (OSError, DatabaseError)
RETRY_BACKOFF_S = 10  # 10, 20, 40 seconds


# In a PENDING job's `error`: the broker could not be reached when the job was asked for.
QUEUE_UNAVAILABLE = "queue-unavailable"


class QueuedJob(models.Model):
    """A job row whose task goes through the broker: while the broker is down it waits, marked unsent.

    A concrete job model has a `Status` with PENDING and names the Celery task that does it (called with
    the job's id) in `task_name`, as a dotted path: school cannot import the apps above it, and
    jobs_resend_unsent finds every job model's task by it.
    """

    task_name: ClassVar[str] = ""

    error = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def is_unsent(self) -> bool:
        """Waiting, but its message never reached the broker (Redis down): sent again on the next look."""
        return self.status == self.Status.PENDING and self.error == QUEUE_UNAVAILABLE


class FileJob(QueuedJob):
    """A file made by a Celery task while the page polls the row: waiting → being made → ready (or failed)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("being made")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
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


def _broker_send(task, args: list) -> bool:
    """Send one message for `task` now; False (logged, never raised) when the broker cannot be reached.

    With eager tasks (the unit tests) the task runs in-process instead, errors and all.
    """
    if task.app.conf.task_always_eager:
        task.delay(*args)
        return True
    try:
        # No retries here (a refused connection fails at once): the request waits for the answer.
        with task.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)
            task.apply_async(args=args, retry=False, connection=connection)
    except Exception as error:  # kombu.OperationalError, redis.ConnectionError, OSError...: all mean "not sent"
        logger.warning("%s%s not sent, the broker is unavailable: %s", task.name, args, error)
        return False
    return True


def job_send(model: type[QueuedJob], job_id: int, task) -> bool:
    """Send `task` for the job now; when the broker cannot be reached the job stays waiting, marked unsent.

    Never raises for a broker that is down (the page that asked must not fail): the job row keeps the
    request, and job_resend (on the next look at the job), asking again, or jobs_resend_unsent (Celery
    beat) sends it once the broker is back.
    """
    if _broker_send(task, [job_id]):
        return True
    model.objects.filter(pk=job_id, status=model.Status.PENDING).update(error=QUEUE_UNAVAILABLE)
    return False


def job_enqueue(model: type[QueuedJob], job_id: int, task) -> None:
    """job_send once the current transaction commits (the worker must find the row)."""
    transaction.on_commit(lambda: job_send(model, job_id, task))


def task_enqueue(task, *args: int) -> None:
    """Send a task that has no job row (an e-mail notice) once the transaction commits, never failing the request.

    `args` are primary keys only (never personal data): with the broker down the message waits in the outbox
    (an UnsentTask row) and the beat task sends it once the broker is back (unsent_tasks_resend).
    """
    if not all(type(arg) is int for arg in args):  # a bug in the caller, said at once and not after the commit
        raise TypeError(f"task_enqueue takes primary keys only, not {args!r}")

    def send() -> None:
        if not _broker_send(task, list(args)):
            _unsent_task_keep(task.name, list(args))

    transaction.on_commit(send)


def _unsent_task_keep(task_name: str, args: list[int]) -> None:
    """Put a refused message in the outbox. Runs after the commit, in autocommit: the row is written at once.

    Never raises (the request that asked must answer): a database that is down too loses the notice, logged.
    """
    from .models import UnsentTask

    try:
        UnsentTask.objects.create(task_name=task_name, args=args)
    except Exception:
        logger.exception("%s%s is lost: neither the broker nor the outbox could take it", task_name, args)
    else:
        logger.info("%s%s waits in the outbox until the broker is back", task_name, args)


def _task_named(name: str):
    """The Celery task registered under `name`, or None when there is no such task (any more)."""
    from celery import current_app

    try:
        task = import_string(name)
    except ImportError:
        task = None
    if getattr(task, "name", None) == name:
        return task
    return current_app.tasks.get(name)


def unsent_tasks_resend() -> int:
    """Send the outbox's tasks in the order they were kept: how many the broker took.

    Each row is claimed first (select_for_update with skip_locked: a second beat run at the same moment skips
    it), sent, and deleted once the broker took it, all in one transaction; a refusal keeps the row (one
    attempt more) and stops the round, as the broker is still down. A row whose task no longer exists is
    logged and dropped.
    """
    from .models import UnsentTask

    sent = 0
    for row_id in list(UnsentTask.objects.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            row = UnsentTask.objects.select_for_update(skip_locked=True).filter(pk=row_id).first()
            if row is None:  # sent (and deleted) by another round a moment ago, or being sent now
                continue
            task = _task_named(row.task_name)
            if task is None:
                logger.error("Unsent task %s%s is dropped: no such task (any more)", row.task_name, row.args)
                row.delete()
                continue
            if not _broker_send(task, list(row.args)):
                UnsentTask.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
                return sent
            row.delete()
            sent += 1
    return sent


def _job_resend(model: type[QueuedJob], job_id: int, task) -> bool | None:
    """Send an unsent job again; None when it is not unsent (any more), else whether the broker took it.

    Taking the mark off is a conditional update: of a page's poll and the beat task at the same
    moment only one sends (and a second message would find the job claimed anyway).
    """
    taken = model.objects.filter(pk=job_id, status=model.Status.PENDING, error=QUEUE_UNAVAILABLE).update(error="")
    if not taken:
        return None
    return job_send(model, job_id, task)


def job_resend(job: QueuedJob | None, task) -> QueuedJob | None:
    """Send an unsent job's task again (the status page's poll calls this); returns the job as it is now."""
    if job is not None and job.is_unsent:
        _job_resend(type(job), job.pk, task)
        job.refresh_from_db()
    return job


def job_models(base: type[QueuedJob] = QueuedJob) -> list[type[QueuedJob]]:
    """Every concrete job model of the project (of `base`: FileJob for those that make a file)."""
    return [model for model in apps.get_models() if issubclass(model, base)]


def jobs_resend_unsent() -> int:
    """Send every job of every job model that waits unsent, then the outbox's tasks (Celery beat): how many
    the broker took.

    So a job asked for while the broker was down runs once it is back, even if nobody looks at its page,
    and a notice refused meanwhile goes out. Stops at the first refusal: the broker is still down, and the
    rest waits for the next round.
    """
    sent = 0
    for model in job_models():
        task = _task_named(model.task_name) if model.task_name else None
        if task is None:  # a bug (tests/school/test_jobs_unsent.py): the other models' jobs still go
            logger.error("%s names no task (task_name): its unsent jobs are not sent", model.__name__)
            continue
        waiting = model.objects.filter(status=model.Status.PENDING, error=QUEUE_UNAVAILABLE).order_by("pk")
        for job_id in waiting.values_list("pk", flat=True):
            result = _job_resend(model, job_id, task)
            if result is False:
                return sent
            sent += bool(result)
    return sent + unsent_tasks_resend()


def job_request(
    model: type[FileJob],
    *,
    key: dict,
    actor,
    stale_after: datetime.timedelta,
    task,
    create: dict | None = None,
    **values,
) -> FileJob:
    """Ask for the one job row under `key` (again) and queue `task` for it, at most once.

    Idempotent: while the job waits or is being made, asking again returns the same row and queues
    nothing more (a double click queues one task); a job lost for longer than `stale_after` is started
    afresh. `values` are set on every request (with the status), `create` only on a new row.
    """
    now = timezone.now()
    reset = {
        "status": model.Status.PENDING,
        "error": "",
        "attempts": 0,
        "requested_by": actor,
        "requested_at": now,
        "finished_at": None,
        **values,
    }
    with transaction.atomic():
        # A conditional update, not read-then-write: two clicks at once reset the row once.
        restartable = Q(status__in=[model.Status.DONE, model.Status.FAILED]) | Q(requested_at__lt=now - stale_after)
        restarted = model.objects.filter(restartable, **key).update(**reset)
        job = model.objects.filter(**key).first()
        if job is None:
            try:
                with transaction.atomic():
                    job = model.objects.create(**key, **(create or {}), **reset)
            except IntegrityError:  # created by a parallel request a moment ago: that one queued the task
                return model.objects.get(**key)
        elif not restarted:
            if job.is_unsent:  # asked again while the broker was down: try once more
                transaction.on_commit(lambda: _job_resend(model, job.pk, task))
            return job  # already waiting or being made: no second task
        job_enqueue(model, job.pk, task)
    return job


def job_claim(model: type[models.Model], job_id: int, *, related: tuple[str, ...] = (), **also) -> models.Model | None:
    """PENDING → RUNNING, for one delivery only; None when another delivery has it (or it is done).

    The claim is one conditional UPDATE, so of two deliveries of one message only one goes on.
    A message the broker delivers again because its worker died before acknowledging it (acks_late;
    Redis gives it back after the visibility timeout) may also take over a job left RUNNING: the
    dead worker will never finish it, and making the file again is harmless (each file is replaced).
    `also`: more fields to set with it; `related`: what to select_related on the claimed row.
    """
    claimable = [model.Status.PENDING, model.Status.RUNNING] if _redelivered() else [model.Status.PENDING]
    claimed = model.objects.filter(pk=job_id, status__in=claimable).update(
        status=model.Status.RUNNING, attempts=F("attempts") + 1, **also
    )
    if not claimed:
        return None
    return model.objects.select_related(*related).get(pk=job_id)


def _redelivered() -> bool:
    """Whether the Celery task running now got a message its broker delivered once before."""
    from celery import current_task

    request = getattr(current_task, "request", None)
    delivery_info = getattr(request, "delivery_info", None) or {}
    return bool(delivery_info.get("redelivered"))


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


class JobGone(Exception):
    """The job's row was deleted while its file was being made (a student's erasure removes the jobs
    that concern them): the new file is not kept, and there is nothing to retry."""


def job_file_keep(job: models.Model, pdf: bytes, *, name: str, what: str) -> None:
    """Save the new PDF under a fresh `name`, point the row at it, then delete the file it replaces.

    The old file stays whole until the row points at the new one. When the row is gone the new
    file is deleted at once (JobGone): a PDF nobody can reach must not outlive an erasure.
    """
    model = type(job)
    old_name = job.file.name
    storage = job.file.storage
    job.file.save(name, ContentFile(pdf), save=False)
    try:
        kept = model.objects.filter(pk=job.pk).update(file=job.file.name)
    except Exception:
        storage.delete(job.file.name)
        raise
    if not kept:
        storage.delete(job.file.name)
        raise JobGone(f"{what} {job.pk}")
    if old_name and old_name != job.file.name:
        try:
            storage.delete(old_name)
        except OSError:  # already gone: nothing to replace
            logger.warning("%s %s: could not delete the old file %s", what, job.pk, old_name)


def job_render(job: FileJob, task, *, school, render: Callable[[], bytes], name: str, what: str) -> FileJob:
    """Make the claimed job's file: `render()` in the school's language and time zone (there is no request
    in a task), keep it under `name`, and mark the job ready; a failure goes to job_failed (retry or give up).
    """
    try:
        with translation.override(school.language), timezone.override(school.timezone):
            pdf = render()
        job_file_keep(job, pdf, name=name, what=what)
    except JobGone:
        logger.info("%s %s was deleted while its file was made; the file is not kept", what, job.pk)
        return job
    except Exception as error:
        return job_failed(job, error, task, what=what)
    type(job).objects.filter(pk=job.pk).update(status=job.Status.DONE, error="", finished_at=timezone.now())
    job.refresh_from_db()
    return job
