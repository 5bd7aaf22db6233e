"""The school the mentoring benches measure: one department, classes of 30, 14 subjects, two rounds of lights.

Built with plain `bulk_create`s (no factories): `mentoring_world_create(students=400, prefix="big-")`
gives a department of 400 students in classes of 30 (the last one smaller), each class with a
teaching group per subject and a teacher each, a closed previous round and a round in its
speed-date phase, both with a light, a grade and (for orange and red, and some green) advice for
every student in every subject: 400 x 14 = 5,600 cells per round. A third of the students have
the mentor's verdict, some have open questions and a few an escalation, so every column of the
overview has something to show.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from bench.entry_world import FIRST_NAMES, SURNAMES, _split
from mentoring.models import Category, Escalation, MentorReview, Question
from reviews.models import Entry, Light, Phase, ReviewCycle
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
    ("wb", "Wiskunde B"),
    ("gs", "Geschiedenis"),
    ("ak", "Aardrijkskunde"),
    ("ec", "Economie"),
    ("bi", "Biologie"),
    ("du", "Duits"),
    ("fa", "Frans"),
    ("lo", "Lichamelijke opvoeding"),
    ("ma", "Maatschappijleer"),
    ("na", "Natuurkunde"),
    ("sk", "Scheikunde"),
)
ADVICE = (
    "Maak elke week een oefentoets en bespreek je fouten met je docent.",
    "Plan je huiswerk per dag in je agenda en begin op tijd aan grote opdrachten.",
    "Leer de woordjes in kleine porties, elke dag tien minuten.",
    "Stel je vragen in de les: je mist nu uitleg die je nodig hebt.",
    "Werk de opgaven uit de bijles door vóór de volgende toets.",
    "Lees de opdracht twee keer en onderstreep wat er gevraagd wordt.",
)
CLASS_SIZE = 30


@dataclass
class MentoringWorld:
    school: School
    department: Department
    cycle: ReviewCycle
    previous: ReviewCycle
    team_leader: User
    classes: list[ClassGroup]
    mentors: list[User]  # mentors[i] mentors classes[i]
    students: int
    subjects: int


def _light(rng: random.Random) -> str:
    roll = rng.random()
    return Light.RED if roll < 0.1 else Light.ORANGE if roll < 0.3 else Light.GREEN


def _grade(light: str, rng: random.Random) -> Decimal:
    low, high = {Light.RED: (30, 54), Light.ORANGE: (52, 62), Light.GREEN: (60, 92)}[light]
    return Decimal(rng.randint(low, high)) / 10


def mentoring_world_create(*, students: int, prefix: str, subjects: int = len(SUBJECTS), seed: int = 2026):
    """A department of `students` in classes of 30 with `subjects` subjects, two rounds of entries."""
    rng = random.Random(seed)
    password = make_password(None)
    sizes = [CLASS_SIZE] * (students // CLASS_SIZE) + ([students % CLASS_SIZE] if students % CLASS_SIZE else [])
    with transaction.atomic():
        school = School.objects.create(name=f"Benchcollege {prefix}".strip())
        year = SchoolYear.objects.create(
            school=school, name="2026-2027", start_date=datetime.date(2026, 8, 24), end_date=datetime.date(2027, 7, 16)
        )
        periods = Period.objects.bulk_create(
            Period(school=school, school_year=year, name=name, start_date=start, end_date=end)
            for name, start, end in (
                ("Periode 1", datetime.date(2026, 8, 24), datetime.date(2026, 11, 13)),
                ("Periode 2", datetime.date(2026, 11, 16), datetime.date(2027, 2, 5)),
            )
        )
        department = Department.objects.create(school=school, name="Bovenbouw havo")

        def users(kind: str, count: int) -> list[User]:
            return User.objects.bulk_create(
                User(
                    school=school,
                    username=f"{prefix}{kind}{n:03d}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(SURNAMES),
                    email=f"{prefix}{kind}{n:03d}@benchcollege.example",
                    password=password,
                )
                for n in range(1, count + 1)
            )

        mentor_users = users("mentor", len(sizes))
        teacher_users = users("docent", len(sizes) * subjects)
        (leader_user,) = users("teamleider", 1)
        staff = Staff.objects.bulk_create(
            Staff(school=school, user=user, code=f"S{n:04d}")
            for n, user in enumerate([*mentor_users, *teacher_users, leader_user], 1)
        )
        mentor_staff, teacher_staff, leader_staff = staff[: len(sizes)], staff[len(sizes) : -1], staff[-1]
        department.team_leaders.add(leader_staff)

        classes = ClassGroup.objects.bulk_create(
            ClassGroup(school=school, school_year=year, department=department, name=f"4H{n}", level=Level.HAVO, year=4)
            for n in range(1, len(sizes) + 1)
        )
        ClassGroup.mentors.through.objects.bulk_create(
            ClassGroup.mentors.through(classgroup=class_group, staff=member)
            for class_group, member in zip(classes, mentor_staff, strict=True)
        )
        seats = [class_group for class_group, size in zip(classes, sizes, strict=True) for _ in range(size)]
        student_rows = []
        for n, class_group in enumerate(seats, 1):
            infix, last_name = _split(rng.choice(SURNAMES))
            student_rows.append(
                Student(
                    school=school,
                    number=f"26{n:04d}",
                    first_name=rng.choice(FIRST_NAMES),
                    infix=infix,
                    last_name=last_name,
                    level=Level.HAVO,
                    year=4,
                    class_group=class_group,
                )
            )
        student_rows = Student.objects.bulk_create(student_rows)
        per_class: dict[int, list[Student]] = {}
        for student in student_rows:
            per_class.setdefault(student.class_group_id, []).append(student)

        subject_rows = Subject.objects.bulk_create(
            Subject(school=school, code=c, name=n) for c, n in SUBJECTS[:subjects]
        )
        pairs = [(class_group, subject) for class_group in classes for subject in subject_rows]
        groups = TeachingGroup.objects.bulk_create(
            TeachingGroup(school=school, school_year=year, subject=subject, name=f"{class_group.name}-{subject.code}")
            for class_group, subject in pairs
        )
        TeachingGroup.teachers.through.objects.bulk_create(
            TeachingGroup.teachers.through(teachinggroup=group, staff=member)
            for group, member in zip(groups, teacher_staff, strict=True)
        )
        Enrollment.objects.bulk_create(
            Enrollment(teaching_group=group, student=student)
            for group, (class_group, _subject) in zip(groups, pairs, strict=True)
            for student in per_class[class_group.pk]
        )

        previous = ReviewCycle.objects.create(
            school=school,
            period=periods[0],
            name="Leerlingbespreking periode 1",
            entry_deadline=datetime.date(2026, 11, 20),
            phase=Phase.CLOSED,
        )
        cycle = ReviewCycle.objects.create(
            school=school,
            period=periods[1],
            name="Leerlingbespreking periode 2",
            entry_deadline=datetime.date(2027, 2, 12),
            phase=Phase.SPEED_DATE,
        )
        previous.departments.set([department])
        cycle.departments.set([department])

        entries = []
        for round_ in (previous, cycle):
            for group, (class_group, _subject) in zip(groups, pairs, strict=True):
                for student in per_class[class_group.pk]:
                    light = _light(rng)
                    advice = rng.choice(ADVICE) if light != Light.GREEN or rng.random() < 0.3 else ""
                    entries.append(
                        Entry(
                            cycle=round_,
                            teaching_group=group,
                            student=student,
                            grade=_grade(light, rng),
                            light=light,
                            advice=advice,
                        )
                    )
        Entry.objects.bulk_create(entries, batch_size=2000)

        # The mentors' work so far: verdicts for a third, questions for one in ten, a few escalations.
        mentor_of = {class_group.pk: user for class_group, user in zip(classes, mentor_users, strict=True)}
        teacher_of = {group.pk: member for group, member in zip(groups, teacher_staff, strict=True)}
        first_group: dict[int, TeachingGroup] = {}
        for group, (class_group, _subject) in zip(groups, pairs, strict=True):
            first_group.setdefault(class_group.pk, group)
        MentorReview.objects.bulk_create(
            MentorReview(
                cycle=cycle,
                student=student,
                verdict=MentorReview.Verdict.CLEAR if n % 2 else MentorReview.Verdict.NEEDS_ATTENTION,
                reviewed_by=mentor_of[student.class_group_id],
            )
            for n, student in enumerate(student_rows[::3])
        )
        questions = []
        for n, student in enumerate(student_rows[::10]):
            group = first_group[student.class_group_id]
            questions.append(
                Question(
                    cycle=cycle,
                    student=student,
                    teaching_group=group,
                    addressed_to=teacher_of[group.pk],
                    asked_by=mentor_of[student.class_group_id],
                    text="Waar ligt het aan, denk je?",
                    status=Question.Status.OPEN if n % 2 else Question.Status.ANSWERED,
                    answer="" if n % 2 else "Te weinig geoefend.",
                )
            )
        Question.objects.bulk_create(questions)
        Escalation.objects.bulk_create(
            Escalation(
                cycle=cycle,
                student=student,
                department=department,
                category=Category.PROMOTION,
                question="Kan deze leerling beter naar vmbo-t?",
                raised_by=mentor_of[student.class_group_id],
            )
            for student in student_rows[::40]
        )

    return MentoringWorld(
        school=school,
        department=department,
        cycle=cycle,
        previous=previous,
        team_leader=leader_user,
        classes=classes,
        mentors=mentor_users,
        students=len(student_rows),
        subjects=subjects,
    )
