"""Writes for the student's reflection and goals (DESIGN §1.1 step 4).

The student writes a reflection with the prompts of the open class meeting's guide and
one to three goals, while the draft saves itself; they submit it before the mentor talk.
A submitted reflection is read-only for the student; their mentor may comment on it, or
reopen it (back to a draft) so the student can change it.

Saving is autosave-friendly and never loses a change silently:
- `version` is the version the student's screen showed (0: nothing saved yet). When the
  stored version is newer (another tab or window saved meanwhile) and its text differs from
  what is sent, nothing is written and ReflectionConflict carries the stored reflection.
  The same text sent twice (a retry whose first attempt did get through) is not a conflict.
- The form always posts every field (the six answers and the three goal blocks). The service
  is defensive anyway: an answer missing from `values` keeps its stored text, and `goals=None`
  keeps the stored goals; a list of goals replaces them all, in the same transaction.
- Nothing changed: nothing is written and the version stays.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.models import ReviewCycle
from school.models import Student, User

from .. import policies
from ..models import GOAL_MAX_LENGTH, MAX_GOALS, REFLECTION_MAX_LENGTH, Goal, Reflection
from ..selectors.reflection import GOAL_FIELDS, REFLECTION_FIELDS

# A reflection can be submitted once these are answered (and there is at least one goal).
REQUIRED_TO_SUBMIT = Reflection.REQUIRED_TO_SUBMIT

MISSING_LABELS = {
    "went_well": gettext_lazy("what went well"),
    "went_less_well": gettext_lazy("what went less well"),
    "goals": gettext_lazy("at least one goal"),
}


class ReflectionConflict(Exception):
    """The reflection was saved elsewhere (another tab) since the student's screen loaded it; nothing was written."""

    def __init__(self, current: Reflection, goals: list[dict] | None = None) -> None:
        super().__init__("reflection changed in another tab or window")
        self.current = current
        self.goals = goals or []  # the stored goals, as dicts (position, goal, action, measure)


def goal_field_name(position: int, name: str) -> str:
    """How a goal's field is named in forms and in ValidationErrors: goal_2_action."""
    return f"goal_{position}_{name}"


def _too_long(length: int, max_length: int) -> ValidationError:
    return ValidationError(
        _("This text is %(length)s characters long; at most %(max)s fit."),
        code="max_length",
        params={"length": length, "max": max_length},
    )


def _normalised(value: str | None) -> str:
    # Browsers send line breaks as CRLF, and count them as one character against maxlength.
    return (value or "").replace("\r\n", "\n").strip()


def clean_reflection_values(values: dict) -> tuple[dict[str, str], dict[str, list[ValidationError]]]:
    """The answers sent, stripped; errors per field for what is too long."""
    cleaned: dict[str, str] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name in REFLECTION_FIELDS:
        if name not in values:
            continue
        text = _normalised(values[name])
        if len(text) > REFLECTION_MAX_LENGTH:
            errors[name] = [_too_long(len(text), REFLECTION_MAX_LENGTH)]
        cleaned[name] = text
    return cleaned, errors


def clean_goals(goals: Sequence[dict]) -> tuple[list[dict[str, str | int]], dict[str, list[ValidationError]]]:
    """The goal blocks sent: empty ones left out; each filled one needs the goal itself; lengths checked.

    Each block is {"position": 1..3, "goal": ..., "action": ..., "measure": ...}.
    """
    cleaned: list[dict[str, str | int]] = []
    errors: dict[str, list[ValidationError]] = {}
    seen: set[int] = set()
    for block in goals:
        try:
            position = int(block.get("position"))
        except (TypeError, ValueError):
            position = 0
        if not 1 <= position <= MAX_GOALS or position in seen:
            raise ValidationError(_("A goal has to be number 1, 2 or 3, each number once."), code="goal_position")
        seen.add(position)
        texts = {name: _normalised(block.get(name)) for name in GOAL_FIELDS}
        if not any(texts.values()):
            continue  # an empty block: nothing to keep
        for name, text in texts.items():
            if len(text) > GOAL_MAX_LENGTH:
                errors[goal_field_name(position, name)] = [_too_long(len(text), GOAL_MAX_LENGTH)]
        if not texts["goal"]:
            errors.setdefault(goal_field_name(position, "goal"), []).append(
                ValidationError(
                    _("Write the goal itself: what do you want to reach in the coming period?"),
                    code="goal_required",
                )
            )
        cleaned.append({"position": position, **texts})
    return sorted(cleaned, key=lambda goal: goal["position"]), errors


def _goal_rows(goals) -> list[tuple]:
    return [(goal["position"], goal["goal"], goal["action"], goal["measure"]) for goal in goals]


def _stored_goals(reflection: Reflection) -> list[dict[str, str | int]]:
    return [
        {"position": goal.position, "goal": goal.goal, "action": goal.action, "measure": goal.measure}
        for goal in reflection.goals.order_by("position")
    ]


def submitted_message() -> str:
    return _(
        "You have submitted your reflection, so it can no longer be changed. "
        "If you want to change something, ask your mentor to open it again."
    )


def reflection_save(
    *,
    cycle: ReviewCycle,
    student: Student,
    actor: User,
    values: dict,
    goals: Sequence[dict] | None,
    version: int,
) -> Reflection:
    """Save the student's draft: the answers sent and the goals (all replaced), refusing to overwrite newer text.

    Creates the reflection on its first save. Raises ValidationError (per field; nothing
    written), ReflectionConflict (saved elsewhere meanwhile; nothing written) or
    PermissionDenied (not the student, not published, or the cycle is closed).
    """
    if not policies.can_write_reflection(actor, cycle, student):
        raise PermissionDenied
    cleaned, errors = clean_reflection_values(values)
    cleaned_goals = None
    if goals is not None:
        cleaned_goals, goal_errors = clean_goals(goals)
        errors.update(goal_errors)
        if len(cleaned_goals) > MAX_GOALS:
            errors.setdefault("__all__", []).append(
                ValidationError(_("Write at most %(max)s goals."), code="too_many_goals", params={"max": MAX_GOALS})
            )
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        current = Reflection.objects.select_for_update().filter(cycle=cycle, student=student).first()
        if current is None:
            return _create(cycle=cycle, student=student, cleaned=cleaned, goals=cleaned_goals or [], version=version)
        return _update(current, cleaned=cleaned, goals=cleaned_goals, version=version)


def _create(*, cycle: ReviewCycle, student: Student, cleaned: dict, goals: list[dict], version: int) -> Reflection:
    """The first save: a new reflection at version 1 with its goals."""
    if version != 0:
        # The screen showed a saved reflection that is no longer there: show what there is (nothing).
        raise ReflectionConflict(Reflection(cycle=cycle, student=student, version=0))
    reflection = Reflection(cycle=cycle, student=student, version=1, **cleaned)
    _validate(reflection)
    try:
        with transaction.atomic():
            reflection.save()
    except IntegrityError:
        # Another tab created it a moment ago: compare with theirs, as with any newer version.
        current = Reflection.objects.select_for_update().get(cycle=cycle, student=student)
        return _update(current, cleaned=cleaned, goals=goals, version=version)
    _replace_goals(reflection, goals)
    return reflection


def _validate(reflection: Reflection) -> None:
    # The relations and the unique (cycle, student) are the database's to check: no extra queries per keystroke.
    reflection.full_clean(
        exclude=["cycle", "student", "commented_by"], validate_unique=False, validate_constraints=False
    )


def _update(current: Reflection, *, cleaned: dict, goals: list[dict] | None, version: int) -> Reflection:
    if current.is_submitted:
        raise ValidationError(submitted_message(), code="submitted")
    stored_goals = _stored_goals(current)
    wanted = {name: cleaned.get(name, getattr(current, name)) for name in REFLECTION_FIELDS}
    wanted_goals = stored_goals if goals is None else goals
    same_answers = all(getattr(current, name) == value for name, value in wanted.items())
    unchanged = same_answers and _goal_rows(wanted_goals) == _goal_rows(stored_goals)
    if current.version != version:
        if unchanged:
            return current  # the same text twice (a retry that did get through the first time): no conflict
        raise ReflectionConflict(current, goals=stored_goals)
    if unchanged:
        return current
    for name, value in wanted.items():
        setattr(current, name, value)
    # The row is locked until commit, so its version cannot move meanwhile.
    current.version = version + 1
    _validate(current)
    current.save(update_fields=[*REFLECTION_FIELDS, "version", "updated_at"])
    if goals is not None and _goal_rows(goals) != _goal_rows(stored_goals):
        _replace_goals(current, goals, existing=bool(stored_goals))
    return current


def _replace_goals(reflection: Reflection, goals: list[dict], *, existing: bool = False) -> None:
    if existing:
        reflection.goals.all().delete()
    rows = [Goal(reflection=reflection, **goal) for goal in goals]
    for row in rows:
        row.full_clean(exclude=["reflection"], validate_unique=False, validate_constraints=False)
    Goal.objects.bulk_create(rows)


# --- submitting ------------------------------------------------------------------------------------------


def reflection_missing(reflection: Reflection | None) -> list[str]:
    """What a reflection still needs before it can be submitted: REQUIRED_TO_SUBMIT names, and "goals"."""
    missing = [name for name in REQUIRED_TO_SUBMIT if reflection is None or not getattr(reflection, name).strip()]
    if reflection is None or not reflection.goals.exclude(goal="").exists():
        missing.append("goals")
    return missing


def incomplete_error(missing: Sequence[str]) -> ValidationError:
    """What is missing, for the whole form (one sentence naming all of it) and per field."""
    summary = _("Before you submit, still fill in: %(missing)s.") % {
        "missing": ", ".join(str(MISSING_LABELS[name]) for name in missing)
    }
    errors: dict[str, list[ValidationError]] = {"__all__": [ValidationError(summary, code="incomplete")]}
    for name in missing:
        if name == "goals":
            errors[goal_field_name(1, "goal")] = [
                ValidationError(_("Write at least one goal for the coming period."), code="goal_needed")
            ]
        else:
            errors[name] = [ValidationError(_("Answer this question before you submit."), code="required")]
    return ValidationError(errors)


def reflection_submit(*, reflection: Reflection, actor: User) -> Reflection:
    """The student hands the reflection to their mentor; from then on it is read-only for them.

    Needs answers to "what went well" and "what went less well" and at least one goal;
    the ValidationError names what is missing (per field, and all of it for the whole form).
    Submitting twice is harmless: the second time changes nothing.
    """
    if not policies.can_write_reflection(actor, reflection.cycle, reflection.student):
        raise PermissionDenied
    with transaction.atomic():
        current = Reflection.objects.select_for_update().get(pk=reflection.pk)
        if current.is_submitted:
            return current
        missing = reflection_missing(current)
        if missing:
            raise incomplete_error(missing)
        current.status = Reflection.Status.SUBMITTED
        current.submitted_at = timezone.now()
        # A tab still open from before must not overwrite it after a reopen.
        current.version += 1
        current.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    return current


# --- the mentor: reopen, comment -----------------------------------------------------------------------


def reflection_reopen(*, reflection: Reflection, actor: User) -> Reflection:
    """The mentor sends a submitted reflection back to the student as a draft they can change and submit again."""
    if not policies.can_reopen_reflection(actor, reflection):
        raise PermissionDenied
    with transaction.atomic():
        current = Reflection.objects.select_for_update().get(pk=reflection.pk)
        if not current.is_submitted:
            return current  # already open again (a second click)
        current.status = Reflection.Status.DRAFT
        current.submitted_at = None
        # A tab still open from before submitting must not overwrite what follows.
        current.version += 1
        current.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    return current


def reflection_comment(*, reflection: Reflection, actor: User, text: str) -> Reflection:
    """The mentor's comment on a submitted reflection, which the student reads; an empty text removes it."""
    if not policies.can_comment_reflection(actor, reflection):
        raise PermissionDenied
    text = _normalised(text)
    if len(text) > REFLECTION_MAX_LENGTH:
        raise ValidationError({"comment": [_too_long(len(text), REFLECTION_MAX_LENGTH)]})
    with transaction.atomic():
        current = Reflection.objects.select_for_update().get(pk=reflection.pk)
        if not current.is_submitted:
            raise PermissionDenied  # reopened meanwhile: a draft is the student's own
        current.mentor_comment = text
        current.commented_by = actor if text else None
        current.commented_at = timezone.now() if text else None
        current.save(update_fields=["mentor_comment", "commented_by", "commented_at", "updated_at"])
    return current
