"""Reads for the student's reflection and goals: the student's own page, the mentor's class list, one reflection.

The student writes next to their teachers' feedback (lights, grades and advice per
subject) and last time's agreements; the mentor lists the class's reflections and reads
the submitted ones. Every page is a fixed number of queries, whatever the class holds.

The first block holds access rules this area needs beyond mentoring.policies (to be
moved there): the queryset twin of `can_read_reflection` and the reopen rule.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q
from django.utils.text import capfirst

from reviews.models import LightScheme, ReviewCycle
from reviews.policies import cycle_students
from reviews.selectors import light_scheme_for
from school.models import ClassGroup, Student, User

from .. import policies
from ..models import MAX_GOALS, Agreement, Goal, Publication, Reflection
from .evidence import Evidence, student_evidence

Anyone = User | AnonymousUser

# The prompts of the open class meeting's guide, in the order the page asks them.
REFLECTION_FIELDS = Reflection.PROMPT_FIELDS
GOAL_FIELDS = ("goal", "action", "measure")

# --- last time's agreements -------------------------------------------------------------------------------


@dataclass
class AgreementLine:
    """One agreement from an earlier round, as the student sees it next to "what came of them?"."""

    text: str
    owner: str  # the role's label: student, mentor, parent / guardian ...
    owner_name: str  # the member of staff, when one is named
    due_on: datetime.date
    status: str
    status_label: str
    cycle_name: str
    made_at_talk: bool  # a mentor talk; otherwise a department meeting's decision

    @property
    def is_open(self) -> bool:
        return self.status == Agreement.Status.OPEN


def last_agreements(*, cycle: ReviewCycle, student: Student) -> list[AgreementLine]:
    """The student's agreements from earlier published rounds (decisions and mentor talks), newest round first.

    Only rounds published to the student's department count: before publishing a
    student sees nothing of a round. One query.
    """
    earlier = policies.published_cycles_for(student).filter(entry_deadline__lt=cycle.entry_deadline)
    agreements = (
        Agreement.objects.filter(student=student)
        .filter(Q(decision__item__meeting__cycle__in=earlier.values("pk")) | Q(talk__cycle__in=earlier.values("pk")))
        .select_related("owner_staff__user", "decision__item__meeting__cycle", "talk__cycle")
    )
    lines = []
    for agreement in agreements:
        source = agreement.talk.cycle if agreement.talk_id else agreement.decision.item.meeting.cycle
        owner_user = agreement.owner_staff.user if agreement.owner_staff_id else None
        lines.append(
            (
                (-source.entry_deadline.toordinal(), agreement.due_on, agreement.pk),
                AgreementLine(
                    text=agreement.text,
                    owner=agreement.get_owner_display(),
                    owner_name=(owner_user.get_full_name() or owner_user.get_username()) if owner_user else "",
                    due_on=agreement.due_on,
                    status=agreement.status,
                    status_label=agreement.get_status_display(),
                    cycle_name=source.name,
                    made_at_talk=agreement.talk_id is not None,
                ),
            )
        )
    return [line for _key, line in sorted(lines, key=lambda pair: pair[0])]


# --- the student's own page ------------------------------------------------------------------------------


@dataclass
class FeedbackLine:
    """One subject of the student's feedback: the light in the school's own words, grade and advice."""

    subject: str
    teaching_group: str
    light: str
    light_label: str
    grade: object
    advice: str
    trend: str | None


@dataclass
class ReflectionPage:
    cycle: ReviewCycle
    student: Student
    reflection: Reflection | None
    goals: list[Goal]
    evidence: Evidence
    feedback: list[FeedbackLine]
    agreements: list[AgreementLine]
    scheme: LightScheme

    @property
    def is_submitted(self) -> bool:
        return self.reflection is not None and self.reflection.is_submitted

    @property
    def version(self) -> int:
        """What the student's screen shows: 0 when nothing is saved yet."""
        return self.reflection.version if self.reflection is not None else 0

    def goal_at(self, position: int) -> Goal | None:
        return next((goal for goal in self.goals if goal.position == position), None)


def reflection_of(*, cycle: ReviewCycle, student: Student) -> Reflection | None:
    """The student's reflection in the round with its goals (two queries), or None when not begun."""
    return (
        Reflection.objects.filter(cycle=cycle, student=student)
        .select_related("commented_by")
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("position")))
        .first()
    )


def reflection_page(*, cycle: ReviewCycle, student: Student) -> ReflectionPage:
    """Everything the student's reflection page shows, in a fixed number of queries."""
    reflection = reflection_of(cycle=cycle, student=student)
    evidence = student_evidence(cycle=cycle, student=student)
    scheme = light_scheme_for(cycle.school_id)
    words = {"green": scheme.green, "orange": scheme.orange, "red": scheme.red}
    feedback = [
        FeedbackLine(
            subject=cell.subject,
            teaching_group=cell.teaching_group,
            light=cell.light,
            light_label=words.get(cell.light, ""),
            grade=cell.grade,
            advice=cell.advice,
            trend=cell.trend,
        )
        for cell in evidence.cells
    ]
    return ReflectionPage(
        cycle=cycle,
        student=student,
        reflection=reflection,
        goals=list(reflection.goals.all()) if reflection is not None else [],
        evidence=evidence,
        feedback=feedback,
        agreements=last_agreements(cycle=cycle, student=student),
        scheme=scheme,
    )


def goal_positions() -> range:
    return range(1, MAX_GOALS + 1)


def prompt_label(name: str) -> str:
    """A prompt as the page asks it: the field's verbose name ("What went well, and how did you do it?")."""
    return capfirst(Reflection._meta.get_field(name).verbose_name)


def reflection_answers(reflection: Reflection | None) -> list[dict[str, str]]:
    """The six prompts with the student's answers, in order, for reading."""
    return [
        {"name": name, "label": prompt_label(name), "text": getattr(reflection, name) if reflection else ""}
        for name in REFLECTION_FIELDS
    ]


# --- the mentor's class list ------------------------------------------------------------------------------


class RowStatus:
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"


@dataclass
class ClassReflectionRow:
    student: Student
    status: str  # RowStatus
    reflection_id: int | None = None
    submitted_at: datetime.datetime | None = None
    goal_count: int = 0
    has_comment: bool = False

    @property
    def is_submitted(self) -> bool:
        return self.status == RowStatus.SUBMITTED


@dataclass
class ClassReflections:
    cycle: ReviewCycle
    class_group: ClassGroup
    is_published: bool
    rows: list[ClassReflectionRow] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def submitted(self) -> int:
        return self.count(RowStatus.SUBMITTED)

    @property
    def drafts(self) -> int:
        return self.count(RowStatus.DRAFT)

    @property
    def not_started(self) -> int:
        return self.count(RowStatus.NOT_STARTED)


def class_reflections(*, cycle: ReviewCycle, class_group: ClassGroup) -> ClassReflections:
    """Per student of the class: not started, draft or submitted (when), and the goals of submitted ones.

    Three queries, whatever the size of the class. A draft shows only as "draft":
    its text and goals are the student's own until submitted.
    """
    students = list(cycle_students(cycle).filter(class_group=class_group).order_by("last_name", "first_name", "pk"))
    reflections = {
        reflection.student_id: reflection
        for reflection in Reflection.objects.filter(cycle=cycle, student__in=[student.pk for student in students])
        .annotate(goal_count=Count("goals"))
        .only("pk", "student_id", "status", "submitted_at", "mentor_comment")
    }
    rows = []
    for student in students:
        reflection = reflections.get(student.pk)
        if reflection is None:
            rows.append(ClassReflectionRow(student=student, status=RowStatus.NOT_STARTED))
        elif not reflection.is_submitted:
            rows.append(ClassReflectionRow(student=student, status=RowStatus.DRAFT))
        else:
            rows.append(
                ClassReflectionRow(
                    student=student,
                    status=RowStatus.SUBMITTED,
                    reflection_id=reflection.pk,
                    submitted_at=reflection.submitted_at,
                    goal_count=reflection.goal_count,
                    has_comment=bool(reflection.mentor_comment),
                )
            )
    return ClassReflections(
        cycle=cycle,
        class_group=class_group,
        is_published=Publication.objects.filter(cycle=cycle, department_id=class_group.department_id).exists(),
        rows=rows,
    )
