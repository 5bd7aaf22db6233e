"""Meeting mode of the open class meeting (DESIGN §1.2): the shared screen and a participant's own device.

Thin: policy → selector or service → render. Access comes from classmeetings.policies:

- Every URL first fetches the meeting through `meeting_get_for_user`: 404 for another school, another
  class's student, a guardian, a teacher who does not follow the class.
- `mode` (the shared screen) and `floor` (a participant's own device): everyone who follows the meeting;
  what they read of an item is the selector's business (a student never reads another student's input,
  notes, points or decision).
- `start`, `item_open`, `item_close`, `point`, `floor_grant`: the chairs (`can_chair`: the mentor, the
  team leader, the class representative); 403 for the other followers.
- `close`, `item_notes`, `item_decision`: the staff chairs (`can_keep_minutes`); 403 for the class
  representative and the other followers.
- `floor_request`: who takes part (`can_take_part`); `floor_withdraw`: one's own request; `floor_done`:
  the speaker or a chair. 403 otherwise.

The changing parts poll every 2 s: the same URL answers an htmx request with its fragment and any other
request with the full page. Every form also posts without JavaScript (a redirect back, or the page with
the errors and status 422).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditEvent
from audit.services import audit_record
from mentoring.forms_meetings import AgreementFormSet
from mentoring.models import Agreement
from school.forms import add_service_errors
from school.policies import roles_of

from .. import policies
from ..models import (
    POINT_MAX_LENGTH,
    TIPS_MAX_LENGTH,
    FloorRequest,
    ItemPoint,
    MeetingItem,
    OpenClassMeeting,
    PreparedInput,
)
from ..selectors.mode import ModeScreen, decision_owner_staff, floor_screen, mode_screen
from ..services import meeting_mode as services
from ..services.meeting_mode import CLASS_AGREEMENT_OWNERS
from ..services.preparation import PROMPT_FIELDS, previous_agreements_blocker

MODE_LIVE = "classmeetings/partials/mode_live.html"
FLOOR_LIVE = "classmeetings/partials/mode_floor.html"
POINT_FORM = "classmeetings/partials/mode_point_form.html"
NOTES_STATE = "mentoring/meetings/partials/notes_state.html"  # the same "saved at" note as the department meeting
AGREEMENTS_PREFIX = "agreements"


# --- forms ----------------------------------------------------------------------------------------------------


class PointForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of point"),
        choices=ItemPoint.Kind.choices,
        widget=forms.RadioSelect,
        initial=ItemPoint.Kind.POSITIVE,
        error_messages={
            "required": gettext_lazy("Choose positive or a point to work on."),
            "invalid_choice": gettext_lazy("Choose positive or a point to work on."),
        },
    )
    text = forms.CharField(
        label=gettext_lazy("Point"),
        max_length=POINT_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Write the point down in a few words.")},
    )


class TipsForm(forms.Form):
    tips = forms.CharField(
        label=gettext_lazy("Tips"),
        required=False,
        max_length=TIPS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the student can try: from the class and the teachers."),
    )


def agreement_formset(meeting: OpenClassMeeting, data=None):
    """The department meeting's agreement rows, with the owners a class meeting allows (student, mentor, teacher)."""
    formset = AgreementFormSet(data, prefix=AGREEMENTS_PREFIX, staff=decision_owner_staff(meeting))
    owners = [
        ("", "—"),
        *((value, label) for value, label in Agreement.Owner.choices if value in CLASS_AGREEMENT_OWNERS),
    ]
    for form in [*formset.forms, formset.empty_form]:
        form.fields["owner"].choices = owners
    return formset


# --- helpers --------------------------------------------------------------------------------------------------


def _item(meeting: OpenClassMeeting, item_pk: int) -> MeetingItem:
    """An item of this meeting (404 otherwise), with its meeting already in hand."""
    item = get_object_or_404(MeetingItem.objects.select_related("student"), meeting=meeting, pk=item_pk)
    item.meeting = meeting
    return item


def _floor_request(meeting: OpenClassMeeting, request_pk: int) -> FloorRequest:
    floor = get_object_or_404(FloorRequest.objects.select_related("item"), item__meeting=meeting, pk=request_pk)
    floor.item.meeting = meeting
    return floor


def _mode_url(meeting: OpenClassMeeting, item: MeetingItem | None = None) -> str:
    url = reverse("classmeetings:mode", args=[meeting.pk])
    return f"{url}?item={item.pk}" if item is not None else url


def _back(request: HttpRequest, meeting: OpenClassMeeting) -> HttpResponse:
    """After a form: back to the page it came from (the shared screen or one's own device)."""
    if request.POST.get("next") == "floor":
        return redirect("classmeetings:floor", pk=meeting.pk)
    item_pk = request.POST.get("item", "")
    url = reverse("classmeetings:mode", args=[meeting.pk])
    return redirect(f"{url}?item={item_pk}" if item_pk.isdigit() else url)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _item_pk(request: HttpRequest) -> int | None:
    raw = request.GET.get("item", "")
    return int(raw) if raw.isdigit() else None


def _mode_page(
    request: HttpRequest,
    meeting: OpenClassMeeting,
    screen: ModeScreen,
    *,
    point_form: PointForm | None = None,
    tips_form: TipsForm | None = None,
    agreements=None,
    status: int = 200,
) -> HttpResponse:
    context = {"meeting": meeting, "screen": screen, "point_form": point_form or PointForm()}
    if meeting.status == OpenClassMeeting.Status.PREPARING:
        context["blocker"] = previous_agreements_blocker(meeting)
    shown = screen.shown
    prepared = shown.prepared if shown is not None else None
    if prepared is not None:
        own = roles_of(request.user).student
        if own is None or own.pk != prepared.student_id:  # someone else's input: the staff's read is logged
            audit_record(
                request_or_actor=request,
                action=AuditEvent.Action.READ,
                kind=AuditEvent.Kind.PREPARED_INPUT,
                obj=prepared,
                summary=gettext_noop("Student's prepared input read in the class meeting"),
            )
        context["answers"] = [
            {
                "label": capfirst(PreparedInput._meta.get_field(name).verbose_name),
                "text": getattr(shown.prepared, name),
            }
            for name in PROMPT_FIELDS
        ]
    if (
        shown is not None
        and screen.can_keep_minutes
        and shown.item.status == MeetingItem.Status.OPEN
        and not shown.has_decision
    ):
        context["tips_form"] = tips_form or TipsForm()
        context["agreements"] = agreements or agreement_formset(meeting)
    return render(request, "classmeetings/mode.html", context, status=status)


# --- the shared screen ------------------------------------------------------------------------------------------


@require_GET
def mode(request: HttpRequest, pk: int) -> HttpResponse:
    """The shared screen: agenda, timer, the item's input, queue, balance, notes and decision."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    screen = mode_screen(meeting, request.user, item_pk=_item_pk(request))
    if request.htmx:
        return render(request, MODE_LIVE, {"meeting": meeting, "screen": screen})
    return _mode_page(request, meeting, screen)


@require_POST
def meeting_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start: refused with the reason while last time's agreements are open (the page links to checking them)."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    if not policies.can_chair(request.user, meeting):
        raise PermissionDenied
    try:
        services.meeting_start(meeting=meeting, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The meeting has started. Open the first item when everyone is ready."))
    return redirect("classmeetings:mode", pk=meeting.pk)


@require_POST
def meeting_close(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policies.meeting_get_for_user(request.user, pk)
    if not policies.can_keep_minutes(request.user, meeting):
        raise PermissionDenied
    try:
        services.meeting_close(meeting=meeting, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The meeting is closed. Everything that was written down can now only be read."))
    return redirect("classmeetings:mode", pk=meeting.pk)


def _chair_item_action(request: HttpRequest, pk: int, item_pk: int, action, done: str) -> HttpResponse:
    meeting = policies.meeting_get_for_user(request.user, pk)
    item = _item(meeting, item_pk)
    if not policies.can_chair(request.user, meeting):
        raise PermissionDenied
    try:
        action(item=item, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(_mode_url(meeting, item))
    messages.success(request, done % {"student": item.student.full_name})
    return redirect(_mode_url(meeting) if action is services.item_close else _mode_url(meeting, item))


@require_POST
def item_open(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    return _chair_item_action(
        request, pk, item_pk, services.item_open, _("The item of %(student)s is open: the student begins.")
    )


@require_POST
def item_close(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    return _chair_item_action(request, pk, item_pk, services.item_close, _("The item of %(student)s is closed."))


@require_POST
def item_point(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Note a positive point or a point to work on (the chairs). htmx: the form again, and the live part."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    item = _item(meeting, item_pk)
    if not policies.can_chair(request.user, meeting):
        raise PermissionDenied
    form = PointForm(request.POST)
    if form.is_valid():
        try:
            services.point_note(
                item=item, actor=request.user, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict") and not request.htmx:  # the item is not discussed (any more)
                messages.error(request, _error_text(error))
                return redirect(_mode_url(meeting, item))
            add_service_errors(form, error)
    if form.errors:
        if request.htmx:
            context = {"meeting": meeting, "item": item, "point_form": form}
            return render(request, POINT_FORM, context, status=422)
        screen = mode_screen(meeting, request.user, item_pk=item.pk)
        return _mode_page(request, meeting, screen, point_form=form, status=422)
    if request.htmx:
        screen = mode_screen(meeting, request.user, item_pk=item.pk)
        context = {"meeting": meeting, "item": item, "point_form": PointForm(), "screen": screen, "oob": True}
        return render(request, POINT_FORM, context)
    messages.success(request, _("The point is noted."))
    return redirect(_mode_url(meeting, item) + "#points")


@require_POST
def item_notes(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Save the item's notes (the staff chairs): htmx while typing (a short "saved" note), or the Save button."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    item = _item(meeting, item_pk)
    if not policies.can_keep_minutes(request.user, meeting):
        raise PermissionDenied
    error = None
    try:
        services.item_notes_save(item=item, actor=request.user, notes=request.POST.get("notes", ""))
    except ValidationError as exc:
        error = _error_text(exc)
    if request.htmx:
        context = {"error": error, "saved_at": timezone.localtime()}
        return render(request, NOTES_STATE, context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The notes are saved."))
    return redirect(_mode_url(meeting, item) + "#notes")


@require_POST
def item_decision(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Record the item's decision: tips and agreement rows (the staff chairs). Nothing is written on an error."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    item = _item(meeting, item_pk)
    if not policies.can_keep_minutes(request.user, meeting):
        raise PermissionDenied
    tips_form = TipsForm(request.POST)
    agreements = agreement_formset(meeting, request.POST)
    if tips_form.is_valid() and agreements.is_valid():
        try:
            services.decision_record(
                item=item,
                actor=request.user,
                tips=tips_form.cleaned_data["tips"],
                agreements=agreements.agreements(),
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, _error_text(error))
                return redirect(_mode_url(meeting, item))
            add_service_errors(tips_form, error)
        else:
            messages.success(
                request,
                _("The decision about %(student)s is written down. Close the item when the class is done.")
                % {"student": item.student.full_name},
            )
            return redirect(_mode_url(meeting, item) + "#decision")
    screen = mode_screen(meeting, request.user, item_pk=item.pk)
    return _mode_page(request, meeting, screen, tips_form=tips_form, agreements=agreements, status=422)


# --- the speaker queue ------------------------------------------------------------------------------------------


def _floor_answer(request: HttpRequest, meeting: OpenClassMeeting) -> HttpResponse:
    """htmx from one's own device: the page's live part again; otherwise back to where the form was."""
    if request.htmx and request.POST.get("next") == "floor":
        return render(request, FLOOR_LIVE, {"meeting": meeting, "screen": floor_screen(meeting, request.user)})
    if request.htmx:
        screen = mode_screen(meeting, request.user, item_pk=_posted_item_pk(request))
        return render(request, MODE_LIVE, {"meeting": meeting, "screen": screen})
    return _back(request, meeting)


def _posted_item_pk(request: HttpRequest) -> int | None:
    raw = request.POST.get("item", "")
    return int(raw) if raw.isdigit() else None


def _floor_action(http: HttpRequest, meeting: OpenClassMeeting, action, done: str, **kwargs) -> HttpResponse:
    try:
        action(actor=http.user, **kwargs)
    except ValidationError as error:
        messages.error(http, _error_text(error))
    else:
        if not http.htmx:
            messages.success(http, done)
    return _floor_answer(http, meeting)


@require_POST
def floor_request(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Ask for the floor on the item under discussion (who takes part)."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    item = _item(meeting, item_pk)
    if not policies.can_take_part(request.user, meeting):
        raise PermissionDenied
    return _floor_action(
        request, meeting, services.floor_request, _("You are in the queue. The chair gives you the floor."), item=item
    )


@require_POST
def floor_withdraw(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    meeting = policies.meeting_get_for_user(request.user, pk)
    floor = _floor_request(meeting, request_pk)
    if floor.user_id != request.user.pk:
        raise PermissionDenied
    return _floor_action(request, meeting, services.floor_withdraw, _("You are out of the queue."), request=floor)


@require_POST
def floor_grant(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    meeting = policies.meeting_get_for_user(request.user, pk)
    floor = _floor_request(meeting, request_pk)
    if not policies.can_chair(request.user, meeting):
        raise PermissionDenied
    return _floor_action(request, meeting, services.floor_grant, _("The floor is given."), request=floor)


@require_POST
def floor_done(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    """The speaker is done: said by the speaker or by a chair."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    floor = _floor_request(meeting, request_pk)
    if floor.user_id != request.user.pk and not policies.can_chair(request.user, meeting):
        raise PermissionDenied
    return _floor_action(request, meeting, services.floor_done, _("The speaker is done."), request=floor)


# --- a participant's own device ---------------------------------------------------------------------------------


@require_GET
def floor(request: HttpRequest, pk: int) -> HttpResponse:
    """One's own device: whose item it is, "ask for the floor", one's place in the queue, one's own item."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    screen = floor_screen(meeting, request.user)
    template = FLOOR_LIVE if request.htmx else "classmeetings/mode_floor.html"
    return render(request, template, {"meeting": meeting, "screen": screen})


urlpatterns = [
    path("<int:pk>/start/", meeting_start, name="start"),
    path("<int:pk>/close/", meeting_close, name="close"),
    path("<int:pk>/mode/", mode, name="mode"),
    path("<int:pk>/floor/", floor, name="floor"),
    path("<int:pk>/floor/<int:request_pk>/withdraw/", floor_withdraw, name="floor_withdraw"),
    path("<int:pk>/floor/<int:request_pk>/grant/", floor_grant, name="floor_grant"),
    path("<int:pk>/floor/<int:request_pk>/done/", floor_done, name="floor_done"),
    path("<int:pk>/items/<int:item_pk>/open/", item_open, name="item_open"),
    path("<int:pk>/items/<int:item_pk>/close/", item_close, name="item_close"),
    path("<int:pk>/items/<int:item_pk>/points/", item_point, name="item_point"),
    path("<int:pk>/items/<int:item_pk>/notes/", item_notes, name="item_notes"),
    path("<int:pk>/items/<int:item_pk>/decision/", item_decision, name="item_decision"),
    path("<int:pk>/items/<int:item_pk>/floor/", floor_request, name="floor_request"),
]
