"""Reads for the open class meeting, shaped for one screen each, in a fixed number of queries.

- `previous_agreements`: last time's agreements of the class, to check before new business.
- `agenda`: the programme with each student's planned time (before the start from the
  programme rows, afterwards from the items), the excused list and the balance per item.
- `speaker_queue`: who speaks now and who waits, in order.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from mentoring.models import Agreement
from school.models import Student

from ..models import FloorRequest, ItemPoint, MeetingItem, MeetingStudent, OpenClassMeeting, PreparedInput

# --- last time's agreements ---------------------------------------------------------------------------------


def _earlier_meetings_of_class(meeting: OpenClassMeeting) -> Q:
    return Q(
        class_item__meeting__class_group_id=meeting.class_group_id,
        class_item__meeting__starts_at__lt=meeting.starts_at,
    ) & ~Q(class_item__meeting_id=meeting.pk)


def open_previous_agreements(meeting: OpenClassMeeting) -> QuerySet[Agreement]:
    """The class's agreements from its earlier open meetings that nobody has checked yet."""
    return Agreement.objects.filter(_earlier_meetings_of_class(meeting), status=Agreement.Status.OPEN)


def previous_agreements(meeting: OpenClassMeeting) -> list[Agreement]:
    """The "check previous agreements" step: open ones first, then those checked since this meeting was drawn up.

    One query (the student and the owner come along).
    """
    rows = list(
        Agreement.objects.filter(_earlier_meetings_of_class(meeting))
        .filter(Q(status=Agreement.Status.OPEN) | Q(checked_at__gte=meeting.created_at))
        .select_related("student", "owner_staff__user")
        .order_by("student__last_name", "student__first_name", "due_on", "pk")
    )
    rows.sort(key=lambda agreement: agreement.status != Agreement.Status.OPEN)  # open first; stable otherwise
    return rows


# --- the agenda ---------------------------------------------------------------------------------------------


@dataclass
class AgendaRow:
    student: Student
    position: int
    planned_start: datetime.datetime
    planned_minutes: int
    item: MeetingItem | None = None  # once the meeting has started
    positive: int = 0
    negative: int = 0

    @property
    def status(self) -> str:
        return self.item.status if self.item is not None else MeetingItem.Status.WAITING


@dataclass
class Agenda:
    meeting: OpenClassMeeting
    rows: list[AgendaRow]
    excused: list[Student] = field(default_factory=list)
    not_discussed: list[Student] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(row.planned_minutes for row in self.rows)

    @property
    def planned_end(self) -> datetime.datetime:
        return self.meeting.starts_at + datetime.timedelta(minutes=self.total_minutes)

    @property
    def current(self) -> AgendaRow | None:
        return next((row for row in self.rows if row.status == MeetingItem.Status.OPEN), None)


def agenda(meeting: OpenClassMeeting) -> Agenda:
    """The programme with timing: three queries before the start, four after it, whatever the class's size."""
    programme = list(
        MeetingStudent.objects.filter(meeting=meeting, invited=True)
        .select_related("student")
        .order_by("position", "student__last_name", "student__first_name", "pk")
    )
    excused = [row.student for row in programme if row.excused]
    not_discussed = [row.student for row in programme if not row.excused and not row.discussed]
    rows: list[AgendaRow] = []
    if meeting.status == OpenClassMeeting.Status.PREPARING:
        minutes = meeting.minutes_per_student
        for position, row in enumerate((r for r in programme if r.attends and r.discussed), start=1):
            start = meeting.starts_at + datetime.timedelta(minutes=minutes * (position - 1))
            rows.append(
                AgendaRow(student=row.student, position=position, planned_start=start, planned_minutes=minutes)
            )
    else:
        items = list(
            MeetingItem.objects.filter(meeting=meeting)
            .select_related("student")
            .annotate(
                positive=Count("points", filter=Q(points__kind=ItemPoint.Kind.POSITIVE)),
                negative=Count("points", filter=Q(points__kind=ItemPoint.Kind.NEGATIVE)),
            )
            .order_by("position", "pk")
        )
        start = meeting.starts_at
        for item in items:
            rows.append(
                AgendaRow(
                    student=item.student,
                    position=item.position,
                    planned_start=start,
                    planned_minutes=item.planned_minutes,
                    item=item,
                    positive=item.positive,
                    negative=item.negative,
                )
            )
            start += datetime.timedelta(minutes=item.planned_minutes)
    return Agenda(meeting=meeting, rows=rows, excused=excused, not_discussed=not_discussed)


# --- the speaker queue --------------------------------------------------------------------------------------


@dataclass
class SpeakerQueue:
    item: MeetingItem
    speaker: FloorRequest | None
    waiting: list[FloorRequest]

    def position_of(self, user_id: int) -> int | None:
        """1 for the first in line; None when the user is not waiting."""
        for index, request in enumerate(self.waiting, start=1):
            if request.user_id == user_id:
                return index
        return None


def speaker_queue(item: MeetingItem) -> SpeakerQueue:
    """The current speaker and the waiting requests in the order they were made (one query)."""
    open_requests = list(
        FloorRequest.objects.filter(item=item, status__in=[FloorRequest.Status.REQUESTED, FloorRequest.Status.GRANTED])
        .select_related("user")
        .order_by("requested_at", "pk")
    )
    speaker = next((r for r in open_requests if r.status == FloorRequest.Status.GRANTED), None)
    waiting = [r for r in open_requests if r.status == FloorRequest.Status.REQUESTED]
    return SpeakerQueue(item=item, speaker=speaker, waiting=waiting)


def balance(item: MeetingItem) -> tuple[int, int]:
    """How many positive and how many negative points were noted on the item (one query)."""
    counts = item.points.aggregate(
        positive=Count("pk", filter=Q(kind=ItemPoint.Kind.POSITIVE)),
        negative=Count("pk", filter=Q(kind=ItemPoint.Kind.NEGATIVE)),
    )
    return counts["positive"], counts["negative"]


# --- a student's own place in a meeting ------------------------------------------------------------------------


@dataclass
class OwnPlace:
    """The student's invitation (excused or not) and their prepared input so far, if any."""

    row: MeetingStudent
    prepared: PreparedInput | None


def own_place(meeting: OpenClassMeeting, student: Student | None) -> OwnPlace | None:
    """The student's place in the meeting, or None when they are not invited (or not a student): 2 queries."""
    if student is None:
        return None
    row = (
        MeetingStudent.objects.filter(meeting=meeting, student=student, invited=True).select_related("student").first()
    )
    if row is None:
        return None
    prepared = PreparedInput.objects.filter(meeting=meeting, student_id=student.pk).first()
    return OwnPlace(row=row, prepared=prepared)
