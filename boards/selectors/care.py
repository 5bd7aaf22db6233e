"""Care meetings' pages, each in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from school.models import Staff, Student, User

from .. import policies
from ..models import CareConsent, CareEntry, CareGuest, CareMeeting, CareReadLog, Mood

# A smiley for every mood, always shown with its word.
MOOD_FACES = {Mood.GREAT: "😄", Mood.GOOD: "🙂", Mood.SO_SO: "😐", Mood.BAD: "🙁"}


@dataclass
class MoodChoice:
    value: str
    label: str
    face: str


def mood_choices() -> list[MoodChoice]:
    return [MoodChoice(value, label, MOOD_FACES[value]) for value, label in Mood.choices]


@dataclass
class ChildBoard:
    student: Student
    check_in: CareEntry | None = None
    successes: list[CareEntry] = field(default_factory=list)
    next_steps: list[CareEntry] = field(default_factory=list)
    consent: CareConsent | None = None

    @property
    def face(self) -> str:
        return MOOD_FACES.get(self.check_in.mood, "") if self.check_in else ""

    @property
    def consent_missing(self) -> bool:
        return self.consent is None


@dataclass
class GuestRow:
    guest: CareGuest
    state: str  # active, expired, revoked


@dataclass
class CarePage:
    meeting: CareMeeting
    children: list[ChildBoard]
    guests: list[GuestRow]
    participants: list[Staff]
    today: datetime.date

    @property
    def consent_missing(self) -> bool:
        return any(child.consent_missing for child in self.children)


def care_meeting_page(*, meeting: CareMeeting) -> CarePage:
    """The board: per child the check-in, successes and next steps, the consent; the guests and participants.

    Five queries, whatever the number of children, lines or guests.
    """
    children = list(meeting.children.order_by("last_name", "first_name", "pk"))
    boards = {child.pk: ChildBoard(student=child) for child in children}
    for entry in CareEntry.objects.filter(meeting=meeting).order_by("pk"):
        board = boards.get(entry.student_id)
        if board is None:
            continue
        if entry.kind == CareEntry.Kind.CHECK_IN:
            board.check_in = entry
        elif entry.kind == CareEntry.Kind.SUCCESS:
            board.successes.append(entry)
        else:
            board.next_steps.append(entry)
    for consent in CareConsent.objects.filter(meeting=meeting):
        if consent.student_id in boards:
            boards[consent.student_id].consent = consent
    now = timezone.now()
    guests = []
    for guest in CareGuest.objects.filter(meeting=meeting).select_related("user").order_by("user__last_name", "pk"):
        if guest.revoked_at is not None:
            state = "revoked"
        elif guest.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        guests.append(GuestRow(guest=guest, state=state))
    participants = list(meeting.participants.select_related("user").order_by("user__last_name", "user__first_name"))
    return CarePage(
        meeting=meeting,
        children=[boards[child.pk] for child in children],
        guests=guests,
        participants=participants,
        today=timezone.localdate(),
    )


def care_meetings_for(user: User) -> QuerySet[CareMeeting]:
    """The meetings the user takes part in (or coordinates), newest first, with their children."""
    return (
        policies.care_meetings_visible_to(user)
        .select_related("coordinator__user")
        .prefetch_related(Prefetch("children", queryset=Student.objects.order_by("last_name", "first_name")))
    )


def care_read_log_page(*, meeting: CareMeeting, limit: int = 500) -> list[CareReadLog]:
    """Who read the meeting, newest first."""
    return list(CareReadLog.objects.filter(meeting=meeting).select_related("user")[:limit])
