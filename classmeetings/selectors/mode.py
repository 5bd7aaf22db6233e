"""Reads for meeting mode: the shared screen and a participant's own device, each in a fixed number of queries.

- `mode_screen`: the agenda with the balance per item, the item shown (the one under discussion, else
  the next one waiting, or one the viewer walked to with ← / →), its timer, the speaker queue, and
  what the viewer may read of it: the student's prepared input (policies.prepared_inputs_visible_to:
  never another student's), its points, notes and decision (policies.can_view_item_notes).
- `floor_screen`: the open item, the queue, the viewer's own request and place in it, and the viewer's
  own item (a student's points and decision) — nothing of another student's that is private.

The number of queries depends on the viewer's role and the meeting's state, never on the size of the class
or of the queue.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from mentoring.models import Agreement
from school.models import Staff, User
from school.policies import roles_of

from .. import policies
from ..models import FloorRequest, ItemDecision, ItemPoint, MeetingItem, OpenClassMeeting, PreparedInput
from .meeting import Agenda, AgendaRow, SpeakerQueue, agenda, speaker_queue


@dataclass
class Timer:
    """The open item's planned minutes counting down from when it was opened."""

    started: datetime.datetime
    minutes: int
    now: datetime.datetime

    @property
    def ends(self) -> datetime.datetime:
        return self.started + datetime.timedelta(minutes=self.minutes)

    @property
    def seconds_left(self) -> int:
        """Seconds left; negative once over time."""
        return int((self.ends - self.now).total_seconds())

    @property
    def is_over(self) -> bool:
        return self.seconds_left < 0

    @property
    def clock(self) -> str:
        """What is left as m:ss ("3:12")."""
        seconds = max(self.seconds_left, 0)
        return f"{seconds // 60}:{seconds % 60:02d}"

    @property
    def over_minutes(self) -> int:
        """Whole minutes over time, counted up: 10 seconds over is "1 min over time"."""
        over = -self.seconds_left
        return max(1, -(-over // 60)) if over > 0 else 0


@dataclass
class ItemView:
    """What the viewer may read of one item."""

    row: AgendaRow
    has_decision: bool
    can_view_notes: bool
    prepared: PreparedInput | None = None
    points: list[ItemPoint] = field(default_factory=list)
    decision: ItemDecision | None = None
    agreements: list[Agreement] = field(default_factory=list)

    @property
    def item(self) -> MeetingItem:
        return self.row.item


@dataclass
class ModeScreen:
    meeting: OpenClassMeeting
    agenda: Agenda
    can_chair: bool
    can_keep_minutes: bool
    shown: ItemView | None = None
    queue: SpeakerQueue | None = None  # of the item under discussion
    timer: Timer | None = None
    previous: AgendaRow | None = None
    next: AgendaRow | None = None
    followed: bool = True  # the item shown is the one the meeting is at (not one walked to)

    @property
    def open_row(self) -> AgendaRow | None:
        return self.agenda.current

    @property
    def all_closed(self) -> bool:
        return bool(self.agenda.rows) and all(row.status == MeetingItem.Status.CLOSED for row in self.agenda.rows)

    @property
    def other_open(self) -> AgendaRow | None:
        """The item under discussion when the item shown is another one."""
        current = self.agenda.current
        if current is not None and self.shown is not None and current.item.pk != self.shown.item.pk:
            return current
        return None

    @property
    def shape(self) -> str:
        """What the page is built around: when it changes, the poll reloads the page instead of a fragment."""
        shown = self.shown
        return "-".join(
            str(part)
            for part in (
                self.meeting.status,
                self.open_row.item.pk if self.open_row else 0,
                shown.item.pk if shown else 0,
                shown.item.status if shown else "",
                int(shown.has_decision) if shown else 0,
            )
        )


def _followed_row(rows: list[AgendaRow]) -> AgendaRow | None:
    """The item the meeting is at: under discussion, else the first waiting one, else the last one."""
    for status in (MeetingItem.Status.OPEN, MeetingItem.Status.WAITING):
        row = next((r for r in rows if r.status == status), None)
        if row is not None:
            return row
    return rows[-1] if rows else None


def _item_view(user: User, meeting: OpenClassMeeting, row: AgendaRow, *, with_input: bool) -> ItemView:
    item = row.item
    item.meeting = meeting
    decision = ItemDecision.objects.filter(item=item).first()
    view = ItemView(
        row=row, has_decision=decision is not None, can_view_notes=policies.can_view_item_notes(user, item)
    )
    if with_input:
        # The policy's queryset: a student reads only their own input, the staff who follow the meeting any.
        view.prepared = (
            policies.prepared_inputs_visible_to(user).filter(meeting_id=meeting.pk, student_id=item.student_id).first()
        )
    if view.can_view_notes:
        view.points = list(ItemPoint.objects.filter(item=item).order_by("noted_at", "pk"))
        view.decision = decision
        if decision is not None:
            view.agreements = list(
                Agreement.objects.filter(class_item=item).select_related("owner_staff__user").order_by("due_on", "pk")
            )
    return view


def mode_screen(meeting: OpenClassMeeting, user: User, *, item_pk: int | None = None) -> ModeScreen:
    """The shared screen. `item_pk` shows another item of the agenda (walked to); unknown ones are ignored."""
    screen = ModeScreen(
        meeting=meeting,
        agenda=agenda(meeting),
        can_chair=policies.can_chair(user, meeting),
        can_keep_minutes=policies.can_keep_minutes(user, meeting),
    )
    rows = screen.agenda.rows
    if meeting.status == OpenClassMeeting.Status.PREPARING or not rows:
        return screen
    followed = _followed_row(rows)
    shown = next((r for r in rows if r.item.pk == item_pk), None) if item_pk else None
    screen.followed = shown is None or shown is followed
    shown = shown or followed
    index = rows.index(shown)
    screen.previous = rows[index - 1] if index > 0 else None
    screen.next = rows[index + 1] if index + 1 < len(rows) else None
    screen.shown = _item_view(user, meeting, shown, with_input=True)
    current = screen.agenda.current
    if current is not None:
        current.item.meeting = meeting
        screen.queue = speaker_queue(current.item)
        screen.timer = Timer(started=current.item.opened_at, minutes=current.item.planned_minutes, now=timezone.now())
    return screen


def decision_owner_staff(meeting: OpenClassMeeting) -> list[Staff]:
    """Who an agreement may name as its member of staff: the class's mentors and the extra teachers (one query)."""
    return list(
        Staff.objects.filter(
            Q(mentor_of=meeting.class_group_id) | Q(open_meetings_invited=meeting.pk),
            school_id=meeting.school_id,
            is_active=True,
        )
        .select_related("user")
        .distinct()
        .order_by("user__last_name", "user__first_name", "pk")
    )


# --- a participant's own device --------------------------------------------------------------------------------


@dataclass
class FloorScreen:
    meeting: OpenClassMeeting
    can_take_part: bool
    can_chair: bool
    open_item: MeetingItem | None = None
    queue: SpeakerQueue | None = None
    own_request: FloorRequest | None = None
    own_item: ItemView | None = None  # a student's own item in this meeting

    @property
    def place(self) -> int | None:
        """1 for the first in line; None when the viewer is not waiting."""
        if self.queue is None or self.own_request is None:
            return None
        return self.queue.position_of(self.own_request.user_id)

    @property
    def speaking(self) -> bool:
        return self.own_request is not None and self.own_request.status == FloorRequest.Status.GRANTED

    @property
    def shape(self) -> str:
        own = self.own_item
        return "-".join(
            str(part)
            for part in (
                self.meeting.status,
                self.open_item.pk if self.open_item else 0,
                own.item.status if own else "",
                int(own.has_decision) if own else 0,
            )
        )


def floor_screen(meeting: OpenClassMeeting, user: User) -> FloorScreen:
    """The participant's page: the open item, the queue and one's own place in it, and one's own item."""
    screen = FloorScreen(
        meeting=meeting,
        can_take_part=policies.can_take_part(user, meeting),
        can_chair=policies.can_chair(user, meeting),
    )
    if meeting.status == OpenClassMeeting.Status.PREPARING:
        return screen
    student = roles_of(user).student
    items = list(
        MeetingItem.objects.filter(meeting=meeting)
        .filter(Q(status=MeetingItem.Status.OPEN) | Q(student_id=student.pk if student else None))
        .select_related("student")
    )
    for item in items:
        item.meeting = meeting
    screen.open_item = next((i for i in items if i.status == MeetingItem.Status.OPEN), None)
    if screen.open_item is not None:
        screen.queue = speaker_queue(screen.open_item)
        speaker = screen.queue.speaker
        if speaker is not None and speaker.user_id == user.pk:
            screen.own_request = speaker
        else:
            screen.own_request = next((r for r in screen.queue.waiting if r.user_id == user.pk), None)
    own = next((i for i in items if student is not None and i.student_id == student.pk), None)
    if own is not None:
        row = AgendaRow(
            student=own.student,
            position=own.position,
            planned_start=meeting.starts_at,
            planned_minutes=own.planned_minutes,
            item=own,
        )
        screen.own_item = _item_view(user, meeting, row, with_input=False)
        row.positive = sum(1 for p in screen.own_item.points if p.kind == ItemPoint.Kind.POSITIVE)
        row.negative = len(screen.own_item.points) - row.positive
    return screen
