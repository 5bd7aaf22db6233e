"""Writes for the roster. One function per use case, keyword-only arguments, transactional.

The roster import reads an upload into a normalised Roster (school.importers) and
writes it here in one transaction: everything or nothing. A dry run is the same
code, rolled back at the end, so the preview's counts are exactly what "apply"
would do (for the data as it is at that moment).
"""

from __future__ import annotations

import logging
import secrets
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from . import jobs, policies, tasks
from .importers import Issue, Issues, Roster, read_roster
from .importers.roster import ENTITIES, StaffRecord, StudentRecord, full_last_name
from .models import (
    ClassGroup,
    Department,
    Enrollment,
    Guardian,
    Period,
    RosterImport,
    School,
    SchoolYear,
    Staff,
    Student,
    Subject,
    TeachingGroup,
    User,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

CHOOSE_SCHOOL = gettext_noop(
    "The simple CSV set does not name a school, and this installation has several (or none): choose one."
)
SOURCE_ID_TAKEN = gettext_noop("Another school in this installation already has the source id “%(source_id)s”.")
LOGIN_OF_OTHER_SCHOOL = gettext_noop("The login name “%(value)s” already belongs to an account outside this school.")
LOGIN_TAKEN = gettext_noop("The login name “%(value)s” already belongs to another person of this school.")
INVALID_VALUE = gettext_noop("%(field)s: %(error)s")
CONFLICT = gettext_noop("The roster conflicts with data already in the database (%(error)s). Nothing was changed.")
CRASHED = gettext_noop("The import stopped because of an unexpected error. Nothing was changed. Please try again.")
UPLOAD_GONE = gettext_noop("The uploaded files are no longer there. Upload them again.")


# --- the import job: upload, preview in the worker, apply in the worker -----------------------


def roster_import_job_create(*, school: School, actor: User, files: Sequence[UploadedFile]) -> RosterImport:
    """Store an upload privately and queue its dry run; the page then polls the job row."""
    if not policies.can_manage_roster(actor) or actor.school_id != school.pk:
        raise PermissionDenied
    with transaction.atomic():
        job = RosterImport.objects.create(
            school=school,
            started_by=actor,
            status=RosterImport.Status.PENDING,
            dry_run=True,
            upload_name=", ".join(Path(f.name).name for f in files)[:255],
        )
        job.upload_path = _upload_store(job=job, files=files)
        job.save(update_fields=["upload_path"])
        # Never lost when the broker is down: the row waits, marked unsent (see school.jobs.job_send).
        jobs.job_enqueue(RosterImport, job.pk, tasks.roster_import_run_task)
    return job


def _upload_store(*, job: RosterImport, files: Sequence[UploadedFile]) -> str:
    """Write the files under MEDIA_ROOT (never served by URL); returns the path relative to it.

    A zip is kept as it is; CSV files go into a folder of their own. The folder
    name has a random part, so a job id does not reveal where its files are.
    """
    folder = Path("roster_imports") / str(job.school_id) / f"{job.pk}-{secrets.token_hex(8)}"
    target = Path(settings.MEDIA_ROOT) / folder
    target.mkdir(parents=True, exist_ok=True)
    stored = []
    for upload in files:
        name = get_valid_filename(Path(upload.name).name) or "upload"
        with (target / name).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        stored.append(name)
    if len(stored) == 1 and stored[0].lower().endswith(".zip"):
        return str(folder / stored[0])
    return str(folder)


def _upload_remove(*, job: RosterImport) -> None:
    """An applied or failed import's files are not needed again: personal data is kept no longer than needed."""
    if not job.upload_path:
        return
    path = Path(settings.MEDIA_ROOT) / job.upload_path
    folder = path.parent if path.suffix.lower() == ".zip" else path
    shutil.rmtree(folder, ignore_errors=True)
    job.upload_path = ""
    job.save(update_fields=["upload_path"])


def roster_import_job_claim(*, job_id: int) -> RosterImport | None:
    """PENDING → RUNNING, once: a message delivered twice finds the job claimed and does nothing."""
    claimed = RosterImport.objects.filter(pk=job_id, status=RosterImport.Status.PENDING).update(
        status=RosterImport.Status.RUNNING, started_at=timezone.now(), progress=0
    )
    if not claimed:
        return None
    return RosterImport.objects.select_related("school", "started_by", "applied_by").get(pk=job_id)


def roster_import_job_run(*, job: RosterImport) -> RosterImport:
    """Run a claimed job: its dry run (→ PREVIEWED) or its apply (→ APPLIED), or FAILED with the errors."""
    path = Path(settings.MEDIA_ROOT) / job.upload_path

    def progress(percent: int) -> None:
        # Written outside the import's transaction, so the polling page sees it at once.
        RosterImport.objects.filter(pk=job.pk).update(progress=percent)

    if not job.upload_path or not path.exists():
        result = ImportResult(format=job.format, dry_run=job.dry_run, errors=[Issue(message=UPLOAD_GONE)])
    else:
        try:
            result = roster_import(
                school=job.school,
                source=path,
                dry_run=job.dry_run,
                actor=job.applied_by or job.started_by,
                on_progress=progress,
            )
        except Exception:
            # The admin gets a job that says it failed, not one that runs for ever; the trace goes to the log.
            logger.exception("Roster import %s failed", job.pk)
            result = ImportResult(format=job.format, dry_run=job.dry_run, errors=[Issue(message=CRASHED)])
    if result.errors:
        job.status = RosterImport.Status.FAILED
    else:
        job.status = RosterImport.Status.PREVIEWED if job.dry_run else RosterImport.Status.APPLIED
    job.format = result.format or job.format
    job.summary = result.summary()
    job.errors = [issue.as_dict() for issue in result.errors]
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "format", "summary", "errors", "progress", "finished_at"])
    if job.status != RosterImport.Status.PREVIEWED:
        _upload_remove(job=job)
    return job


def roster_import_job_apply(*, job: RosterImport, actor: User) -> RosterImport:
    """Queue the real import of a previewed upload."""
    if not policies.can_manage_roster(actor) or actor.school_id != job.school_id:
        raise PermissionDenied
    with transaction.atomic():
        queued = (
            RosterImport.objects.filter(pk=job.pk, status=RosterImport.Status.PREVIEWED)
            .exclude(upload_path="")
            .update(status=RosterImport.Status.PENDING, dry_run=False, applied_by=actor, progress=0, finished_at=None)
        )
        if not queued:
            raise ValidationError(
                _("This import cannot be applied: only a preview without errors can, and only once."),
                code="not_applicable",
            )
        jobs.job_enqueue(RosterImport, job.pk, tasks.roster_import_run_task)
    job.refresh_from_db()
    return job


def roster_import_record(*, result: ImportResult, actor: User | None = None) -> RosterImport | None:
    """Keep a command-line import in the school's import history, as the upload page does."""
    school = result.school
    if school is None or school.pk is None or not School.objects.filter(pk=school.pk).exists():
        return None  # a dry run that would have created the school
    if result.errors:
        status = RosterImport.Status.FAILED
    else:
        status = RosterImport.Status.PREVIEWED if result.dry_run else RosterImport.Status.APPLIED
    now = timezone.now()
    return RosterImport.objects.create(
        school=school,
        started_by=actor,
        format=result.format,
        status=status,
        dry_run=result.dry_run,
        progress=100,
        started_at=now,
        finished_at=now,
        summary=result.summary(),
        errors=[issue.as_dict() for issue in result.errors],
    )


# --- the result ---------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deactivated: int = 0  # students and staff deactivated, groups emptied, enrolments and links removed


@dataclass
class ImportResult:
    format: str
    dry_run: bool
    counts: dict[str, Counts] = field(default_factory=lambda: {name: Counts() for name in ENTITIES})
    errors: list[Issue] = field(default_factory=list)
    school: School | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.deactivated for c in self.counts.values())

    def summary(self) -> dict[str, dict[str, int]]:
        return {name: asdict(counts) for name, counts in self.counts.items()}


# --- the import ---------------------------------------------------------------------------


class _Rollback(Exception):  # control flow, not an error
    """Leave the atomic block so that everything written so far is rolled back."""


def roster_import(
    *,
    school: School | None,
    source: Path,
    dry_run: bool,
    actor: User | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a roster folder or zip (OneRoster 1.1 CSV or the simple set) into `school`, all or nothing.

    `school` None (the command line only) means: the OneRoster export's school,
    found by source id or created; or the installation's only school. With
    `dry_run` everything is written and then rolled back, to count what would change.
    `actor`'s own staff row is never deactivated nor stripped of school admin,
    so an admin cannot lock themselves out with an incomplete file.
    """
    progress = on_progress or (lambda percent: None)
    progress(10)
    read = read_roster(source, school_source_id=school.source_id if school else "")
    result = ImportResult(format=read.format, dry_run=dry_run, errors=read.errors, school=school)
    if not read.ok:
        return result
    progress(40)
    issues = Issues()
    identity = (school.source_id, school.brin) if school else None
    try:
        with transaction.atomic():
            result.school = _school_for_roster(school=school, roster=read.roster, issues=issues)
            if issues:
                raise _Rollback
            # One import per school at a time; a second waits here for the first to finish.
            School.objects.select_for_update().only("pk").get(pk=result.school.pk)
            result.counts = _RosterWriter(school=result.school, roster=read.roster, actor=actor, issues=issues).write()
            if issues:
                raise _Rollback
            if dry_run:
                transaction.set_rollback(True)
    except _Rollback:
        pass
    except (IntegrityError, ValidationError) as exc:
        # The parsers check what a file can get wrong; this is the database disagreeing (a race, or data
        # edited by hand). Report it like any other problem instead of failing the job.
        issues.add(CONFLICT, error=str(exc))
    if issues:
        result.errors = issues.as_list()
        result.counts = {name: Counts() for name in ENTITIES}
    if school is not None and (issues or dry_run):
        school.source_id, school.brin = identity  # rolled back in the database; so in memory too
    progress(100)
    return result


def _school_for_roster(*, school: School | None, roster: Roster, issues: Issues) -> School:
    org = roster.school
    if school is None and org is not None:
        school = School.objects.filter(source_id=org.source_id).first()
        if school is None:
            school = School(name=org.name, source_id=org.source_id, brin=org.identifier)
            school.full_clean()
            school.save()
        return school
    if school is None:
        schools = list(School.objects.all()[:2])
        if len(schools) != 1:
            issues.add(CHOOSE_SCHOOL)
            return School()
        return schools[0]
    if org is not None and not school.source_id:
        # The first OneRoster import ties the school to its org; later imports must match it.
        if School.objects.filter(source_id=org.source_id).exclude(pk=school.pk).exists():
            issues.add(SOURCE_ID_TAKEN, source_id=org.source_id)
            return school
        school.source_id = org.source_id
        school.brin = school.brin or org.identifier
        school.save(update_fields=["source_id", "brin"])
    return school


def student_username(*, school: School, number: str) -> str:
    """Students log in as '<school id>-<student number>': numbers repeat across schools, login names may not."""
    return f"{school.pk}-{number}"


class _Changes:
    """Which rows of one entity were created, changed or deactivated in this run."""

    def __init__(self) -> None:
        self.created: set[int] = set()
        self.updated: set[int] = set()
        self.deactivated: set[int] = set()
        self.links_added = 0
        self.links_removed = 0

    def counts(self) -> Counts:
        return Counts(
            created=len(self.created) + self.links_added,
            updated=len(self.updated - self.created - self.deactivated),
            deactivated=len(self.deactivated) + self.links_removed,
        )


def _fk_names(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.is_relation]


def _in_batches(values: Sequence, size: int = BATCH_SIZE) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _RosterWriter:
    """Writes one Roster into one school with a fixed number of queries per entity.

    Existing rows are read once into dicts keyed by source id and natural key;
    rows are then created with bulk_create and changed with bulk_update, never
    saved one by one: 2,000 students and 20,000 enrolments take seconds.
    """

    def __init__(self, *, school: School, roster: Roster, actor: User | None, issues: Issues) -> None:
        self.school = school
        self.roster = roster
        self.actor = actor
        self.issues = issues
        self.changes = {name: _Changes() for name in ENTITIES}
        self.user_changed: set[int] = set()  # id() of records whose user was created or changed

    def write(self) -> dict[str, Counts]:
        self.school_year = self._school_year()
        self._periods()
        departments = self._departments()
        subjects = self._subjects()
        staff_pairs, _ = self._match_staff()
        student_pairs, _ = self._match_students()
        guardian_pairs, _ = self._match_guardians()
        users = self.users = self._users(staff_pairs, student_pairs, guardian_pairs)
        if self.issues:
            return {}
        staff_missing = _unclaimed(self.existing_staff, staff_pairs)
        students_missing = _unclaimed(self.existing_students, student_pairs)
        guardians_missing = _unclaimed(self.existing_guardians, guardian_pairs)
        staff = self._staff(staff_pairs, staff_missing, users)
        self._team_leaders(departments, staff)
        class_groups = self._class_groups(departments, staff)
        teaching_groups = self._teaching_groups(subjects, staff)
        students = self._students(student_pairs, students_missing, users, class_groups)
        self._enrollments(teaching_groups, students)
        self._guardians(guardian_pairs, guardians_missing, users, students)
        self._user_activity()
        return {name: self.changes[name].counts() for name in ENTITIES}

    # --- the generic parts: match, save, link -------------------------------------------

    @staticmethod
    def _match(records: list, rows: Iterable, *keys: tuple[Callable, Callable]) -> tuple[list, list]:
        """Pair records with existing rows: by source id first, then by each (record key, row key) in turn.

        Returns (record, row or None) pairs in record order, and the rows no record claimed.
        """
        rows = list(rows)
        source_key = (lambda r: r.source_id, lambda row: row.source_id)
        taken: set[int] = set()
        found: dict[int, Any] = {}
        for record_key, row_key in (source_key, *keys):
            index_of_rows = {row_key(row): row for row in rows if row_key(row)}
            for index, record in enumerate(records):
                row = index_of_rows.get(record_key(record)) if record_key(record) else None
                if index not in found and row is not None and row.pk not in taken:
                    taken.add(row.pk)
                    found[index] = row
        pairs = [(record, found.get(index)) for index, record in enumerate(records)]
        return pairs, [row for row in rows if row.pk not in taken]

    def _save(
        self, entity: str, model: type[models.Model], pairs: list, values_of: Callable[[Any], dict[str, Any]]
    ) -> list:
        """Create the unmatched records, update the matched ones that differ; returns the rows in record order."""
        changes = self.changes[entity]
        exclude = _fk_names(model)
        new, changed, fields, rows = [], [], set(), []
        for record, row in pairs:
            values = values_of(record)
            if row is None:
                row = model(**values)
                new.append((record, row))
            else:
                different = {name for name, value in values.items() if getattr(row, name) != value}
                for name in different:
                    setattr(row, name, values[name])
                if different:
                    changed.append((record, row))
                    fields |= different
                elif id(record) in self.user_changed:
                    changes.updated.add(row.pk)
            rows.append(row)
        for record, row in (*new, *changed):
            self._validate(record, row, exclude)
        if self.issues:
            raise _Rollback
        model.objects.bulk_create([row for _, row in new], batch_size=BATCH_SIZE)
        if changed:
            model.objects.bulk_update([row for _, row in changed], sorted(fields), batch_size=BATCH_SIZE)
        changes.created |= {row.pk for _, row in new}
        changes.updated |= {row.pk for _, row in changed}
        return rows

    def _validate(self, record: Any, row: models.Model, exclude: list[str]) -> None:
        """The model's own field checks, as a safety net under the parsers' checks (no queries)."""
        try:
            row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            origin = getattr(record, "origin", None)
            for name, messages in exc.message_dict.items():
                label = row._meta.get_field(name).verbose_name if name != "__all__" else ""
                for message in messages:
                    self.issues.add(
                        INVALID_VALUE,
                        file=origin.file if origin else "",
                        row=origin.row if origin else None,
                        field=str(label),
                        error=message,
                    )

    def _deactivate(self, entity: str, model: type[models.Model], rows: Iterable) -> None:
        rows = [row for row in rows if row.is_active]
        fields = ["is_active"]
        if model is Student:
            # The retention period (privacy.services) counts from the day a student left.
            fields.append("left_at")
        now = timezone.now()
        for row in rows:
            row.is_active = False
            if model is Student:
                row.left_at = now
        model.objects.bulk_update(rows, fields, batch_size=BATCH_SIZE)
        self.changes[entity].deactivated |= {row.pk for row in rows}

    def _sync_links(
        self,
        entity: str,
        through: type[models.Model],
        owner: str,
        target: str,
        scope: Q,
        desired: set[tuple[int, int]],
        in_file: set[int],
    ) -> None:
        """Make the link rows within `scope` exactly `desired` ((owner pk, target pk) pairs).

        An owner whose links change counts as updated; one that is not in the file
        any more and loses its links counts as deactivated (a group emptied).
        """
        existing = {(o, t): pk for pk, o, t in through.objects.filter(scope).values_list("pk", owner, target)}
        added = desired - existing.keys()
        removed = [pk for pair, pk in existing.items() if pair not in desired]
        through.objects.bulk_create([through(**{owner: o, target: t}) for o, t in added], batch_size=BATCH_SIZE)
        for batch in _in_batches(removed):
            through.objects.filter(pk__in=batch).delete()
        changes = self.changes[entity]
        touched = {o for o, _ in added} | {pair[0] for pair, pk in existing.items() if pair not in desired}
        changes.updated |= touched & in_file
        changes.deactivated |= touched - in_file

    # --- school year, periods, departments, subjects ------------------------------------

    def _school_year(self) -> SchoolYear:
        record = self.roster.school_year
        pairs, _ = self._match(
            [record],
            SchoolYear.objects.filter(school=self.school),
            (lambda r: r.name.casefold(), lambda row: row.name.casefold()),
        )

        def values(r):
            existing = pairs[0][1]
            dates = {} if r.derived and existing else {"start_date": r.start_date, "end_date": r.end_date}
            return {"school_id": self.school.pk, "name": r.name, **dates, **_source(r)}

        return self._save("school_years", SchoolYear, pairs, values)[0]

    def _periods(self) -> None:
        pairs, _ = self._match(
            self.roster.periods,
            Period.objects.filter(school_year=self.school_year),
            (lambda r: r.name.casefold(), lambda row: row.name.casefold()),
        )
        self._save(
            "periods",
            Period,
            pairs,
            lambda r: {
                "school_id": self.school.pk,
                "school_year_id": self.school_year.pk,
                "name": r.name,
                "start_date": r.start_date,
                "end_date": r.end_date,
                **_source(r),
            },
        )

    def _departments(self) -> dict[str, Department]:
        pairs, _ = self._match(
            self.roster.departments,
            Department.objects.filter(school=self.school),
            (lambda r: r.name.casefold(), lambda row: row.name.casefold()),
        )
        rows = self._save(
            "departments", Department, pairs, lambda r: {"school_id": self.school.pk, "name": r.name, **_source(r)}
        )
        self.department_records = {r.name.casefold(): r for r in self.roster.departments}
        return {row.name.casefold(): row for row in rows}

    def _subjects(self) -> dict[str, Subject]:
        pairs, _ = self._match(
            self.roster.subjects,
            Subject.objects.filter(school=self.school),
            (lambda r: r.code.casefold(), lambda row: row.code.casefold()),
        )
        rows = self._save(
            "subjects",
            Subject,
            pairs,
            lambda r: {"school_id": self.school.pk, "code": r.code, "name": r.name, **_source(r)},
        )
        return {row.code.casefold(): row for row in rows}

    # --- people and their logins --------------------------------------------------------

    def _match_staff(self) -> tuple[list, list]:
        self.existing_staff = list(Staff.objects.filter(school=self.school).select_related("user"))
        return self._match(
            self.roster.staff,
            self.existing_staff,
            (lambda r: r.code.casefold(), lambda row: row.code.casefold()),
            # A staff member whose code changed is still found by their login.
            (lambda r: r.username, lambda row: row.user.username),
        )

    def _match_students(self) -> tuple[list, list]:
        self.existing_students = list(Student.objects.filter(school=self.school).select_related("user"))
        return self._match(
            self.roster.students,
            self.existing_students,
            (lambda r: r.number, lambda row: row.number),
        )

    def _match_guardians(self) -> tuple[list, list]:
        self.existing_guardians = list(Guardian.objects.filter(school=self.school).select_related("user"))
        if self.roster.guardians is None:
            return [], []
        return self._match(
            self.roster.guardians,
            self.existing_guardians,
            (lambda r: r.username, lambda row: row.user.username),
        )

    def _username(self, record: Any) -> str:
        if isinstance(record, StudentRecord):
            return student_username(school=self.school, number=record.number)
        return record.username

    def _users(self, *pair_lists: list) -> dict[int, User]:
        """The login of every person in the file (id(record) → User): kept, renamed, adopted or created.

        A person found in the school keeps their user (renamed when their login name
        changed). Someone new gets the school's existing user with their login name
        if that user has no role of this kind yet (a teacher who is also a parent is
        one login), otherwise a new user with an unusable password: they set one
        through "forgot password". Staff are handled first, so their names win on a
        login they share with a guardian.
        """
        kinds = ("staff", "student", "guardian")
        existing = (self.existing_staff, self.existing_students, self.existing_guardians)
        # One Python object per user, however often it was loaded: renames must be seen everywhere.
        known_by_pk: dict[int, User] = {}
        for rows in existing:
            for row in rows:
                if row.user is not None:
                    row.user = known_by_pk.setdefault(row.user.pk, row.user)
        known = {user.username: user for user in known_by_pk.values()}
        holders = {
            kind: {row.user_id: row for row in rows if row.user_id} for kind, rows in zip(kinds, existing, strict=True)
        }
        wanted = [self._username(record) for pairs in pair_lists for record, _ in pairs]
        missing = sorted({name for name in wanted if name not in known})
        for batch in _in_batches(missing):
            known.update({user.username: user for user in User.objects.filter(username__in=batch)})

        users: dict[int, User] = {}
        named_by: dict[int, Any] = {}  # id(user) → the record whose names and e-mail it carries
        claimed: set[tuple[str, int]] = set()  # (kind, id(user))
        for kind, pairs in zip(kinds, pair_lists, strict=True):
            claimed_rows = {row.pk for _, row in pairs if row is not None}
            for index, (record, row) in enumerate(pairs):
                if row is None:
                    # Someone whose login already has an unclaimed row of this kind is that row's person:
                    # a staff member whose code changed, a parent whose e-mail changed with their staff login.
                    holder = known.get(self._username(record))
                    row = holders[kind].get(holder.pk) if holder is not None and holder.pk else None
                    if row is not None and row.pk not in claimed_rows:
                        claimed_rows.add(row.pk)
                        pairs[index] = (record, row)
                    else:
                        row = None
                user = self._user_for(kind, record, row, known, holders, claimed)
                if user is None:
                    continue
                claimed.add((kind, id(user)))
                users[id(record)] = user
                named_by.setdefault(id(user), record)
        if self.issues:
            return users
        self._save_users(users, named_by)
        return users

    def _user_for(self, kind, record, row, known, holders, claimed) -> User | None:
        username = self._username(record)
        holder = known.get(username)
        user = row.user if row is not None else None
        if user is None:
            if holder is None:
                user = User(username=username, school_id=self.school.pk)
                user.set_unusable_password()  # no hashing: cheap, and they choose one via password reset
                known[username] = user
                return user
            if holder.school_id != self.school.pk:
                self._report(record, LOGIN_OF_OTHER_SCHOOL, username)
                return None
            if holder.pk in holders[kind] or (kind, id(holder)) in claimed:
                self._report(record, LOGIN_TAKEN, username)
                return None
            return holder
        if user.username != username:
            if holder is not None and holder is not user:
                self._report(record, LOGIN_TAKEN, username)
                return None
            known.pop(user.username, None)
            known[username] = user
        return user

    def _report(self, record: Any, message: str, value: str) -> None:
        origin = record.origin
        self.issues.add(message, file=origin.file if origin else "", row=origin.row if origin else None, value=value)

    def _save_users(self, users: dict[int, User], named_by: dict[int, Any]) -> None:
        new, changed, fields = [], [], set()
        seen: set[int] = set()
        for user in users.values():
            if id(user) in seen:
                continue
            seen.add(id(user))
            record = named_by[id(user)]
            values = {
                "username": self._username(record),
                "email": record.email,
                "first_name": record.first_name,
                "last_name": full_last_name(record.infix, record.last_name),
            }
            different = {name for name, value in values.items() if getattr(user, name) != value}
            for name in different:
                setattr(user, name, values[name])
            if user.pk is None:
                new.append((record, user))
            elif different:
                changed.append((record, user))
                fields |= different
        exclude = ["school", "groups", "user_permissions", "password", "last_login"]
        for record, user in (*new, *changed):
            self._validate(record, user, exclude)
        if self.issues:
            return
        User.objects.bulk_create([user for _, user in new], batch_size=BATCH_SIZE)
        if changed:
            User.objects.bulk_update([user for _, user in changed], sorted(fields), batch_size=BATCH_SIZE)
        touched = {id(user) for _, user in (*new, *changed)}
        # Every person on a login that was created or changed counts as changed (one login, several roles).
        self.user_changed |= {record_id for record_id, user in users.items() if id(user) in touched}

    # --- staff, departments' team leaders, groups ---------------------------------------

    def _staff(self, pairs: list, missing: list[Staff], users: dict[int, User]) -> dict[str, Staff]:
        actor_user_id = getattr(self.actor, "pk", None)

        def values(r: StaffRecord) -> dict[str, Any]:
            flags = {}
            if r.is_school_admin is not None:
                flags["is_school_admin"] = r.is_school_admin or users[id(r)].pk == actor_user_id
            if r.is_care_coordinator is not None:
                flags["is_care_coordinator"] = r.is_care_coordinator
            return {
                "school_id": self.school.pk,
                "user_id": users[id(r)].pk,
                "code": r.code,
                "is_active": True,
                **flags,
                **_source(r),
            }

        rows = self._save("staff", Staff, pairs, values)
        # Never lock out the admin who runs the import, even if their file forgot them.
        self._deactivate("staff", Staff, [row for row in missing if row.user_id != actor_user_id])
        self.final_staff = [*rows, *missing]
        return {row.code.casefold(): row for row in rows}

    def _team_leaders(self, departments: dict[str, Department], staff: dict[str, Staff]) -> None:
        """Only departments whose file lists team leaders (afdelingen.csv); OneRoster has none, so they stay."""
        listed = {
            departments[key].pk: record.team_leaders
            for key, record in self.department_records.items()
            if record.team_leaders is not None
        }
        if not listed:
            return
        desired = {(pk, staff[code.casefold()].pk) for pk, codes in listed.items() for code in codes}
        through = Department.team_leaders.through
        self._sync_links(
            "departments", through, "department_id", "staff_id", Q(department_id__in=listed), desired, set(listed)
        )

    def _class_groups(self, departments: dict[str, Department], staff: dict[str, Staff]) -> dict[str, ClassGroup]:
        existing = ClassGroup.objects.filter(school=self.school, school_year=self.school_year)
        pairs, _ = self._match(
            self.roster.class_groups,
            existing,
            (lambda r: r.name.casefold(), lambda row: row.name.casefold()),
        )
        rows = self._save(
            "class_groups",
            ClassGroup,
            pairs,
            lambda r: {
                "school_id": self.school.pk,
                "school_year_id": self.school_year.pk,
                "department_id": departments[r.department.casefold()].pk,
                "name": r.name,
                "level": r.level,
                "year": r.year,
                **_source(r),
            },
        )
        desired = {
            (row.pk, staff[code.casefold()].pk)
            for record, row in zip(self.roster.class_groups, rows, strict=True)
            for code in record.mentors
        }
        self._sync_links(
            "class_groups",
            ClassGroup.mentors.through,
            "classgroup_id",
            "staff_id",
            Q(classgroup__school_year=self.school_year),
            desired,
            {row.pk for row in rows},
        )
        return {row.name.casefold(): row for row in rows}

    def _teaching_groups(self, subjects: dict[str, Subject], staff: dict[str, Staff]) -> dict[str, TeachingGroup]:
        existing = TeachingGroup.objects.filter(school=self.school, school_year=self.school_year)
        pairs, _ = self._match(
            self.roster.teaching_groups,
            existing,
            (lambda r: r.name.casefold(), lambda row: row.name.casefold()),
        )
        rows = self._save(
            "teaching_groups",
            TeachingGroup,
            pairs,
            lambda r: {
                "school_id": self.school.pk,
                "school_year_id": self.school_year.pk,
                "subject_id": subjects[r.subject.casefold()].pk,
                "name": r.name,
                **_source(r),
            },
        )
        desired = {
            (row.pk, staff[code.casefold()].pk)
            for record, row in zip(self.roster.teaching_groups, rows, strict=True)
            for code in record.teachers
        }
        self.teaching_groups_in_file = {row.pk for row in rows}
        self._sync_links(
            "teaching_groups",
            TeachingGroup.teachers.through,
            "teachinggroup_id",
            "staff_id",
            Q(teachinggroup__school_year=self.school_year),
            desired,
            self.teaching_groups_in_file,
        )
        return {row.name: row for row in rows}

    # --- students, enrolments, guardians ------------------------------------------------

    def _students(
        self, pairs: list, missing: list[Student], users: dict[int, User], class_groups: dict[str, ClassGroup]
    ) -> dict[str, Student]:
        def values(r: StudentRecord) -> dict[str, Any]:
            group = class_groups.get(r.class_group.casefold()) if r.class_group else None
            return {
                "school_id": self.school.pk,
                "user_id": users[id(r)].pk,
                "number": r.number,
                "first_name": r.first_name,
                "infix": r.infix,
                "last_name": r.last_name,
                "date_of_birth": r.date_of_birth,
                "level": r.level,
                "year": r.year,
                "class_group_id": group.pk if group else None,
                "is_active": True,
                "left_at": None,  # back on the roster: no longer counting down to anonymisation
                **_source(r),
            }

        rows = self._save("students", Student, pairs, values)
        # Students who left are deactivated, never deleted: their history stays.
        self._deactivate("students", Student, missing)
        self.final_students = [*rows, *missing]
        return {row.number: row for row in rows}

    def _enrollments(self, teaching_groups: dict[str, TeachingGroup], students: dict[str, Student]) -> None:
        desired = {(teaching_groups[group].pk, students[number].pk) for group, number in self.roster.enrollments}
        existing = {
            (g, s): pk
            for pk, g, s in Enrollment.objects.filter(teaching_group__school_year=self.school_year).values_list(
                "pk", "teaching_group_id", "student_id"
            )
        }
        added = desired - existing.keys()
        removed = [pk for pair, pk in existing.items() if pair not in desired]
        Enrollment.objects.bulk_create(
            [Enrollment(teaching_group_id=g, student_id=s) for g, s in added], batch_size=BATCH_SIZE
        )
        for batch in _in_batches(removed):
            Enrollment.objects.filter(pk__in=batch).delete()
        self.changes["enrollments"].links_added = len(added)
        self.changes["enrollments"].links_removed = len(removed)
        # A teaching group no longer in the file that lost its students has been emptied.
        emptied = {pair[0] for pair in existing if pair not in desired} - self.teaching_groups_in_file
        self.changes["teaching_groups"].deactivated |= emptied

    def _guardians(
        self, pairs: list, missing: list[Guardian], users: dict[int, User], students: dict[str, Student]
    ) -> None:
        """Guardians in the file, linked to exactly their children there; those not in it lose their links."""
        self.present_guardian_users: set[int] | None = None
        if self.roster.guardians is None:
            return
        rows = self._save(
            "guardians",
            Guardian,
            pairs,
            lambda r: {"school_id": self.school.pk, "user_id": users[id(r)].pk, **_source(r)},
        )
        self.present_guardian_users = {row.user_id for row in rows}
        desired = {
            (row.pk, students[number].pk)
            for record, row in zip(self.roster.guardians, rows, strict=True)
            for number in record.students
        }
        self._sync_links(
            "guardians",
            Guardian.students.through,
            "guardian_id",
            "student_id",
            Q(guardian__school=self.school),
            desired,
            {row.pk for row in rows},
        )

    def _user_activity(self) -> None:
        """A login stays active while its person holds a role here: active staff, active student, listed guardian.

        Without a guardians file a guardian's login keeps its state.
        """
        active: dict[int, bool] = {}
        for row in (*self.final_staff, *self.final_students):
            if row.user_id:
                active[row.user_id] = active.get(row.user_id, False) or row.is_active
        guardians_by_user = {row.user_id: row for row in self.existing_guardians}
        for user_id, guardian in guardians_by_user.items():
            if self.present_guardian_users is None:
                listed = guardian.user.is_active
            else:
                listed = user_id in self.present_guardian_users
            active[user_id] = active.get(user_id, False) or listed
        flipped = [user for user in self.all_users() if user.pk in active and user.is_active != active[user.pk]]
        for user in flipped:
            user.is_active = active[user.pk]
        User.objects.bulk_update(flipped, ["is_active"], batch_size=BATCH_SIZE)
        for user in flipped:
            guardian = guardians_by_user.get(user.pk)
            if guardian is not None:
                target = self.changes["guardians"].updated if user.is_active else self.changes["guardians"].deactivated
                target.add(guardian.pk)

    def all_users(self) -> list[User]:
        """Every login linked to this school's people, each once (the same object wherever it was loaded)."""
        users = {id(user): user for user in self.users.values()}
        for row in (*self.existing_staff, *self.existing_students, *self.existing_guardians):
            if row.user is not None:
                users.setdefault(id(row.user), row.user)
        return list(users.values())


def _unclaimed(rows: list, pairs: list) -> list:
    claimed = {row.pk for _, row in pairs if row is not None}
    return [row for row in rows if row.pk not in claimed]


def _source(record: Any) -> dict[str, str]:
    """Set source_id only when the file has one, so a simple-set import keeps OneRoster's ids."""
    return {"source_id": record.source_id} if record.source_id else {}
