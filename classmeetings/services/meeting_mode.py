"""Writes for meeting mode on the shared screen (DESIGN §1.2).

Co-chaired by the class teacher and the class representative (policies.can_chair): they
start the meeting, open each student's item in turn, grant the floor and note positive
and negative points. What is private to a student — the item's notes and its decision
with tips and agreements — is written by the staff chairs (policies.can_keep_minutes).
Participants ask for the floor from their own device; one person speaks at a time
(granting ends the current speaker; the database holds it with a conditional unique
constraint). An item closes only once its decision is recorded.

Locks are taken in one order everywhere — the meeting, then the item, then its requests —
so two chairs clicking at once wait for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mentoring.models import Agreement
from mentoring.services.agreements import agreements_clean
from mentoring.services.talks import school_timezone
from school.models import User

from .. import policies
from ..models import (
    NOTES_MAX_LENGTH,
    POINT_MAX_LENGTH,
    TIPS_MAX_LENGTH,
    FloorRequest,
    ItemDecision,
    ItemPoint,
    MeetingItem,
    MeetingStudent,
    OpenClassMeeting,
)
from .preparation import _locked_meeting, previous_agreements_blocker

# Who an agreement made at an open class meeting is for: the people in the room.
CLASS_AGREEMENT_OWNERS = (Agreement.Owner.STUDENT, Agreement.Owner.MENTOR, Agreement.Owner.TEACHER)
OPEN_REQUEST = (FloorRequest.Status.REQUESTED, FloorRequest.Status.GRANTED)


# --- guards -------------------------------------------------------------------------------------------------


def _check_chair(meeting: OpenClassMeeting, actor: User) -> None:
    if not policies.can_chair(actor, meeting):
        raise PermissionDenied


def _check_minutes(meeting: OpenClassMeeting, actor: User) -> None:
    if not policies.can_keep_minutes(actor, meeting):
        raise PermissionDenied


def _check_running(meeting: OpenClassMeeting) -> None:
    if meeting.status != OpenClassMeeting.Status.RUNNING:
        raise ValidationError(_("This meeting is not in progress."), code="not_running")


def _locked_item(item: MeetingItem) -> MeetingItem:
    locked = MeetingItem.objects.select_for_update().get(pk=item.pk)
    for name in ("status", "position", "planned_minutes", "notes", "opened_at", "closed_at"):
        setattr(item, name, getattr(locked, name))
    return item


def _check_item_open(item: MeetingItem) -> None:
    if item.status != MeetingItem.Status.OPEN:
        raise ValidationError(_("This item is not under discussion."), code="item_not_open")


# --- the meeting --------------------------------------------------------------------------------------------


def meeting_start(*, meeting: OpenClassMeeting, actor: User) -> OpenClassMeeting:
    """preparing → running, once last time's agreements are checked: an item per discussed, attending student."""
    _check_chair(meeting, actor)
    with transaction.atomic():
        _locked_meeting(meeting)
        if meeting.status != OpenClassMeeting.Status.PREPARING:
            raise ValidationError(_("This meeting has already started."), code="started")
        blocker = previous_agreements_blocker(meeting)
        if blocker is not None:
            raise ValidationError(blocker, code="agreements_open")
        rows = list(
            MeetingStudent.objects.filter(meeting=meeting, invited=True, excused=False, discussed=True).order_by(
                "position", "pk"
            )
        )
        if not rows:
            raise ValidationError(_("Nobody is on the agenda: every discussed student is excused."), code="empty")
        MeetingItem.objects.bulk_create(
            MeetingItem(
                meeting=meeting,
                student_id=row.student_id,
                position=position,
                planned_minutes=meeting.minutes_per_student,
            )
            for position, row in enumerate(rows, start=1)
        )
        now = timezone.now()
        meeting.status, meeting.started_at = OpenClassMeeting.Status.RUNNING, now
        meeting.agreements_checked_at = meeting.agreements_checked_at or now  # nothing was left open
        meeting.save(update_fields=["status", "started_at", "agreements_checked_at"])
    return meeting


def meeting_close(*, meeting: OpenClassMeeting, actor: User) -> OpenClassMeeting:
    """running → closed, once every item is closed with its decision; then everything is read-only."""
    _check_minutes(meeting, actor)
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_running(meeting)
        still_open = meeting.items.exclude(status=MeetingItem.Status.CLOSED).count()
        if still_open:
            raise ValidationError(
                ngettext(
                    "%(count)s item is not closed yet: record its decision and close it first.",
                    "%(count)s items are not closed yet: record their decisions and close them first.",
                    still_open,
                )
                % {"count": still_open},
                code="items_open",
            )
        meeting.status, meeting.closed_at = OpenClassMeeting.Status.CLOSED, timezone.now()
        meeting.save(update_fields=["status", "closed_at"])
    return meeting


# --- items --------------------------------------------------------------------------------------------------


def item_open(*, item: MeetingItem, actor: User) -> MeetingItem:
    """waiting → under discussion; one item at a time. Opening the open item changes nothing."""
    meeting = item.meeting
    _check_chair(meeting, actor)
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_running(meeting)
        _locked_item(item)
        if item.status == MeetingItem.Status.OPEN:
            return item
        if item.status == MeetingItem.Status.CLOSED:
            raise ValidationError(_("This item is closed already."), code="closed")
        other = meeting.items.filter(status=MeetingItem.Status.OPEN).select_related("student").first()
        if other is not None:
            raise ValidationError(
                _("The item of %(student)s is still open: record its decision and close it first.")
                % {"student": other.student.full_name},
                code="other_open",
            )
        item.status, item.opened_at = MeetingItem.Status.OPEN, timezone.now()
        item.save(update_fields=["status", "opened_at"])
    return item


def item_notes_save(*, item: MeetingItem, actor: User, notes: str) -> MeetingItem:
    """The item's notes as typed so far (saved often; the same text twice is fine)."""
    _check_minutes(item.meeting, actor)
    notes = (notes or "").replace("\r\n", "\n")
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError(
            {
                "notes": _("The notes are %(length)s characters long; at most %(max)s fit.")
                % {"length": len(notes), "max": NOTES_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        _locked_item(item)
        if item.status == MeetingItem.Status.CLOSED:
            raise ValidationError(_("This item is closed: its notes can only be read."), code="closed")
        if item.notes != notes:
            item.notes = notes
            item.save(update_fields=["notes"])
    return item


def point_note(*, item: MeetingItem, actor: User, kind: str, text: str) -> ItemPoint:
    """A positive point or a point to work on, for the balance indicator; only while the item is discussed."""
    _check_chair(item.meeting, actor)
    text = " ".join((text or "").split())
    errors = {}
    if kind not in ItemPoint.Kind.values:
        errors["kind"] = [_("Choose positive or a point to work on.")]
    if not text:
        errors["text"] = [_("Write the point down in a few words.")]
    elif len(text) > POINT_MAX_LENGTH:
        errors["text"] = [
            _("The point is %(length)s characters long; at most %(max)s fit.")
            % {"length": len(text), "max": POINT_MAX_LENGTH}
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _locked_item(item)
        _check_item_open(item)
        return ItemPoint.objects.create(item=item, kind=kind, text=text, noted_by=actor)


# --- the speaker queue --------------------------------------------------------------------------------------


def floor_request(*, item: MeetingItem, actor: User) -> FloorRequest:
    """A participant asks for the floor from their own device. Asking again keeps the place in the queue."""
    if not policies.can_take_part(actor, item.meeting):
        raise PermissionDenied
    with transaction.atomic():
        _locked_item(item)
        _check_item_open(item)
        existing = FloorRequest.objects.filter(item=item, user=actor, status__in=OPEN_REQUEST).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return FloorRequest.objects.create(item=item, user=actor)
        except IntegrityError:  # the same person's other tab was quicker
            return FloorRequest.objects.get(item=item, user=actor, status__in=OPEN_REQUEST)


def floor_withdraw(*, request: FloorRequest, actor: User) -> FloorRequest:
    """Take one's own request back before it is granted."""
    if request.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = FloorRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == FloorRequest.Status.REQUESTED:
            locked.status, locked.ended_at = FloorRequest.Status.WITHDRAWN, timezone.now()
            locked.save(update_fields=["status", "ended_at"])
        elif locked.status == FloorRequest.Status.GRANTED:
            raise ValidationError(_("You have the floor: say that you are done instead."), code="granted")
    return locked


def _end_speaker(item: MeetingItem, now: datetime.datetime) -> int:
    return FloorRequest.objects.filter(item=item, status=FloorRequest.Status.GRANTED).update(
        status=FloorRequest.Status.DONE, ended_at=now
    )


def floor_grant(*, request: FloorRequest, actor: User) -> FloorRequest:
    """The chair gives the floor to a waiting participant; whoever spoke is done. One speaker at a time."""
    item = request.item
    _check_chair(item.meeting, actor)
    with transaction.atomic():
        _locked_item(item)  # two chairs granting at once: the second waits here, then ends the first speaker
        _check_item_open(item)
        locked = FloorRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == FloorRequest.Status.GRANTED:
            return locked
        if locked.status != FloorRequest.Status.REQUESTED:
            raise ValidationError(_("This request for the floor was withdrawn or is done."), code="not_waiting")
        now = timezone.now()
        _end_speaker(item, now)
        locked.status, locked.granted_at, locked.granted_by = FloorRequest.Status.GRANTED, now, actor
        try:
            with transaction.atomic():
                locked.save(update_fields=["status", "granted_at", "granted_by"])
        except IntegrityError:  # the constraint holds even where the lock did not (it always should)
            raise ValidationError(_("Someone else has just been given the floor."), code="speaker_taken") from None
    return locked


def floor_done(*, request: FloorRequest, actor: User) -> FloorRequest:
    """The speaker is done: said by the speaker themselves or by a chair."""
    if request.user_id != actor.pk:
        _check_chair(request.item.meeting, actor)
    with transaction.atomic():
        locked = FloorRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == FloorRequest.Status.GRANTED:
            locked.status, locked.ended_at = FloorRequest.Status.DONE, timezone.now()
            locked.save(update_fields=["status", "ended_at"])
    return locked


# --- the decision and closing an item -----------------------------------------------------------------------


def decision_record(
    *, item: MeetingItem, actor: User, tips: str = "", agreements: Sequence[dict] = ()
) -> ItemDecision:
    """The item's decision: tips and/or agreements (mentoring.Agreement rows that come back next time).

    Recorded once, while the item is discussed; it is what lets the item close.
    """
    meeting = item.meeting
    _check_minutes(meeting, actor)
    tips = (tips or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if len(tips) > TIPS_MAX_LENGTH:
        errors["tips"] = [
            _("The tips are %(length)s characters long; at most %(max)s fit.")
            % {"length": len(tips), "max": TIPS_MAX_LENGTH}
        ]
    today = timezone.localdate(timezone=school_timezone(meeting.school))
    cleaned, agreement_errors = agreements_clean(
        list(agreements),
        school_id=meeting.school_id,
        today=today,
        owners=CLASS_AGREEMENT_OWNERS,
        owner_message=_("Agreement %(number)s: choose who does it: the student, the mentor or a teacher."),
    )
    if agreement_errors:
        errors["agreements"] = agreement_errors
    if not tips and not cleaned:
        errors["__all__"] = [_("Write down the decision: tips, agreements, or both.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_running(meeting)
        _locked_item(item)
        _check_item_open(item)
        if ItemDecision.objects.filter(item=item).exists():
            raise ValidationError(_("This item has its decision already."), code="decided")
        decision = ItemDecision.objects.create(item=item, tips=tips, decided_by=actor)
        Agreement.objects.bulk_create(
            Agreement(student_id=item.student_id, class_item=item, created_by=actor, **agreement)
            for agreement in cleaned
        )
    return decision


def item_close(*, item: MeetingItem, actor: User) -> MeetingItem:
    """under discussion → closed, refused without a decision; the speaker is done and the queue is cleared."""
    meeting = item.meeting
    _check_chair(meeting, actor)
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_running(meeting)
        _locked_item(item)
        if item.status == MeetingItem.Status.CLOSED:
            return item
        _check_item_open(item)
        if not ItemDecision.objects.filter(item=item).exists():
            raise ValidationError(
                _("This item cannot close without a decision: write down the tips or agreements first."),
                code="no_decision",
            )
        now = timezone.now()
        _end_speaker(item, now)
        FloorRequest.objects.filter(item=item, status=FloorRequest.Status.REQUESTED).update(
            status=FloorRequest.Status.WITHDRAWN, ended_at=now
        )
        item.status, item.closed_at = MeetingItem.Status.CLOSED, now
        item.save(update_fields=["status", "closed_at"])
    return item
