"""Writes for preparing an open class meeting (DESIGN §1.2).

The chairs (class teacher, class representative; the team leader too) draw up the
programme: date, minutes per student, every student or a list, extra teachers. Every
active student of the class is invited. A student may say they cannot come, without a
reason, and undo it while the meeting is prepared. Attending students write their input
with the guide's prompts, prefilled from their mentoring reflection of the same period.
Before the meeting starts, the open agreements of the class's earlier meetings are checked
met / partly / not met: `previous_agreements_check` is that step, and meeting_start refuses
until it is done.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mentoring.models import REFLECTION_MAX_LENGTH, Agreement, Reflection
from mentoring.services.talks import school_timezone
from school.models import ClassGroup, Period, Staff, Student, User
from school.policies import roles_of

from .. import policies
from ..models import (
    MINUTES_PER_STUDENT_MAX,
    MINUTES_PER_STUDENT_MIN,
    MeetingStudent,
    OpenClassMeeting,
    PreparedInput,
)
from ..selectors import open_previous_agreements

LOCATION_MAX_LENGTH = OpenClassMeeting._meta.get_field("location").max_length
PROMPT_FIELDS = PreparedInput.PROMPT_FIELDS  # the guide's six prompts, as on the reflection
CHECKED_STATUSES = (Agreement.Status.MET, Agreement.Status.PARTLY, Agreement.Status.NOT_MET)


class PreparedInputConflict(Exception):
    """The input was saved elsewhere (another tab) since the student's screen loaded it; nothing was written."""

    def __init__(self, current: PreparedInput) -> None:
        super().__init__("prepared input changed in another tab or window")
        self.current = current


# --- guards -------------------------------------------------------------------------------------------------


def _locked_meeting(meeting: OpenClassMeeting) -> OpenClassMeeting:
    """The meeting's row, locked until commit; the caller's object gets its current state."""
    locked = OpenClassMeeting.objects.select_for_update().get(pk=meeting.pk)
    for name in ("status", "starts_at", "minutes_per_student", "discuss_all", "agreements_checked_at", "started_at"):
        setattr(meeting, name, getattr(locked, name))
    meeting.closed_at = locked.closed_at
    return meeting


def _check_preparing(meeting: OpenClassMeeting) -> None:
    if meeting.status != OpenClassMeeting.Status.PREPARING:
        raise ValidationError(_("This meeting has started: its programme can no longer change."), code="not_preparing")


# --- the meeting and its programme --------------------------------------------------------------------------


def _clean_programme(
    *,
    class_group: ClassGroup,
    starts_at,
    minutes_per_student,
    discuss_all: bool,
    discussed_student_ids: Iterable | None,
    extra_teacher_ids: Iterable | None,
    period: Period | None,
    location: str,
) -> tuple[dict, list[Student], set[int], list[Staff]]:
    """Validated programme values, the class's active students, the discussed ones and the extra teachers."""
    errors: dict[str, list[str]] = {}
    if not isinstance(starts_at, datetime.datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give a date and a time.")]
    try:
        minutes = int(str(minutes_per_student).strip())
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not MINUTES_PER_STUDENT_MIN <= minutes <= MINUTES_PER_STUDENT_MAX:
        errors["minutes_per_student"] = [
            _("Give the minutes per student as a whole number from %(min)s to %(max)s.")
            % {"min": MINUTES_PER_STUDENT_MIN, "max": MINUTES_PER_STUDENT_MAX}
        ]
    location = (location or "").strip()
    if len(location) > LOCATION_MAX_LENGTH:
        errors["location"] = [
            _("The location is %(length)s characters long; at most %(max)s fit.")
            % {"length": len(location), "max": LOCATION_MAX_LENGTH}
        ]
    if period is not None and period.school_id != class_group.school_id:
        errors["period"] = [_("Choose a period of this school.")]
    students = list(
        Student.objects.filter(class_group=class_group, is_active=True).order_by("last_name", "first_name", "pk")
    )
    if not students:
        errors.setdefault("__all__", []).append(_("This class has no students to invite."))
    class_ids = {student.pk for student in students}
    if discuss_all:
        discussed = set(class_ids)
    else:
        try:
            discussed = {int(pk) for pk in discussed_student_ids or ()}
        except (TypeError, ValueError):
            discussed = {-1}
        if not discussed:
            errors["discussed"] = [_("Choose the students to discuss, or discuss every student.")]
        elif not discussed <= class_ids:
            errors["discussed"] = [_("Only students of this class can be discussed.")]
    try:
        teacher_ids = {int(pk) for pk in extra_teacher_ids or ()}
    except (TypeError, ValueError):
        teacher_ids = {-1}
    teachers = (
        list(Staff.objects.filter(pk__in=teacher_ids, school_id=class_group.school_id, is_active=True))
        if teacher_ids
        else []
    )
    if len(teachers) != len(teacher_ids):
        errors["extra_teachers"] = [_("Only members of staff of this school can be invited.")]
    if errors:
        raise ValidationError(errors)
    values = {
        "starts_at": starts_at,
        "minutes_per_student": minutes,
        "discuss_all": bool(discuss_all),
        "period": period,
        "location": location,
    }
    return values, students, discussed, teachers


def meeting_create(
    *,
    class_group: ClassGroup,
    actor: User,
    starts_at: datetime.datetime,
    minutes_per_student: int = 5,
    discuss_all: bool = True,
    discussed_student_ids: Sequence[int] | None = None,
    extra_teacher_ids: Sequence[int] | None = None,
    period: Period | None = None,
    location: str = "",
) -> OpenClassMeeting:
    """Draw up a meeting: every active student of the class is invited; all or the listed ones are discussed."""
    if not policies.can_create_meeting(actor, class_group):
        raise PermissionDenied
    values, students, discussed, teachers = _clean_programme(
        class_group=class_group,
        starts_at=starts_at,
        minutes_per_student=minutes_per_student,
        discuss_all=discuss_all,
        discussed_student_ids=discussed_student_ids,
        extra_teacher_ids=extra_teacher_ids,
        period=period,
        location=location,
    )
    with transaction.atomic():
        meeting = OpenClassMeeting.objects.create(
            school_id=class_group.school_id, class_group=class_group, created_by=actor, **values
        )
        MeetingStudent.objects.bulk_create(
            MeetingStudent(meeting=meeting, student=student, discussed=student.pk in discussed, position=position)
            for position, student in enumerate(students, start=1)
        )
        meeting.extra_teachers.set(teachers)
    meeting.class_group = class_group
    return meeting


def meeting_programme_set(
    *,
    meeting: OpenClassMeeting,
    actor: User,
    starts_at: datetime.datetime,
    minutes_per_student: int,
    discuss_all: bool,
    discussed_student_ids: Sequence[int] | None = None,
    extra_teacher_ids: Sequence[int] | None = None,
    order: Sequence[int] | None = None,
    location: str = "",
) -> OpenClassMeeting:
    """Change the programme while the meeting is prepared: time, timing, who is discussed, teachers, order.

    Students who joined the class since are invited now; `order` (student ids) sets the order of
    the agenda, students it leaves out keep their place after the named ones.
    """
    if not policies.can_chair(actor, meeting):
        raise PermissionDenied
    values, students, discussed, teachers = _clean_programme(
        class_group=meeting.class_group,
        starts_at=starts_at,
        minutes_per_student=minutes_per_student,
        discuss_all=discuss_all,
        discussed_student_ids=discussed_student_ids,
        extra_teacher_ids=extra_teacher_ids,
        period=meeting.period,
        location=location,
    )
    try:
        wanted = [int(pk) for pk in order or ()]
    except (TypeError, ValueError):
        raise ValidationError({"order": _("The order names a student who is not on this programme.")}) from None
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_preparing(meeting)
        rows = {row.student_id: row for row in meeting.students.all()}
        if not set(wanted) <= set(rows) | {s.pk for s in students} or len(wanted) != len(set(wanted)):
            raise ValidationError({"order": _("The order names a student who is not on this programme.")})
        new = [
            MeetingStudent(meeting=meeting, student=student, position=len(rows) + index)
            for index, student in enumerate((s for s in students if s.pk not in rows), start=1)
        ]
        MeetingStudent.objects.bulk_create(new)
        rows.update({row.student_id: row for row in new})
        ranked = wanted + [pk for pk in sorted(rows, key=lambda pk: (rows[pk].position, pk)) if pk not in wanted]
        for position, student_id in enumerate(ranked, start=1):
            row = rows[student_id]
            row.position, row.discussed = position, student_id in discussed
        MeetingStudent.objects.bulk_update(rows.values(), ["position", "discussed"])
        for name, value in values.items():
            setattr(meeting, name, value)
        meeting.save(update_fields=[*values])
        meeting.extra_teachers.set(teachers)
    return meeting


# --- excusing oneself ---------------------------------------------------------------------------------------


def meeting_excuse(*, meeting: OpenClassMeeting, actor: User, excused: bool = True) -> MeetingStudent:
    """A student says they cannot attend (no reason asked), or undoes it, while the meeting is prepared."""
    student = roles_of(actor).student
    if student is None or not policies.can_excuse(actor, meeting, student):
        raise PermissionDenied
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_preparing(meeting)
        row = MeetingStudent.objects.select_for_update().get(meeting=meeting, student=student)
        if row.excused != excused:
            row.excused, row.excused_at = excused, (timezone.now() if excused else None)
            row.save(update_fields=["excused", "excused_at"])
    return row


# --- prepared input -----------------------------------------------------------------------------------------


def _period_of(meeting: OpenClassMeeting) -> Period | None:
    """The meeting's period, or the school's period its date falls in."""
    if meeting.period_id is not None:
        return meeting.period
    day = timezone.localtime(meeting.starts_at, school_timezone(meeting.school)).date()
    return Period.objects.filter(school_id=meeting.school_id, start_date__lte=day, end_date__gte=day).first()


def _reflection_for(meeting: OpenClassMeeting, student: Student) -> Reflection | None:
    """The student's own reflection for a review cycle of the meeting's period (the latest such cycle)."""
    period = _period_of(meeting)
    if period is None:
        return None
    return (
        Reflection.objects.filter(student=student, cycle__period=period, cycle__school_id=meeting.school_id)
        .order_by("-cycle__entry_deadline", "-pk")
        .first()
    )


def prepared_input_get_or_start(*, meeting: OpenClassMeeting, actor: User) -> PreparedInput:
    """The attending student's input, started on first use: prefilled from their reflection of the same period."""
    student = roles_of(actor).student
    if student is None or not policies.can_write_prepared_input(actor, meeting, student):
        raise PermissionDenied
    existing = PreparedInput.objects.filter(meeting=meeting, student=student).first()
    if existing is not None:
        return existing
    reflection = _reflection_for(meeting, student)
    prefill = {name: getattr(reflection, name) for name in PROMPT_FIELDS} if reflection is not None else {}
    with transaction.atomic():
        prepared, _created = PreparedInput.objects.get_or_create(
            meeting=meeting, student=student, defaults={**prefill, "from_reflection": reflection}
        )
    return prepared


def _normalised(value) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def prepared_input_save(
    *, meeting: OpenClassMeeting, actor: User, values: Mapping[str, str], version: int
) -> PreparedInput:
    """Save the student's answers (autosave-friendly). A prompt missing from `values` keeps its text.

    `version` is the version the student's screen showed: when another tab saved meanwhile and the
    text differs, nothing is written and PreparedInputConflict carries the stored input.
    """
    prepared = prepared_input_get_or_start(meeting=meeting, actor=actor)
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in PROMPT_FIELDS:
        if name not in values:
            continue
        text = _normalised(values[name])
        if len(text) > REFLECTION_MAX_LENGTH:
            errors[name] = [
                _("This text is %(length)s characters long; at most %(max)s fit.")
                % {"length": len(text), "max": REFLECTION_MAX_LENGTH}
            ]
        cleaned[name] = text
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = PreparedInput.objects.select_for_update().get(pk=prepared.pk)
        if locked.is_submitted:
            raise ValidationError(
                _("You have submitted your input, so it can no longer be changed."), code="submitted"
            )
        changed = {name: text for name, text in cleaned.items() if getattr(locked, name) != text}
        if not changed:
            return locked
        if version != locked.version:
            raise PreparedInputConflict(locked)
        for name, text in changed.items():
            setattr(locked, name, text)
        locked.version += 1
        locked.save(update_fields=[*changed, "version", "updated_at"])
    return locked


def prepared_input_submit(*, meeting: OpenClassMeeting, actor: User) -> PreparedInput:
    """Hand the input in: it then opens the student's item, and the staff who follow the meeting read it."""
    prepared = prepared_input_get_or_start(meeting=meeting, actor=actor)
    with transaction.atomic():
        locked = PreparedInput.objects.select_for_update().get(pk=prepared.pk)
        if locked.is_submitted:
            return locked
        missing = [name for name in PreparedInput.REQUIRED_TO_SUBMIT if not getattr(locked, name).strip()]
        if missing:
            raise ValidationError(
                {name: [_("Answer this question before you hand in your input.")] for name in missing},
                code="incomplete",
            )
        locked.status, locked.submitted_at = PreparedInput.Status.SUBMITTED, timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    return locked


# --- checking last time's agreements ------------------------------------------------------------------------


def previous_agreements_check(
    *, meeting: OpenClassMeeting, actor: User, statuses: Mapping[int, str]
) -> list[Agreement]:
    """The step before new business: mark the class's open agreements of earlier meetings met / partly / not met.

    `statuses` maps agreement ids to a status; some or all of them at once. When no open one is left,
    the step is done (`agreements_checked_at`) and the meeting can start. Returns those still open.
    """
    if not policies.can_keep_minutes(actor, meeting):
        raise PermissionDenied
    try:
        wanted = {int(pk): status for pk, status in statuses.items()}
    except (TypeError, ValueError):
        raise ValidationError(_("That agreement is not one of last time's open agreements."), code="unknown") from None
    if any(status not in CHECKED_STATUSES for status in wanted.values()):
        raise ValidationError({"status": _("Choose met, partly met or not met.")}, code="status")
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_preparing(meeting)
        open_now = {a.pk: a for a in open_previous_agreements(meeting).select_for_update(of=("self",))}
        unknown = set(wanted) - set(open_now)
        if unknown:
            raise ValidationError(
                _("That agreement is not one of last time's open agreements, or it was checked already."),
                code="unknown",
            )
        now = timezone.now()
        checked = []
        for pk, status in wanted.items():
            agreement = open_now.pop(pk)
            agreement.status, agreement.checked_at = status, now
            checked.append(agreement)
        Agreement.objects.bulk_update(checked, ["status", "checked_at"])
        if not open_now and meeting.agreements_checked_at is None:
            meeting.agreements_checked_at = now
            meeting.save(update_fields=["agreements_checked_at"])
    return list(open_now.values())


def previous_agreements_blocker(meeting: OpenClassMeeting) -> str | None:
    """Why the meeting cannot start yet because of last time's agreements, or None."""
    still_open = open_previous_agreements(meeting).count()
    if still_open:
        return ngettext(
            "%(count)s agreement of last time is still open: check it (met, partly met or not met) "
            "before the meeting starts.",
            "%(count)s agreements of last time are still open: check them (met, partly met or not met) "
            "before the meeting starts.",
            still_open,
        ) % {"count": still_open}
    return None
