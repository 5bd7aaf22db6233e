"""Care meetings ("zorgoverleg"): the list, the board (the child leads), consent, guests and the read log.

Thin: policy → selector or service → render. Only the care meeting's people see it
(boards.policies.care_meeting_get_for_user: 404 for everyone else); only the care
coordinator writes (403 for those who see it). Every page that shows a meeting logs the read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent
from audit.services import audit_record

from .. import policies
from ..forms_care import CareConsentForm, CareEntryForm, CareGuestForm, CareMeetingForm
from ..models import CareMeeting
from ..selectors import care as selectors
from ..services import care as services


def _form_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _log_read(request: HttpRequest, meeting: CareMeeting) -> None:
    services.care_read_log(
        meeting=meeting, user=request.user, path=request.get_full_path(), address=request.META.get("REMOTE_ADDR")
    )
    _audit(request, AuditEvent.Action.READ, meeting, gettext_noop("Care meeting read"))


def _audit(request: HttpRequest, action: str, meeting: CareMeeting, summary: str, student=None) -> None:
    audit_record(
        request_or_actor=request,
        action=action,
        kind=AuditEvent.Kind.CARE_MEETING,
        obj=meeting,
        student=student,
        summary=summary,
    )


@require_http_methods(["GET", "POST"])
def care_meetings(request: HttpRequest) -> HttpResponse:
    may_create = policies.can_plan_care_meetings(request.user)
    form = None
    if may_create:
        form = CareMeetingForm(request.POST or None, school=request.user.school)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        if form.is_valid():
            try:
                meeting = services.care_meeting_create(
                    school=request.user.school,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    held_on=form.cleaned_data["held_on"],
                    child_ids=[child.pk for child in form.cleaned_data["children"]],
                    participant_ids=[staff.pk for staff in form.cleaned_data["participants"]],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                _audit(request, AuditEvent.Action.CREATE, meeting, gettext_noop("Care meeting planned"))
                messages.success(request, _("Care meeting planned."))
                return redirect("boards:care_meeting", pk=meeting.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "boards/care/list.html",
        {"meetings": selectors.care_meetings_for(request.user), "form": form},
        status=status,
    )


def _since(meeting: CareMeeting) -> str:
    """What the page has: the meeting's last change (every service touches `updated_at`)."""
    return meeting.updated_at.isoformat()


def _render_board(
    request: HttpRequest, meeting: CareMeeting, *, status: int = 200, partial: bool = False, **forms
) -> HttpResponse:
    _log_read(request, meeting)
    page = selectors.care_meeting_page(meeting=meeting)
    may_write = policies.can_write_care_meeting(request.user, meeting)
    context = {
        "page": page,
        "meeting": meeting,
        "may_write": may_write,
        "moods": selectors.mood_choices(),
        "since": _since(meeting),
    }
    if partial:
        return render(request, "boards/care/partials/board.html", context)
    if may_write:
        context.update(
            entry_form=forms.get("entry_form") or CareEntryForm(meeting=meeting),
            consent_form=forms.get("consent_form") or CareConsentForm(meeting=meeting),
            guest_form=forms.get("guest_form") or CareGuestForm(),
        )
    context.update(conflict=forms.get("conflict"), invite=forms.get("invite"))
    return render(request, "boards/care/meeting.html", context, status=status)


@require_GET
def care_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The board; polled every 3 s by htmx with `since`: 204 while nothing changed (not a read), else the board."""
    meeting = policies.care_meeting_get_for_user(request.user, pk)
    if request.htmx and "since" in request.GET:
        if request.GET["since"] == _since(meeting):
            return HttpResponse(status=204)
        return _render_board(request, meeting, partial=True)
    return _render_board(request, meeting)


def _writable(request: HttpRequest, pk: int) -> CareMeeting:
    meeting = policies.care_meeting_get_for_user(request.user, pk)
    if not policies.can_write_care_meeting(request.user, meeting):
        raise PermissionDenied
    return meeting


@require_POST
def care_entry(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _writable(request, pk)
    form = CareEntryForm(request.POST, meeting=meeting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.care_entry_save(
                meeting=meeting,
                actor=request.user,
                student=data["student"],
                kind=data["kind"],
                mood=data["mood"] or "",
                text=data["text"],
                owner=data["owner"],
                due_on=data["due_on"],
                version=data["version"] or 0,
                entry_id=data["entry"],
            )
        except services.CareEntryConflict as conflict:
            return _render_board(request, meeting, status=409, entry_form=form, conflict=conflict.current)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            _audit(request, AuditEvent.Action.UPDATE, meeting, gettext_noop("Board line saved"), data["student"])
            messages.success(request, _("Saved."))
            return redirect("boards:care_meeting", pk=meeting.pk)
    return _render_board(request, meeting, status=422, entry_form=form)


@require_POST
def care_consent(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _writable(request, pk)
    form = CareConsentForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.care_consent_record(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            _audit(
                request,
                AuditEvent.Action.UPDATE,
                meeting,
                gettext_noop("Consent recorded"),
                form.cleaned_data["student"],
            )
            messages.success(request, _("Consent recorded."))
            return redirect("boards:care_meeting", pk=meeting.pk)
    return _render_board(request, meeting, status=422, consent_form=form)


@require_POST
def care_guest_invite(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _writable(request, pk)
    form = CareGuestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invite = services.care_guest_invite(
                meeting=meeting,
                actor=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                organisation=data["organisation"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            if "expires_at" in exc.message_dict:
                exc = ValidationError({**exc.message_dict, "expires_on": exc.message_dict.pop("expires_at")})
            _form_errors(form, exc)
        else:
            _audit(request, AuditEvent.Action.UPDATE, meeting, gettext_noop("Guest invited"))
            # The sign-in link is shown once, here: never stored in a message or a log.
            link = request.build_absolute_uri(invite.link)
            return _render_board(request, meeting, invite={"guest": invite.guest, "link": link})
    return _render_board(request, meeting, status=422, guest_form=form)


@require_POST
def care_guest_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    guest = policies.care_guest_get_for_user(request.user, pk)
    if not policies.can_write_care_meeting(request.user, guest.meeting):
        raise PermissionDenied
    services.care_guest_revoke(guest=guest, actor=request.user)
    _audit(request, AuditEvent.Action.UPDATE, guest.meeting, gettext_noop("Guest's access ended"))
    messages.success(request, _("Access of %(name)s ended.") % {"name": guest.user})
    return redirect("boards:care_meeting", pk=guest.meeting_id)


@require_GET
def care_read_log(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _writable(request, pk)
    _log_read(request, meeting)
    return render(
        request,
        "boards/care/read_log.html",
        {"meeting": meeting, "reads": selectors.care_read_log_page(meeting=meeting)},
    )


urlpatterns = [
    path("care/", care_meetings, name="care_meetings"),
    path("care/<int:pk>/", care_meeting, name="care_meeting"),
    path("care/<int:pk>/entries/", care_entry, name="care_entry"),
    path("care/<int:pk>/consents/", care_consent, name="care_consent"),
    path("care/<int:pk>/guests/", care_guest_invite, name="care_guest_invite"),
    path("care/guests/<int:pk>/revoke/", care_guest_revoke, name="care_guest_revoke"),
    path("care/<int:pk>/reads/", care_read_log, name="care_read_log"),
]
