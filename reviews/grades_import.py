"""Reading a grades export (student number + grade) for one teaching group's grid.

Reuses the roster import's CSV layer (school.importers.tables): the same
decoding (UTF-8, BOM, Windows-1252), the same separators, and errors that name
the file, the row (the header is row 1) and the column as the file writes it.
Nothing here writes: `grades_read` checks the file against the group, and
`services.grades_import_apply` writes the preview it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

from school.importers import Issue, Issues
from school.importers.tables import Column, Row, Source, Table, read_table, report_duplicates
from school.models import Student, TeachingGroup

from . import policies
from .models import Entry, ReviewCycle
from .services import parse_grade

# The same words as the grid's messages (services.parse_grade), kept as msgids so
# an issue is translated when it is shown.
NOT_A_GRADE = gettext_noop("“%(value)s” is not a grade: type a number from 1,0 to 10,0, for example 7,5.")
TOO_MANY_DECIMALS = gettext_noop("“%(value)s” has more than one decimal: a grade has one, for example 5,5.")
OUT_OF_SCALE = gettext_noop("%(value)s is outside the scale: a grade is from 1,0 to 10,0.")
GRADE_MESSAGES = {"invalid": NOT_A_GRADE, "decimals": TOO_MANY_DECIMALS, "range": OUT_OF_SCALE}
EMPTY_GRADE = gettext_noop("The grade is empty: fill it in, or delete the row of a student without a grade.")
UNKNOWN_STUDENT = gettext_noop("“%(value)s” is not the number of a student of this school.")
NOT_IN_GROUP = gettext_noop("Student “%(value)s” is not in teaching group %(group)s in this review round.")
NO_ROWS = gettext_noop("The file has no rows with grades below its first row.")

# Spreadsheets write 7,5 as "7,50" when the column has two decimals: that is still one.
TRAILING_ZEROS = re.compile(r"^(\s*\d{1,2}[.,]\d)0+\s*$")

NUMBER = "leerlingnummer"
GRADE = "cijfer"
GRADES_TABLE_COLUMNS = (
    Column(NUMBER, aliases=("student number", "studentnummer", "llnr", "leerling", "nummer", "number", "student id")),
    Column(GRADE, aliases=("grade", "mark", "score", "resultaat", "result")),
)


@dataclass(frozen=True)
class GradeLine:
    """One student's new grade, and the version of their entry the preview was made from (0: no entry yet)."""

    student_id: int
    grade: Decimal
    version: int


@dataclass
class PreviewLine:
    row: int
    student: Student
    before: Decimal | None
    after: Decimal
    version: int

    @property
    def changes(self) -> bool:
        return self.before != self.after


@dataclass
class GradesPreview:
    """What the file would do: a line per student, or the problems that stop it."""

    file: str
    lines: list[PreviewLine] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.lines)

    @property
    def changes(self) -> int:
        return sum(line.changes for line in self.lines)

    def grade_lines(self) -> list[GradeLine]:
        return [GradeLine(line.student.pk, line.after, line.version) for line in self.lines]


def grades_read(*, cycle: ReviewCycle, teaching_group: TeachingGroup, name: str, data: bytes) -> GradesPreview:
    """Check an uploaded grades file against the group's students in this cycle; nothing is written.

    Columns: student number and grade ("leerlingnummer;cijfer" or "student number,grade").
    Every problem names the file, row and column: an unknown number, a student outside
    the group, a number twice, a grade that is empty, off the scale or not a grade.
    """
    file = PurePath(name).name or "upload.csv"
    issues = Issues()
    preview = GradesPreview(file=file)
    source = Source({file.lower(): (file, lambda: data)})
    rows = read_table(source, Table(file=file, columns=GRADES_TABLE_COLUMNS), issues)
    if rows is None:
        preview.errors = issues.as_list()
        return preview
    if not rows:
        issues.add(NO_ROWS, file=file, row=2)
        preview.errors = issues.as_list()
        return preview

    numbers = {row[NUMBER] for row in rows if row[NUMBER]}
    in_group = {
        student.number: student
        for student in policies.cycle_students(cycle)
        .filter(enrollments__teaching_group=teaching_group, number__in=numbers)
        .select_related("class_group")
    }
    in_school = set(
        Student.objects.filter(school_id=cycle.school_id, number__in=numbers - in_group.keys()).values_list(
            "number", flat=True
        )
    )
    current = {
        entry.student_id: entry
        for entry in Entry.objects.filter(
            cycle=cycle, teaching_group=teaching_group, student__in=list(in_group.values())
        ).only("student_id", "grade", "version")
    }
    duplicates = report_duplicates(rows, NUMBER)
    for row in rows:
        student = _student(row, in_group, in_school, teaching_group)
        grade = _grade(row)
        if student is None or grade is None or row[NUMBER] in duplicates:
            continue
        entry = current.get(student.pk)
        preview.lines.append(
            PreviewLine(
                row=row.number,
                student=student,
                before=entry.grade if entry else None,
                after=grade,
                version=entry.version if entry else 0,
            )
        )
    preview.errors = issues.as_list()
    return preview


def _student(row: Row, in_group: dict[str, Student], in_school: set[str], group: TeachingGroup) -> Student | None:
    number = row.text(NUMBER, required=True)
    if not number:
        return None
    if number in in_group:
        return in_group[number]
    if number in in_school:
        row.report(NUMBER, NOT_IN_GROUP, value=number, group=group.name)
    else:
        row.report(NUMBER, UNKNOWN_STUDENT, value=number)
    return None


def _grade(row: Row) -> Decimal | None:
    value = row[GRADE]
    if not value:
        row.report(GRADE, EMPTY_GRADE)
        return None
    try:
        return parse_grade(TRAILING_ZEROS.sub(r"\1", value))
    except ValidationError as error:
        row.report(GRADE, GRADE_MESSAGES.get(error.code, NOT_A_GRADE), value=value)
        return None
