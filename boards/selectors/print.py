"""Reads for wall prints (an A3 PDF of a board): the print job's state, and each board shaped for paper.

Each board is read in a fixed number of queries, whatever it holds; the worker has no request,
so nothing here asks who is looking (the service and the views did, before the job was made).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Prefetch
from django.utils import timezone

from school.models import ClassGroup, School, Staff
from school.pdf import pdf_media_url

from ..models import BoardItem, BoardPrintJob, CareMeeting, CheckIn, ImprovementBoard
from .care import ChildBoard, care_meeting_page
from .improvement import Section, board_items, card_for
from .progress import CardView, progress_board

# A job still "waiting" or "being made" after this long was lost (a worker killed by its hard
# time limit, a message dropped): asking again starts it afresh.
PRINT_STALE_AFTER = datetime.timedelta(minutes=30)

# The job's column that names the printed board, per kind.
TARGET_FIELD = {
    BoardPrintJob.Kind.IMPROVEMENT: "improvement_board",
    BoardPrintJob.Kind.PROGRESS: "class_group",
    BoardPrintJob.Kind.CARE: "care_meeting",
}


def board_print_job_for(*, kind: str, target: Model) -> BoardPrintJob | None:
    """The board's print job, if it was ever asked for (one query)."""
    return (
        BoardPrintJob.objects.filter(kind=kind, **{TARGET_FIELD[kind]: target}).select_related("requested_by").first()
    )


# --- an improvement board -------------------------------------------------------------------------------


@dataclass
class ImprovementPrint:
    school: School
    board: ImprovementBoard
    sections: list[Section]
    members: list[Staff]
    session_held_on: datetime.date | None
    session_changes: str
    check_ins: list[CheckIn]
    overdue_count: int
    printed_at: datetime.datetime


def improvement_print(*, board_id: int) -> ImprovementPrint:
    """Every section with its cards (goals with their measurements), the latest session's check-ins: 5 queries."""
    board = ImprovementBoard.objects.select_related("school", "owner__user", "class_group", "department").get(
        pk=board_id
    )
    today = timezone.localdate()
    by_section: dict[str, list] = {key: [] for key in BoardItem.Section.values}
    for item in board_items(board):
        by_section[item.section].append(card_for(item, today))
    latest = (
        board.sessions.prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.select_related("person__user").order_by("pk"))
        )
        .order_by("-held_on", "-pk")
        .first()
    )
    return ImprovementPrint(
        school=board.school,
        board=board,
        sections=[Section(key=key, label=label, cards=by_section[key]) for key, label in BoardItem.Section.choices],
        members=list(board.members.select_related("user").order_by("user__last_name", "user__first_name")),
        session_held_on=latest.held_on if latest else None,
        session_changes=latest.changes if latest else "",
        check_ins=list(latest.check_ins.all()) if latest else [],
        overdue_count=sum(card.overdue for cards in by_section.values() for card in cards),
        printed_at=timezone.now(),
    )


# --- a class's progress board ---------------------------------------------------------------------------


@dataclass
class ProgressPrintCard:
    number: int
    view: CardView
    photo_name: str  # the stored photo (fetched from storage for this PDF only); "" for initials or no names

    @property
    def photo_url(self) -> str:
        return pdf_media_url(self.photo_name) if self.photo_name else ""


@dataclass
class ProgressPrint:
    school: School
    class_group: ClassGroup
    cards: list[ProgressPrintCard]
    without_names: bool
    notable_count: int
    stale_count: int
    printed_at: datetime.datetime

    @property
    def photo_names(self) -> list[str]:
        return [card.photo_name for card in self.cards if card.photo_name]


def progress_print(*, class_group_id: int, without_names: bool) -> ProgressPrint:
    """Every active student's card, as the board shows them (3 queries). Without names: no names, no photos."""
    class_group = ClassGroup.objects.select_related("school", "department").get(pk=class_group_id)
    # Nobody is looking: the print shows the cards, never the board's editing controls.
    board = progress_board(class_group=class_group, viewer=AnonymousUser())
    cards = [
        ProgressPrintCard(
            number=number,
            view=view,
            photo_name="" if without_names or not view.student.photo else view.student.photo.name,
        )
        for number, view in enumerate(board.cards, start=1)
    ]
    return ProgressPrint(
        school=class_group.school,
        class_group=class_group,
        cards=cards,
        without_names=without_names,
        notable_count=board.notable_count,
        stale_count=board.stale_count,
        printed_at=board.now,
    )


# --- a care meeting ----------------------------------------------------------------------------------------


@dataclass
class CarePrint:
    school: School
    meeting: CareMeeting
    children: list[ChildBoard]
    participants: list[Staff]
    printed_at: datetime.datetime


def care_print(*, meeting_id: int) -> CarePrint:
    """Per child the check-in, the successes and what they work on next; who took part. 6 queries."""
    meeting = CareMeeting.objects.select_related("school", "coordinator__user").get(pk=meeting_id)
    page = care_meeting_page(meeting=meeting)
    return CarePrint(
        school=meeting.school,
        meeting=meeting,
        children=page.children,
        participants=page.participants,
        printed_at=timezone.now(),
    )
