"""The student progress board of one class group (issue 6): a card per active student, with its flags,
whether it is stale (not updated in 7 days) and which fields changed in the last 7 days.

Three queries, whatever the number of cards: students with their cards, the week's changes, and
(done by the view, not here) nothing more — photo URLs are built with reverse(), not queried.
"""

from __future__ import annotations

import datetime
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
        photo_url=reverse("school:student_photo", args=[student.pk]) if student.photo else "",
        stale=card.updated_at is None or card.updated_at < now - STALE_AFTER,
        changed_fields=frozenset(changed.get(card.pk, ())) if card.pk else frozenset(),
    )


def _changed_fields(card_ids: list[int], since: datetime.datetime) -> dict[int, set[str]]:
    """Per card, the fields whose value changed in ProgressCardChange rows since `since` (one query)."""
    changed: dict[int, set[str]] = {}
    if not card_ids:
        return changed
    rows = ProgressCardChange.objects.filter(card_id__in=card_ids, changed_at__gte=since).values_list(
        "card_id", "before", "after"
    )
    for card_id, before, after in rows:
        names = {name for name in set(before) | set(after) if (before or {}).get(name) != (after or {}).get(name)}
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
