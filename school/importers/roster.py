"""The normalised roster both formats produce, so that writing it is one code path.

Records refer to each other by natural key (staff code, class name, subject code,
student number), never by a format's own ids; the writer matches them to existing
rows by source_id first and natural key second.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# The kinds of rows an import reports counts for, in this order, with the labels the page shows.
ENTITIES = {
    "school_years": _("School years"),
    "periods": _("Periods"),
    "departments": _("Departments"),
    "subjects": _("Subjects"),
    "staff": _("Staff"),
    "class_groups": _("Class groups"),
    "teaching_groups": _("Teaching groups"),
    "students": _("Students"),
    "enrollments": _("Enrolments"),
    "guardians": _("Parents and guardians"),
}


@dataclass(frozen=True)
class Origin:
    """Where a record came from, so errors found while writing still name file and row."""

    file: str
    row: int


@dataclass
class SchoolOrg:
    """The school a OneRoster file describes (the simple set names none)."""

    source_id: str
    name: str
    identifier: str = ""  # BRIN code in Dutch exports


@dataclass
class SchoolYearRecord:
    name: str  # "2026-2027"
    start_date: datetime.date
    end_date: datetime.date
    source_id: str = ""
    # Derived from today's date because the file gave none: never overwrite the dates of an existing year.
    derived: bool = False


@dataclass
class PeriodRecord:
    name: str
    start_date: datetime.date
    end_date: datetime.date
    source_id: str = ""
    origin: Origin | None = field(default=None, compare=False)


@dataclass
class DepartmentRecord:
    name: str
    source_id: str = ""
    team_leaders: tuple[str, ...] | None = None  # staff codes; None keeps the current team leaders
    origin: Origin | None = field(default=None, compare=False)


@dataclass
class StaffRecord:
    code: str
    first_name: str
    infix: str
    last_name: str
    email: str
    username: str  # the login name
    source_id: str = ""
    is_school_admin: bool | None = None  # None keeps the current flag (OneRoster has no such role)
    is_care_coordinator: bool | None = None
    origin: Origin | None = field(default=None, compare=False)


@dataclass
class SubjectRecord:
    code: str
    name: str
    source_id: str = ""
    origin: Origin | None = field(default=None, compare=False)


@dataclass
class ClassGroupRecord:
    name: str
    department: str  # department name
    level: str = ""
    year: int | None = None
    mentors: tuple[str, ...] = ()  # staff codes
    source_id: str = ""
    origin: Origin | None = field(default=None, compare=False)


@dataclass
class TeachingGroupRecord:
    name: str
    subject: str  # subject code
    teachers: tuple[str, ...] = ()  # staff codes
    source_id: str = ""
    origin: Origin | None = field(default=None, compare=False)


@dataclass
class StudentRecord:
    number: str
    first_name: str
    infix: str
    last_name: str
    date_of_birth: datetime.date | None = None
    level: str = ""
    year: int | None = None
    class_group: str = ""  # class name, "" for none
    email: str = ""
    source_id: str = ""
    origin: Origin | None = field(default=None, compare=False)


@dataclass
class GuardianRecord:
    username: str  # the login name: the e-mail address, lower case
    email: str
    first_name: str
    infix: str
    last_name: str
    students: tuple[str, ...] = ()  # student numbers
    source_id: str = ""
    origin: Origin | None = field(default=None, compare=False)


@dataclass
class Roster:
    format: str  # "oneroster" or "simple"
    school_year: SchoolYearRecord
    school: SchoolOrg | None = None
    periods: list[PeriodRecord] = field(default_factory=list)
    departments: list[DepartmentRecord] = field(default_factory=list)
    staff: list[StaffRecord] = field(default_factory=list)
    subjects: list[SubjectRecord] = field(default_factory=list)
    class_groups: list[ClassGroupRecord] = field(default_factory=list)
    teaching_groups: list[TeachingGroupRecord] = field(default_factory=list)
    students: list[StudentRecord] = field(default_factory=list)
    enrollments: set[tuple[str, str]] = field(default_factory=set)  # (teaching group name, student number)
    # None: the upload has no guardians file, so the guardians stay as they are.
    guardians: list[GuardianRecord] | None = None


def full_last_name(infix: str, last_name: str) -> str:
    """User has no infix field: 'van der' + 'Berg' is stored as last name 'van der Berg'."""
    return f"{infix} {last_name}".strip()


# The last year of the lower school ("onderbouw") per level; later years are the upper school.
_LAST_LOWER_YEAR = {"vmbo": 2, "havo": 3, "vwo": 3}


def derived_department(level: str, year: int | None) -> str:
    """The department of a class group whose file names none: 'Onderbouw', 'Bovenbouw havo', ...

    Dutch secondary schools are organised this way; a school that is not can name
    its departments in the file.
    """
    if level == "po":
        return "Primair onderwijs"
    if level == "mbo":
        return "mbo"
    if year is None:
        return "Algemeen"
    if year <= _LAST_LOWER_YEAR.get(level, 3):
        return "Onderbouw"
    return f"Bovenbouw {level}".strip()
