"""The AVG/GDPR duties on a student's data: export everything (right of access) and anonymise after leaving.

Both walk privacy.registry.SECTIONS, the one list of models that hold data about a student.
Erasure anonymises the Student row and its account (so counts and meeting structure stay
consistent) and deletes or unlinks everything else about the student, one transaction per student:
the anonymised accounts' names leave the audit log too (audit_actor_forget), and the PDFs that show
several students, the erased one among them (a meeting's minutes, a class's prep sheets, a wall
print), are forgotten so that they are made afresh, without the student, when next asked for.
Every job model that makes such a file (a school.jobs.FileJob) says which of its jobs concern a
student (`concerning_student`); tests/privacy/test_registry.py fails for one that does not.
Stored files (photo, prep sheets, those PDFs) are deleted after the transaction commits.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_actor_forget, audit_record
from school.files import files_delete_after_commit
from school.jobs import FileJob, job_models
from school.models import Guardian, Student, User
from school.pdf import html_to_pdf, pdf_static_url

from .registry import Erase, Section, installed_sections

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "leerlingbespreking-student-export/1"
ERASED_FIRST_NAME = "Oud-leerling"
# Never in an export: secrets, and bookkeeping that says nothing about the person.
SECRET_FIELDS = frozenset({"password"})
STYLESHEETS = ("css/pdf.css", "css/pdf-privacy.css")
HIDDEN_IN_PDF = frozenset({"id", "school", "student", "version", "position"})  # "student": the subject itself


# --- export -------------------------------------------------------------------------------


def _section_rows(section: Section, model: type[models.Model], student: Student) -> QuerySet:
    return model._default_manager.filter(**{section.path: student}).order_by("pk")


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in SECRET_FIELDS]


def _value(row: models.Model, f: models.Field) -> Any:
    if f.is_relation:
        return getattr(row, f.attname)
    value = getattr(row, f.attname)
    if isinstance(f, models.FileField):
        return value.name or ""
    return value


def _display(row: models.Model, f: models.Field) -> str:
    """A value as a reader sees it: a choice's label, a person's name, a date in words."""
    if f.is_relation:
        related = getattr(row, f.name)
        return str(related) if related is not None else "—"
    value = getattr(row, f.attname)
    if f.choices:
        return str(getattr(row, f"get_{f.name}_display")()) or "—"
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(f, models.FileField):
        return value.name
    if isinstance(f, models.JSONField):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return str(value)


def _row_data(row: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in _fields(type(row)):
        data[f.attname] = _value(row, f)
        if f.is_relation:
            data[f"{f.name}_display"] = _display(row, f)
    return data


@dataclass
class ExportSection:
    key: str
    title: str
    rows: list[dict[str, Any]]  # JSON values by field
    readable: list[list[tuple[str, str]]] = field(default_factory=list)  # (label, display) per row, for the PDF


def _readable(row: models.Model) -> list[tuple[str, str]]:
    return [
        (capfirst(str(f.verbose_name)), _display(row, f)) for f in _fields(type(row)) if f.name not in HIDDEN_IN_PDF
    ]


def student_export_sections(*, student: Student) -> list[ExportSection]:
    """Everything stored about the student, section by section: their row, their account, then SECTIONS."""
    sections = [
        ExportSection("student", capfirst(str(Student._meta.verbose_name)), [_row_data(student)], [_readable(student)])
    ]
    if student.user_id is not None:
        account = User.objects.get(pk=student.user_id)
        sections.append(
            ExportSection(
                "account", capfirst(str(User._meta.verbose_name)), [_row_data(account)], [_readable(account)]
            )
        )
    for section, model in installed_sections():
        rows = list(_section_rows(section, model, student).select_related(*_select(model)))
        sections.append(
            ExportSection(
                section.key,
                capfirst(str(model._meta.verbose_name_plural)),
                [_row_data(row) for row in rows],
                [_readable(row) for row in rows],
            )
        )
    return sections


def _select(model: type[models.Model]) -> list[str]:
    """The forward relations shown by name, fetched with the rows."""
    return [f.name for f in _fields(model) if f.is_relation and (f.many_to_one or f.one_to_one)]


def student_export_json(*, student: Student) -> bytes:
    sections = student_export_sections(student=student)
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "school": str(student.school),
        "student_id": student.pk,
        "sections": {section.key: {"title": section.title, "rows": section.rows} for section in sections},
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def student_export_pdf(*, student: Student) -> bytes:
    html = render_to_string(
        "privacy/pdf/student_export.html",
        {
            "stylesheet_urls": [pdf_static_url(path) for path in STYLESHEETS],
            "student": student,
            "school": student.school,
            "exported_at": timezone.now(),
            "sections": student_export_sections(student=student),
        },
    )
    return html_to_pdf(html)


# --- erasure --------------------------------------------------------------------------------


def retention_cutoff(*, now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.STUDENT_RETENTION_DAYS)


def students_due_for_erasure(*, now: datetime.datetime | None = None) -> QuerySet[Student]:
    """Students who left longer than the retention period ago and are not anonymised yet."""
    return Student.objects.filter(is_active=False, erased_at__isnull=True, left_at__lte=retention_cutoff(now=now))


def students_left_undated_stamp(*, now: datetime.datetime | None = None) -> int:
    """Inactive students without a leaving date (deactivated by hand): their retention period starts now."""
    return Student.objects.filter(is_active=False, left_at__isnull=True).update(left_at=now or timezone.now())


def _file_names(rows: Iterable[models.Model]) -> list[str]:
    names = []
    for row in rows:
        for f in row._meta.concrete_fields:
            if isinstance(f, models.FileField) and getattr(row, f.attname):
                names.append(getattr(row, f.attname).name)
    return names


def _anonymise_user(user: User, *, label: str) -> None:
    """Disable the account and strip it of the person; the audit log then names them as the account does."""
    user.username = f"{label}-{user.pk}"
    user.first_name = user.last_name = user.email = user.language = ""
    user.is_active = False
    user.password = make_password(None)  # unusable
    user.save(update_fields=["username", "first_name", "last_name", "email", "language", "is_active", "password"])
    audit_actor_forget(user_ids=[user.pk], label=user.username)


def file_job_models() -> list[type[FileJob]]:
    """Every installed model of a background job that makes a file (minutes, prep-sheet batches, wall prints)."""
    return job_models(FileJob)


def _erased_per_student() -> set[type[models.Model]]:
    """The models whose rows are deleted with their student by a Section (with their files)."""
    return {model for section, model in installed_sections() if section.erase is Erase.DELETE}


def _jobs_concerning(student: Student) -> dict[type[FileJob], list[int]]:
    """Per job model, the jobs whose file shows the student alongside others: found before their records go."""
    per_student = _erased_per_student()
    found: dict[type[FileJob], list[int]] = {}
    for model in file_job_models():
        if model in per_student:
            continue
        concerning = getattr(model, "concerning_student", None)
        if concerning is None:  # tests/privacy/test_registry.py catches this before it ships
            raise ImproperlyConfigured(
                f"{model._meta.label} makes files but has no concerning_student(student): erasure cannot "
                "know which of its files show a student."
            )
        found[model] = list(concerning(student).values_list("pk", flat=True))
    return found


def _jobs_forget(jobs: dict[type[FileJob], list[int]], erasure: Erasure) -> None:
    """Delete the job rows (their files after commit): the page then offers to make the PDF afresh.

    A deleted row is the reset: a job row only remembers a file, and without one the page shows
    the "make" button as for a job never asked for; a new request makes a new row.
    """
    for model, pks in jobs.items():
        rows = model._default_manager.filter(pk__in=pks)
        erasure.files += _file_names(rows)
        count = rows.delete()[1].get(model._meta.label, 0)
        if count:
            erasure.jobs[model._meta.label] = count


@dataclass
class Erasure:
    student_id: int
    deleted: dict[str, int] = field(default_factory=dict)
    unlinked: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, int] = field(default_factory=dict)  # forgotten multi-student PDFs, by job model
    files: list[str] = field(default_factory=list)


def student_erase(*, student: Student, now: datetime.datetime | None = None) -> Erasure | None:
    """Anonymise one student who left, in one transaction; None when there was nothing to do (active, or done)."""
    now = now or timezone.now()
    with transaction.atomic():
        student = (
            Student.objects.select_for_update().filter(pk=student.pk, is_active=False, erased_at__isnull=True).first()
        )
        if student is None:
            return None
        erasure = Erasure(student_id=student.pk)
        # First, while the meetings and boards still show who was on them.
        _jobs_forget(_jobs_concerning(student), erasure)
        guardian_ids = list(Guardian.objects.filter(students=student).values_list("pk", flat=True))
        for section, model in reversed(installed_sections()):
            rows = _section_rows(section, model, student)
            if section.erase is Erase.DELETE:
                erasure.files += _file_names(rows)
                erasure.deleted[section.key] = _delete(model, rows)
            elif section.erase is Erase.UNLINK:
                relation = model._meta.get_field(section.path)
                count, _by_model = relation.remote_field.through.objects.filter(
                    **{relation.m2m_reverse_field_name(): student}
                ).delete()
                erasure.unlinked[section.key] = count
        _guardians_without_children_anonymise(guardian_ids)
        if student.photo:
            erasure.files.append(student.photo.name)
        student.first_name, student.infix, student.last_name = ERASED_FIRST_NAME, "", f"#{student.pk}"
        student.number = f"oud-{student.pk}"
        student.date_of_birth = None
        student.photo = ""
        student.source_id = ""
        student.class_group = None
        student.erased_at = now
        student.save()
        if student.user_id is not None:
            _anonymise_user(User.objects.get(pk=student.user_id), label="oud-leerling")
        audit_record(
            request_or_actor=None,
            action=AuditEvent.Action.DELETE,
            kind=AuditEvent.Kind.STUDENT_ERASURE,
            student=student,
            summary=f"anonymised {settings.STUDENT_RETENTION_DAYS} days after leaving",
        )
        files = list(erasure.files)
        files_delete_after_commit(files)
    logger.info("Anonymised student %s (left %s)", student.pk, student.left_at)
    return erasure


def _delete(model: type[models.Model], rows: QuerySet) -> int:
    """Delete the rows; those pointing at another row of the same model first (a merged escalation at its target).

    Otherwise deleting the target would first null the pointer, which a constraint may forbid
    (escalation_merged_has_target). Merging keeps such chains one link long.
    """
    pointers = Q()
    for f in model._meta.concrete_fields:
        if f.is_relation and f.many_to_one and f.related_model is model:
            pointers |= Q(**{f"{f.name}__isnull": False})
    deleted = 0
    if pointers:
        deleted += rows.filter(pointers).delete()[1].get(model._meta.label, 0)
    return deleted + rows.delete()[1].get(model._meta.label, 0)


def _guardians_without_children_anonymise(guardian_ids: list[int]) -> None:
    """Guardians left without any child at the school: their account is anonymised too (staff accounts aside)."""
    orphans = Guardian.objects.filter(pk__in=guardian_ids).exclude(
        pk__in=Guardian.students.through.objects.filter(guardian_id__in=guardian_ids).values("guardian_id")
    )
    for guardian in orphans.select_related("user"):
        guardian.source_id = ""
        guardian.save(update_fields=["source_id"])
        if not hasattr(guardian.user, "staff"):
            _anonymise_user(guardian.user, label="oud-ouder")


@dataclass
class ErasureRun:
    due: list[int]
    erased: list[int]
    stamped: int


def erase_left_students(*, dry_run: bool = False, now: datetime.datetime | None = None) -> ErasureRun:
    """Anonymise every student whose retention period has ended; each student in its own transaction."""
    now = now or timezone.now()
    stamped = 0 if dry_run else students_left_undated_stamp(now=now)
    due = list(students_due_for_erasure(now=now).order_by("pk").values_list("pk", flat=True))
    erased: list[int] = []
    if not dry_run:
        for student in Student.objects.filter(pk__in=due).order_by("pk"):
            if student_erase(student=student, now=now) is not None:
                erased.append(student.pk)
    return ErasureRun(due=due, erased=erased, stamped=stamped)
