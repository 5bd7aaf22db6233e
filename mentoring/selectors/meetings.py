"""Reads for the department meeting: the agenda page, meeting mode and an attendee's vote page.

Each selector is shaped for one page and runs a fixed number of queries, whatever
the number of items, students or staff. Votes stay secret: no selector loads a
choice or a comment before the item's votes are revealed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet
from django.http import Http404

from reviews.models import ReviewCycle
from reviews.policies import cycle_students
from reviews.selectors import LightStyle, light_scheme_for, light_styles
from school.models import ClassGroup, Department, Enrollment, Staff, Student, TeachingGroup

from ..models import AgendaItem, DepartmentMeeting, Escalation, MentorReview, Vote
from .evidence import Evidence, student_evidence

# --- shared pieces ------------------------------------------------------------------------------------


def department_students(*, cycle: ReviewCycle, department: Department) -> QuerySet[Student]:
    """The students of one department that a cycle covers."""
    return cycle_students(cycle).filter(class_group__department=department)


def attendance_candidates(*, meeting: DepartmentMeeting) -> QuerySet[Staff]:
    """Who may be marked present: staff who teach or mentor the department's students, its team leaders,
    and anyone already marked present; by name (one query)."""
    cycle, department = meeting.cycle, meeting.department
    students = department_students(cycle=cycle, department=department)
    groups = Enrollment.objects.filter(student__in=students).values("teaching_group_id")
    teachers = TeachingGroup.teachers.through.objects.filter(teachinggroup_id__in=groups).values("staff_id")
    mentors = ClassGroup.mentors.through.objects.filter(
        classgroup__department=department, classgroup__school_year_id=cycle.period.school_year_id
    ).values("staff_id")
    leaders = Department.team_leaders.through.objects.filter(department=department).values("staff_id")
    present = DepartmentMeeting.attendees.through.objects.filter(departmentmeeting_id=meeting.pk).values("staff_id")
    return (
        Staff.objects.filter(school_id=department.school_id, is_active=True)
        .filter(Q(pk__in=teachers) | Q(pk__in=mentors) | Q(pk__in=leaders) | Q(pk__in=present))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "code")
    )


def _snapshot_counts(evidence: dict) -> dict[str, int]:
    counts = evidence.get("counts") or {}
    return {light: int(counts.get(light) or 0) for light in ("red", "orange", "green")}


def _grade(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# --- the agenda page ------------------------------------------------------------------------------------


@dataclass
class AgendaRow:
    """One item on the agenda with what the agenda shows of it: the student, the question, the evidence counts."""

    item: AgendaItem
    number: int
    planned_start: datetime.datetime | None = None
    planned_end: datetime.datetime | None = None

    @property
    def escalation(self) -> Escalation:
        return self.item.escalation

    @property
    def student(self) -> Student:
        return self.item.escalation.student

    @property
    def counts(self) -> dict[str, int]:
        return _snapshot_counts(self.item.escalation.evidence or {})

    @property
    def trend(self) -> str | None:
        return (self.item.escalation.evidence or {}).get("trend")

    @property
    def is_decided(self) -> bool:
        return self.item.status == AgendaItem.Status.DECIDED

    @property
    def is_open(self) -> bool:
        return self.item.status in (AgendaItem.Status.DISCUSSING, AgendaItem.Status.VOTING)


@dataclass
class Funnel:
    """From all students of the department in the cycle to the few the meeting discusses."""

    students: int
    needing_attention: int
    escalated: int
    on_agenda: int


@dataclass
class AttendanceChoice:
    staff: Staff
    present: bool


@dataclass
class MeetingPage:
    meeting: DepartmentMeeting
    rows: list[AgendaRow]
    funnel: Funnel
    attendance: list[AttendanceChoice]

    @property
    def total_minutes(self) -> int:
        return sum(row.item.timebox_minutes for row in self.rows)

    @property
    def ends_at(self) -> datetime.datetime | None:
        if self.meeting.starts_at is None:
            return None
        return self.meeting.starts_at + datetime.timedelta(minutes=self.total_minutes)

    @property
    def open_rows(self) -> list[AgendaRow]:
        return [row for row in self.rows if not row.is_decided]

    @property
    def decided_count(self) -> int:
        return sum(row.is_decided for row in self.rows)

    @property
    def attendee_count(self) -> int:
        return sum(choice.present for choice in self.attendance)

    @property
    def current(self) -> AgendaRow | None:
        return next((row for row in self.rows if row.is_open), None)


def agenda_items(meeting: DepartmentMeeting) -> QuerySet[AgendaItem]:
    """A meeting's items in agenda order, with the escalation, student and class group (one query)."""
    return meeting.items.select_related("escalation__student__class_group", "escalation__raised_by").order_by(
        "position", "pk"
    )


def agenda_rows(meeting: DepartmentMeeting, items: list[AgendaItem]) -> list[AgendaRow]:
    """Number the items and, when the meeting has a start time, give each its planned slot."""
    rows, start = [], meeting.starts_at
    for number, item in enumerate(items, start=1):
        row = AgendaRow(item=item, number=number)
        if start is not None:
            row.planned_start = start
            row.planned_end = start = start + datetime.timedelta(minutes=item.timebox_minutes)
        rows.append(row)
    return rows


def meeting_funnel(*, meeting: DepartmentMeeting, items: list[AgendaItem]) -> Funnel:
    """Students in the cycle → needing attention → escalated → on the agenda (three queries)."""
    students = department_students(cycle=meeting.cycle, department=meeting.department)
    return Funnel(
        students=students.count(),
        needing_attention=MentorReview.objects.filter(
            cycle=meeting.cycle, verdict=MentorReview.Verdict.NEEDS_ATTENTION, student__in=students
        ).count(),
        escalated=Escalation.objects.filter(cycle=meeting.cycle, department=meeting.department)
        .exclude(status=Escalation.Status.MERGED)
        .values("student_id")
        .distinct()
        .count(),
        on_agenda=len({item.escalation.student_id for item in items}),
    )


def meeting_page(*, meeting: DepartmentMeeting) -> MeetingPage:
    """Everything the agenda page shows: agenda, funnel and attendance (six queries)."""
    items = list(agenda_items(meeting).select_related("decision"))
    present = set(meeting.attendees.values_list("pk", flat=True))
    return MeetingPage(
        meeting=meeting,
        rows=agenda_rows(meeting, items),
        funnel=meeting_funnel(meeting=meeting, items=items),
        attendance=[
            AttendanceChoice(staff=staff, present=staff.pk in present)
            for staff in attendance_candidates(meeting=meeting)
        ],
    )


# --- meeting mode: one item on the shared screen ---------------------------------------------------


@dataclass
class EvidenceRow:
    """One subject: the light and grade when the mentor escalated, and now."""

    subject: str
    teaching_group: str
    then_light: str | None
    then_grade: Decimal | None
    light: str | None
    grade: Decimal | None
    advice: str
    previous_light: str | None
    trend: str | None

    @property
    def changed(self) -> bool:
        return self.then_light is not None and (self.then_light, self.then_grade) != (self.light, self.grade)


def evidence_rows(*, snapshot: dict, live: Evidence) -> list[EvidenceRow]:
    """The stored snapshot next to the live evidence, by subject (no query)."""
    then = {
        (subject.get("subject_id"), subject.get("teaching_group")): subject for subject in snapshot.get("subjects", [])
    }
    rows = []
    for cell in live.cells:
        old = then.pop((cell.subject_id, cell.teaching_group), None)
        rows.append(
            EvidenceRow(
                subject=cell.subject,
                teaching_group=cell.teaching_group,
                then_light=old.get("light") if old else None,
                then_grade=_grade(old.get("grade")) if old else None,
                light=cell.light,
                grade=cell.grade,
                advice=cell.advice,
                previous_light=cell.previous_light,
                trend=cell.trend,
            )
        )
    for old in then.values():  # a subject that has no entry any more
        rows.append(
            EvidenceRow(
                subject=old.get("subject", ""),
                teaching_group=old.get("teaching_group", ""),
                then_light=old.get("light"),
                then_grade=_grade(old.get("grade")),
                light=None,
                grade=None,
                advice=old.get("advice", ""),
                previous_light=old.get("previous_light"),
                trend=old.get("trend"),
            )
        )
    return rows


@dataclass
class VoteState:
    """What anyone may know of a silent vote: before the reveal only how many attendees have voted."""

    held: bool
    is_open: bool
    is_revealed: bool
    cast: int
    attendees: int
    tally: dict[str, int] = field(default_factory=dict)
    votes: list[Vote] = field(default_factory=list)  # only once revealed


def vote_state(*, item: AgendaItem, attendee_ids: set[int]) -> VoteState:
    """How many attendees voted; the choices and comments only once revealed (one or two queries)."""
    is_open = item.status == AgendaItem.Status.VOTING
    is_revealed = item.votes_revealed_at is not None
    state = VoteState(
        held=is_open or is_revealed,
        is_open=is_open,
        is_revealed=is_revealed,
        cast=0,
        attendees=len(attendee_ids),
    )
    if not state.held:
        return state
    if is_revealed:
        state.votes = list(item.votes.select_related("voter__user").order_by("voter__user__last_name", "pk"))
        state.cast = len(state.votes)
        state.tally = {choice: sum(vote.choice == choice for vote in state.votes) for choice in Vote.Choice.values}
    else:
        # Counting only: the query reads no choice and no comment.
        state.cast = item.votes.filter(voter_id__in=attendee_ids).count()
    return state


@dataclass
class ItemPage:
    meeting: DepartmentMeeting
    item: AgendaItem
    rows: list[AgendaRow]
    index: int
    evidence: Evidence
    evidence_rows: list[EvidenceRow]
    vote: VoteState
    lights: list[LightStyle]
    palette: str
    attendee_ids: set[int] = field(default_factory=set)
    owner_staff: list[Staff] = field(default_factory=list)

    @property
    def row(self) -> AgendaRow:
        return self.rows[self.index]

    @property
    def escalation(self) -> Escalation:
        return self.item.escalation

    @property
    def snapshot(self) -> dict:
        return self.item.escalation.evidence or {}

    @property
    def previous(self) -> AgendaItem | None:
        return self.rows[self.index - 1].item if self.index > 0 else None

    @property
    def next(self) -> AgendaItem | None:
        return self.rows[self.index + 1].item if self.index + 1 < len(self.rows) else None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def decided_count(self) -> int:
        return sum(row.is_decided for row in self.rows)

    @property
    def timebox_ends_at(self) -> datetime.datetime | None:
        if self.item.opened_at is None:
            return None
        return self.item.opened_at + datetime.timedelta(minutes=self.item.timebox_minutes)

    @property
    def live_counts(self) -> dict[str, int]:
        return {"red": self.evidence.red, "orange": self.evidence.orange, "green": self.evidence.green}

    @property
    def other_open(self) -> AgendaItem | None:
        """Another item still under discussion or being voted on: this one cannot open before it closes."""
        return next((row.item for row in self.rows if row.is_open and row.item.pk != self.item.pk), None)


def meeting_item_page(*, meeting: DepartmentMeeting, item_pk: int, decision_form: bool = False) -> ItemPage:
    """One item for the shared screen: its evidence then and now, its vote, its place on the agenda.

    A fixed number of queries: the items, the live evidence (three), the light words, the attendees,
    the vote count (or the revealed votes), the decision's agreements once decided, and the staff
    who may own an agreement when the decision form is shown (`decision_form`, for the team leader).
    """
    items = list(agenda_items(meeting).select_related("decision__decided_by"))
    index = next((i for i, item in enumerate(items) if item.pk == item_pk), None)
    if index is None:
        raise Http404
    item = items[index]
    escalation = item.escalation
    escalation.cycle = meeting.cycle  # the same cycle: no query to load it again
    live = student_evidence(cycle=meeting.cycle, student=escalation.student)
    scheme = light_scheme_for(meeting.department.school_id)
    attendee_ids = set(meeting.attendees.values_list("pk", flat=True))
    page = ItemPage(
        meeting=meeting,
        item=item,
        rows=agenda_rows(meeting, items),
        index=index,
        evidence=live,
        evidence_rows=evidence_rows(snapshot=escalation.evidence or {}, live=live),
        vote=vote_state(item=item, attendee_ids=attendee_ids),
        lights=light_styles(scheme),
        palette=scheme.palette,
        attendee_ids=attendee_ids,
    )
    if item.status == AgendaItem.Status.DECIDED and hasattr(item, "decision"):
        item.decision.agreement_list = list(item.decision.agreements.select_related("owner_staff__user"))
    if decision_form and item.status == AgendaItem.Status.DISCUSSING:
        page.owner_staff = list(attendance_candidates(meeting=meeting))
    return page


def current_item(meeting: DepartmentMeeting) -> AgendaItem | None:
    """Where meeting mode resumes: the item under discussion or vote, else the first one still waiting."""
    items = list(meeting.items.order_by("position", "pk").only("pk", "status", "position"))
    for wanted in ((AgendaItem.Status.DISCUSSING, AgendaItem.Status.VOTING), (AgendaItem.Status.WAITING,)):
        found = next((item for item in items if item.status in wanted), None)
        if found is not None:
            return found
    return None


# --- an attendee's own device -----------------------------------------------------------------------


@dataclass
class VotePage:
    meeting: DepartmentMeeting
    item: AgendaItem
    own_vote: Vote | None
    cast: int
    attendees: int


def vote_page(*, meeting: DepartmentMeeting, item_pk: int, voter: Staff) -> VotePage:
    """The question and proposal, and the voter's own vote: never anybody else's (four queries)."""
    item = meeting.items.select_related("escalation__student__class_group").filter(pk=item_pk).first()
    if item is None:
        raise Http404
    attendee_ids = set(meeting.attendees.values_list("pk", flat=True))
    return VotePage(
        meeting=meeting,
        item=item,
        own_vote=item.votes.filter(voter=voter).first(),
        # Counting only: nobody else's choice or comment is read.
        cast=item.votes.filter(voter_id__in=attendee_ids).count(),
        attendees=len(attendee_ids),
    )
