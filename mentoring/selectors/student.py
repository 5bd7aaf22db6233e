"""Reads for the student page: everything the mentor and the team leader know about one student in a round.

Lights, grades and advice per subject with the trend; the history over earlier rounds;
the mentor's verdict; questions to teachers; escalations; and the decisions of department
meetings with their agreements. A fixed number of queries, whatever the history holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from reviews.models import Entry, LightScheme, ReviewCycle
from reviews.selectors import light_scheme_for
from school.models import Student

from ..models import Agreement, Decision, Escalation, MentorReview, Question
from ..selectors.evidence import LIGHT_RANK, Evidence, EvidenceCell, student_evidence


@dataclass
class SubjectLine:
    """One subject this round: the evidence cell, its teaching group (to ask its teacher) and the questions."""

    cell: EvidenceCell
    group_id: int | None
    light_label: str = ""  # the school's word for the light ("op koers")
    questions: list[Question] = field(default_factory=list)


@dataclass
class HistoryCell:
    light: str
    grade: Decimal | None


@dataclass
class HistoryRow:
    subject: str
    cells: list[HistoryCell | None]  # one per column of History.cycles


@dataclass
class History:
    """Cycle columns (earlier rounds, then this one) by subject rows of lights."""

    cycles: list[ReviewCycle]
    rows: list[HistoryRow]

    @property
    def has_earlier(self) -> bool:
        return len(self.cycles) > 1


@dataclass
class StudentPage:
    cycle: ReviewCycle
    student: Student
    evidence: Evidence
    lines: list[SubjectLine]
    history: History
    review: MentorReview | None
    questions: list[Question]
    escalations: list[Escalation]
    decisions: list[Decision]
    scheme: LightScheme

    @property
    def open_questions(self) -> list[Question]:
        return [question for question in self.questions if question.status == Question.Status.OPEN]


def _history(*, cycle: ReviewCycle, student: Student) -> tuple[History, dict[tuple[int, str], int]]:
    """The student's entries in this and every earlier round of the school (one query).

    Also gives this round's teaching group per (subject, group name), which the evidence leaves out.
    """
    entries = (
        Entry.objects.filter(student=student, cycle__school_id=cycle.school_id)
        .filter(Q(cycle=cycle) | Q(cycle__entry_deadline__lt=cycle.entry_deadline))
        .select_related("cycle", "teaching_group__subject")
        .order_by("cycle__entry_deadline", "cycle_id", "teaching_group__subject__name", "teaching_group__name")
    )
    cycles: dict[int, ReviewCycle] = {}
    subjects: dict[int, str] = {}
    lights: dict[tuple[int, int], HistoryCell] = {}
    groups: dict[tuple[int, str], int] = {}
    for entry in entries:
        subject = entry.teaching_group.subject
        cycles.setdefault(entry.cycle_id, entry.cycle)
        subjects.setdefault(subject.pk, subject.name)
        if entry.cycle_id == cycle.pk:
            groups[(subject.pk, entry.teaching_group.name)] = entry.teaching_group_id
        key = (entry.cycle_id, subject.pk)
        known = lights.get(key)
        # Two groups of one subject in a round (rare): the history shows the more worrying light.
        if known is None or LIGHT_RANK.get(entry.light, -1) > LIGHT_RANK.get(known.light, -1):
            lights[key] = HistoryCell(light=entry.light, grade=entry.grade)
    # Earlier rounds oldest first, then this round as the last column, even before any entry.
    earlier = sorted((c for c in cycles.values() if c.pk != cycle.pk), key=lambda c: (c.entry_deadline, c.pk))
    columns = [*earlier, cycle]
    rows = [
        HistoryRow(subject=name, cells=[lights.get((column.pk, subject_id)) for column in columns])
        for subject_id, name in sorted(subjects.items(), key=lambda item: item[1])
    ]
    return History(cycles=columns, rows=rows), groups


def student_page(*, cycle: ReviewCycle, student: Student) -> StudentPage:
    """Everything on the student page (ten queries, however long the history)."""
    evidence = student_evidence(cycle=cycle, student=student)
    history, groups = _history(cycle=cycle, student=student)
    questions = list(
        Question.objects.filter(cycle=cycle, student=student).select_related(
            "teaching_group__subject", "addressed_to__user", "asked_by"
        )
    )
    scheme = light_scheme_for(cycle.school_id)
    labels = {"green": scheme.green, "orange": scheme.orange, "red": scheme.red}
    lines = []
    for cell in evidence.cells:
        group_id = groups.get((cell.subject_id, cell.teaching_group))
        lines.append(
            SubjectLine(
                cell=cell,
                group_id=group_id,
                light_label=labels.get(cell.light, ""),
                questions=[question for question in questions if question.teaching_group_id == group_id],
            )
        )
    review = MentorReview.objects.filter(cycle=cycle, student=student).select_related("reviewed_by").first()
    escalations = list(
        Escalation.objects.filter(cycle=cycle, student=student)
        .select_related("raised_by", "handled_by", "merged_into", "agenda_item__meeting")
        .order_by("-raised_at", "-pk")
    )
    decisions = list(
        Decision.objects.filter(student=student)
        .select_related("item__escalation__cycle", "item__meeting__department", "decided_by")
        .prefetch_related(
            Prefetch("agreements", queryset=Agreement.objects.select_related("owner_staff__user").order_by("due_on"))
        )
        .order_by("-decided_at", "-pk")
    )
    return StudentPage(
        cycle=cycle,
        student=student,
        evidence=evidence,
        lines=lines,
        history=history,
        review=review,
        questions=questions,
        escalations=escalations,
        decisions=decisions,
        scheme=scheme,
    )
