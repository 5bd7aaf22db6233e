"""Writing the student progress board (issue 6): a mentor saves one student's card.

Optimistic locking: a save names the version the mentor's screen showed (0: no card yet); when somebody
saved in between, ProgressCardConflict carries the current card and nothing is written. Every change is
kept as a ProgressCardChange with the changed fields' before and after values.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import Student, User

from .. import policies
from ..models import ProgressCard, ProgressCardChange

CARD_FIELDS = ("internship_placed", "tests_behind", "attendance_concern", "notable")
INTERNSHIP_VALUES = {"yes": True, "no": False, "unknown": None, "": None}
TESTS_BEHIND_MAX = 50
NOTABLE_MAX = 300
TRUE_VALUES = {"1", "true", "on", "yes"}


class ProgressCardConflict(Exception):
    """Somebody saved the card after the version the user started from."""

    def __init__(self, current: ProgressCard):
        super().__init__("progress card version conflict")
        self.current = current


def clean_progress_values(values: dict) -> dict:
    """The submitted fields as model values; a ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    if "internship_placed" in values:
        raw = values["internship_placed"]
        if isinstance(raw, bool) or raw is None:
            cleaned["internship_placed"] = raw
        elif str(raw).strip().lower() in INTERNSHIP_VALUES:
            cleaned["internship_placed"] = INTERNSHIP_VALUES[str(raw).strip().lower()]
        else:
            errors["internship_placed"] = _("Choose yes, no or unknown for the internship.")
    if "tests_behind" in values:
        raw = str(values["tests_behind"] if values["tests_behind"] is not None else "").strip() or "0"
        try:
            number = int(raw)
        except ValueError:
            number = -1
        if not 0 <= number <= TESTS_BEHIND_MAX:
            errors["tests_behind"] = _("Tests behind must be a whole number from 0 to %(max)d.") % {
                "max": TESTS_BEHIND_MAX
            }
        else:
            cleaned["tests_behind"] = number
    if "attendance_concern" in values:
        raw = values["attendance_concern"]
        cleaned["attendance_concern"] = raw if isinstance(raw, bool) else str(raw).strip().lower() in TRUE_VALUES
    if "notable" in values:
        text = str(values["notable"] or "").strip()
        if len(text) > NOTABLE_MAX:
            errors["notable"] = _("Keep the notable note to %(max)d characters (now %(count)d).") % {
                "max": NOTABLE_MAX,
                "count": len(text),
            }
        else:
            cleaned["notable"] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def _snapshot(card: ProgressCard | None, fields) -> dict:
    if card is None:
        return {}
    return {name: getattr(card, name) for name in fields}


def progress_card_save(*, student: Student, actor: User, values: dict, version: int) -> ProgressCard:
    """Save some fields of a student's card, refusing to overwrite a newer version."""
    if student.class_group is None or not student.is_active:
        raise PermissionDenied
    if not policies.can_update_progress_cards(actor, student.class_group):
        raise PermissionDenied
    cleaned = clean_progress_values(values)
    fields = list(cleaned)
    with transaction.atomic():
        current = ProgressCard.objects.select_for_update().filter(student=student).first()
        if (current.version if current else 0) != version:
            raise ProgressCardConflict(current or ProgressCard(student=student))
        now = timezone.now()
        if current is None:
            card = ProgressCard(student=student, updated_by=actor, updated_at=now, **cleaned)
            card.full_clean()
            try:
                with transaction.atomic():
                    card.save()
            except IntegrityError:
                # The co-mentor created it a moment ago: theirs stands, the user sees it.
                raise ProgressCardConflict(ProgressCard.objects.get(student=student)) from None
            before = {name: ProgressCard._meta.get_field(name).get_default() for name in fields}
        else:
            card = current
            before = _snapshot(current, fields)
            for name, value in cleaned.items():
                setattr(card, name, value)
            card.full_clean()
            card.version = current.version + 1
            card.updated_by = actor
            card.updated_at = now  # a weekly check with no change still counts as "updated"
            card.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
        after = _snapshot(card, fields)
        changed = [name for name in fields if before.get(name) != after.get(name)]
        ProgressCardChange.objects.create(
            card=card,
            changed_by=actor,
            before={name: before.get(name) for name in changed},
            after={name: after[name] for name in changed},
        )
    return card
