"""OneRoster 1.1 CSV (bulk): orgs, academicSessions, courses, classes, users, enrollments.

How each OneRoster field lands in the roster, and the choices OneRoster leaves
open (level, department, infix), are documented in docs/roster-import.md.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

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
    SchoolOrg,
    SchoolYearRecord,
    StaffRecord,
    StudentRecord,
    SubjectRecord,
    TeachingGroupRecord,
    derived_department,
)
from .tables import (
    LEVEL_ALIASES,
    Column,
    Row,
    Source,
    Table,
    max_length,
    read_table,
    report_duplicates,
)

FORMAT = "oneroster"

MANIFEST = Table("manifest.csv", (Column("propertyName"), Column("value")))
ORGS = Table(
    "orgs.csv",
    (
        Column("sourcedId"),
        Column("status", required=False),
        Column("name"),
        Column("type"),
        Column("identifier", required=False),
        Column("parentSourcedId", required=False),
    ),
)
SESSIONS = Table(
    "academicSessions.csv",
    (
        Column("sourcedId"),
        Column("status", required=False),
        Column("title"),
        Column("type"),
        Column("startDate"),
        Column("endDate"),
        Column("parentSourcedId", required=False),
        Column("schoolYear", required=False),
    ),
)
COURSES = Table(
    "courses.csv",
    (
        Column("sourcedId"),
        Column("status", required=False),
        Column("title"),
        Column("courseCode"),
        Column("orgSourcedId"),
    ),
)
CLASSES = Table(
    "classes.csv",
    (
        Column("sourcedId"),
        Column("status", required=False),
        Column("title"),
        Column("grades", required=False),
        Column("courseSourcedId"),
        Column("classType"),
        Column("schoolSourcedId"),
        Column("termSourcedIds"),
        Column("metadata.level", required=False),
    ),
)
USERS = Table(
    "users.csv",
    (
        Column("sourcedId"),
        Column("status", required=False),
        Column("enabledUser", required=False),
        Column("orgSourcedIds"),
        Column("role"),
        Column("username"),
        Column("givenName"),
        Column("familyName"),
        Column("middleName", required=False),
        Column("identifier", required=False),
        Column("email", required=False),
        Column("agentSourcedIds", required=False),
        Column("grades", required=False),
        Column("metadata.level", required=False),
    ),
)
ENROLLMENTS = Table(
    "enrollments.csv",
    (
        Column("sourcedId"),
        Column("status", required=False),
        Column("classSourcedId"),
        Column("schoolSourcedId"),
        Column("userSourcedId"),
        Column("role"),
        Column("endDate", required=False),
    ),
)
DEMOGRAPHICS = Table("demographics.csv", (Column("sourcedId"), Column("birthDate", required=False)))
REQUIRED = (ORGS, SESSIONS, COURSES, CLASSES, USERS, ENROLLMENTS)
MARKERS = ("manifest.csv", ORGS.file, USERS.file)  # a folder with one of these is OneRoster

STAFF_ROLES = {"teacher", "administrator", "aide", "proctor"}
STUDENT_ROLES = {"student"}
GUARDIAN_ROLES = {"parent", "guardian", "relative"}
SESSION_TYPES = {"schoolyear", "term", "gradingperiod", "semester"}
CLASS_TYPES = {"homeroom", "scheduled"}
# Class titles such as "4H1", "5V2", "3M1", "2G1": year digit, then the level's letter.
TITLE_PATTERN = re.compile(r"^\s*(\d)\s*[-_ ]?\s*([a-z]*)", re.IGNORECASE)
TITLE_LETTERS = {"h": "havo", "v": "vwo", "g": "vwo", "m": "vmbo"}

DELTA_FILE = gettext_noop("Only bulk exports can be imported: the manifest marks %(name)s as a delta file.")
NO_SCHOOL = gettext_noop("orgs.csv has no org of type “school”.")
WRONG_SCHOOL = gettext_noop(
    "This export is not for this school: it has no school with sourcedId “%(source_id)s” (the school's source id). "
    "Schools in the file: %(found)s."
)
SEVERAL_SCHOOLS = gettext_noop(
    "orgs.csv has several schools (%(found)s); the school to import into must have one of these as its source id."
)
UNKNOWN_SESSION_TYPE = gettext_noop(
    "“%(value)s” is not a session type: use schoolYear, term, gradingPeriod or semester."
)
UNKNOWN_CLASS_TYPE = gettext_noop("“%(value)s” is not a class type: use homeroom or scheduled.")
UNKNOWN_ROLE = gettext_noop(
    "“%(value)s” is not a OneRoster role: use teacher, administrator, aide, proctor, student, parent, guardian "
    "or relative."
)
UNKNOWN_ENROLLMENT_ROLE = gettext_noop("“%(value)s” is not an enrolment role: use student, teacher or administrator.")
END_BEFORE_START = gettext_noop("The end date must be after the start date.")
NO_SCHOOL_YEAR = gettext_noop("academicSessions.csv has no session of type schoolYear for the classes of this school.")
SEVERAL_SCHOOL_YEARS = gettext_noop(
    "The classes of this school belong to more than one school year (%(years)s); export one school year at a time."
)
SESSION_WITHOUT_YEAR = gettext_noop(
    "This session belongs to no schoolYear session: set its parentSourcedId or its schoolYear."
)
NOT_A_STUDENT = gettext_noop("“%(value)s” is not a student of this school in users.csv.")
NOT_A_TEACHER = gettext_noop("“%(value)s” is not a member of staff of this school in users.csv.")
TWO_HOMEROOMS = gettext_noop("This student is already in homeroom class %(class)s (row %(other)s).")
ONE_YEAR_ONLY = gettext_noop("“%(value)s” names more than one year; a student is in one year (leerjaar).")


def _origin(row: Row) -> Origin:
    return Origin(row.file, row.number)


def _is_deleted(row: Row) -> bool:
    return row["status"].lower() == "tobedeleted"


def level_and_year_from_title(title: str) -> tuple[str, int | None]:
    """'4H1' → ('havo', 4); anything the pattern does not know → ('', year or None)."""
    match = TITLE_PATTERN.match(title)
    if not match:
        return "", None
    year = int(match.group(1)) or None
    letters = match.group(2).lower()
    level = LEVEL_ALIASES.get(letters) or TITLE_LETTERS.get(letters[:1], "")
    return str(level), year


@dataclass
class _Class:
    row: Row
    homeroom: bool
    record: ClassGroupRecord | TeachingGroupRecord
    people: list[str] = field(default_factory=list)  # staff codes: mentors or teachers


class OneRosterReader:
    """Reads a OneRoster 1.1 bulk export into a Roster for one school, reporting every problem."""

    def __init__(self, source: Source, issues: Issues, *, school_source_id: str, today: datetime.date) -> None:
        self.source = source
        self.issues = issues
        self.school_source_id = school_source_id
        self.today = today
        self.school_orgs: set[str] = set()  # the school and its departments
        self.departments: dict[str, DepartmentRecord] = {}  # by department org sourcedId
        self.sessions: dict[str, Row] = {}
        self._years: dict[str, str | None] = {}  # session sourcedId → its schoolYear session's
        self.subject_of_course: dict[str, str] = {}
        self.all_classes: set[str] = set()
        self.classes: dict[str, _Class] = {}  # this school's classes in the imported school year
        self.all_users: set[str] = set()
        self.disabled_users: set[str] = set()  # enabledUser=false: treated as gone, their enrolments skipped
        self.staff: dict[str, StaffRecord] = {}  # by sourcedId
        self.students: dict[str, StudentRecord] = {}
        self.student_rows: dict[str, Row] = {}
        self.guardians: dict[str, GuardianRecord] = {}
        self.agents: dict[str, set[str]] = {}  # student sourcedId → guardian sourcedIds

    def read(self) -> Roster | None:
        if not self._manifest_allows_bulk():
            return None
        self.source.require([table.file for table in REQUIRED], self.issues)
        tables = {
            table.file: read_table(self.source, table, self.issues)
            for table in REQUIRED
            if self.source.has(table.file)
        }
        demographics = read_table(self.source, DEMOGRAPHICS, self.issues) if self.source.has(DEMOGRAPHICS.file) else []
        if len(tables) < len(REQUIRED) or any(rows is None for rows in tables.values()) or demographics is None:
            return None
        tables = {name: [row for row in rows if not _is_deleted(row)] for name, rows in tables.items()}
        school = self._school(tables[ORGS.file])
        if school is None:
            return None
        school_year = self._school_year(tables[SESSIONS.file], tables[CLASSES.file])
        if school_year is None:
            return None
        roster = Roster(format=FORMAT, school=school, school_year=school_year)
        roster.periods = self._periods(tables[SESSIONS.file], school_year)
        roster.subjects = self._subjects(tables[COURSES.file])
        self._classes(tables[CLASSES.file], school_year)
        self._users(
            tables[USERS.file], {row["sourcedId"]: row.date("birthDate", day_first=False) for row in demographics}
        )
        roster.enrollments = self._enrollments(tables[ENROLLMENTS.file])
        roster.departments = self._all_departments()
        roster.staff = list(self.staff.values())
        roster.class_groups = [c.record for c in self.classes.values() if c.homeroom]
        roster.teaching_groups = [c.record for c in self.classes.values() if not c.homeroom]
        roster.students = self._finish_students()
        roster.guardians = self._finish_guardians() if self.guardians else None
        return roster

    def _manifest_allows_bulk(self) -> bool:
        if not self.source.has(MANIFEST.file):
            return True
        rows = read_table(self.source, MANIFEST, self.issues)
        if rows is None:
            return False
        ok = True
        for row in rows:
            name = row["propertyName"]
            if name.lower().startswith("file.") and row["value"].lower() == "delta":
                row.report("value", DELTA_FILE, name=f"{name[5:]}.csv")
                ok = False
        return ok

    # --- the school, its departments, the school year ---

    def _school(self, rows: list[Row]) -> SchoolOrg | None:
        report_duplicates(rows, "sourcedId")
        schools = [row for row in rows if row["type"].lower() == "school"]
        found = ", ".join(f"{row['name']} ({row['sourcedId']})" for row in schools) or "—"
        if self.school_source_id:
            chosen = next((row for row in schools if row["sourcedId"] == self.school_source_id), None)
            if chosen is None:
                self.issues.add(WRONG_SCHOOL, file=ORGS.file, source_id=self.school_source_id, found=found)
                return None
        elif not schools:
            self.issues.add(NO_SCHOOL, file=ORGS.file)
            return None
        elif len(schools) > 1:
            self.issues.add(SEVERAL_SCHOOLS, file=ORGS.file, found=found)
            return None
        else:
            chosen = schools[0]
        school_id = chosen["sourcedId"]
        self.school_orgs = {school_id}
        for row in rows:
            if row["type"].lower() == "department" and row["parentSourcedId"] == school_id:
                name = row.text("name", required=True, max_length=max_length(Department, "name"))
                self.departments[row["sourcedId"]] = DepartmentRecord(
                    name=name, source_id=row["sourcedId"], origin=_origin(row)
                )
                self.school_orgs.add(row["sourcedId"])
        report_duplicates([row for row in rows if row["sourcedId"] in self.departments], "name", str.casefold)
        return SchoolOrg(source_id=school_id, name=chosen["name"], identifier=chosen["identifier"][:10])

    def _school_year(self, session_rows: list[Row], class_rows: list[Row]) -> SchoolYearRecord | None:
        report_duplicates(session_rows, "sourcedId")
        self.sessions = {row["sourcedId"]: row for row in session_rows}
        for row in session_rows:
            if row["type"].lower() not in SESSION_TYPES:
                row.report("type", UNKNOWN_SESSION_TYPE, value=row["type"])
        years = {
            self._year_of(term_id)
            for row in class_rows
            if row["schoolSourcedId"] in self.school_orgs
            for term_id in row.split("termSourcedIds")
            if term_id in self.sessions
        } - {None}
        if not years:
            all_years = [row for row in session_rows if row["type"].lower() == "schoolyear"]
            years = {all_years[0]["sourcedId"]} if len(all_years) == 1 else set()
        if len(years) > 1:
            # An export that still holds last year's classes: the year we are in is the one to import.
            current = {year for year in years if self._contains_today(self.sessions[year])}
            years = current if len(current) == 1 else years
        if len(years) > 1:
            titles = ", ".join(sorted(self.sessions[year]["title"] for year in years))
            self.issues.add(SEVERAL_SCHOOL_YEARS, file=CLASSES.file, years=titles)
            return None
        if not years:
            self.issues.add(NO_SCHOOL_YEAR, file=SESSIONS.file)
            return None
        row = self.sessions[years.pop()]
        name = row.text("title", required=True, max_length=max_length(SchoolYear, "name"))
        start, end = self._dates(row)
        if not (name and start and end):
            return None
        return SchoolYearRecord(name=name, start_date=start, end_date=end, source_id=row["sourcedId"])

    def _year_of(self, session_id: str) -> str | None:
        """The schoolYear session a session belongs to: itself, an ancestor, or the one with its schoolYear."""
        if session_id not in self._years:
            self._years[session_id] = self._find_year(session_id)  # once: a problem is reported once
        return self._years[session_id]

    def _find_year(self, session_id: str) -> str | None:
        row = self.sessions.get(session_id)
        for _depth in range(4):  # schoolYear > semester > term > gradingPeriod at most
            if row is None:
                return None
            if row["type"].lower() == "schoolyear":
                return row["sourcedId"]
            parent = self.sessions.get(row["parentSourcedId"])
            if parent is None:
                break
            row = parent
        same_year = [
            r["sourcedId"]
            for r in self.sessions.values()
            if r["type"].lower() == "schoolyear" and r["schoolYear"] and r["schoolYear"] == row["schoolYear"]
        ]
        if len(same_year) == 1:
            return same_year[0]
        row.report("parentSourcedId", SESSION_WITHOUT_YEAR)
        return None

    def _contains_today(self, row: Row) -> bool:
        start, end = row.date("startDate", day_first=False), row.date("endDate", day_first=False)
        return bool(start and end and start <= self.today <= end)

    def _dates(self, row: Row) -> tuple[datetime.date | None, datetime.date | None]:
        row.text("startDate", required=True)
        row.text("endDate", required=True)
        start, end = row.date("startDate", day_first=False), row.date("endDate", day_first=False)
        if start and end and end <= start:
            row.report("endDate", END_BEFORE_START)
            return None, None
        return start, end

    def _periods(self, rows: list[Row], school_year: SchoolYearRecord) -> list[PeriodRecord]:
        terms = [
            row
            for row in rows
            if row["type"].lower() in SESSION_TYPES - {"schoolyear"}
            and self._year_of(row["sourcedId"]) == school_year.source_id
        ]
        report_duplicates(terms, "title", str.casefold)
        periods = []
        for row in terms:
            name = row.text("title", required=True, max_length=max_length(Period, "name"))
            start, end = self._dates(row)
            if name and start and end:
                periods.append(
                    PeriodRecord(
                        name=name, start_date=start, end_date=end, source_id=row["sourcedId"], origin=_origin(row)
                    )
                )
        return periods

    def _all_departments(self) -> list[DepartmentRecord]:
        """The department orgs plus the derived ones homeroom classes fall back to."""
        departments = {record.name.casefold(): record for record in self.departments.values()}
        for group in self.classes.values():
            if group.homeroom:
                departments.setdefault(
                    group.record.department.casefold(), DepartmentRecord(name=group.record.department)
                )
        return list(departments.values())

    # --- courses and classes ---

    def _subjects(self, rows: list[Row]) -> list[SubjectRecord]:
        """One subject per courseCode: a course repeated per year or grade is one subject."""
        report_duplicates(rows, "sourcedId")
        subjects: dict[str, SubjectRecord] = {}
        for row in rows:
            if row["orgSourcedId"] not in self.school_orgs:
                continue
            code = row.text("courseCode", required=True, max_length=max_length(Subject, "code"))
            name = row.text("title", required=True, max_length=max_length(Subject, "name"))
            if not code:
                continue
            record = subjects.setdefault(
                code.casefold(), SubjectRecord(code=code, name=name, source_id=row["sourcedId"], origin=_origin(row))
            )
            self.subject_of_course[row["sourcedId"]] = record.code
        return list(subjects.values())

    def _classes(self, rows: list[Row], school_year: SchoolYearRecord) -> None:
        report_duplicates(rows, "sourcedId")
        self.all_classes = {row["sourcedId"] for row in rows}
        mine = []
        for row in rows:
            if row["schoolSourcedId"] not in self.school_orgs:
                continue
            terms = row.split("termSourcedIds")
            for term in terms:
                row.reference("termSourcedIds", term, self.sessions, SESSIONS.file)
            if not any(self._year_of(term) == school_year.source_id for term in terms if term in self.sessions):
                continue  # another school year's class
            class_type = row["classType"].lower()
            if class_type not in CLASS_TYPES:
                row.report("classType", UNKNOWN_CLASS_TYPE, value=row["classType"])
                continue
            mine.append(row)
            record = self._homeroom(row) if class_type == "homeroom" else self._scheduled(row)
            self.classes[row["sourcedId"]] = _Class(row=row, homeroom=class_type == "homeroom", record=record)
        for homeroom in (True, False):
            report_duplicates([c.row for c in self.classes.values() if c.homeroom is homeroom], "title", str.casefold)

    def _homeroom(self, row: Row) -> ClassGroupRecord:
        name = row.text("title", required=True, max_length=max_length(ClassGroup, "name"))
        title_level, title_year = level_and_year_from_title(name)
        grades = row.split("grades")
        year = row.year("grades", grades[0]) if len(grades) == 1 else title_year
        level = row.level("metadata.level") or title_level
        department = self.departments.get(row["schoolSourcedId"])
        return ClassGroupRecord(
            name=name,
            department=department.name if department else derived_department(level, year),
            level=level,
            year=year,
            source_id=row["sourcedId"],
            origin=_origin(row),
        )

    def _scheduled(self, row: Row) -> TeachingGroupRecord:
        name = row.text("title", required=True, max_length=max_length(TeachingGroup, "name"))
        course = row.text("courseSourcedId", required=True)
        subject = ""
        if course and row.reference("courseSourcedId", course, self.subject_of_course, COURSES.file):
            subject = self.subject_of_course[course]
        return TeachingGroupRecord(name=name, subject=subject, source_id=row["sourcedId"], origin=_origin(row))

    # --- users ---

    def _users(self, rows: list[Row], birth_dates: dict[str, datetime.date | None]) -> None:
        report_duplicates(rows, "sourcedId")
        self.all_users = {row["sourcedId"] for row in rows}
        mine = [row for row in rows if set(row.split("orgSourcedIds")) & self.school_orgs]
        self.disabled_users = {row["sourcedId"] for row in mine if row["enabledUser"].lower() == "false"}
        mine = [row for row in mine if row["sourcedId"] not in self.disabled_users]
        for row in mine:
            role = row["role"].lower()
            if role in STAFF_ROLES:
                self.staff[row["sourcedId"]] = self._staff(row)
            elif role in STUDENT_ROLES:
                self.students[row["sourcedId"]] = self._student(row, birth_dates.get(row["sourcedId"]))
                self.student_rows[row["sourcedId"]] = row
            elif role in GUARDIAN_ROLES:
                self.guardians[row["sourcedId"]] = self._guardian(row)
            else:
                row.report("role", UNKNOWN_ROLE, value=row["role"])
        staff_rows = [row for row in mine if row["sourcedId"] in self.staff]
        report_duplicates(staff_rows, lambda row: "identifier" if row["identifier"] else "username", str.casefold)
        report_duplicates(staff_rows, lambda row: "email" if row["email"] else "username", str.casefold)
        report_duplicates(list(self.student_rows.values()), "identifier")
        for row in mine:
            for agent in row.split("agentSourcedIds"):
                if row.reference("agentSourcedIds", agent, self.all_users, USERS.file):
                    self._link(row["sourcedId"], agent)

    def _link(self, one: str, other: str) -> None:
        """agentSourcedIds may be on the student, on the guardian, or on both."""
        if one in self.students and other in self.guardians:
            self.agents.setdefault(one, set()).add(other)
        elif one in self.guardians and other in self.students:
            self.agents.setdefault(other, set()).add(one)

    @staticmethod
    def _names(row: Row) -> dict[str, str]:
        # OneRoster has no infix; Dutch exports put the tussenvoegsel ("van der") in middleName.
        return {
            "first_name": row.text("givenName", required=True, max_length=max_length(Student, "first_name")),
            "infix": row.text("middleName", max_length=max_length(Student, "infix")),
            "last_name": row.text("familyName", required=True, max_length=max_length(Student, "last_name")),
        }

    @staticmethod
    def _login(row: Row) -> tuple[str, str]:
        """(e-mail, login name): the e-mail address, or the OneRoster username when there is none."""
        email = row.email("email")
        if email:
            return email, row.login_name("email", email)
        username = row.text("username", required=True).lower()
        return "", row.login_name("username", username)

    def _staff(self, row: Row) -> StaffRecord:
        column = "identifier" if row["identifier"] else "username"
        code = row.text(column, required=True, max_length=max_length(Staff, "code"))
        email, username = self._login(row)
        return StaffRecord(
            code=code,
            **self._names(row),
            email=email,
            username=username,
            source_id=row["sourcedId"],
            origin=_origin(row),
        )

    def _student(self, row: Row, birth_date: datetime.date | None) -> StudentRecord:
        number = row.text("identifier", required=True, max_length=max_length(Student, "number"))
        row.login_name("identifier", number)
        grades = row.split("grades")
        if len(set(grades)) > 1:
            row.report("grades", ONE_YEAR_ONLY, value=row["grades"])
        return StudentRecord(
            number=number,
            **self._names(row),
            date_of_birth=birth_date,
            level=row.level("metadata.level"),
            year=row.year("grades", grades[0]) if grades else None,
            email=row.email("email"),
            source_id=row["sourcedId"],
            origin=_origin(row),
        )

    def _guardian(self, row: Row) -> GuardianRecord:
        email, username = self._login(row)
        return GuardianRecord(
            username=username, email=email, **self._names(row), source_id=row["sourcedId"], origin=_origin(row)
        )

    # --- enrolments ---

    def _enrollments(self, rows: list[Row]) -> set[tuple[str, str]]:
        report_duplicates(rows, "sourcedId")
        enrollments = set()
        homeroom_rows: dict[str, Row] = {}
        for row in rows:
            class_id, user_id, role = row["classSourcedId"], row["userSourcedId"], row["role"].lower()
            known_class = row.reference("classSourcedId", class_id, self.all_classes, CLASSES.file)
            known_user = row.reference("userSourcedId", user_id, self.all_users, USERS.file)
            group = self.classes.get(class_id)
            if not (known_class and known_user and group) or self._ended(row) or user_id in self.disabled_users:
                continue  # unknown (reported), another school's or year's class, over, or a disabled user
            if role == "student":
                student = self._enrolled(row, self.students, NOT_A_STUDENT)
                if student is None:
                    continue
                if not group.homeroom:
                    enrollments.add((group.record.name, student.number))
                elif student.class_group and student.class_group != group.record.name:
                    row.report(
                        "classSourcedId",
                        TWO_HOMEROOMS,
                        **{"class": student.class_group, "other": homeroom_rows[user_id].number},
                    )
                else:
                    student.class_group = group.record.name
                    homeroom_rows[user_id] = row
            elif role == "teacher":
                staff = self._enrolled(row, self.staff, NOT_A_TEACHER)
                if staff is not None and staff.code not in group.people:
                    group.people.append(staff.code)
            elif role not in {"administrator", "proctor", "aide"}:
                row.report("role", UNKNOWN_ENROLLMENT_ROLE, value=row["role"])
        for group in self.classes.values():
            if group.homeroom:
                group.record.mentors = tuple(group.people)
            else:
                group.record.teachers = tuple(group.people)
        return enrollments

    def _ended(self, row: Row) -> bool:
        end = row.date("endDate", day_first=False)
        return end is not None and end < self.today

    @staticmethod
    def _enrolled(row: Row, people: dict, message: str):
        person = people.get(row["userSourcedId"])
        if person is None:
            row.report("userSourcedId", message, value=row["userSourcedId"])
        return person

    def _finish_students(self) -> list[StudentRecord]:
        """Level and year default to the homeroom class's, so a title like '4H1' is enough."""
        homerooms = {c.record.name: c.record for c in self.classes.values() if c.homeroom}
        for student in self.students.values():
            homeroom = homerooms.get(student.class_group)
            if homeroom is not None:
                student.level = student.level or homeroom.level
                student.year = student.year or homeroom.year
        return list(self.students.values())

    def _finish_guardians(self) -> list[GuardianRecord]:
        """Guardians with their children's numbers; two guardians sharing one e-mail share one login."""
        for student_id, guardian_ids in self.agents.items():
            number = self.students[student_id].number
            for guardian_id in sorted(guardian_ids):
                guardian = self.guardians[guardian_id]
                guardian.students = (*guardian.students, number)
        merged: dict[str, GuardianRecord] = {}
        for guardian in self.guardians.values():
            record = merged.setdefault(guardian.username, guardian)
            if record is not guardian:
                record.students = (*record.students, *guardian.students)
        for record in merged.values():
            record.students = tuple(dict.fromkeys(record.students))
        return [record for record in merged.values() if record.username]
