"""Writes for escalations ("bespreekpunten"): the mentor raises one, the team leader handles it.

pending → accepted (an agenda item on the department meeting) → decided (by the meeting);
or returned with an answer; or merged into another escalation about the same student.
The raising mentor is told in the app only: the student's page and their list show the
status and the team leader's answer.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.models import ReviewCycle
from reviews.policies import cycle_students
from school.models import Student, User

from .. import policies
from ..models import (
    ANSWER_MAX_LENGTH,
    ESCALATION_TEXT_MAX_LENGTH,
    HIGH_STAKES,
    AgendaItem,
    Category,
    DepartmentMeeting,
    Escalation,
)
from ..selectors.evidence import student_evidence

# Escalations still waiting for an answer: a second one about the same thing is a duplicate.
OPEN_STATUSES = (Escalation.Status.PENDING, Escalation.Status.ACCEPTED)
TIMEBOX_MIN, TIMEBOX_MAX = 1, 120


def _text(value: str | None, *, field: str, max_length: int, errors: dict[str, list[str]]) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        message = _("This text is %(length)s characters long; at most %(max)s fit.")
        errors.setdefault(field, []).append(message % {"length": len(text), "max": max_length})
    return text


# --- raising -----------------------------------------------------------------------------------------


def proposal_needed_message() -> str:
    return _(
        "A question about promotion, a change of level or repeating the year needs your proposal: "
        "what do you as mentor think is best for the student?"
    )


def escalation_create(
    *,
    cycle: ReviewCycle,
    student: Student,
    actor: User,
    category: str,
    question: str,
    proposal: str = "",
    student_view: str = "",
) -> Escalation:
    """The mentor puts a big question about one student to the team leader, with the evidence attached.

    The evidence (lights, grades, advice, trend and what the student says) is a
    snapshot: it stays as it was when raised, whatever happens to the entries later.
    """
    if not policies.can_mentor_in_cycle(actor, cycle, student):
        raise PermissionDenied

    errors: dict[str, list[str]] = {}
    if category not in Category.values:
        errors["category"] = [_("Choose a category: promotion / level change, repeating the year, care or other.")]
    question = _text(question, field="question", max_length=ESCALATION_TEXT_MAX_LENGTH, errors=errors)
    if not question and "question" not in errors:
        errors["question"] = [_("Write the question you want the team leader to answer.")]
    proposal = _text(proposal, field="proposal", max_length=ESCALATION_TEXT_MAX_LENGTH, errors=errors)
    if category in HIGH_STAKES and not proposal and "proposal" not in errors:
        errors["proposal"] = [proposal_needed_message()]
    student_view = _text(student_view, field="student_view", max_length=ESCALATION_TEXT_MAX_LENGTH, errors=errors)
    if errors:
        raise ValidationError(errors)

    if not cycle_students(cycle).filter(pk=student.pk).exists():
        raise ValidationError(
            _("%(name)s is not part of the round “%(cycle)s”.") % {"name": student.full_name, "cycle": cycle.name},
            code="not_in_cycle",
        )
    class_group = student.class_group
    if class_group is None or class_group.department_id is None:
        raise ValidationError(
            _("%(name)s has no class in a department, so there is no team leader to escalate to.")
            % {"name": student.full_name},
            code="no_department",
        )

    escalation = Escalation(
        cycle=cycle,
        student=student,
        department_id=class_group.department_id,
        category=category,
        question=question,
        proposal=proposal,
        student_view=student_view,
        raised_by=actor,
    )
    with transaction.atomic():
        # Two clicks (or two mentors) at once: the lock on the student makes the second one see the first.
        Student.objects.select_for_update().filter(pk=student.pk).first()
        _refuse_duplicate(cycle=cycle, student=student, category=category)
        escalation.evidence = student_evidence(cycle=cycle, student=student).as_snapshot(student_view=student_view)
        escalation.full_clean()
        escalation.save()
    return escalation


def _refuse_duplicate(*, cycle: ReviewCycle, student: Student, category: str) -> None:
    existing = (
        Escalation.objects.filter(cycle=cycle, student=student, category=category, status__in=OPEN_STATUSES)
        .order_by("raised_at", "pk")
        .first()
    )
    if existing is None:
        return
    raise ValidationError(
        _(
            "This question about %(name)s has already been escalated in this category (“%(question)s”, "
            "%(status)s). See that escalation on the student's page instead of raising a new one."
        ),
        code="duplicate",
        # Django fills these in, so a "%" in the question cannot break the message.
        params={
            "pk": existing.pk,
            "name": student.full_name,
            "question": existing.question[:80],
            "status": existing.get_status_display(),
        },
    )


# --- handling by the team leader ------------------------------------------------------------------


def _check_handler(actor: User, escalation: Escalation) -> None:
    if not policies.can_handle_escalation(actor, escalation):
        raise PermissionDenied


def _locked(escalation: Escalation) -> Escalation:
    """The escalation as it is now, locked until the transaction ends (call inside atomic)."""
    return (
        Escalation.objects.select_for_update().select_related("cycle", "student", "department").get(pk=escalation.pk)
    )


def _waiting_item(escalation: Escalation) -> AgendaItem | None:
    return AgendaItem.objects.select_for_update().filter(escalation=escalation).first()


def _status_refusal(escalation: Escalation) -> ValidationError:
    """Why an escalation cannot be handled any more, in words."""
    messages = {
        Escalation.Status.ACCEPTED: _("This escalation is already on the agenda."),
        Escalation.Status.RETURNED: _("This escalation has already been answered."),
        Escalation.Status.MERGED: _("This escalation has already been merged into another one."),
        Escalation.Status.DECIDED: _("The department meeting has already decided about this escalation."),
    }
    return ValidationError(messages.get(escalation.status, _("This escalation cannot be handled now.")), code="status")


def escalation_accept(*, escalation: Escalation, actor: User, timebox_minutes: int = 10) -> Escalation:
    """Put a pending escalation on the agenda of its department's meeting in this round, at the end.

    The escalation row is locked first, so a double click creates one agenda item, not two.
    """
    _check_handler(actor, escalation)
    try:
        timebox = int(timebox_minutes)
    except (TypeError, ValueError):
        timebox = 0
    if not TIMEBOX_MIN <= timebox <= TIMEBOX_MAX:
        raise ValidationError(
            {
                "timebox_minutes": _("Give the item between %(min)s and %(max)s minutes.")
                % {"min": TIMEBOX_MIN, "max": TIMEBOX_MAX}
            }
        )
    with transaction.atomic():
        current = _locked(escalation)
        if current.status != Escalation.Status.PENDING:
            raise _status_refusal(current)
        DepartmentMeeting.objects.get_or_create(cycle=current.cycle, department=current.department)
        # Locked, so two escalations accepted at the same moment get positions one after the other.
        meeting = DepartmentMeeting.objects.select_for_update().get(cycle=current.cycle, department=current.department)
        if meeting.status == DepartmentMeeting.Status.FINISHED:
            raise ValidationError(
                _("The department meeting of this round has finished: nothing can be added to its agenda."),
                code="meeting_finished",
            )
        last = meeting.items.aggregate(last=Max("position"))["last"] or 0
        item = AgendaItem(meeting=meeting, escalation=current, position=last + 1, timebox_minutes=timebox)
        item.full_clean()
        item.save()
        current.status = Escalation.Status.ACCEPTED
        current.handled_by = actor
        current.handled_at = timezone.now()
        current.save(update_fields=["status", "handled_by", "handled_at"])
    return current


def escalation_return(*, escalation: Escalation, actor: User, response: str) -> Escalation:
    """Send an escalation back to the mentor with an answer, without a meeting.

    A pending one, or an accepted one whose agenda item is still waiting (the item is taken off the agenda).
    """
    _check_handler(actor, escalation)
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Write your answer to the mentor.")})
    if len(response) > ANSWER_MAX_LENGTH:
        raise ValidationError(
            {
                "response": _("The answer is %(length)s characters long; at most %(max)s fit.")
                % {"length": len(response), "max": ANSWER_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        current = _locked(escalation)
        _take_off_agenda(current)
        current.status = Escalation.Status.RETURNED
        current.response = response
        current.handled_by = actor
        current.handled_at = timezone.now()
        current.full_clean()
        current.save(update_fields=["status", "response", "handled_by", "handled_at"])
    return current


def _take_off_agenda(escalation: Escalation) -> None:
    """Pending: nothing to do. Accepted: delete its agenda item while it waits. Anything else: refuse."""
    if escalation.status == Escalation.Status.PENDING:
        return
    if escalation.status != Escalation.Status.ACCEPTED:
        raise _status_refusal(escalation)
    item = _waiting_item(escalation)
    if item is not None and item.status != AgendaItem.Status.WAITING:
        raise ValidationError(
            _("The meeting is already discussing this escalation: it can no longer be taken off the agenda."),
            code="discussed",
        )
    if item is not None:
        item.delete()


def escalation_merge(*, escalation: Escalation, into: Escalation, actor: User) -> Escalation:
    """Merge a duplicate into another escalation about the same student in the same round.

    The duplicate leaves the agenda if it was waiting there; escalations merged into
    the duplicate earlier now point at the target, so nothing points at a merged one.
    """
    _check_handler(actor, escalation)
    _check_handler(actor, into)
    if escalation.pk == into.pk:
        raise ValidationError({"into": _("An escalation cannot be merged into itself.")})
    with transaction.atomic():
        # Lock both in a fixed order, so two team leaders merging crosswise cannot deadlock.
        first, second = sorted([escalation, into], key=lambda row: row.pk)
        locked = {row.pk: _locked(row) for row in (first, second)}
        current, target = locked[escalation.pk], locked[into.pk]
        if current.student_id != target.student_id or current.cycle_id != target.cycle_id:
            raise ValidationError(
                {"into": _("Only escalations about the same student in the same round can be merged.")}
            )
        if target.status in (Escalation.Status.MERGED, Escalation.Status.RETURNED):
            raise ValidationError(
                {
                    "into": _(
                        "Merge into an escalation that is still open or decided, "
                        "not into one that was merged or answered."
                    )
                }
            )
        _take_off_agenda(current)
        Escalation.objects.filter(merged_into=current).update(merged_into=target)
        current.status = Escalation.Status.MERGED
        current.merged_into = target
        current.handled_by = actor
        current.handled_at = timezone.now()
        current.full_clean()
        current.save(update_fields=["status", "merged_into", "handled_by", "handled_at"])
    return current
