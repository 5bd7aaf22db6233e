"""Writes for the mentor talk (DESIGN §1.1 step 4): slots, bookings, notes, agreements and checking them.

The class's mentor offers times (a series of slots) and keeps the talk list; a
guardian who may see the student (or the mentor) books one of them. Two guardians
clicking the same time at once book it once: the slot's row is locked while a
booking is made, and the talk's unique slot is the final guard. One talk per
student per round: booking again moves the booking. During the talk the mentor
writes notes, marks the open agreements from earlier met / partly / not met, and
makes new agreements, which come back at the next round.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from reviews import policies as review_policies
from reviews.models import ReviewCycle
from school.models import ClassGroup, School, Staff, Student, User
from school.policies import roles_of

from .. import policies
from ..models import AGREEMENT_MAX_LENGTH, Agreement, MentorTalk, TalkSlot

SLOT_MINUTES_MIN, SLOT_MINUTES_MAX = 5, 60
SLOT_COUNT_MIN, SLOT_COUNT_MAX = 1, 20
SLOT_LOCATION_MAX_LENGTH = TalkSlot._meta.get_field("location").max_length
TALK_NOTES_MAX_LENGTH = 10_000
# Who an agreement made in a mentor talk is for: the three people at the table.
TALK_AGREEMENT_OWNERS = (Agreement.Owner.STUDENT, Agreement.Owner.MENTOR, Agreement.Owner.GUARDIAN)
CHECKED_STATUSES = (Agreement.Status.MET, Agreement.Status.PARTLY, Agreement.Status.NOT_MET)


def school_timezone(school: School) -> datetime.tzinfo:
    """The school's own time zone: the times a mentor types are wall-clock times there."""
    try:
        return zoneinfo.ZoneInfo(school.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def _when(moment: datetime.datetime, tz: datetime.tzinfo) -> dict[str, str]:
    local = timezone.localtime(moment, tz)
    return {"date": date_format(local, "l j F Y"), "start": local.strftime("%H:%M")}


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_manages(actor: User, cycle: ReviewCycle, class_group: ClassGroup | None) -> None:
    if class_group is None or not policies.can_manage_talks(actor, cycle, class_group):
        raise PermissionDenied


def _taken_error() -> ValidationError:
    return ValidationError(
        {"slot": ValidationError(_("This time was just taken by someone else: choose another."), code="taken")}
    )


# --- slots ------------------------------------------------------------------------------------------------


def talk_slots_add(
    *,
    cycle: ReviewCycle,
    class_group: ClassGroup,
    actor: User,
    date: datetime.date,
    start_time: datetime.time,
    minutes,
    count,
    location: str = "",
) -> list[TalkSlot]:
    """A series of `count` consecutive talks of `minutes` each, from `date` at `start_time` (school time).

    All or nothing: a series that overlaps one of the mentor's own times (of any class or round),
    lies in the past or runs past midnight is refused with the reason, and nothing is written.
    """
    _check_manages(actor, cycle, class_group)
    if not review_policies.cycle_covers_class_group(cycle, class_group):
        raise ValidationError(_("This review round does not cover class %(name)s.") % {"name": class_group.name})
    staff: Staff = roles_of(actor).staff
    number, length = _as_int(count), _as_int(minutes)
    location = (location or "").strip()
    if isinstance(date, datetime.datetime):
        date = date.date()
    errors: dict[str, str] = {}
    if not isinstance(date, datetime.date):
        errors["date"] = _("Give the date of the talks.")
    if not isinstance(start_time, datetime.time):
        errors["start_time"] = _("Give the time the first talk starts.")
    if length is None or not SLOT_MINUTES_MIN <= length <= SLOT_MINUTES_MAX:
        errors["minutes"] = _("A talk lasts between %(min)s and %(max)s minutes.") % {
            "min": SLOT_MINUTES_MIN,
            "max": SLOT_MINUTES_MAX,
        }
    if number is None or not SLOT_COUNT_MIN <= number <= SLOT_COUNT_MAX:
        errors["count"] = _("Add between %(min)s and %(max)s talks at a time.") % {
            "min": SLOT_COUNT_MIN,
            "max": SLOT_COUNT_MAX,
        }
    if len(location) > SLOT_LOCATION_MAX_LENGTH:
        errors["location"] = _("The location is %(length)s characters long; at most %(max)s fit.") % {
            "length": len(location),
            "max": SLOT_LOCATION_MAX_LENGTH,
        }
    if errors:
        raise ValidationError(errors)

    tz = school_timezone(cycle.school)
    # Wall-clock time at school for the first talk; the rest follow in real minutes (a DST night changes nothing).
    first = datetime.datetime.combine(date, start_time.replace(second=0, microsecond=0, tzinfo=None), tzinfo=tz)
    first = first.astimezone(datetime.UTC)
    step = datetime.timedelta(minutes=length)
    starts = [first + index * step for index in range(number)]
    end = starts[-1] + step
    if first <= timezone.now():
        raise ValidationError(
            {"start_time": capfirst(_("%(date)s at %(start)s has passed: offer times to come.") % _when(first, tz))}
        )
    last_minute = end - datetime.timedelta(minutes=1)
    if timezone.localtime(last_minute, tz).date() != date:
        raise ValidationError(
            {
                "count": _(
                    "%(count)s talks of %(minutes)s minutes from %(start)s run past midnight: "
                    "choose fewer talks or an earlier start."
                )
                % {"count": number, "minutes": length, "start": _when(first, tz)["start"]}
            }
        )

    with transaction.atomic():
        # One series at a time per mentor: two tabs adding overlapping series cannot both pass the check.
        list(Staff.objects.select_for_update().filter(pk=staff.pk).values_list("pk", flat=True))
        clash = (
            TalkSlot.objects.filter(mentor=staff, starts_at__lt=end, ends_at__gt=first)
            .select_related("class_group")
            .order_by("starts_at", "pk")
            .first()
        )
        if clash is not None:
            when = _when(clash.starts_at, tz)
            raise ValidationError(
                {
                    "start_time": _(
                        "You already offer a talk on %(date)s from %(start)s to %(end)s (class %(class)s): "
                        "the new times would overlap it. Choose another start time or fewer talks."
                    )
                    % {
                        **when,
                        "end": timezone.localtime(clash.ends_at, tz).strftime("%H:%M"),
                        "class": clash.class_group.name,
                    }
                },
                code="overlap",
            )
        slots = [
            TalkSlot(
                cycle=cycle,
                mentor=staff,
                class_group=class_group,
                starts_at=start,
                ends_at=start + step,
                location=location,
            )
            for start in starts
        ]
        try:
            with transaction.atomic():
                created = TalkSlot.objects.bulk_create(slots)
        except IntegrityError as error:  # the unique start per mentor: a series added meanwhile
            raise ValidationError(
                {"start_time": _("You already offer a talk at one of these times. Reload the page and try again.")},
                code="overlap",
            ) from error
    return created


def talk_slot_delete(*, slot: TalkSlot, actor: User) -> None:
    """Take back a free time. A booked time stays: cancel its booking first (the family chose it)."""
    _check_manages(actor, slot.cycle, slot.class_group)
    with transaction.atomic():
        locked = TalkSlot.objects.select_for_update().filter(pk=slot.pk).first()
        if locked is None:
            return  # deleted already (a double click)
        talk = MentorTalk.objects.filter(slot_id=slot.pk).select_related("student").first()
        if talk is not None:
            raise ValidationError(
                _("%(name)s has booked this time: cancel the booking first.") % {"name": talk.student.full_name},
                code="booked",
            )
        locked.delete()


# --- bookings ---------------------------------------------------------------------------------------------


def talk_book(*, cycle: ReviewCycle, student: Student, slot: TalkSlot, actor: User) -> MentorTalk:
    """Book `slot` for the student's talk in this round; a booking the student had moves to it (the old time is free).

    No double booking under concurrent clicks: the slot's row is locked until commit, so a second
    booking of the same time waits and then finds it taken; the talk's unique slot is the final guard.
    """
    if not policies.can_book_talk(actor, cycle, student):
        raise PermissionDenied
    if slot.cycle_id != cycle.pk or student.class_group_id is None or slot.class_group_id != student.class_group_id:
        raise ValidationError(
            {
                "slot": _("This time is not offered for the talk about %(name)s: choose one of the times listed.")
                % {"name": student.full_name}
            },
            code="other_class",
        )
    try:
        with transaction.atomic():
            locked = TalkSlot.objects.select_for_update().filter(pk=slot.pk).first()
            if locked is None:
                raise ValidationError(
                    {"slot": ValidationError(_("The mentor no longer offers this time: choose another."), code="gone")}
                )
            if locked.starts_at <= timezone.now():
                raise ValidationError(
                    {"slot": ValidationError(_("This time has passed: choose another."), code="past")}
                )
            talk, _created = MentorTalk.objects.select_for_update().get_or_create(cycle=cycle, student=student)
            if talk.slot_id == locked.pk:
                return talk  # booked already (a double click): nothing changes
            if talk.held_at is not None:
                raise ValidationError(
                    {
                        "slot": ValidationError(
                            _("This talk has been held: its time can no longer change."), code="held"
                        )
                    }
                )
            if MentorTalk.objects.filter(slot_id=locked.pk).exists():
                raise _taken_error()
            talk.slot, talk.booked_by, talk.booked_at = locked, actor, timezone.now()
            talk.save(update_fields=["slot", "booked_by", "booked_at"])
    except IntegrityError as error:
        raise _taken_error() from error
    talk.cycle, talk.student = cycle, student
    return talk


def talk_booking_cancel(*, talk: MentorTalk, actor: User) -> MentorTalk:
    """Free the talk's time: the mentor, or a guardian who may book for the student. The talk itself stays.

    Anyone who may book may cancel: booking again moves a booking anyway, so limiting
    cancelling to the guardian who booked would protect nothing (two parents share a child).
    """
    if not policies.can_book_talk(actor, talk.cycle, talk.student):
        raise PermissionDenied
    with transaction.atomic():
        locked = MentorTalk.objects.select_for_update().get(pk=talk.pk)
        if locked.held_at is not None:
            raise ValidationError(_("This talk has been held: its time stays as it was."), code="held")
        if locked.slot_id is not None:
            locked.slot, locked.booked_by, locked.booked_at = None, None, None
            locked.save(update_fields=["slot", "booked_by", "booked_at"])
    talk.slot, talk.booked_by, talk.booked_at = None, None, None
    return talk


def talk_get_or_create(*, cycle: ReviewCycle, student: Student, actor: User) -> MentorTalk:
    """The student's talk in this round, also without a booked time ("a talk without an appointment")."""
    _check_manages(actor, cycle, student.class_group)
    if not review_policies.cycle_covers_student(cycle, student):
        raise ValidationError(_("%(name)s is not in this review round.") % {"name": student.full_name})
    talk, _created = MentorTalk.objects.get_or_create(cycle=cycle, student=student)
    talk.cycle, talk.student = cycle, student
    return talk


# --- during the talk ------------------------------------------------------------------------------------------


def talk_notes_save(*, talk: MentorTalk, actor: User, notes: str) -> MentorTalk:
    """The mentor's notes as typed so far: saved at every pause in typing; the same text twice is fine."""
    _check_manages(actor, talk.cycle, talk.student.class_group)
    notes = (notes or "").replace("\r\n", "\n")
    if len(notes) > TALK_NOTES_MAX_LENGTH:
        raise ValidationError(
            {
                "notes": _("The notes are %(length)s characters long; at most %(max)s fit.")
                % {"length": len(notes), "max": TALK_NOTES_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        locked = MentorTalk.objects.select_for_update().get(pk=talk.pk)
        if locked.notes != notes:
            locked.notes = notes
            locked.save(update_fields=["notes"])
    talk.notes = notes
    return talk


def talk_held(*, talk: MentorTalk, actor: User, held: bool = True) -> MentorTalk:
    """Mark the talk held (now), or take that back (`held=False`)."""
    _check_manages(actor, talk.cycle, talk.student.class_group)
    with transaction.atomic():
        locked = MentorTalk.objects.select_for_update().get(pk=talk.pk)
        if held and locked.held_at is None:
            locked.held_at = timezone.now()
        elif not held:
            locked.held_at = None
        locked.save(update_fields=["held_at"])
    talk.held_at = locked.held_at
    return talk


def talk_agreement_add(
    *, talk: MentorTalk, actor: User, text: str, owner: str, due_on: datetime.date | None
) -> Agreement:
    """A new agreement made in the talk: what, who (student, mentor or guardian), by when. It comes back next round."""
    _check_manages(actor, talk.cycle, talk.student.class_group)
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Say what is agreed.")
    elif len(text) > AGREEMENT_MAX_LENGTH:
        errors["text"] = _("The agreement is %(length)s characters long; at most %(max)s fit.") % {
            "length": len(text),
            "max": AGREEMENT_MAX_LENGTH,
        }
    if owner not in TALK_AGREEMENT_OWNERS:
        errors["owner"] = _("Choose who does it: the student, the mentor or the parent / guardian.")
    if isinstance(due_on, datetime.datetime):
        due_on = due_on.date()
    today = timezone.localdate(timezone=school_timezone(talk.cycle.school))
    if not isinstance(due_on, datetime.date):
        errors["due_on"] = _("Give a due date.")
    elif due_on < today:
        errors["due_on"] = _("The due date %(date)s lies in the past: an agreement needs a date to come.") % {
            "date": date_format(due_on, "j F Y")
        }
    if errors:
        raise ValidationError(errors)
    staff = roles_of(actor).staff if owner == Agreement.Owner.MENTOR else None
    agreement = Agreement(
        student=talk.student, talk=talk, text=text, owner=owner, owner_staff=staff, due_on=due_on, created_by=actor
    )
    agreement.full_clean(exclude=["student", "talk", "decision", "owner_staff", "created_by"])
    with transaction.atomic():
        agreement.save()
    return agreement


def agreement_check(*, agreement: Agreement, actor: User, status: str) -> Agreement:
    """The student's mentor marks an open agreement met, partly met or not met (from a talk or a decision)."""
    if not policies.can_check_agreement(actor, agreement):
        raise PermissionDenied
    if status not in CHECKED_STATUSES:
        raise ValidationError(
            {"status": _("Choose met, partly met or not met.")},
            code="status",
        )
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if locked.status != Agreement.Status.OPEN:
            raise ValidationError(
                _("This agreement was checked already: %(status)s.") % {"status": locked.get_status_display()},
                code="checked",
            )
        locked.status, locked.checked_at = status, timezone.now()
        locked.save(update_fields=["status", "checked_at"])
    agreement.status, agreement.checked_at = locked.status, locked.checked_at
    return agreement
