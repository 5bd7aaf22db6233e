"""Writes for review cycles and entries: one function per use case, transactional."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import Department, Period, School, Student, TeachingGroup, User

from . import policies
from .models import ADVICE_MAX_LENGTH, PHASE_ORDER, Entry, EntryChange, Light, Phase, ReviewCycle

ENTRY_FIELDS = ("grade", "light", "advice")
GRADE_PATTERN = re.compile(r"^\s*(\d{1,2})(?:[.,](\d+))?\s*$")


# --- cycles ---------------------------------------------------------------------------------


def cycle_create(
    *,
    school: School,
    actor: User,
    name: str,
    period: Period,
    departments: list[Department],
    entry_deadline,
    speed_date_on=None,
    meeting_on=None,
    talks_until=None,
) -> ReviewCycle:
    allowed = set(policies.department_choices_for(actor).values_list("pk", flat=True))
    if not policies.can_create_cycle(actor) or not {d.pk for d in departments} <= allowed:
        raise PermissionDenied
    if not departments:
        raise ValidationError({"departments": _("Choose at least one department.")})
    if period.school_id != school.pk:
        raise PermissionDenied
    cycle = ReviewCycle(
        school=school,
        period=period,
        name=name,
        entry_deadline=entry_deadline,
        speed_date_on=speed_date_on,
        meeting_on=meeting_on,
        talks_until=talks_until,
        created_by=actor,
    )
    _check_dates(cycle)
    cycle.full_clean()
    with transaction.atomic():
        cycle.save()
        cycle.departments.set(departments)
    return cycle


def _check_dates(cycle: ReviewCycle) -> None:
    steps = [
        ("speed_date_on", cycle.speed_date_on),
        ("meeting_on", cycle.meeting_on),
        ("talks_until", cycle.talks_until),
    ]
    previous = cycle.entry_deadline
    for field, value in steps:
        if value is None:
            continue
        if previous is not None and value < previous:
            raise ValidationError({field: _("This date lies before the step that comes before it.")})
        previous = value


def cycle_advance(*, cycle: ReviewCycle, actor: User, to_phase: str) -> ReviewCycle:
    """Move a cycle one phase on. Only forward, one step, by whoever runs the cycle.

    The update is conditional on the phase the actor saw, so two clicks at once
    move the cycle once.
    """
    if not policies.can_manage_cycle(actor, cycle):
        raise PermissionDenied
    expected = cycle.next_phase
    if expected is None or to_phase != expected:
        raise ValidationError(_("A cycle moves one phase at a time, in order; this step is not possible now."))
    moved = ReviewCycle.objects.filter(pk=cycle.pk, phase=cycle.phase).update(
        phase=to_phase, phase_changed_at=timezone.now()
    )
    if not moved:
        raise ValidationError(_("Somebody else changed the phase of this cycle just now. Reload the page."))
    cycle.refresh_from_db()
    return cycle


# --- entries ------------------------------------------------------------------------------------


def parse_grade(value: str) -> Decimal | None:
    """A Dutch grade from what a teacher typed: '7,5', '7.5', '8'. Empty means no grade."""
    if value is None or not str(value).strip():
        return None
    match = GRADE_PATTERN.match(str(value))
    if not match:
        raise ValidationError(
            _("“%(value)s” is not a grade: type a number from 1,0 to 10,0, for example 7,5."),
            params={"value": value},
            code="invalid",
        )
    whole, fraction = match.groups()
    if fraction is not None and len(fraction) > 1:
        raise ValidationError(
            _("“%(value)s” has more than one decimal: a grade has one, for example 5,5."),
            params={"value": value},
            code="decimals",
        )
    grade = Decimal(f"{whole}.{fraction or 0}")
    if not Decimal("1.0") <= grade <= Decimal("10.0"):
        raise ValidationError(
            _("%(value)s is outside the scale: a grade is from 1,0 to 10,0."), params={"value": value}, code="range"
        )
    return grade


def clean_entry_values(values: dict[str, str]) -> dict[str, object]:
    """Turn submitted cell values into model values; ValidationError per field."""
    cleaned: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for field, raw in values.items():
        if field not in ENTRY_FIELDS:
            continue
        try:
            if field == "grade":
                cleaned["grade"] = parse_grade(raw)
            elif field == "light":
                light = (raw or "").strip().lower()
                if light not in ("", *Light.values):
                    raise ValidationError(_("Choose green, orange or red."), code="invalid")
                cleaned["light"] = light
            else:
                advice = (raw or "").strip()
                if len(advice) > ADVICE_MAX_LENGTH:
                    raise ValidationError(
                        _("The advice is %(length)s characters long; at most %(max)s fit."),
                        params={"length": len(advice), "max": ADVICE_MAX_LENGTH},
                        code="max_length",
                    )
                cleaned["advice"] = advice
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


class EntryConflict(Exception):
    """Somebody else saved this entry since the user loaded it; nothing was written."""

    def __init__(self, current: Entry) -> None:
        super().__init__("entry changed by someone else")
        self.current = current


@dataclass
class SavedEntry:
    entry: Entry
    changed: bool


def _snapshot(entry: Entry | None, fields) -> dict[str, str]:
    if entry is None:
        return dict.fromkeys(fields, "")
    return {field: "" if getattr(entry, field) is None else str(getattr(entry, field)) for field in fields}


def entry_save(
    *,
    cycle: ReviewCycle,
    teaching_group: TeachingGroup,
    student: Student,
    actor: User,
    values: dict[str, str],
    version: int,
    reason: str = "",
) -> SavedEntry:
    """Save some fields of one entry, refusing to overwrite a newer version.

    `version` is the version the teacher's screen showed (0: no entry yet).
    During the entry phase no reason is needed; afterwards an edit needs one and
    is logged with it; a closed cycle is read-only. Every change is kept in the
    entry's history.
    """
    if not policies.can_edit_entries(actor, cycle, teaching_group):
        raise PermissionDenied
    if not teaching_group.enrollments.filter(student=student).exists():
        raise PermissionDenied
    cleaned = clean_entry_values(values)
    reason = (reason or "").strip()
    if not cycle.is_entry_open and not reason:
        raise ValidationError(
            {"reason": _("The entry phase is over: say why you change this entry. The change is logged.")}
        )
    fields = list(cleaned)
    with transaction.atomic():
        current = (
            Entry.objects.select_for_update()
            .filter(cycle=cycle, teaching_group=teaching_group, student=student)
            .first()
        )
        if (current.version if current else 0) != version:
            raise EntryConflict(current or Entry(cycle=cycle, teaching_group=teaching_group, student=student))
        before = _snapshot(current, fields)
        if current is None:
            entry = Entry(cycle=cycle, teaching_group=teaching_group, student=student, updated_by=actor, **cleaned)
            try:
                with transaction.atomic():
                    entry.save()
            except IntegrityError:
                # A co-teacher created it a moment ago: theirs stands, the user sees it.
                raise EntryConflict(
                    Entry.objects.get(cycle=cycle, teaching_group=teaching_group, student=student)
                ) from None
        else:
            entry = current
            for field, value in cleaned.items():
                setattr(entry, field, value)
            if _snapshot(entry, fields) == before:
                return SavedEntry(entry=entry, changed=False)
            entry.updated_by = actor
            entry.version = F("version") + 1
            entry.save()
            entry.refresh_from_db(fields=["version", "updated_at"])
        EntryChange.objects.create(
            entry=entry,
            changed_by=actor,
            phase=cycle.phase,
            before=before,
            after=_snapshot(entry, fields),
            reason=reason,
        )
    return SavedEntry(entry=entry, changed=True)


def phase_index(phase: str) -> int:
    return PHASE_ORDER.index(Phase(phase))
