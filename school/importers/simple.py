"""The simple CSV set: Dutch headers, as a school's own Excel export has them (docs/roster-import.md)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_noop

from school.models import ClassGroup, Department, Period, SchoolYear, Staff, Student, Subject, TeachingGroup

from .issues import Issues
from .roster import (
    ClassGroupRecord,
    DepartmentRecord,
    GuardianRecord,
    Origin,
    PeriodRecord,
    Roster,
    SchoolYearRecord,
    StaffRecord,
    StudentRecord,
    SubjectRecord,
    TeachingGroupRecord,
    derived_department,
)
from .tables import Column, Row, Source, Table, max_length, normalise_header, read_table, report_duplicates

FORMAT = "simple"

SCHOOL_YEAR = Table("schooljaar.csv", (Column("schooljaar"), Column("begindatum"), Column("einddatum")))
PERIODS = Table("perioden.csv", (Column("periode"), Column("begindatum"), Column("einddatum")))
DEPARTMENTS = Table(
    "afdelingen.csv", (Column("afdeling", aliases=("bouw",)), Column("teamleiders", aliases=("teamleider",)))
)
STAFF = Table(
    "medewerkers.csv",
    (
        Column("code", aliases=("afkorting", "docentcode")),
        Column("voornaam", aliases=("roepnaam",)),
        Column("tussenvoegsel", required=False, aliases=("tussenvoegsels",)),
        Column("achternaam"),
        Column("e-mail", aliases=("e-mailadres",)),
        Column("rollen", required=False, aliases=("rol",)),
    ),
)
SUBJECTS = Table("vakken.csv", (Column("code", aliases=("vakcode", "afkorting")), Column("naam", aliases=("vak",))))
CLASS_GROUPS = Table(
    "klassen.csv",
    (
        Column("klas", aliases=("mentorgroep", "stamgroep")),
        Column("afdeling", required=False, aliases=("bouw",)),
        Column("niveau", required=False),
        Column("leerjaar", required=False),
        Column("mentoren", required=False, aliases=("mentor",)),
    ),
)
STUDENTS = Table(
    "leerlingen.csv",
    (
        Column("leerlingnummer", aliases=("leerlingnr", "stamnummer")),
        Column("voornaam", aliases=("roepnaam",)),
        Column("tussenvoegsel", required=False, aliases=("tussenvoegsels",)),
        Column("achternaam"),
        Column("geboortedatum", required=False),
        Column("niveau", required=False),
        Column("leerjaar", required=False),
        Column("klas", aliases=("mentorgroep", "stamgroep")),
        Column("e-mail", required=False, aliases=("e-mailadres",)),
    ),
)
TEACHING_GROUPS = Table(
    "lesgroepen.csv",
    (Column("lesgroep"), Column("vak", aliases=("vakcode",)), Column("docenten", required=False, aliases=("docent",))),
)
ENROLLMENTS = Table("inschrijvingen.csv", (Column("lesgroep"), Column("leerlingnummer", aliases=("leerlingnr",))))
GUARDIANS = Table(
    "ouders.csv",
    (
        Column("e-mail", aliases=("e-mailadres",)),
        Column("voornaam", aliases=("roepnaam",)),
        Column("tussenvoegsel", required=False, aliases=("tussenvoegsels",)),
        Column("achternaam"),
        Column("leerlingnummers", aliases=("leerlingnummer", "leerlingnr")),
    ),
)
REQUIRED = (STAFF, SUBJECTS, CLASS_GROUPS, STUDENTS, TEACHING_GROUPS, ENROLLMENTS)
OPTIONAL = (SCHOOL_YEAR, PERIODS, DEPARTMENTS, GUARDIANS)
MARKER = STUDENTS.file  # a folder with this file is a simple set

# Compared after normalise_header: "Zorgcoördinator" and "zorg-coordinator" are one role.
ROLE_ADMIN = {"beheerder", "schoolbeheerder", "admin"}
ROLE_CARE = {"zorgcoordinator", "zorg", "ib", "iber", "internbegeleider"}
# Roles that follow from the other files; accepted here so an export that lists them still imports.
ROLE_ELSEWHERE = {"docent", "vakdocent", "mentor", "teamleider"}

ONE_ROW = gettext_noop("This file must have exactly one row below the header: the school year.")
END_BEFORE_START = gettext_noop("The end date must be after the start date.")
UNKNOWN_ROLE = gettext_noop("“%(value)s” is not a known role: use beheerder or zorgcoordinator (or leave it empty).")
PERIOD_OUTSIDE_YEAR = gettext_noop("This period does not lie within the school year %(year)s.")


def current_school_year(today: datetime.date) -> SchoolYearRecord:
    """The Dutch school year around today (1 August to 31 July), for a set without schooljaar.csv."""
    start = today.year if today.month >= 8 else today.year - 1
    return SchoolYearRecord(
        name=f"{start}-{start + 1}",
        start_date=datetime.date(start, 8, 1),
        end_date=datetime.date(start + 1, 7, 31),
        derived=True,
    )


def _origin(row: Row) -> Origin:
    return Origin(row.file, row.number)


def _key(value: str) -> str:
    """Codes and names are matched case-insensitively across files ('jns' in klassen.csv is JNS)."""
    return value.casefold()


def _names(row: Row) -> dict[str, str]:
    """First name, infix and last name; the student's limits apply to everyone, so they fit User too."""
    return {
        "first_name": row.text("voornaam", required=True, max_length=max_length(Student, "first_name")),
        "infix": row.text("tussenvoegsel", max_length=max_length(Student, "infix")),
        "last_name": row.text("achternaam", required=True, max_length=max_length(Student, "last_name")),
    }


class SimpleReader:
    """Reads the simple set into a Roster, reporting every problem it finds on the way."""

    def __init__(self, source: Source, issues: Issues, *, today: datetime.date) -> None:
        self.source = source
        self.issues = issues
        self.today = today
        self.staff_codes: dict[str, str] = {}  # casefolded → as written in medewerkers.csv
        self.subject_codes: dict[str, str] = {}
        self.class_names: dict[str, ClassGroupRecord] = {}
        self.group_names: dict[str, str] = {}  # casefolded → as in lesgroepen.csv
        self.student_numbers: set[str] = set()

    def read(self) -> Roster | None:
        present = self.source.require([table.file for table in REQUIRED], self.issues)
        tables = {
            table.file: read_table(self.source, table, self.issues)
            for table in (*REQUIRED, *OPTIONAL)
            if self.source.has(table.file)
        }
        if not present or any(rows is None for rows in tables.values()):
            return None
        roster = Roster(format=FORMAT, school_year=self._school_year(tables.get(SCHOOL_YEAR.file)))
        roster.periods = self._periods(tables.get(PERIODS.file) or [], roster.school_year)
        roster.staff = self._staff(tables[STAFF.file])
        roster.subjects = self._subjects(tables[SUBJECTS.file])
        listed_departments = self._departments(tables.get(DEPARTMENTS.file))
        roster.class_groups = self._class_groups(tables[CLASS_GROUPS.file], listed_departments)
        roster.departments = self._all_departments(listed_departments, roster.class_groups)
        roster.students = self._students(tables[STUDENTS.file])
        roster.teaching_groups = self._teaching_groups(tables[TEACHING_GROUPS.file])
        roster.enrollments = self._enrollments(tables[ENROLLMENTS.file])
        if GUARDIANS.file in tables:
            roster.guardians = self._guardians(tables[GUARDIANS.file])
        return roster

    # --- school year and periods ---

    def _school_year(self, rows: list[Row] | None) -> SchoolYearRecord:
        if rows is None:
            return current_school_year(self.today)
        if len(rows) != 1:
            self.issues.add(ONE_ROW, file=SCHOOL_YEAR.file)
            return current_school_year(self.today)
        row = rows[0]
        name = row.text("schooljaar", required=True, max_length=max_length(SchoolYear, "name"))
        start, end = self._dates(row)
        if not (name and start and end):
            return current_school_year(self.today)
        return SchoolYearRecord(name=name, start_date=start, end_date=end)

    def _dates(self, row: Row) -> tuple[datetime.date | None, datetime.date | None]:
        row.text("begindatum", required=True)
        row.text("einddatum", required=True)
        start, end = row.date("begindatum"), row.date("einddatum")
        if start and end and end <= start:
            row.report("einddatum", END_BEFORE_START)
            return None, None
        return start, end

    def _periods(self, rows: list[Row], year: SchoolYearRecord) -> list[PeriodRecord]:
        report_duplicates(rows, "periode", _key)
        periods = []
        for row in rows:
            name = row.text("periode", required=True, max_length=max_length(Period, "name"))
            start, end = self._dates(row)
            if start and end and not year.derived and (start < year.start_date or end > year.end_date):
                row.report("begindatum", PERIOD_OUTSIDE_YEAR, year=year.name)
            if name and start and end:
                periods.append(PeriodRecord(name=name, start_date=start, end_date=end, origin=_origin(row)))
        return periods

    # --- people and subjects ---

    def _staff(self, rows: list[Row]) -> list[StaffRecord]:
        report_duplicates(rows, "code", _key)
        report_duplicates(rows, "e-mail", _key)
        has_roles = "rollen" in rows[0].headers if rows else False
        staff = []
        for row in rows:
            code = row.text("code", required=True, max_length=max_length(Staff, "code"))
            email = row.login_name("e-mail", row.email("e-mail", required=True))
            admin, care = self._roles(row) if has_roles else (None, None)
            record = StaffRecord(
                code=code,
                **_names(row),
                email=email,
                username=email,
                is_school_admin=admin,
                is_care_coordinator=care,
                origin=_origin(row),
            )
            self.staff_codes.setdefault(_key(code), code)
            staff.append(record)
        return staff

    @staticmethod
    def _roles(row: Row) -> tuple[bool, bool]:
        """The two school-wide flags from 'rollen' ('beheerder, zorgcoördinator')."""
        roles = set()
        for value in row.split("rollen"):
            role = normalise_header(value)
            if role not in ROLE_ADMIN | ROLE_CARE | ROLE_ELSEWHERE:
                row.report("rollen", UNKNOWN_ROLE, value=value)
            roles.add(role)
        return bool(roles & ROLE_ADMIN), bool(roles & ROLE_CARE)

    def _staff_refs(self, row: Row, column: str) -> tuple[str, ...]:
        """Staff codes in a list cell, as medewerkers.csv writes them; unknown ones reported."""
        codes = [
            self.staff_codes[_key(value)]
            for value in row.split(column)
            if row.reference(column, value, self.staff_codes, STAFF.file, _key)
        ]
        return tuple(dict.fromkeys(codes))

    def _subjects(self, rows: list[Row]) -> list[SubjectRecord]:
        report_duplicates(rows, "code", _key)
        subjects = []
        for row in rows:
            code = row.text("code", required=True, max_length=max_length(Subject, "code"))
            name = row.text("naam", required=True, max_length=max_length(Subject, "name"))
            self.subject_codes.setdefault(_key(code), code)
            subjects.append(SubjectRecord(code=code, name=name, origin=_origin(row)))
        return subjects

    # --- departments and groups ---

    def _departments(self, rows: list[Row] | None) -> dict[str, DepartmentRecord] | None:
        """The departments afdelingen.csv lists (keyed casefolded), or None without that file."""
        if rows is None:
            return None
        report_duplicates(rows, "afdeling", _key)
        departments = {}
        for row in rows:
            name = row.text("afdeling", required=True, max_length=max_length(Department, "name"))
            leaders = self._staff_refs(row, "teamleiders")
            departments.setdefault(_key(name), DepartmentRecord(name=name, team_leaders=leaders, origin=_origin(row)))
        return departments

    def _class_groups(
        self, rows: list[Row], departments: dict[str, DepartmentRecord] | None
    ) -> list[ClassGroupRecord]:
        report_duplicates(rows, "klas", _key)
        groups = []
        for row in rows:
            name = row.text("klas", required=True, max_length=max_length(ClassGroup, "name"))
            level, year = row.level("niveau"), row.year("leerjaar")
            department = row.text("afdeling", max_length=max_length(Department, "name"))
            listed = departments is not None and bool(department)
            if listed and row.reference("afdeling", department, departments, DEPARTMENTS.file, _key):
                department = departments[_key(department)].name
            record = ClassGroupRecord(
                name=name,
                department=department or derived_department(level, year),
                level=level,
                year=year,
                mentors=self._staff_refs(row, "mentoren"),
                origin=_origin(row),
            )
            self.class_names.setdefault(_key(name), record)
            groups.append(record)
        return groups

    @staticmethod
    def _all_departments(
        listed: dict[str, DepartmentRecord] | None, groups: list[ClassGroupRecord]
    ) -> list[DepartmentRecord]:
        """The listed departments plus those the class groups name or derive (team leaders kept)."""
        departments = dict(listed or {})
        for group in groups:
            departments.setdefault(_key(group.department), DepartmentRecord(name=group.department))
        return list(departments.values())

    def _teaching_groups(self, rows: list[Row]) -> list[TeachingGroupRecord]:
        report_duplicates(rows, "lesgroep", _key)
        groups = []
        for row in rows:
            name = row.text("lesgroep", required=True, max_length=max_length(TeachingGroup, "name"))
            subject = row.text("vak", required=True)
            if subject and row.reference("vak", subject, self.subject_codes, SUBJECTS.file, _key):
                subject = self.subject_codes[_key(subject)]
            teachers = self._staff_refs(row, "docenten")
            self.group_names.setdefault(_key(name), name)
            groups.append(TeachingGroupRecord(name=name, subject=subject, teachers=teachers, origin=_origin(row)))
        return groups

    # --- students, enrolments and guardians ---

    def _students(self, rows: list[Row]) -> list[StudentRecord]:
        report_duplicates(rows, "leerlingnummer")
        students = []
        for row in rows:
            number = row.text("leerlingnummer", required=True, max_length=max_length(Student, "number"))
            row.login_name("leerlingnummer", number)
            class_name = row["klas"]
            group = None
            if class_name and row.reference("klas", class_name, self.class_names, CLASS_GROUPS.file, _key):
                group = self.class_names[_key(class_name)]
            students.append(
                StudentRecord(
                    number=number,
                    **_names(row),
                    date_of_birth=row.date("geboortedatum"),
                    # A student's level and year default to their class's.
                    level=row.level("niveau") or (group.level if group else ""),
                    year=row.year("leerjaar") or (group.year if group else None),
                    class_group=group.name if group else "",
                    email=row.email("e-mail"),
                    origin=_origin(row),
                )
            )
            self.student_numbers.add(number)
        return students

    def _enrollments(self, rows: list[Row]) -> set[tuple[str, str]]:
        enrollments = set()
        for row in rows:
            group = row.text("lesgroep", required=True)
            number = row.text("leerlingnummer", required=True)
            known_group = bool(group) and row.reference(
                "lesgroep", group, self.group_names, TEACHING_GROUPS.file, _key
            )
            known_student = bool(number) and row.reference(
                "leerlingnummer", number, self.student_numbers, STUDENTS.file
            )
            if known_group and known_student:
                enrollments.add((self.group_names[_key(group)], number))
        return enrollments

    def _guardians(self, rows: list[Row]) -> list[GuardianRecord]:
        """One row per guardian, or one per guardian and child: rows with the same e-mail are merged."""
        guardians: dict[str, GuardianRecord] = {}
        for row in rows:
            email = row.login_name("e-mail", row.email("e-mail", required=True))
            names = _names(row)
            row.text("leerlingnummers", required=True)
            numbers = [
                number
                for number in row.split("leerlingnummers")
                if row.reference("leerlingnummers", number, self.student_numbers, STUDENTS.file)
            ]
            if not email:
                continue
            record = guardians.setdefault(
                email, GuardianRecord(username=email, email=email, **names, origin=_origin(row))
            )
            record.students = tuple(dict.fromkeys((*record.students, *numbers)))
        return list(guardians.values())
