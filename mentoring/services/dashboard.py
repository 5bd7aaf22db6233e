"""Writes for the mentor dashboard: the mentor's verdict on each student (clear, or needs attention).

Only the student's own mentor marks, and only while the cycle is open
(policies.can_mentor_in_cycle). Marking again replaces the verdict; `verdict_clear`
takes it back, so a student shows as not yet reviewed again.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reviews import policies as review_policies
from reviews.models import ReviewCycle
from school.models import Student, User

from .. import policies
from ..models import MentorReview

NOTE_MAX_LENGTH = MentorReview._meta.get_field("note").max_length


def _check(*, cycle: ReviewCycle, student: Student, actor: User) -> None:
    if not policies.can_mentor_in_cycle(actor, cycle, student):
        raise PermissionDenied
    if not review_policies.cycle_covers_student(cycle, student):
        raise ValidationError(_("%(name)s is not in this review round.") % {"name": student.full_name})


def verdict_set(
    *, cycle: ReviewCycle, student: Student, actor: User, verdict: str, note: str | None = ""
) -> MentorReview:
    """The mentor marks the student clear or needing attention in this cycle (replacing an earlier verdict).

    `note`: the mentor's short note; None keeps the note the verdict has (a form without a note field).
    """
    _check(cycle=cycle, student=student, actor=actor)
    keep_note = note is None
    note = (note or "").strip()
    errors = {}
    if verdict not in MentorReview.Verdict.values:
        errors["verdict"] = _("Choose “clear” or “needs attention”.")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("Keep the note to %(max)s characters (it has %(length)s).") % {
            "max": NOTE_MAX_LENGTH,
            "length": len(note),
        }
    if errors:
        raise ValidationError(errors)
    # The model's own checks too (choices, lengths); the foreign keys are known to exist.
    MentorReview(cycle=cycle, student=student, verdict=verdict, note=note).full_clean(
        exclude=["cycle", "student", "reviewed_by"], validate_unique=False, validate_constraints=False
    )
    with transaction.atomic():
        # update_or_create: a double click, or two tabs, leave one verdict (the unique constraint holds).
        review, _created = MentorReview.objects.update_or_create(
            cycle=cycle,
            student=student,
            defaults={"verdict": verdict, "reviewed_by": actor, **({} if keep_note else {"note": note})},
        )
    return review


def verdict_clear(*, cycle: ReviewCycle, student: Student, actor: User) -> bool:
    """Take the verdict back (undo): the student is not yet reviewed again. False when there was none."""
    _check(cycle=cycle, student=student, actor=actor)
    with transaction.atomic():
        deleted, _details = MentorReview.objects.filter(cycle=cycle, student=student).delete()
    return bool(deleted)
