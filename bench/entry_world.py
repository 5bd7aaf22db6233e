"""The school the entry benches measure: classes, one teacher per teaching group, a cycle in its entry phase.

Built with plain `bulk_create`s (no factories): `entry_world_create(class_sizes=[30] * 6, subjects=10)`
gives six classes of 30, each with ten teaching groups of the whole class, so 60 teachers with a
group of 30 each, as in a real upper school where a class shares its subjects.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from reviews.models import ReviewCycle
from school.models import (
    ClassGroup,
    Department,
    Enrollment,
    Level,
    Period,
    School,
    SchoolYear,
    Staff,
    Student,
    Subject,
    TeachingGroup,
    User,
)

SUBJECTS = (
    ("ne", "Nederlands"),
    ("en", "Engels"),
    ("wa", "Wiskunde A"),
    ("gs", "Geschiedenis"),
    ("ak", "Aardrijkskunde"),
    ("ec", "Economie"),
    ("bi", "Biologie"),
    ("du", "Duits"),
    ("lo", "Lichamelijke opvoeding"),
    ("ma", "Maatschappijleer"),
    ("na", "Natuurkunde"),
    ("sk", "Scheikunde"),
)
FIRST_NAMES = (
    "Emma", "Daan", "Julia", "Sem", "Yasmina", "Mohamed", "Elif", "Emre", "Priya", "Jayden",
    "Lotte", "Finn", "Noa", "Bilal", "Zeynep", "Ruben", "Sanne", "Thijs", "Amira", "Kerem",
    "Fleur", "Levi", "Shanice", "Omar", "Iris", "Milan", "Hiba", "Lucas", "Maja", "Kwame",
)  # fmt: skip
SURNAMES = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "El Amrani",
    "Yılmaz",  # noqa: RUF001 - the Turkish dotless i is right here
    "Ramdin",
    "Visser",
    "van der Linden",
    "Benali",
    "Öztürk",
    "Mulder",
    "Kartosen",
    "de Groot",
    "Nowak",
    "Haddad",
    "Mensah",
    "Smit",
    "van 't Hof",
)


@dataclass
class Teaching:
    """One teaching group, its one teacher and its students (in the grid's order: last name, first name)."""

    group: TeachingGroup
    teacher: User
    students: list[Student]


@dataclass
class EntryWorld:
    school: School
    cycle: ReviewCycle
    teachings: list[Teaching]


def _split(surname: str) -> tuple[str, str]:
    words = surname.split(" ")
    infix = [word for word in words[:-1] if word[:1].islower()]
    return " ".join(infix), " ".join(words[len(infix) :])


def _student(school: School, class_group: ClassGroup, *, number: str, rng: random.Random) -> Student:
    infix, last_name = _split(rng.choice(SURNAMES))
    return Student(
        school=school,
        number=number,
        first_name=rng.choice(FIRST_NAMES),
        infix=infix,
        last_name=last_name,
        level=Level.HAVO,
        year=4,
        class_group=class_group,
    )


def entry_world_create(
    *,
    class_sizes: Sequence[int],
    subjects: int,
    username_prefix: str,
    password: str | None = None,
    seed: int = 2026,
) -> EntryWorld:
    """A school with a class per size, `subjects` teaching groups per class (all its students), a teacher each.

    password: every teacher's password (hashed once; a real login costs a real hash check),
        or None for unusable passwords (the benches that use force_login).
    """
    if subjects > len(SUBJECTS):
        raise ValueError(f"at most {len(SUBJECTS)} subjects")
    rng = random.Random(seed)
    hashed = make_password(password)
    with transaction.atomic():
        school = School.objects.create(name=f"Benchcollege {username_prefix}".strip())
        year = SchoolYear.objects.create(
            school=school, name="2026-2027", start_date=datetime.date(2026, 8, 24), end_date=datetime.date(2027, 7, 16)
        )
        period = Period.objects.create(
            school=school,
            school_year=year,
            name="Periode 1",
            start_date=datetime.date(2026, 8, 24),
            end_date=datetime.date(2026, 11, 13),
        )
        department = Department.objects.create(school=school, name="Bovenbouw havo")
        subject_rows = Subject.objects.bulk_create(Subject(school=school, code=c, name=n) for c, n in SUBJECTS)
        classes = ClassGroup.objects.bulk_create(
            ClassGroup(school=school, school_year=year, department=department, name=f"4H{n}", level=Level.HAVO, year=4)
            for n in range(1, len(class_sizes) + 1)
        )
        seats = [class_group for class_group, size in zip(classes, class_sizes, strict=True) for _ in range(size)]
        students = Student.objects.bulk_create(
            _student(school, class_group, number=f"26{n:04d}", rng=rng) for n, class_group in enumerate(seats, 1)
        )
        per_class: dict[int, list[Student]] = {}
        for student in students:
            per_class.setdefault(student.class_group_id, []).append(student)

        pairs = [(class_group, subject) for class_group in classes for subject in subject_rows[:subjects]]
        width = max(2, math.ceil(math.log10(len(pairs) + 1)))
        users = User.objects.bulk_create(
            User(
                school=school,
                username=f"{username_prefix}docent{n:0{width}d}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(SURNAMES),
                email=f"{username_prefix}docent{n:0{width}d}@benchcollege.example",
                password=hashed,
            )
            for n in range(1, len(pairs) + 1)
        )
        staff = Staff.objects.bulk_create(
            Staff(school=school, user=user, code=f"D{n:03d}") for n, user in enumerate(users, 1)
        )
        groups = TeachingGroup.objects.bulk_create(
            TeachingGroup(school=school, school_year=year, subject=subject, name=f"{class_group.name}-{subject.code}")
            for class_group, subject in pairs
        )
        TeachingGroup.teachers.through.objects.bulk_create(
            TeachingGroup.teachers.through(teachinggroup=group, staff=member)
            for group, member in zip(groups, staff, strict=True)
        )
        Enrollment.objects.bulk_create(
            Enrollment(teaching_group=group, student=student)
            for group, (class_group, _subject) in zip(groups, pairs, strict=True)
            for student in per_class[class_group.pk]
        )
        cycle = ReviewCycle.objects.create(
            school=school,
            period=period,
            name="Leerlingbespreking periode 1",
            entry_deadline=datetime.date(2026, 11, 27),
        )
        cycle.departments.set([department])

    def grid_order(student: Student) -> tuple[str, str, int]:
        return (student.last_name, student.first_name, student.pk)

    return EntryWorld(
        school=school,
        cycle=cycle,
        teachings=[
            Teaching(group=group, teacher=user, students=sorted(per_class[class_group.pk], key=grid_order))
            for group, user, (class_group, _subject) in zip(groups, users, pairs, strict=True)
        ],
    )


def percentile(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `percent` % of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]
