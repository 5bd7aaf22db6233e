"""Writes for the department meeting: agenda, attendance, meeting mode, silent votes and decisions.

Only the department's team leader runs the meeting (policies.can_run_meeting);
an attendee casts their own silent vote (policies.can_vote). A finished meeting
is read-only. An agenda item closes in one way only: by recording its decision,
which stores the evidence as it is at that moment, the vote's tally if one was
held, and notifies the student's mentors by e-mail after commit.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reviews.models import ReviewCycle
from school import jobs
from school.models import Department, Staff, User

from .. import policies, tasks
from ..models import (
    DECISION_MAX_LENGTH,
    AgendaItem,
    Agreement,
    Decision,
    DepartmentMeeting,
    Escalation,
    Vote,
)
from ..selectors.evidence import student_evidence
from .agreements import agreements_clean

logger = logging.getLogger(__name__)

TIMEBOX_MIN, TIMEBOX_MAX = 1, 120
LOCATION_MAX_LENGTH = DepartmentMeeting._meta.get_field("location").max_length
VOTE_COMMENT_MAX_LENGTH = Vote._meta.get_field("comment").max_length
OPEN_STATUSES = (AgendaItem.Status.DISCUSSING, AgendaItem.Status.VOTING)


# --- guards --------------------------------------------------------------------------------------------


def _check_runs(meeting: DepartmentMeeting, actor: User) -> None:
    """The department's team leader, and a meeting that is not finished."""
    if not policies.can_run_meeting(actor, meeting):
        raise PermissionDenied
    if meeting.status == DepartmentMeeting.Status.FINISHED:
        raise ValidationError(
            _("This meeting is finished: its agenda and decisions can only be read."), code="finished"
        )


def _check_running(meeting: DepartmentMeeting) -> None:
    if meeting.status != DepartmentMeeting.Status.RUNNING:
        raise ValidationError(_("Start the meeting first."), code="not_running")


def _locked_meeting(meeting: DepartmentMeeting) -> DepartmentMeeting:
    """The meeting's row, locked until commit: status changes and item moves of one meeting go one at a time."""
    locked = DepartmentMeeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.status, meeting.started_at, meeting.finished_at = locked.status, locked.started_at, locked.finished_at
    return meeting


def _locked_item(item: AgendaItem) -> AgendaItem:
    """The item's row as it is now, locked; the caller's object gets its current state."""
    locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
    for name in ("status", "position", "timebox_minutes", "notes", "opened_at", "votes_revealed_at", "closed_at"):
        setattr(item, name, getattr(locked, name))
    return item


def _student_name(item: AgendaItem) -> str:
    return item.escalation.student.full_name


# --- the meeting itself ----------------------------------------------------------------------------------


def meeting_get_or_create(*, cycle: ReviewCycle, department: Department) -> DepartmentMeeting:
    """The department's meeting for this cycle, created on first use (no permission check: callers have one)."""
    meeting, _created = DepartmentMeeting.objects.get_or_create(cycle=cycle, department=department)
    meeting.cycle, meeting.department = cycle, department  # loaded already: no queries to fetch them again
    return meeting


def meeting_plan(
    *, meeting: DepartmentMeeting, actor: User, starts_at: datetime.datetime | None = None, location: str = ""
) -> DepartmentMeeting:
    """When and where the meeting is: the agenda then shows each item's planned time."""
    _check_runs(meeting, actor)
    if starts_at is not None and timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("Give a date and a time.")})
    location = (location or "").strip()
    if len(location) > LOCATION_MAX_LENGTH:
        raise ValidationError(
            {
                "location": _("The location is %(length)s characters long; at most %(max)s fit.")
                % {"length": len(location), "max": LOCATION_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_runs(meeting, actor)
        meeting.starts_at, meeting.location = starts_at, location
        meeting.save(update_fields=["starts_at", "location"])
    return meeting


def meeting_start(*, meeting: DepartmentMeeting, actor: User) -> DepartmentMeeting:
    """planned → running: meeting mode opens its items."""
    _check_runs(meeting, actor)
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_runs(meeting, actor)
        if meeting.status != DepartmentMeeting.Status.PLANNED:
            raise ValidationError(_("This meeting has already started."), code="started")
        if not meeting.items.exists():
            raise ValidationError(
                _("The agenda is empty: accept escalations onto it before you start the meeting."), code="empty"
            )
        meeting.status, meeting.started_at = DepartmentMeeting.Status.RUNNING, timezone.now()
        meeting.save(update_fields=["status", "started_at"])
    return meeting


def meeting_finish(*, meeting: DepartmentMeeting, actor: User) -> DepartmentMeeting:
    """running → finished, only when every item has its decision; then everything in it is read-only."""
    _check_runs(meeting, actor)
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_runs(meeting, actor)
        _check_running(meeting)
        still_open = meeting.items.exclude(status=AgendaItem.Status.DECIDED).count()
        if still_open:
            raise ValidationError(
                ngettext(
                    "%(count)s item has no decision yet: record it before you finish the meeting.",
                    "%(count)s items have no decision yet: record them before you finish the meeting.",
                    still_open,
                )
                % {"count": still_open},
                code="items_open",
            )
        meeting.status, meeting.finished_at = DepartmentMeeting.Status.FINISHED, timezone.now()
        meeting.save(update_fields=["status", "finished_at"])
    return meeting


# --- the agenda ----------------------------------------------------------------------------------------------


def agenda_reorder(*, meeting: DepartmentMeeting, actor: User, item_ids: Sequence[int]) -> list[AgendaItem]:
    """Put the items that still need a decision in this order; decided items keep their place before them.

    `item_ids` must name exactly the meeting's items without a decision, each once:
    an agenda that changed meanwhile (an escalation accepted, an item decided) is refused.
    """
    _check_runs(meeting, actor)
    try:
        wanted = [int(pk) for pk in item_ids]
    except (TypeError, ValueError):
        raise ValidationError(_("The new order names an item that is not on this agenda."), code="unknown") from None
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_runs(meeting, actor)
        items = list(meeting.items.order_by("position", "pk"))
        decided = [item for item in items if item.status == AgendaItem.Status.DECIDED]
        open_items = {item.pk: item for item in items if item.status != AgendaItem.Status.DECIDED}
        if len(wanted) != len(set(wanted)):
            raise ValidationError(_("The new order names an item more than once."), code="duplicate")
        if set(wanted) != set(open_items):
            raise ValidationError(
                _(
                    "The agenda changed while you were ordering it: the new order must list every item "
                    "without a decision, and only those. Reload the page and try again."
                ),
                code="mismatch",
            )
        ordered = decided + [open_items[pk] for pk in wanted]
        for position, item in enumerate(ordered, start=1):
            item.position = position
        AgendaItem.objects.bulk_update(ordered, ["position"])
    return ordered


def agenda_item_move(*, item: AgendaItem, actor: User, offset: int) -> list[AgendaItem]:
    """Move an item one place up (-1) or down (+1) among the items without a decision; the ends stay put."""
    meeting = item.meeting
    _check_runs(meeting, actor)
    open_ids = list(
        meeting.items.exclude(status=AgendaItem.Status.DECIDED).order_by("position", "pk").values_list("pk", flat=True)
    )
    if item.pk not in open_ids:
        raise ValidationError(_("A decided item keeps its place on the agenda."), code="decided")
    index = open_ids.index(item.pk)
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(open_ids):
        open_ids[index], open_ids[target] = open_ids[target], open_ids[index]
    return agenda_reorder(meeting=meeting, actor=actor, item_ids=open_ids)


def _clean_timebox(minutes) -> int:
    try:
        value = int(str(minutes).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not TIMEBOX_MIN <= value <= TIMEBOX_MAX:
        raise ValidationError(
            {
                "timebox_minutes": _(
                    "A timebox is a whole number of minutes from %(min)s to %(max)s; “%(value)s” is not."
                )
                % {"min": TIMEBOX_MIN, "max": TIMEBOX_MAX, "value": minutes}
            },
            code="timebox",
        )
    return value


def agenda_item_timebox(*, item: AgendaItem, actor: User, minutes) -> AgendaItem:
    """The minutes an item may take (1 to 120); the agenda adds them up to the meeting's total time."""
    _check_runs(item.meeting, actor)
    value = _clean_timebox(minutes)
    with transaction.atomic():
        _locked_item(item)
        if item.status == AgendaItem.Status.DECIDED:
            raise ValidationError(_("This item has its decision: its timebox no longer changes."), code="decided")
        item.timebox_minutes = value
        item.save(update_fields=["timebox_minutes"])
    return item


def agenda_update(
    *, meeting: DepartmentMeeting, actor: User, item_ids: Sequence[int], timeboxes: dict[int, object]
) -> list[AgendaItem]:
    """The agenda form in one go: every timebox and the order, all or nothing."""
    _check_runs(meeting, actor)
    errors = {}
    for pk, minutes in timeboxes.items():
        try:
            _clean_timebox(minutes)
        except ValidationError as error:
            errors[f"timebox_{pk}"] = error.message_dict["timebox_minutes"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _locked_meeting(meeting)  # the meeting before its items, as everywhere: no deadlock between two writers
        items = {item.pk: item for item in meeting.items.all()}
        for pk, minutes in timeboxes.items():
            item = items.get(int(pk))
            if item is None:
                raise ValidationError(_("The new order names an item that is not on this agenda."), code="unknown")
            if item.status != AgendaItem.Status.DECIDED and item.timebox_minutes != _clean_timebox(minutes):
                item.meeting = meeting
                agenda_item_timebox(item=item, actor=actor, minutes=minutes)
        return agenda_reorder(meeting=meeting, actor=actor, item_ids=item_ids)


# --- attendance --------------------------------------------------------------------------------------------------


def attendance_set(*, meeting: DepartmentMeeting, actor: User, staff_ids: Sequence[int]) -> list[Staff]:
    """Who is present: only members of staff of the school; they may vote silently."""
    _check_runs(meeting, actor)
    try:
        wanted = {int(pk) for pk in staff_ids}
    except (TypeError, ValueError):
        raise ValidationError(
            {"attendees": _("Only members of staff of this school can be marked present.")}, code="unknown"
        ) from None
    staff = list(Staff.objects.filter(pk__in=wanted, school_id=meeting.department.school_id, is_active=True))
    if len(staff) != len(wanted):
        raise ValidationError(
            {"attendees": _("Only members of staff of this school can be marked present.")}, code="unknown"
        )
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_runs(meeting, actor)
        meeting.attendees.set(staff)
    return staff


# --- meeting mode: items ------------------------------------------------------------------------------------------


def _other_open_item(item: AgendaItem) -> AgendaItem | None:
    return (
        AgendaItem.objects.filter(meeting_id=item.meeting_id, status__in=OPEN_STATUSES)
        .exclude(pk=item.pk)
        .select_related("escalation__student")
        .first()
    )


def _check_nothing_else_open(item: AgendaItem) -> None:
    other = _other_open_item(item)
    if other is not None:
        raise ValidationError(
            _("“%(student)s” is still open: record its decision before you open the next item.")
            % {"student": _student_name(other)},
            code="other_open",
        )


def item_open(*, item: AgendaItem, actor: User) -> AgendaItem:
    """waiting → under discussion; one item at a time per meeting. Opening an open item changes nothing."""
    meeting = item.meeting
    _check_runs(meeting, actor)
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_runs(meeting, actor)
        _check_running(meeting)
        _locked_item(item)
        if item.status in OPEN_STATUSES:
            return item
        if item.status == AgendaItem.Status.DECIDED:
            raise ValidationError(_("This item has its decision already."), code="decided")
        _check_nothing_else_open(item)
        item.status, item.opened_at = AgendaItem.Status.DISCUSSING, timezone.now()
        item.save(update_fields=["status", "opened_at"])
    return item


def item_notes_save(*, item: AgendaItem, actor: User, notes: str) -> AgendaItem:
    """The item's notes as typed so far: saved often (every pause in typing), the same text saved twice is fine."""
    _check_runs(item.meeting, actor)
    notes = (notes or "").replace("\r\n", "\n")
    with transaction.atomic():
        _locked_item(item)
        if item.status == AgendaItem.Status.DECIDED:
            raise ValidationError(_("This item has its decision: its notes can only be read."), code="decided")
        if item.notes != notes:
            item.notes = notes
            item.save(update_fields=["notes"])
    return item


# --- the silent vote ---------------------------------------------------------------------------------------------


def vote_open(*, item: AgendaItem, actor: User) -> AgendaItem:
    """Start a silent, independent vote on a high-stakes item, before the discussion sways anyone."""
    meeting = item.meeting
    _check_runs(meeting, actor)
    if not item.escalation.is_high_stakes:
        raise ValidationError(
            _("A silent vote is for high-stakes questions: promotion, level change and repeating the year."),
            code="not_high_stakes",
        )
    with transaction.atomic():
        _locked_meeting(meeting)
        _check_runs(meeting, actor)
        _check_running(meeting)
        _locked_item(item)
        if item.status == AgendaItem.Status.DECIDED:
            raise ValidationError(_("This item has its decision already."), code="decided")
        if item.status == AgendaItem.Status.VOTING:
            return item
        if item.votes_revealed_at is not None:
            raise ValidationError(_("The votes on this item have been revealed already."), code="revealed")
        if not meeting.attendees.exists():
            raise ValidationError(_("Record who is present first: only the attendees vote."), code="no_attendees")
        _check_nothing_else_open(item)
        item.status = AgendaItem.Status.VOTING
        item.opened_at = item.opened_at or timezone.now()
        item.save(update_fields=["status", "opened_at"])
    return item


def vote_cast(*, item: AgendaItem, actor: User, choice: str, comment: str = "") -> Vote:
    """An attendee's own vote; they may change it until the votes are revealed. Nobody sees it before then."""
    comment = (comment or "").strip()
    if choice not in Vote.Choice.values:
        raise ValidationError({"choice": _("Choose agree, disagree or abstain.")}, code="choice")
    if len(comment) > VOTE_COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": _("The comment is %(length)s characters long; at most %(max)s fit.")
                % {"length": len(comment), "max": VOTE_COMMENT_MAX_LENGTH}
            },
            code="comment",
        )
    if not policies.is_attendee(actor, item.meeting):
        raise PermissionDenied
    with transaction.atomic():
        _locked_item(item)
        if item.status != AgendaItem.Status.VOTING:
            raise ValidationError(_("Voting on this item is closed."), code="closed")
        if not policies.can_vote(actor, item):
            raise PermissionDenied
        vote, _created = Vote.objects.update_or_create(
            item=item, voter=actor.staff, defaults={"choice": choice, "comment": comment}
        )
    return vote


def vote_reveal(*, item: AgendaItem, actor: User) -> AgendaItem:
    """Close the vote and show everyone's choice at once; then the discussion starts."""
    meeting = item.meeting
    _check_runs(meeting, actor)
    with transaction.atomic():
        _locked_item(item)
        if item.status != AgendaItem.Status.VOTING:
            raise ValidationError(_("There is no vote open on this item."), code="not_voting")
        item.status, item.votes_revealed_at = AgendaItem.Status.DISCUSSING, timezone.now()
        item.save(update_fields=["status", "votes_revealed_at"])
    return item


def _vote_tally(item: AgendaItem) -> dict[str, int]:
    if item.votes_revealed_at is None:
        return {}
    choices = list(item.votes.values_list("choice", flat=True))
    return {choice: choices.count(choice) for choice in Vote.Choice.values}


# --- the decision --------------------------------------------------------------------------------------------------


def decision_blocker(item: AgendaItem) -> str | None:
    """Why no decision can be recorded for the item as it is now, or None: only an item under discussion takes one."""
    return {
        AgendaItem.Status.WAITING: _("Open this item before you record its decision."),
        AgendaItem.Status.VOTING: _("Reveal the votes before you record the decision."),
        AgendaItem.Status.DECIDED: _("This item has its decision already."),
    }.get(item.status)


def _check_decidable(item: AgendaItem) -> None:
    blocker = decision_blocker(item)
    if blocker is not None:
        raise ValidationError(blocker, code=f"item_{item.status}")


def decision_record(
    *,
    item: AgendaItem,
    actor: User,
    text: str,
    rationale: str = "",
    agreements: Sequence[dict] = (),
) -> Decision:
    """Close an item with its decision and agreements: the only way an item closes.

    The item must be under discussion (not waiting, not in a silent vote). A
    high-stakes decision needs its rationale. The decision keeps a snapshot of the
    evidence as it is now and the vote's tally. All or nothing; the mentors get an
    e-mail after commit.
    """
    meeting = item.meeting
    _check_runs(meeting, actor)
    _check_decidable(item)
    escalation = item.escalation
    text, rationale = (text or "").strip(), (rationale or "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("Write down what the meeting decided.")]
    elif len(text) > DECISION_MAX_LENGTH:
        errors["text"] = [
            _("The decision is %(length)s characters long; at most %(max)s fit.")
            % {"length": len(text), "max": DECISION_MAX_LENGTH}
        ]
    if escalation.is_high_stakes and not rationale:
        errors["rationale"] = [
            _(
                "This is a high-stakes decision (%(category)s): write down why the meeting decided so, "
                "with the evidence it weighed."
            )
            % {"category": escalation.get_category_display()}
        ]
    elif len(rationale) > DECISION_MAX_LENGTH:
        errors["rationale"] = [
            _("The rationale is %(length)s characters long; at most %(max)s fit.")
            % {"length": len(rationale), "max": DECISION_MAX_LENGTH}
        ]
    cleaned, agreement_errors = agreements_clean(
        list(agreements), school_id=meeting.department.school_id, today=timezone.localdate()
    )
    if agreement_errors:
        errors["agreements"] = agreement_errors
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        _locked_meeting(meeting)
        _check_runs(meeting, actor)
        _check_running(meeting)
        _locked_item(item)
        _check_decidable(item)
        evidence = student_evidence(cycle=meeting.cycle, student=escalation.student).as_snapshot(
            student_view=escalation.student_view
        )
        decision = Decision(
            item=item,
            student=escalation.student,
            text=text,
            rationale=rationale,
            evidence=evidence,
            votes=_vote_tally(item),
            decided_by=actor,
        )
        decision.full_clean(exclude=["item", "student", "decided_by"])
        decision.save()
        Agreement.objects.bulk_create(
            Agreement(student=escalation.student, decision=decision, created_by=actor, **agreement)
            for agreement in cleaned
        )
        now = timezone.now()
        item.status, item.closed_at = AgendaItem.Status.DECIDED, now
        item.save(update_fields=["status", "closed_at"])
        Escalation.objects.filter(pk=escalation.pk).update(status=Escalation.Status.DECIDED)
        escalation.status = Escalation.Status.DECIDED
        # An e-mail without a job row: with the broker down it waits in the outbox (school.jobs), the decision is kept.
        jobs.task_enqueue(tasks.decision_notice_task, decision.pk)
    return decision


# --- the mentors' e-mail --------------------------------------------------------------------------------------------


def _student_url(decision: Decision) -> str:
    cycle_pk = decision.item.meeting.cycle_id
    try:
        path = reverse("mentoring:student", args=[cycle_pk, decision.student_id])
    except NoReverseMatch:  # the student page is another part of the app
        path = reverse("home")
    return settings.SITE_URL + path


def decision_notice_send(*, decision_id: int) -> int:
    """E-mail each mentor of the student's class (who has an address) the decision, in their own language.

    Returns how many e-mails went out. Called by tasks.decision_notice_task after commit.
    """
    decision = (
        Decision.objects.select_related(
            "student__class_group",
            "item__meeting__cycle__school",
            "item__meeting__department",
            "item__escalation",
            "decided_by",
        )
        .prefetch_related("agreements__owner_staff__user")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:  # the decision went away before the worker came to it
        return 0
    class_group = decision.student.class_group
    if class_group is None:
        return 0
    mentors = [
        staff.user
        for staff in class_group.mentors.filter(is_active=True).select_related("user")
        if staff.user.email and staff.user.is_active
    ]
    if not mentors:
        return 0
    school = decision.item.meeting.cycle.school
    url = _student_url(decision)
    sent = 0
    with get_connection() as connection:
        for mentor in mentors:
            message = _decision_message(decision=decision, mentor=mentor, url=url, school_language=school.language)
            message.connection = connection
            message.send()
            sent += 1
    return sent


def _decision_message(*, decision: Decision, mentor: User, url: str, school_language: str) -> EmailMessage:
    language = mentor.language or school_language or settings.LANGUAGE_CODE
    meeting = decision.item.meeting
    with translation.override(language):
        context = {
            "mentor": mentor,
            "decision": decision,
            "student": decision.student,
            "escalation": decision.item.escalation,
            "meeting": meeting,
            "cycle": meeting.cycle,
            "department": meeting.department,
            "agreements": list(decision.agreements.all()),
            "url": url,
            "sender": decision.decided_by,
        }
        subject = " ".join(render_to_string("mentoring/email/decision_subject.txt", context).split())
        body = render_to_string("mentoring/email/decision_notice.txt", context)
    reply_to = [decision.decided_by.email] if decision.decided_by and decision.decided_by.email else []
    return EmailMessage(subject=subject, body=body, to=[mentor.email], reply_to=reply_to)
