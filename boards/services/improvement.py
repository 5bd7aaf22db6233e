"""Improvement boards ("verbeterbord"): creating a board, its cards, goal measurements, board sessions, check-ins.

Every service re-checks access (boards.policies.boards_visible_to: out of scope → PermissionDenied),
writes in one transaction, and touches the board's `updated_at`, which the page's polling asks.
Cards carry a `version`: a save names the version it started from; a stale save raises
BoardItemConflict with the current card, never overwriting somebody else's change.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from school.models import ClassGroup, Department, School, Staff, User
from school.policies import roles_of

from .. import policies
from ..models import (
    TEXT_MAX_LENGTH,
    BoardComment,
    BoardItem,
    BoardSession,
    CheckIn,
    ImprovementBoard,
    Measurement,
    Mood,
)

ITEM_FIELDS = ("text", "measure", "target", "owner", "due_on", "status")


class BoardItemConflict(Exception):
    """Somebody else saved the card first: `current` is the card as it is now."""

    def __init__(self, current: BoardItem):
        super().__init__("board item changed meanwhile")
        self.current = current


def _check_board(actor: User, board: ImprovementBoard) -> None:
    if not policies.boards_visible_to(actor).filter(pk=board.pk).exists():
        raise PermissionDenied


def _touch(board: ImprovementBoard) -> None:
    now = timezone.now()
    ImprovementBoard.objects.filter(pk=board.pk).update(updated_at=now)
    board.updated_at = now


# --- boards ---------------------------------------------------------------------------------------


def board_create(
    *,
    school: School,
    actor: User,
    title: str,
    scope: str,
    class_group: ClassGroup | None = None,
    department: Department | None = None,
) -> ImprovementBoard:
    """A staff member creates a board; a class's board only its mentor or team leader, a department's its leader."""
    roles = roles_of(actor)
    if not policies.can_keep_boards(actor) or roles.school_id != school.pk:
        raise PermissionDenied
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the board a title.")]
    elif len(title) > 120:
        errors["title"] = [_("Keep the title to 120 characters.")]
    if scope not in ImprovementBoard.Scope.values:
        errors["scope"] = [_("Choose whose board this is: a team, a class or a department.")]
    elif scope == ImprovementBoard.Scope.CLASS_GROUP:
        department = None
        if class_group is None or class_group.school_id != school.pk:
            errors["class_group"] = [_("Choose the class of this board.")]
        elif not policies.can_make_class_board(actor, class_group):
            errors["class_group"] = [_("Only a mentor of this class or its team leader can make its board.")]
    elif scope == ImprovementBoard.Scope.DEPARTMENT:
        class_group = None
        if department is None or department.school_id != school.pk:
            errors["department"] = [_("Choose the department of this board.")]
        elif not policies.can_make_department_board(actor, department):
            errors["department"] = [_("Only a team leader of this department can make its board.")]
    else:
        class_group = department = None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        board = ImprovementBoard(
            school=school, title=title, scope=scope, class_group=class_group, department=department, owner=roles.staff
        )
        board.full_clean()
        board.save()
        board.members.add(roles.staff)
    return board


# --- cards ----------------------------------------------------------------------------------------


def clean_item_values(*, board: ImprovementBoard, section: str, values: dict) -> dict:
    """Turn what a form posted into field values, or raise ValidationError with a message per field."""
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    if "text" in values:
        text = (values.get("text") or "").strip()
        if not text:
            errors["text"] = [_("Write something on the card.")]
        elif len(text) > TEXT_MAX_LENGTH:
            errors["text"] = [_("Keep a card to %(max)s characters.") % {"max": TEXT_MAX_LENGTH}]
        elif "\x00" in text:  # PostgreSQL stores no NUL byte in text
            errors["text"] = [ProhibitNullCharactersValidator.message]
        cleaned["text"] = text
    for name, limit in (("measure", 200), ("target", 100)):
        if name in values:
            value = (values.get(name) or "").strip()
            if value and section != BoardItem.Section.GOAL:
                value = ""
            if len(value) > limit:
                errors[name] = [_("Keep this to %(max)s characters.") % {"max": limit}]
            elif "\x00" in value:
                errors[name] = [ProhibitNullCharactersValidator.message]
            cleaned[name] = value
    if "owner" in values:
        owner = values.get("owner")
        if owner in (None, ""):
            cleaned["owner"] = None
        elif isinstance(owner, Staff):
            cleaned["owner"] = owner
        else:
            try:
                cleaned["owner"] = Staff.objects.get(pk=int(owner), school_id=board.school_id, is_active=True)
            except (ValueError, TypeError, Staff.DoesNotExist):
                errors["owner"] = [_("Choose who does this from the list.")]
        if cleaned.get("owner") is not None and cleaned["owner"].school_id != board.school_id:
            errors["owner"] = [_("Choose who does this from the list.")]
    if "due_on" in values:
        due = values.get("due_on")
        if due in (None, ""):
            cleaned["due_on"] = None
        elif isinstance(due, datetime.date):
            cleaned["due_on"] = due
        else:
            try:
                parsed = parse_date(str(due).strip())
            except ValueError:
                parsed = None
            if parsed is None:
                errors["due_on"] = [_("Enter a date as yyyy-mm-dd.")]
            cleaned["due_on"] = parsed
    if "status" in values:
        status = values.get("status") or BoardItem.Status.OPEN
        if status not in BoardItem.Status.values:
            errors["status"] = [_("Choose open, doing or done.")]
        cleaned["status"] = status
    if errors:
        raise ValidationError(errors)
    return cleaned


def board_item_add(
    *,
    board: ImprovementBoard,
    actor: User,
    section: str,
    text: str,
    measure: str = "",
    target: str = "",
    owner: Staff | None = None,
    due_on: datetime.date | None = None,
) -> BoardItem:
    _check_board(actor, board)
    if section not in BoardItem.Section.values:
        raise ValidationError({"section": [_("Choose a section of the board.")]})
    cleaned = clean_item_values(
        board=board,
        section=section,
        values={"text": text, "measure": measure, "target": target, "owner": owner, "due_on": due_on},
    )
    with transaction.atomic():
        last = board.items.filter(section=section).order_by("-position").values_list("position", flat=True).first()
        item = BoardItem(board=board, section=section, position=(last or 0) + 1, updated_by=actor, **cleaned)
        item.full_clean()
        item.save()
        _touch(board)
    return item


def board_item_save(*, item: BoardItem, actor: User, values: dict, version: int) -> BoardItem:
    """Save some fields of one card, refusing a stale version (BoardItemConflict with the current card)."""
    board = item.board
    _check_board(actor, board)
    cleaned = clean_item_values(
        board=board, section=item.section, values={k: v for k, v in values.items() if k in ITEM_FIELDS}
    )
    with transaction.atomic():
        current = (
            BoardItem.objects.select_for_update(of=("self",))
            .select_related("owner__user", "updated_by")
            .get(pk=item.pk)
        )
        if current.version != version:
            raise BoardItemConflict(current)
        for name, value in cleaned.items():
            setattr(current, name, value)
        current.version = version + 1
        current.updated_by = actor
        current.save()
        _touch(board)
    return current


def board_item_delete(*, item: BoardItem, actor: User) -> None:
    board = item.board
    _check_board(actor, board)
    with transaction.atomic():
        item.delete()
        _touch(board)


def measurement_add(*, item: BoardItem, actor: User, measured_on, value) -> Measurement:
    """A goal's measured value on a day (one a day: a second on the same day replaces it)."""
    board = item.board
    _check_board(actor, board)
    errors: dict[str, list[str]] = {}
    if item.section != BoardItem.Section.GOAL:
        raise ValidationError(_("Only goals have measurements."))
    if not isinstance(measured_on, datetime.date):
        try:
            measured_on = parse_date(str(measured_on or "").strip())
        except ValueError:
            measured_on = None
        if measured_on is None:
            errors["measured_on"] = [_("Enter a date as yyyy-mm-dd.")]
    try:
        number = Decimal(str(value).strip().replace(",", "."))
        if not number.is_finite() or abs(number) >= Decimal("10000000"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["value"] = [_("Enter a number, for example 7,5.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        measurement, _created = Measurement.objects.update_or_create(
            item=item, measured_on=measured_on, defaults={"value": number.quantize(Decimal("0.01"))}
        )
        BoardItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())  # the card's chart changed
        _touch(board)
    return measurement


# --- sessions -------------------------------------------------------------------------------------


def board_session_start(
    *, board: ImprovementBoard, actor: User, held_on, attendee_ids, changes: str = ""
) -> BoardSession:
    _check_board(actor, board)
    errors: dict[str, list[str]] = {}
    if not isinstance(held_on, datetime.date):
        try:
            held_on = parse_date(str(held_on or "").strip())
        except ValueError:
            held_on = None
        if held_on is None:
            errors["held_on"] = [_("Enter a date as yyyy-mm-dd.")]
    try:
        ids = {int(pk) for pk in attendee_ids or []}
    except (TypeError, ValueError):
        ids = set()
        errors["attendees"] = [_("Choose who is present from the list.")]
    attendees = list(Staff.objects.filter(pk__in=ids, school_id=board.school_id, is_active=True))
    if len(attendees) != len(ids):
        errors["attendees"] = [_("Choose who is present from the list.")]
    changes = (changes or "").strip()
    if len(changes) > 2000:
        errors["changes"] = [_("Keep this to %(max)s characters.") % {"max": 2000}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = BoardSession.objects.create(board=board, held_on=held_on, changes=changes, created_by=actor)
        session.attendees.set(attendees)
        _touch(board)
    return session


def check_in(*, session: BoardSession, actor: User, mood: str, note: str = "") -> CheckIn:
    """The actor's own check-in in a session (checking in again changes it)."""
    board = session.board
    _check_board(actor, board)
    staff = roles_of(actor).staff
    errors: dict[str, list[str]] = {}
    if mood not in Mood.values:
        errors["mood"] = [_("Choose how you feel today.")]
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = [_("Keep this to %(max)s characters.") % {"max": 200}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry, _created = CheckIn.objects.update_or_create(
                    session=session, person=staff, defaults={"mood": mood, "note": note}
                )
        except IntegrityError:
            entry = CheckIn.objects.get(session=session, person=staff)
        session.attendees.add(staff)
        _touch(board)
    return entry


# --- comments: deepening questions and feedback, answered by the board's owner ---------------------------


def _clean_comment_text(text: str, *, field: str, empty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [empty]})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                field: [
                    _("Keep this to %(max)s characters (you wrote %(count)s).")
                    % {"max": TEXT_MAX_LENGTH, "count": len(text)}
                ]
            }
        )
    return text


def board_comment_add(*, board: ImprovementBoard, actor: User, text: str) -> BoardComment:
    """A colleague's deepening question or feedback on a board (in a care-board session or on the board itself)."""
    if not policies.can_comment_on_board(actor, board):
        raise PermissionDenied
    text = _clean_comment_text(text, field="text", empty=_("Write your question or feedback."))
    with transaction.atomic():
        comment = BoardComment(board=board, author=actor, text=text)
        comment.full_clean()
        comment.save()
    return comment


def board_comment_answer(*, comment: BoardComment, actor: User, answer: str) -> BoardComment:
    """The board's owner answers a comment; answering again replaces the answer (and its time)."""
    if not policies.can_answer_board_comments(actor, comment.board):
        raise PermissionDenied
    answer = _clean_comment_text(answer, field="answer", empty=_("Write your answer."))
    with transaction.atomic():
        current = BoardComment.objects.select_for_update().get(pk=comment.pk)
        current.answer = answer
        current.answered_at = timezone.now()
        current.full_clean()
        current.save(update_fields=["answer", "answered_at"])
    return current
