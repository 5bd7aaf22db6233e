"""Reads for escalations: the team leader's triage list, one escalation's page, the mentor's own list.

Every list is a fixed number of queries, whatever the number of escalations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from reviews.models import ReviewCycle
from school.models import Department, User
from school.policies import roles_of

from .. import policies
from ..models import AgendaItem, DepartmentMeeting, Escalation

# The order of the triage list: what waits for the team leader first, what is done last.
STATUS_ORDER = [
    Escalation.Status.PENDING,
    Escalation.Status.ACCEPTED,
    Escalation.Status.RETURNED,
    Escalation.Status.MERGED,
    Escalation.Status.DECIDED,
]
OPEN_STATUSES = frozenset({Escalation.Status.PENDING, Escalation.Status.ACCEPTED})


def _with_relations(qs: QuerySet[Escalation]) -> QuerySet[Escalation]:
    """Everything a card about an escalation shows, in the same query."""
    return qs.select_related(
        "cycle",
        "department",
        "student__class_group",
        "raised_by",
        "handled_by",
        "merged_into",
        "agenda_item__meeting",
    )


def evidence_summary(escalation: Escalation) -> dict:
    """Counts and trend from the snapshot stored when the escalation was raised."""
    evidence = escalation.evidence or {}
    counts = evidence.get("counts") or {}
    return {
        "red": counts.get("red", 0),
        "orange": counts.get("orange", 0),
        "green": counts.get("green", 0),
        "trend": evidence.get("trend"),
    }


def agenda_item_of(escalation: Escalation) -> AgendaItem | None:
    """The escalation's agenda item, or None (a reverse one-to-one raises when it is missing)."""
    try:
        return escalation.agenda_item
    except Escalation.agenda_item.RelatedObjectDoesNotExist:
        return None


def is_mergeable(escalation: Escalation) -> bool:
    """Pending, or accepted while its agenda item still waits: the only ones that can still be merged or returned."""
    if escalation.status == Escalation.Status.PENDING:
        return True
    item = agenda_item_of(escalation)
    waiting = item is None or item.status == AgendaItem.Status.WAITING
    return escalation.status == Escalation.Status.ACCEPTED and waiting


@dataclass
class TriageRow:
    """One escalation as the team leader handles it."""

    escalation: Escalation
    candidates: list[Escalation] = field(default_factory=list)  # where it may be merged into

    @property
    def summary(self) -> dict:
        return evidence_summary(self.escalation)

    @property
    def item(self) -> AgendaItem | None:
        return agenda_item_of(self.escalation)

    @property
    def position(self) -> int | None:
        item = self.item
        return item.position if item is not None else None

    @property
    def can_accept(self) -> bool:
        return self.escalation.status == Escalation.Status.PENDING

    @property
    def can_return(self) -> bool:
        return is_mergeable(self.escalation)

    @property
    def can_merge(self) -> bool:
        return is_mergeable(self.escalation) and bool(self.candidates)


@dataclass
class StatusGroup:
    status: str
    label: str
    rows: list[TriageRow]


@dataclass
class Triage:
    cycle: ReviewCycle
    department: Department
    meeting: DepartmentMeeting | None
    groups: list[StatusGroup]

    @property
    def pending_count(self) -> int:
        return sum(len(group.rows) for group in self.groups if group.status == Escalation.Status.PENDING)

    @property
    def total(self) -> int:
        return sum(len(group.rows) for group in self.groups)


def _rows(escalations: list[Escalation]) -> list[TriageRow]:
    """Rows with their merge candidates: the other open escalations of the same student (no extra query)."""
    by_student: dict[int, list[Escalation]] = {}
    for escalation in escalations:
        by_student.setdefault(escalation.student_id, []).append(escalation)
    return [
        TriageRow(
            escalation=escalation,
            candidates=[
                other
                for other in by_student[escalation.student_id]
                if other.pk != escalation.pk and other.status in OPEN_STATUSES
            ],
        )
        for escalation in escalations
    ]


def _sort_key(row: TriageRow) -> tuple:
    escalation = row.escalation
    position = row.position if escalation.status == Escalation.Status.ACCEPTED else None
    return (
        STATUS_ORDER.index(escalation.status),
        position if position is not None else 0,
        escalation.raised_at,
        escalation.pk,
    )


def escalations_for_triage(*, cycle: ReviewCycle, department: Department) -> Triage:
    """The team leader's triage list of one department in one round (two queries).

    Pending first (oldest first), then accepted in agenda order, then returned, merged and decided.
    """
    escalations = list(_with_relations(Escalation.objects.filter(cycle=cycle, department=department)))
    rows = sorted(_rows(escalations), key=_sort_key)
    labels = dict(Escalation.Status.choices)
    groups = [
        StatusGroup(status=status, label=labels[status], rows=[row for row in rows if row.escalation.status == status])
        for status in STATUS_ORDER
    ]
    meeting = DepartmentMeeting.objects.filter(cycle=cycle, department=department).first()
    return Triage(cycle=cycle, department=department, meeting=meeting, groups=groups)


def triage_row(escalation: Escalation) -> TriageRow:
    """One escalation as a row of the triage list, also for its own page (one query).

    Fresh after an action. Its merge candidates are the other open escalations of the
    same student in the same round and department: the team leader handles those.
    """
    siblings = list(
        _with_relations(
            Escalation.objects.filter(
                cycle_id=escalation.cycle_id, department_id=escalation.department_id, student_id=escalation.student_id
            )
        )
    )
    return next(row for row in _rows(siblings) if row.escalation.pk == escalation.pk)


def escalations_of_mentor(*, cycle: ReviewCycle, user: User) -> list[Escalation]:
    """The escalations about the students of the user's class groups in a round, newest first (one query)."""
    roles = roles_of(user)
    if not roles.mentor_class_ids:
        return []
    return list(
        _with_relations(
            policies.escalations_visible_to(user).filter(
                cycle=cycle, student__class_group_id__in=roles.mentor_class_ids
            )
        ).order_by("-raised_at", "-pk")
    )
