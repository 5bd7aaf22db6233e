"""The department meeting: the agenda page, meeting mode on a shared screen, and an attendee's silent vote.

Thin: policy → selector or service → render. Out of scope is 404 (another
school's meeting, a department the user does not oversee); a page the user can
see but not use is 403: only the department's team leader runs the meeting
(not the school admin, not an attendee), and only attendees vote. Every form
posts normally and works without JavaScript; htmx swaps the agenda, saves the
notes while typing and polls the vote count. Each load of an item (the shared screen) and of an
attendee's vote page is a read of the student's escalation in the audit log; the polls are not.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from audit.models import AuditEvent
from audit.services import audit_record
from reviews import policies as review_policies
from school import policies as school_policies
from school.policies import roles_of

from .. import policies
from ..forms_meetings import AgreementFormSet, DecisionForm, MeetingPlanForm, VoteForm
from ..models import AgendaItem, DepartmentMeeting
from ..selectors import meetings as selectors
from ..services import meetings as services

AGENDA_PARTIAL = "mentoring/meetings/partials/agenda.html"


def _meeting_url(meeting: DepartmentMeeting) -> str:
    return reverse("mentoring:meeting", args=[meeting.cycle_id, meeting.department_id])


def _item_url(meeting: DepartmentMeeting, item: AgendaItem) -> str:
    return reverse("mentoring:meeting_item", args=[meeting.pk, item.pk])


def _run_meeting(request: HttpRequest, pk: int) -> DepartmentMeeting:
    """A meeting the user runs: 404 when they cannot see it, 403 when they see it but do not run it."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    if not policies.can_run_meeting(request.user, meeting):
        raise PermissionDenied
    return meeting


def _item(meeting: DepartmentMeeting, item_pk: int) -> AgendaItem:
    item = get_object_or_404(
        AgendaItem.objects.select_related("escalation__student__class_group"), meeting=meeting, pk=item_pk
    )
    item.meeting = meeting
    return item


def _can_see_agenda(request: HttpRequest, meeting: DepartmentMeeting) -> bool:
    """The agenda page is for who oversees the department (its team leader, school-wide roles), not attendees."""
    return school_policies.can_oversee_department(request.user, meeting.department)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the agenda page ------------------------------------------------------------------------------------


def _meeting_context(request: HttpRequest, meeting: DepartmentMeeting, **extra) -> dict:
    page = selectors.meeting_page(meeting=meeting)
    can_run = policies.can_run_meeting(request.user, meeting)
    context = {
        "meeting": meeting,
        "cycle": meeting.cycle,
        "department": meeting.department,
        "page": page,
        "can_run": can_run,
        "can_edit": can_run and meeting.status != DepartmentMeeting.Status.FINISHED,
        **extra,
    }
    if context["can_edit"] and "plan_form" not in context:
        context["plan_form"] = MeetingPlanForm(
            initial={
                "starts_at": timezone.localtime(meeting.starts_at) if meeting.starts_at else None,
                "location": meeting.location,
            }
        )
    return context


@require_GET
def meeting(request: HttpRequest, cycle_pk: int, department_pk: int) -> HttpResponse:
    """Agenda builder, funnel, attendance and plan of one department's meeting in one cycle."""
    department = policies.department_overseen_get_for_user(request.user, department_pk)
    cycle = get_object_or_404(
        review_policies.cycles_visible_to(request.user).select_related("period").filter(departments=department),
        pk=cycle_pk,
    )
    meeting = services.meeting_get_or_create(cycle=cycle, department=department)
    # The agenda shows each escalation's question and, once decided, the decision: one read per page load.
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.ESCALATION,
        obj=meeting,
        summary=gettext_noop("A department meeting's agenda read"),
    )
    return render(request, "mentoring/meetings/meeting.html", _meeting_context(request, meeting))


@require_POST
def meeting_plan(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _run_meeting(request, pk)
    form = MeetingPlanForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_plan(
                meeting=meeting,
                actor=request.user,
                starts_at=form.cleaned_data["starts_at"],
                location=form.cleaned_data["location"],
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, _error_text(error))
                return redirect(_meeting_url(meeting))
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The plan of the meeting is saved."))
            return redirect(_meeting_url(meeting) + "#plan")
    return render(request, "mentoring/meetings/meeting.html", _meeting_context(request, meeting, plan_form=form))


def _posted_order(request: HttpRequest, items: list[AgendaItem]) -> list[int]:
    """The open items in the order asked for: by a move button, else by the position fields."""
    open_items = [item for item in items if item.status != AgendaItem.Status.DECIDED]
    ids = [item.pk for item in open_items]
    move = request.POST.get("move", "")
    if move:
        pk, _sep, direction = move.partition(":")
        if pk.isdigit() and int(pk) in ids:
            index = ids.index(int(pk))
            target = index + (-1 if direction == "up" else 1)
            if 0 <= target < len(ids):
                ids[index], ids[target] = ids[target], ids[index]
        return ids

    def wanted(pair):
        index, item = pair
        raw = request.POST.get(f"position_{item.pk}", "").strip()
        # Ties keep the current order; an item without a number stays where it was.
        return (int(raw) if raw.isdigit() else index + 1, index)

    return [item.pk for _index, item in sorted(enumerate(open_items), key=wanted)]


@require_POST
def meeting_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """Order the items (move buttons or position numbers) and set their timeboxes, all at once."""
    meeting = _run_meeting(request, pk)
    items = list(meeting.items.order_by("position", "pk"))
    timeboxes = {
        item.pk: request.POST[f"timebox_{item.pk}"]
        for item in items
        if f"timebox_{item.pk}" in request.POST and item.status != AgendaItem.Status.DECIDED
    }
    errors: list[str] = []
    try:
        services.agenda_update(
            meeting=meeting, actor=request.user, item_ids=_posted_order(request, items), timeboxes=timeboxes
        )
    except ValidationError as error:
        errors = error.messages
    if request.htmx:
        context = _meeting_context(request, meeting, agenda_errors=errors, agenda_saved=not errors)
        return render(request, AGENDA_PARTIAL, context)
    if errors:
        messages.error(request, " ".join(errors))
    else:
        messages.success(request, _("The agenda is saved."))
    return redirect(_meeting_url(meeting) + "#agenda")


@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _run_meeting(request, pk)
    try:
        staff = services.attendance_set(
            meeting=meeting, actor=request.user, staff_ids=request.POST.getlist("attendees")
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Attendance is saved: %(count)s present.") % {"count": len(staff)})
    return redirect(_meeting_url(meeting) + "#attendance")


@require_POST
def meeting_start(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _run_meeting(request, pk)
    try:
        services.meeting_start(meeting=meeting, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(_meeting_url(meeting))
    messages.success(request, _("The meeting has started."))
    return redirect("mentoring:meeting_mode", pk=meeting.pk)


@require_POST
def meeting_finish(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _run_meeting(request, pk)
    try:
        services.meeting_finish(meeting=meeting, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("mentoring:meeting_mode", pk=meeting.pk)
    messages.success(request, _("The meeting is finished. Every item has its decision."))
    return redirect(_meeting_url(meeting))


# --- meeting mode ---------------------------------------------------------------------------------------------


@require_GET
def meeting_mode(request: HttpRequest, pk: int) -> HttpResponse:
    """Resume the meeting: the item under discussion, else the first one waiting, else "all decided"."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    item = selectors.current_item(meeting)
    if item is not None:
        return redirect("mentoring:meeting_item", pk=meeting.pk, item_pk=item.pk)
    page = selectors.meeting_page(meeting=meeting)
    return render(
        request,
        "mentoring/meetings/mode_done.html",
        {
            "meeting": meeting,
            "page": page,
            "can_run": policies.can_run_meeting(request.user, meeting),
            "can_see_agenda": _can_see_agenda(request, meeting),
        },
    )


def _item_page(
    request: HttpRequest,
    meeting: DepartmentMeeting,
    item_pk: int,
    *,
    decision_form: DecisionForm | None = None,
    agreement_formset=None,
    read: bool = False,
) -> HttpResponse:
    can_run = policies.can_run_meeting(request.user, meeting)
    page = selectors.meeting_item_page(meeting=meeting, item_pk=item_pk, decision_form=can_run)
    item = page.item
    if read:
        # One student's escalation, evidence, notes and decision: one read per page load, once the item is found.
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.READ,
            kind=AuditEvent.Kind.ESCALATION,
            obj=item.escalation,
            summary=gettext_noop("Escalation read in the department meeting"),
        )
    context = {
        "meeting": meeting,
        "page": page,
        "item": item,
        "escalation": item.escalation,
        "student": item.escalation.student,
        "can_run": can_run,
        "is_attendee": getattr(roles_of(request.user).staff, "pk", None) in page.attendee_ids,
        "can_see_agenda": _can_see_agenda(request, meeting),
    }
    if can_run and item.status == AgendaItem.Status.DISCUSSING:
        context["decision_form"] = decision_form or DecisionForm(high_stakes=item.escalation.is_high_stakes)
        context["agreements"] = agreement_formset or AgreementFormSet(prefix="agreements", staff=page.owner_staff)
    return render(request, "mentoring/meetings/item.html", context)


@require_GET
def meeting_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One item, full-screen: evidence, timer, notes, vote and decision."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    return _item_page(request, meeting, item_pk, read=True)


def _item_action(request: HttpRequest, pk: int, item_pk: int, action, done: str) -> HttpResponse:
    meeting = _run_meeting(request, pk)
    item = _item(meeting, item_pk)
    try:
        action(item=item, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done)
    return redirect(_item_url(meeting, item))


@require_POST
def meeting_item_open(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    return _item_action(request, pk, item_pk, services.item_open, _("The item is open for discussion."))


@require_POST
def meeting_vote_open(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    return _item_action(
        request, pk, item_pk, services.vote_open, _("The silent vote is open: attendees vote on their own device.")
    )


@require_POST
def meeting_vote_reveal(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    return _item_action(request, pk, item_pk, services.vote_reveal, _("The votes are revealed."))


@require_POST
def meeting_item_notes(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Save the notes: htmx while typing (a short "saved" note back), or the Save button."""
    meeting = _run_meeting(request, pk)
    item = _item(meeting, item_pk)
    error = None
    try:
        services.item_notes_save(item=item, actor=request.user, notes=request.POST.get("notes", ""))
    except ValidationError as exc:
        error = _error_text(exc)
    else:
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.UPDATE,
            kind=AuditEvent.Kind.ITEM_NOTES,
            obj=item,
            student=item.escalation.student,
            summary=gettext_noop("Department meeting notes saved"),
        )
    if request.htmx:
        return render(
            request,
            "mentoring/meetings/partials/notes_state.html",
            {"error": error, "saved_at": timezone.localtime()},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The notes are saved."))
    return redirect(_item_url(meeting, item) + "#notes")


@require_GET
def meeting_vote_status(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """How many attendees have voted: polled every 3 s while the vote is open. Nothing about what they chose.

    With `?waiting=1` an attendee's vote page asks whether the vote has opened yet.
    """
    meeting = policies.meeting_get_for_user(request.user, pk)
    item = _item(meeting, item_pk)
    if not request.htmx:
        return redirect(_item_url(meeting, item))
    if request.GET.get("waiting"):
        # An attendee's vote page, waiting for the vote to open: reload it then, otherwise nothing to do.
        return HttpResponseClientRefresh() if item.status == AgendaItem.Status.VOTING else HttpResponse(status=204)
    if item.status != AgendaItem.Status.VOTING:
        return HttpResponseClientRefresh()  # revealed (or closed): the whole page shows the result
    attendee_ids = set(meeting.attendees.values_list("pk", flat=True))
    return render(
        request,
        "mentoring/meetings/partials/vote_status.html",
        {
            "meeting": meeting,
            "item": item,
            "vote": selectors.vote_state(item=item, attendee_ids=attendee_ids),
            "can_run": policies.can_run_meeting(request.user, meeting),
        },
    )


@require_POST
def meeting_decision(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Record the item's decision with its agreements; the item closes and meeting mode moves on."""
    meeting = _run_meeting(request, pk)
    item = _item(meeting, item_pk)
    blocker = services.decision_blocker(item)
    if blocker:
        messages.error(request, blocker)
        return redirect(_item_url(meeting, item))
    staff = list(selectors.attendance_candidates(meeting=meeting))
    form = DecisionForm(request.POST, high_stakes=item.escalation.is_high_stakes)
    formset = AgreementFormSet(request.POST, prefix="agreements", staff=staff)
    if form.is_valid() and formset.is_valid():
        try:
            decision = services.decision_record(
                item=item,
                actor=request.user,
                text=form.cleaned_data["text"],
                rationale=form.cleaned_data["rationale"],
                agreements=formset.agreements(),
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, _error_text(error))
                return redirect(_item_url(meeting, item))
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            audit_record(
                request_or_actor=request,
                action=AuditEvent.Action.CREATE,
                kind=AuditEvent.Kind.DECISION,
                obj=decision,
                summary=gettext_noop("Department meeting decision recorded"),
            )
            messages.success(
                request,
                _("The decision about %(student)s is recorded; the mentor gets an e-mail.")
                % {"student": item.escalation.student.full_name},
            )
            return redirect("mentoring:meeting_mode", pk=meeting.pk)
    return _item_page(request, meeting, item.pk, decision_form=form, agreement_formset=formset)


# --- an attendee's own device ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The silent vote on the attendee's own phone or laptop: the question, the proposal, three buttons."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    if not policies.is_attendee(request.user, meeting):
        raise PermissionDenied  # they know the meeting exists, but only attendees vote
    voter = roles_of(request.user).staff
    page = selectors.vote_page(meeting=meeting, item_pk=item_pk, voter=voter)
    page.item.meeting = meeting
    if request.method == "GET":
        # The attendee reads one student's question and the mentor's proposal: one read per page load.
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.READ,
            kind=AuditEvent.Kind.ESCALATION,
            obj=page.item.escalation,
            summary=gettext_noop("Escalation read on the silent-vote page"),
        )
    form = VoteForm(request.POST or None, initial={"comment": page.own_vote.comment if page.own_vote else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.vote_cast(
                item=page.item,
                actor=request.user,
                choice=form.cleaned_data["choice"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # the vote closed meanwhile: the page says so
                messages.error(request, _error_text(error))
                return redirect("mentoring:vote", pk=meeting.pk, item_pk=page.item.pk)
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("Your vote is in. You can change it until the votes are revealed."))
            return redirect("mentoring:vote", pk=meeting.pk, item_pk=page.item.pk)
    return render(request, "mentoring/meetings/vote.html", {"meeting": meeting, "page": page, "form": form})


urlpatterns = [
    path("cycles/<int:cycle_pk>/departments/<int:department_pk>/meeting/", meeting, name="meeting"),
    path("meetings/<int:pk>/plan/", meeting_plan, name="meeting_plan"),
    path("meetings/<int:pk>/agenda/", meeting_agenda, name="meeting_agenda"),
    path("meetings/<int:pk>/attendance/", meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/start/", meeting_start, name="meeting_start"),
    path("meetings/<int:pk>/finish/", meeting_finish, name="meeting_finish"),
    path("meetings/<int:pk>/mode/", meeting_mode, name="meeting_mode"),
    path("meetings/<int:pk>/items/<int:item_pk>/", meeting_item, name="meeting_item"),
    path("meetings/<int:pk>/items/<int:item_pk>/open/", meeting_item_open, name="meeting_item_open"),
    path("meetings/<int:pk>/items/<int:item_pk>/notes/", meeting_item_notes, name="meeting_item_notes"),
    path("meetings/<int:pk>/items/<int:item_pk>/vote/", vote, name="vote"),
    path("meetings/<int:pk>/items/<int:item_pk>/vote/open/", meeting_vote_open, name="meeting_vote_open"),
    path("meetings/<int:pk>/items/<int:item_pk>/vote/status/", meeting_vote_status, name="meeting_vote_status"),
    path("meetings/<int:pk>/items/<int:item_pk>/vote/reveal/", meeting_vote_reveal, name="meeting_vote_reveal"),
    path("meetings/<int:pk>/items/<int:item_pk>/decision/", meeting_decision, name="meeting_decision"),
]
