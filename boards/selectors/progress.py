"""The student progress board of one class group (issue 6): a card per active student, with its flags,
whether it is stale (not updated in 7 days) and which fields changed in the last 7 days.

Three queries, whatever the number of cards: students with their cards, the week's changes, and
(done by the view, not here) nothing more — photo URLs are built with reverse(), not queried.

The monthly discussion walks through the notable cards (CardView.is_notable, the board's "only notable"
filter) one at a time, with what changed in the shown card's flags since last week: one query more.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from school.models import ClassGroup, Student

from .. import policies
from ..models import ProgressCard, ProgressCardChange

STALE_AFTER = datetime.timedelta(days=7)
CHANGED_WITHIN = datetime.timedelta(days=7)
CARD_FIELDS = ("internship_placed", "tests_behind", "attendance_concern", "notable")
FILTER_NOTABLE = "notable"


@dataclass
class CardView:
    """One student's card as the board shows it (an empty card when the student has no ProgressCard yet)."""

    student: Student
    card: ProgressCard
    photo_url: str
    stale: bool
    changed_fields: frozenset[str] = frozenset()
    typed_tests_behind: str | None = None  # what the user typed, shown back with its error

    @property
    def version(self) -> int:
        return self.card.version if self.card.pk else 0

    @property
    def changed(self) -> bool:
        return bool(self.changed_fields)

    @property
    def internship_value(self) -> str:
        return {True: "yes", False: "no"}.get(self.card.internship_placed, "unknown")

    @property
    def is_notable(self) -> bool:
        card = self.card
        return (
            card.internship_placed is False
            or card.tests_behind > 0
            or card.attendance_concern
            or bool(card.notable.strip())
        )


@dataclass
class ProgressBoard:
    class_group: ClassGroup
    cards: list[CardView]
    total: int
    filter: str
    can_update: bool
    now: datetime.datetime
    stale_count: int = 0
    notable_count: int = 0
    changed_count: int = 0


def _card_view(student: Student, changed: dict[int, set[str]], now: datetime.datetime) -> CardView:
    card = getattr(student, "progress_card", None) or ProgressCard(student=student)
    return CardView(
        student=student,
        card=card,
        photo_url=_photo_url(student),
        stale=card.updated_at is None or card.updated_at < now - STALE_AFTER,
        changed_fields=frozenset(changed.get(card.pk, ())) if card.pk else frozenset(),
    )


def _photo_url(student: Student) -> str:
    """The permission-checked photo view, with a token that changes with the file (browsers cache photos)."""
    if not student.photo:
        return ""
    version = hashlib.sha256(student.photo.name.encode()).hexdigest()[:10]
    return f"{reverse('school:student_photo', args=[student.pk])}?v={version}"


def _changed_fields(card_ids: list[int], since: datetime.datetime) -> dict[int, set[str]]:
    """Per card, the fields whose value changed in ProgressCardChange rows since `since` (one query)."""
    changed: dict[int, set[str]] = {}
    if not card_ids:
        return changed
    rows = ProgressCardChange.objects.filter(card_id__in=card_ids, changed_at__gte=since).values_list(
        "card_id", "before", "after"
    )
    for card_id, before, after in rows:
        # Only the flags make a card "changed"; a new photo is kept in the history too, but is no news.
        names = {
            name
            for name in (set(before) | set(after)) & set(CARD_FIELDS)
            if (before or {}).get(name) != (after or {}).get(name)
        }
        changed.setdefault(card_id, set()).update(names)
    return changed


def _students(class_group: ClassGroup):
    return (
        Student.objects.filter(class_group=class_group, is_active=True)
        .select_related("progress_card__updated_by")
        .order_by("last_name", "first_name", "pk")
    )


def progress_board(*, class_group: ClassGroup, viewer, filter: str = "") -> ProgressBoard:
    """The board for one class group: 2 queries (students + cards, the week's changes)."""
    now = timezone.now()
    students = list(_students(class_group))
    card_ids = [s.progress_card.pk for s in students if getattr(s, "progress_card", None)]
    changed = _changed_fields(card_ids, now - CHANGED_WITHIN)
    cards = [_card_view(student, changed, now) for student in students]
    shown = [c for c in cards if c.is_notable] if filter == FILTER_NOTABLE else cards
    return ProgressBoard(
        class_group=class_group,
        cards=shown,
        total=len(cards),
        filter=FILTER_NOTABLE if filter == FILTER_NOTABLE else "",
        can_update=policies.can_update_progress_cards(viewer, class_group),
        now=now,
        stale_count=sum(c.stale for c in cards),
        notable_count=sum(c.is_notable for c in cards),
        changed_count=sum(c.changed for c in cards),
    )


def progress_cards_changed_since(*, class_group: ClassGroup, since: datetime.datetime) -> list[CardView]:
    """Cards of the class updated after `since` (for the board's 3-second poll): 2 queries."""
    now = timezone.now()
    students = list(_students(class_group).filter(progress_card__updated_at__gt=since))
    changed = _changed_fields([s.progress_card.pk for s in students], now - CHANGED_WITHIN)
    return [_card_view(student, changed, now) for student in students]


def progress_card_view(*, student: Student) -> CardView:
    """One card, fresh from the database (after a save or a conflict)."""
    now = timezone.now()
    student = _students(student.class_group).get(pk=student.pk) if student.class_group_id else student
    card = getattr(student, "progress_card", None)
    changed = _changed_fields([card.pk] if card else [], now - CHANGED_WITHIN)
    return _card_view(student, changed, now)


# --- the monthly discussion: the notable cards one at a time -----------------------------------------


@dataclass
class FieldChange:
    """One flag of the shown card that changed in the last 7 days: its value a week ago and now."""

    name: str
    before: object
    after: object


@dataclass
class ProgressDiscussion:
    """The notable cards of a class (as the board's "only notable" filter shows them), one shown at a time."""

    class_group: ClassGroup
    cards: list[CardView]
    index: int  # of the shown card in `cards`; 0 when there are none
    changes: list[FieldChange]
    total_students: int
    can_update: bool

    @property
    def total(self) -> int:
        return len(self.cards)

    @property
    def position(self) -> int:
        return self.index + 1 if self.cards else 0

    @property
    def current(self) -> CardView | None:
        return self.cards[self.index] if self.cards else None

    @property
    def previous(self) -> CardView | None:
        return self.cards[self.index - 1] if self.cards and self.index > 0 else None

    @property
    def next(self) -> CardView | None:
        return self.cards[self.index + 1] if self.index + 1 < len(self.cards) else None


def _field_changes(card: CardView, since: datetime.datetime) -> list[FieldChange]:
    """Per changed flag, the value before the first change since `since` and the value now (one query)."""
    if not card.card.pk or not card.changed_fields:
        return []
    rows = ProgressCardChange.objects.filter(card_id=card.card.pk, changed_at__gte=since).order_by("changed_at", "pk")
    first_before: dict[str, object] = {}
    for before in rows.values_list("before", flat=True):
        for name, value in (before or {}).items():
            first_before.setdefault(name, value)
    return [
        FieldChange(name=name, before=first_before.get(name), after=getattr(card.card, name))
        for name in CARD_FIELDS
        if name in card.changed_fields and name in first_before
    ]


def progress_discussion(
    *, class_group: ClassGroup, viewer, student_pk: int | None = None, position: int | None = None
) -> ProgressDiscussion:
    """The notable cards of the class and the one to show: by student (`?card=`), else by position (1-based,
    kept within range), else the first. 3 queries whatever the number of cards (2 with none notable)."""
    board = progress_board(class_group=class_group, viewer=viewer, filter=FILTER_NOTABLE)
    cards = board.cards
    index = 0
    by_student = [i for i, c in enumerate(cards) if c.student.pk == student_pk] if student_pk is not None else []
    if by_student:
        index = by_student[0]
    elif position is not None and cards:
        index = min(max(position, 1), len(cards)) - 1
    changes = _field_changes(cards[index], board.now - CHANGED_WITHIN) if cards else []
    return ProgressDiscussion(
        class_group=class_group,
        cards=cards,
        index=index,
        changes=changes,
        total_students=board.total,
        can_update=board.can_update,
    )
