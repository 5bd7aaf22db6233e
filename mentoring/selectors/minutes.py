"""Reads for the minutes of a department meeting: the job's state, and everything the PDF shows.

The minutes list the meeting (department, round, date, who was there) and every
agenda item in order: the student, the question and the mentor's proposal, the
notes, the decision with its rationale, the silent vote's tally, the agreements
(who, by when) and, for high-stakes questions, what the evidence was when the
decision was taken. Built in a fixed number of queries, whatever the agenda's length.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from reviews.models import LightScheme
from reviews.selectors import light_scheme_for, light_styles
from school.models import Staff

from ..models import HIGH_STAKES, AgendaItem, Agreement, Category, Decision, DepartmentMeeting, MinutesJob, Vote

# A job that is still "waiting" or "being made" after this long was lost (a worker killed
# by its hard time limit, a message dropped): asking again starts it afresh.
MINUTES_STALE_AFTER = datetime.timedelta(minutes=30)


def minutes_job_for(*, meeting: DepartmentMeeting) -> MinutesJob | None:
    """The meeting's minutes job, if the minutes were ever asked for (one query)."""
    return MinutesJob.objects.filter(meeting=meeting).select_related("requested_by").first()


def minutes_can_be_made(*, meeting: DepartmentMeeting) -> bool:
    """Minutes record decisions: there is one at least, or the meeting is over (one query at most)."""
    if meeting.status == DepartmentMeeting.Status.FINISHED:
        return True
    return Decision.objects.filter(item__meeting=meeting).exists()


# --- the minutes' content --------------------------------------------------------------------------------


@dataclass
class MinutesLight:
    """One light as the minutes print it: the letter and the school's word, never colour alone."""

    value: str
    letter: str
    word: str


@dataclass
class MinutesSubject:
    subject: str
    light: MinutesLight | None
    grade: str
    trend: str | None


@dataclass
class MinutesEvidence:
    """What the lights, grades and trend were when a high-stakes decision was taken (its snapshot)."""

    captured_at: datetime.datetime | None
    green: int
    orange: int
    red: int
    trend: str | None
    student_view: str
    subjects: list[MinutesSubject] = field(default_factory=list)


@dataclass
class MinutesAgreement:
    text: str
    owner: str  # the role, in words
    owner_name: str  # the member of staff, where one was named
    due_on: datetime.date
    status: str


@dataclass
class MinutesVote:
    choice: str
    label: str
    count: int


@dataclass
class MinutesItem:
    number: int
    student: str
    student_number: str
    class_group: str
    category: str
    is_high_stakes: bool
    question: str
    proposal: str
    student_view: str
    notes: str
    status: str
    decision: str = ""
    rationale: str = ""
    decided_at: datetime.datetime | None = None
    votes: list[MinutesVote] = field(default_factory=list)
    agreements: list[MinutesAgreement] = field(default_factory=list)
    evidence: MinutesEvidence | None = None

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)

    @property
    def vote_total(self) -> int:
        return sum(vote.count for vote in self.votes)


@dataclass
class Minutes:
    meeting: DepartmentMeeting
    school: str
    department: str
    cycle: str
    period: str
    date: datetime.datetime | datetime.date | None
    location: str
    status: str
    team_leaders: list[str]
    attendees: list[str]
    items: list[MinutesItem]
    scheme: LightScheme
    made_at: datetime.datetime

    @property
    def decided_count(self) -> int:
        return sum(item.is_decided for item in self.items)


def _staff_name(staff: Staff | None) -> str:
    if staff is None:
        return ""
    return staff.user.get_full_name() or staff.user.get_username()


def _lights(scheme: LightScheme) -> dict[str, MinutesLight]:
    return {style.value: MinutesLight(style.value, style.letter, style.label) for style in light_styles(scheme)}


def _votes(tally: object) -> list[MinutesVote]:
    """The silent vote's tally (choice → count), in the choices' own order; anything else is ignored."""
    if not isinstance(tally, dict):
        return []
    votes = []
    for choice in Vote.Choice:
        count = tally.get(choice.value)
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            votes.append(MinutesVote(choice.value, str(choice.label), count))
    return votes if any(vote.count for vote in votes) else []


def _evidence(snapshot: object, lights: dict[str, MinutesLight]) -> MinutesEvidence | None:
    """A decision's evidence snapshot (see evidence.Evidence.as_snapshot), read defensively: it is stored JSON."""
    if not isinstance(snapshot, dict) or not snapshot:
        return None
    counts = snapshot.get("counts") if isinstance(snapshot.get("counts"), dict) else {}
    captured_at = None
    if isinstance(snapshot.get("captured_at"), str):
        try:
            captured_at = datetime.datetime.fromisoformat(snapshot["captured_at"])
        except ValueError:
            captured_at = None
    subjects = []
    for row in snapshot.get("subjects") or []:
        if not isinstance(row, dict):
            continue
        grade = row.get("grade")
        subjects.append(
            MinutesSubject(
                subject=str(row.get("subject") or ""),
                light=lights.get(row.get("light") or ""),
                grade=str(grade) if grade not in (None, "") else "",
                trend=row.get("trend") if row.get("trend") in ("better", "same", "worse") else None,
            )
        )

    def count(light: str) -> int:
        value = counts.get(light)
        return value if isinstance(value, int) else 0

    return MinutesEvidence(
        captured_at=captured_at,
        green=count("green"),
        orange=count("orange"),
        red=count("red"),
        trend=snapshot.get("trend") if snapshot.get("trend") in ("better", "same", "worse") else None,
        student_view=str(snapshot.get("student_view") or ""),
        subjects=subjects,
    )


def minutes_for_pdf(*, meeting_id: int) -> Minutes:
    """Everything the minutes show, read fresh from the database (six queries, whatever the agenda's length)."""
    meeting = DepartmentMeeting.objects.select_related(
        "cycle__school", "cycle__period__school_year", "department"
    ).get(pk=meeting_id)
    attendees = list(meeting.attendees.select_related("user").order_by("user__last_name", "user__first_name"))
    team_leaders = list(
        meeting.department.team_leaders.select_related("user").order_by("user__last_name", "user__first_name")
    )
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("escalation__student__class_group", "decision")
        .prefetch_related(
            Prefetch(
                "decision__agreements",
                queryset=Agreement.objects.select_related("owner_staff__user").order_by("due_on", "pk"),
            )
        )
        .order_by("position", "pk")
    )
    scheme = light_scheme_for(meeting.cycle.school_id)
    lights = _lights(scheme)
    return Minutes(
        meeting=meeting,
        school=meeting.cycle.school.name,
        department=meeting.department.name,
        cycle=meeting.cycle.name,
        period=str(meeting.cycle.period),
        date=meeting.started_at or meeting.starts_at or meeting.cycle.meeting_on,
        location=meeting.location,
        status=meeting.get_status_display(),
        team_leaders=[_staff_name(staff) for staff in team_leaders],
        attendees=[_staff_name(staff) for staff in attendees],
        items=[_item(number, item, lights) for number, item in enumerate(items, start=1)],
        scheme=scheme,
        made_at=timezone.now(),
    )


def _item(number: int, item: AgendaItem, lights: dict[str, MinutesLight]) -> MinutesItem:
    escalation = item.escalation
    student = escalation.student
    line = MinutesItem(
        number=number,
        student=student.full_name,
        student_number=student.number,
        class_group=student.class_group.name if student.class_group else "",
        category=Category(escalation.category).label if escalation.category in Category.values else "",
        is_high_stakes=escalation.category in HIGH_STAKES,
        question=escalation.question,
        proposal=escalation.proposal,
        student_view=escalation.student_view,
        notes=item.notes,
        status=item.get_status_display(),
    )
    decision = getattr(item, "decision", None)
    if decision is not None:
        line.decision = decision.text
        line.rationale = decision.rationale
        line.decided_at = decision.decided_at
        line.votes = _votes(decision.votes)
        line.agreements = [
            MinutesAgreement(
                text=agreement.text,
                owner=agreement.get_owner_display(),
                owner_name=_staff_name(agreement.owner_staff),
                due_on=agreement.due_on,
                status=agreement.get_status_display(),
            )
            for agreement in decision.agreements.all()
        ]
        if line.is_high_stakes:
            line.evidence = _evidence(decision.evidence, lights)
    return line
