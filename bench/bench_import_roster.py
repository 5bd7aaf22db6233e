"""`import_roster_2000_s`: the roster import of 2,000 students, 150 staff and 20,000 enrolments (budget ≤ 20 s).

Generates a OneRoster 1.1 CSV export of that size (80 homerooms of 25 students,
10 teaching groups per homeroom, a parent per student) into a temporary folder
and times the real import (not a dry run) into a throwaway school on the
configured database. Also reported: its dry run before (what the upload page's
preview costs) and the same import again (nothing changes).

    python bench/bench_import_roster.py      # alone, on the configured database
"""

from __future__ import annotations

import csv
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

STUDENTS_PER_CLASS = 25
SUBJECTS = [
    ("ne", "Nederlands"),
    ("en", "Engels"),
    ("wi", "Wiskunde"),
    ("du", "Duits"),
    ("fa", "Frans"),
    ("gs", "Geschiedenis"),
    ("ak", "Aardrijkskunde"),
    ("bi", "Biologie"),
    ("na", "Natuurkunde"),
    ("sk", "Scheikunde"),
    ("ec", "Economie"),
    ("lo", "Lichamelijke opvoeding"),
    ("ckv", "CKV"),
    ("maw", "Maatschappijwetenschappen"),
]
GROUPS_PER_CLASS = 10
STAFF = 150
# (level letter, level, years) of the homerooms' names.
STREAMS = [("H", "havo", range(1, 6)), ("V", "vwo", range(1, 7)), ("M", "vmbo", range(1, 5))]
CLASSES = 80  # x 25 students = 2,000; x 10 teaching groups x 25 = 20,000 student enrolments
CLASSES_PER_YEAR = 6  # 90 possible names, of which the first 80 are used


def _write(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def write_export(folder: Path, *, org: str) -> dict[str, int]:
    """A OneRoster 1.1 bulk export; returns how many students, staff and student enrolments it holds."""
    homerooms = [
        f"{year}{letter}{n}"
        for letter, _level, years in STREAMS
        for year in years
        for n in range(1, CLASSES_PER_YEAR + 1)
    ][:80]
    _write(
        folder,
        "orgs.csv",
        ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
        [[org, "", "", "Benchcollege", "school", "99XX", ""]],
    )
    _write(
        folder,
        "academicSessions.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "type",
            "startDate",
            "endDate",
            "parentSourcedId",
            "schoolYear",
        ],
        [["sy", "", "", "2026-2027", "schoolYear", "2026-08-24", "2027-07-16", "", "2027"]]
        + [
            [
                f"t{n}",
                "",
                "",
                f"Periode {n}",
                "term",
                f"2026-{7 + 2 * n:02d}-01",
                f"2026-{8 + 2 * n:02d}-28",
                "sy",
                "2027",
            ]
            for n in range(1, 3)
        ],
    )
    _write(
        folder,
        "courses.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "schoolYearSourcedId",
            "title",
            "courseCode",
            "grades",
            "orgSourcedId",
        ],
        [[f"c-{code}", "", "", "sy", name, code, "", org] for code, name in SUBJECTS],
    )
    user_header = [
        "sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username", "userIds",
        "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades",
    ]  # fmt: skip
    users = [
        [f"u-t{n}", "", "", "true", org, "teacher", f"t{n}", "", "Docent", f"Nummer{n}", "", f"D{n:03d}",
         f"docent{n}@{org}.test", "", "", "", ""]
        for n in range(STAFF)
    ]  # fmt: skip
    classes, enrollments = [], []

    def enrol(class_id: str, user_id: str, role: str) -> None:
        enrollments.append([f"e{len(enrollments)}", "", "", class_id, org, user_id, role, "", "", ""])

    number = 100000
    student_enrolments = 0
    for index, homeroom in enumerate(homerooms):
        classes.append([f"h-{homeroom}", "", "", homeroom, f"{homeroom[0]}", "", "", "homeroom", "", org, "t1"])
        enrol(f"h-{homeroom}", f"u-t{index % STAFF}", "teacher")
        students = []
        for _ in range(STUDENTS_PER_CLASS):
            number += 1
            students.append(f"u-s{number}")
            users.append(
                [f"u-s{number}", "", "", "true", org, "student", f"s{number}", "", "Leerling", f"Achternaam{number}",
                 "van", str(number), f"{number}@leerling.{org}.test", "", "", f"u-p{number}", homeroom[0]]
            )  # fmt: skip
            users.append(
                [f"u-p{number}", "", "", "true", org, "parent", f"p{number}", "", "Ouder", f"Achternaam{number}",
                 "", "", f"ouder{number}@{org}.test", "", "", "", ""]
            )  # fmt: skip
            enrol(f"h-{homeroom}", f"u-s{number}", "student")
        for n, (code, _name) in enumerate(SUBJECTS[:GROUPS_PER_CLASS]):
            group = f"{homeroom}-{code}"
            classes.append([f"g-{group}", "", "", group, "", f"c-{code}", "", "scheduled", "", org, "t1,t2"])
            enrol(f"g-{group}", f"u-t{(index * GROUPS_PER_CLASS + n) % STAFF}", "teacher")
            for student in students:
                enrol(f"g-{group}", student, "student")
                student_enrolments += 1
    class_header = [
        "sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType",
        "location", "schoolSourcedId", "termSourcedIds",
    ]  # fmt: skip
    _write(folder, "classes.csv", class_header, classes)
    _write(folder, "users.csv", user_header, users)
    _write(
        folder,
        "enrollments.csv",
        ["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role",
         "primary", "beginDate", "endDate"],
        enrollments,
    )  # fmt: skip
    return {"students": number - 100000, "staff": STAFF, "enrolments": student_enrolments}


def run() -> dict[str, float]:
    from school.models import School
    from school.services import roster_import

    org = f"bench-{secrets.token_hex(4)}"
    school = School.objects.create(name="Benchcollege (throwaway)")
    try:
        with tempfile.TemporaryDirectory(prefix="roster-") as folder:
            size = write_export(Path(folder), org=org)
            figures = {}
            for metric, dry_run in (
                ("import_roster_2000_dry_run_s", True),  # the upload page's preview of a new school
                ("import_roster_2000_s", False),
                ("import_roster_2000_reimport_s", False),  # the same files again: nothing changes
            ):
                started = time.perf_counter()
                result = roster_import(school=school, source=Path(folder), dry_run=dry_run)
                figures[metric] = round(time.perf_counter() - started, 3)
                if not result.ok:
                    raise RuntimeError("; ".join(str(issue) for issue in result.errors[:5]))
                counts = result.counts
                print(
                    f"   {metric}: {figures[metric]:.2f} s — students {counts['students'].created} new, "
                    f"{counts['students'].updated} changed; enrolments {counts['enrollments'].created} new"
                )
        print(f"   ({size['students']} students, {size['staff']} staff, {size['enrolments']} student enrolments)")
        return figures
    finally:
        _throwaway_delete(school)


def _throwaway_delete(school) -> None:
    """Groups first: their department and subject are PROTECTed, so the school cannot cascade to them."""
    from school.models import ClassGroup, TeachingGroup

    TeachingGroup.objects.filter(school=school).delete()
    ClassGroup.objects.filter(school=school).delete()
    school.delete()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(run())
