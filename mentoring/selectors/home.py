"""The mentoring part of the home page ("Mijn werk"): what a mentor, teacher or team leader has to do now.

A fixed number of queries whatever the size of the school: counts are grouped in
the database and matched to the open cycles here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from reviews import policies as review_policies
from reviews.models import Phase, ReviewCycle
from school.models import ClassGroup, Department, User
from school.policies import Roles

from ..models import Escalation, MentorReview, Publication, Question
from .portal import publications_for

# Mentoring starts once there are lights to read, and ends when the round closes.
MENTORING_PHASES = [Phase.ENTRY, Phase.SPEED_DATE, Phase.DEPARTMENT_MEETING, Phase.MENTOR_TALKS]


@dataclass
class ClassProgress:
    cycle: ReviewCycle
    class_group: ClassGroup
    students: int
    reviewed: int
    questions_open: int = 0
    questions_answered: int = 0

    @property
    def percent(self) -> int:
        return 100 if not self.students else round(100 * self.reviewed / self.students)


@dataclass
class DepartmentWork:
    cycle: ReviewCycle
    department: Department
    pending: int = 0
    accepted: int = 0
    publication: Publication | None = None


@dataclass
class MentoringHome:
    classes: list[ClassProgress] = field(default_factory=list)
    questions_open: int = 0  # addressed to the user, still to answer
    departments: list[DepartmentWork] = field(default_factory=list)


def _open_cycles(user: User) -> list[ReviewCycle]:
    return list(
        review_policies.cycles_visible_to(user)
        .filter(phase__in=MENTORING_PHASES)
        .select_related("period")
        .prefetch_related("departments")
        .order_by("entry_deadline", "pk")
    )


def mentoring_home(user: User, roles: Roles) -> MentoringHome:
    """At most eight queries: open cycles (2), classes, verdicts, questions asked and received, escalations,
    publications."""
    home = MentoringHome()
    if not roles.is_staff_member:
        return home
    if roles.teaching_group_ids:
        home.questions_open = Question.objects.filter(
            addressed_to_id=roles.staff.pk, status=Question.Status.OPEN, cycle__school_id=roles.school_id
        ).count()
    if not (roles.mentor_class_ids or roles.led_department_ids):
        return home
    cycles = _open_cycles(user)
    if not cycles:
        return home
    cycle_ids = [cycle.pk for cycle in cycles]
    if roles.mentor_class_ids:
        home.classes = _mentor_classes(roles, cycles, cycle_ids)
    if roles.led_department_ids:
        home.departments = _led_departments(roles, cycles, cycle_ids)
    return home


def _mentor_classes(roles: Roles, cycles: list[ReviewCycle], cycle_ids: list[int]) -> list[ClassProgress]:
    classes = list(
        ClassGroup.objects.filter(pk__in=roles.mentor_class_ids)
        .annotate(active=Count("students", filter=Q(students__is_active=True)))
        .order_by("name")
    )
    reviewed = {
        (row["cycle_id"], row["student__class_group_id"]): row["n"]
        for row in MentorReview.objects.filter(
            cycle_id__in=cycle_ids, student__class_group_id__in=roles.mentor_class_ids, student__is_active=True
        )
        .values("cycle_id", "student__class_group_id")
        .annotate(n=Count("pk"))
    }
    questions = {
        (row["cycle_id"], row["student__class_group_id"], row["status"]): row["n"]
        for row in Question.objects.filter(
            cycle_id__in=cycle_ids,
            student__class_group_id__in=roles.mentor_class_ids,
            status__in=[Question.Status.OPEN, Question.Status.ANSWERED],
        )
        .values("cycle_id", "student__class_group_id", "status")
        .annotate(n=Count("pk"))
    }
    result = []
    for cycle in cycles:
        department_ids = {department.pk for department in cycle.departments.all()}
        for class_group in classes:
            if class_group.department_id not in department_ids:
                continue
            if class_group.school_year_id != cycle.period.school_year_id:
                continue
            key = (cycle.pk, class_group.pk)
            result.append(
                ClassProgress(
                    cycle=cycle,
                    class_group=class_group,
                    students=class_group.active,
                    reviewed=reviewed.get(key, 0),
                    questions_open=questions.get((*key, Question.Status.OPEN), 0),
                    questions_answered=questions.get((*key, Question.Status.ANSWERED), 0),
                )
            )
    return result


def _led_departments(roles: Roles, cycles: list[ReviewCycle], cycle_ids: list[int]) -> list[DepartmentWork]:
    counts = {
        (row["cycle_id"], row["department_id"], row["status"]): row["n"]
        for row in Escalation.objects.filter(
            cycle_id__in=cycle_ids,
            department_id__in=roles.led_department_ids,
            status__in=[Escalation.Status.PENDING, Escalation.Status.ACCEPTED],
        )
        .values("cycle_id", "department_id", "status")
        .annotate(n=Count("pk"))
    }
    result = []
    for cycle in cycles:
        for department in sorted(cycle.departments.all(), key=lambda d: d.name):
            if department.pk not in roles.led_department_ids:
                continue
            result.append(
                DepartmentWork(
                    cycle=cycle,
                    department=department,
                    pending=counts.get((cycle.pk, department.pk, Escalation.Status.PENDING), 0),
                    accepted=counts.get((cycle.pk, department.pk, Escalation.Status.ACCEPTED), 0),
                )
            )
    published = publications_for((work.cycle.pk, work.department.pk) for work in result)
    for work in result:
        work.publication = published.get((work.cycle.pk, work.department.pk))
    return result
