"""Improvement boards' pages: the user's boards, and one board shaped for its page (fixed query count)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from school.models import Department, Staff, User

from .. import policies
from ..models import BoardComment, BoardItem, BoardSession, CheckIn, ImprovementBoard, Measurement, Mood

# Smileys with their words (never the face alone).
MOOD_FACES = {Mood.GREAT: "😄", Mood.GOOD: "🙂", Mood.SO_SO: "😐", Mood.BAD: "🙁"}

CHART_WIDTH = 160
CHART_HEIGHT = 48


@dataclass
class Chart:
    """A goal's small line chart: an inline <svg> polyline (server-side, no script)."""

    points: str
    label: str
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


@dataclass
class Card:
    item: BoardItem
    overdue: bool = False
    measurements: list[Measurement] = field(default_factory=list)
    chart: Chart | None = None


@dataclass
class Section:
    key: str
    label: str
    cards: list[Card]

    @property
    def is_goal(self) -> bool:
        return self.key == BoardItem.Section.GOAL

    @property
    def is_action(self) -> bool:
        return self.key == BoardItem.Section.ACTION


@dataclass
class MoodChoice:
    value: str
    face: str
    label: str


@dataclass
class BoardPage:
    board: ImprovementBoard
    sections: list[Section]
    members: list[Staff]
    staff_choices: list[Staff]
    latest_session: BoardSession | None
    check_ins: list[CheckIn]
    moods: list[MoodChoice]
    overdue_count: int
    today: datetime.date


def boards_for(user: User) -> QuerySet[ImprovementBoard]:
    return policies.boards_visible_to(user).select_related("owner__user", "class_group", "department")


def mood_choices() -> list[MoodChoice]:
    return [MoodChoice(value=value, face=MOOD_FACES[value], label=label) for value, label in Mood.choices]


def is_overdue(item: BoardItem, today: datetime.date) -> bool:
    return (
        item.section == BoardItem.Section.ACTION
        and item.due_on is not None
        and item.due_on < today
        and item.status != BoardItem.Status.DONE
    )


def goal_chart(item: BoardItem, measurements: list[Measurement]) -> Chart | None:
    if not measurements:
        return None
    values = [m.value for m in measurements]
    low, high = min(values), max(values)
    span = (high - low) or Decimal(1)
    pad = 4
    steps = max(len(values) - 1, 1)
    points = []
    for index, value in enumerate(values):
        x = pad + (CHART_WIDTH - 2 * pad) * index / steps if len(values) > 1 else CHART_WIDTH / 2
        y = CHART_HEIGHT - pad - float((value - low) / span) * (CHART_HEIGHT - 2 * pad)
        points.append(f"{x:.1f},{y:.1f}")
    label = _("Measurements of %(goal)s: %(values)s") % {
        "goal": item.text[:60],
        "values": ", ".join(f"{m.measured_on:%d-%m} {number_format(m.value, 1)}" for m in measurements),
    }
    return Chart(points=" ".join(points), label=label)


def card_for(item: BoardItem, today: datetime.date | None = None) -> Card:
    """One card as the page shows it (its measurements must be prefetched or it queries)."""
    today = today or timezone.localdate()
    measurements = list(item.measurements.all()) if item.section == BoardItem.Section.GOAL else []
    return Card(
        item=item,
        overdue=is_overdue(item, today),
        measurements=measurements,
        chart=goal_chart(item, measurements),
    )


def board_items(board: ImprovementBoard) -> QuerySet[BoardItem]:
    return board.items.select_related("owner__user", "updated_by").prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("measured_on"))
    )


def board_page(*, board: ImprovementBoard) -> BoardPage:
    today = timezone.localdate()
    by_section: dict[str, list[Card]] = {key: [] for key in BoardItem.Section.values}
    for item in board_items(board):
        by_section[item.section].append(card_for(item, today))
    sections = [Section(key=key, label=label, cards=by_section[key]) for key, label in BoardItem.Section.choices]
    members = list(board.members.select_related("user").order_by("user__last_name", "user__first_name"))
    staff_choices = list(
        Staff.objects.filter(school_id=board.school_id, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    latest = (
        board.sessions.prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.select_related("person__user").order_by("pk")),
            Prefetch("attendees", queryset=Staff.objects.select_related("user")),
        )
        .order_by("-held_on", "-pk")
        .first()
    )
    return BoardPage(
        board=board,
        sections=sections,
        members=members,
        staff_choices=staff_choices,
        latest_session=latest,
        check_ins=list(latest.check_ins.all()) if latest else [],
        moods=mood_choices(),
        overdue_count=sum(card.overdue for cards in by_section.values() for card in cards),
        today=today,
    )


def changed_cards(*, board: ImprovementBoard, since: datetime.datetime) -> list[Card]:
    today = timezone.localdate()
    return [card_for(item, today) for item in board_items(board).filter(updated_at__gt=since)]


def board_page_staff(board: ImprovementBoard) -> list[Staff]:
    """Who a card can name as its owner ("wie"): the school's active staff."""
    return list(
        Staff.objects.filter(school_id=board.school_id, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


# --- comments and the care-board session ("zorgbordsessie") ----------------------------------------------

# What a care-board session walks through on each board, in this order.
CARE_SESSION_SECTIONS = (
    BoardItem.Section.CONCERN,
    BoardItem.Section.GOAL,
    BoardItem.Section.ACTION,
    BoardItem.Section.SUCCESS,
)


@dataclass
class CommentBox:
    """A board's questions and feedback, and what the viewer may do with them (decided by the view's policy)."""

    board: ImprovementBoard
    comments: list[BoardComment]
    can_comment: bool
    can_answer: bool

    @property
    def unanswered_count(self) -> int:
        return sum(1 for comment in self.comments if comment.answered_at is None)


def comment_box(*, board: ImprovementBoard, can_comment: bool, can_answer: bool) -> CommentBox:
    comments = list(board.comments.select_related("author").order_by("created_at", "pk"))
    return CommentBox(board=board, comments=comments, can_comment=can_comment, can_answer=can_answer)


@dataclass
class CareSessionPage:
    department: Department
    boards: list[ImprovementBoard]  # every board of the session, with `unanswered` counted
    board: ImprovementBoard | None  # the board on screen (None: the department has no class boards)
    index: int
    sections: list[Section]
    overdue_count: int
    today: datetime.date

    @property
    def total(self) -> int:
        return len(self.boards)

    @property
    def position(self) -> int:
        return self.index + 1

    @property
    def previous(self) -> ImprovementBoard | None:
        return self.boards[self.index - 1] if self.board is not None and self.index > 0 else None

    @property
    def next(self) -> ImprovementBoard | None:
        return self.boards[self.index + 1] if self.board is not None and self.index + 1 < len(self.boards) else None


def care_session_boards(department: Department) -> list[ImprovementBoard]:
    """The department's class boards in the session's order (by class, then title), in one query."""
    return list(
        ImprovementBoard.objects.filter(
            school_id=department.school_id,
            scope=ImprovementBoard.Scope.CLASS_GROUP,
            class_group__department_id=department.pk,
        )
        .select_related("class_group", "owner__user")
        .annotate(unanswered=Count("comments", filter=Q(comments__answered_at__isnull=True)))
        .order_by("class_group__name", "title", "pk")
    )


def care_session_page(*, department: Department, boards: list[ImprovementBoard], index: int) -> CareSessionPage:
    """One board of the session with its sections: a fixed number of queries, whatever the boards hold."""
    today = timezone.localdate()
    board = boards[index] if boards else None
    by_section: dict[str, list[Card]] = {key: [] for key in CARE_SESSION_SECTIONS}
    if board is not None:
        for item in board_items(board).filter(section__in=CARE_SESSION_SECTIONS):
            by_section[item.section].append(card_for(item, today))
    labels = dict(BoardItem.Section.choices)
    return CareSessionPage(
        department=department,
        boards=boards,
        board=board,
        index=index,
        sections=[Section(key=key, label=labels[key], cards=by_section[key]) for key in CARE_SESSION_SECTIONS],
        overdue_count=sum(card.overdue for cards in by_section.values() for card in cards),
        today=today,
    )
