"""The preparation screens of the open class meeting (DESIGN §1.2): list, new meeting, programme, prepared input.

Thin: policy → selector or service → render. Access comes from classmeetings.policies:

- `list`: the meetings the user may follow (`meetings_visible_to`); a "new meeting" button for
  each class the user may chair (`can_create_meeting`).
- `create`: a class of another school is 404; a class of the user's school they may not chair is 403.
- `detail`, `excuse`, `input`: a meeting the user may not follow is 404 (`meeting_get_for_user`).
  Excusing is the invited student's own, while the meeting is prepared (403 otherwise).
  The prepared input page is a student's own: 404 for anyone who is not a student, 403 for a
  student who may not write it (excused, or the meeting closed).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from school.forms import add_service_errors
from school.policies import roles_of

from .. import policies, selectors
from ..forms_preparation import MeetingForm, PreparedInputForm
from ..models import PreparedInput
from ..services import preparation as services
from ..services.preparation import PROMPT_FIELDS, PreparedInputConflict


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = policies.meetings_visible_to(request.user).select_related("class_group").order_by("-starts_at", "-pk")
    return render(
        request,
        "classmeetings/list.html",
        {"meetings": meetings, "chairable_classes": policies.classes_chairable_by(request.user).order_by("name")},
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, class_pk: int) -> HttpResponse:
    class_group = policies.class_group_get_for_user(request.user, class_pk)
    if not policies.can_create_meeting(request.user, class_group):
        raise PermissionDenied
    form = MeetingForm(request.POST or None, class_group=class_group)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(class_group=class_group, actor=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting is planned and every student of the class is invited."))
            return redirect("classmeetings:detail", pk=meeting.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "classmeetings/create.html", {"form": form, "class_group": class_group}, status=status)


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policies.meeting_get_for_user(request.user, pk)
    place = selectors.own_place(meeting, roles_of(request.user).student)
    own_row = place.row if place else None
    return render(
        request,
        "classmeetings/detail.html",
        {
            "meeting": meeting,
            "agenda": selectors.agenda(meeting),
            "extra_teachers": meeting.extra_teachers.select_related("user").order_by("user__last_name", "pk"),
            "can_chair": policies.can_chair(request.user, meeting),
            "can_read_minutes": policies.is_staff_participant(request.user, meeting),
            "can_appoint_representative": policies.can_appoint_representative(request.user, meeting.class_group),
            "own_row": own_row,
            "can_excuse": own_row is not None and policies.can_excuse(request.user, meeting, own_row.student),
            "can_write_input": own_row is not None
            and policies.can_write_prepared_input(request.user, meeting, own_row.student),
            "own_input": place.prepared if place else None,
        },
    )


@require_POST
def meeting_excuse(request: HttpRequest, pk: int) -> HttpResponse:
    """ "I can't come" (excused=1) or "I can come after all" (excused=0); no reason is asked."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    excused = request.POST.get("excused", "1") != "0"
    try:
        services.meeting_excuse(meeting=meeting, actor=request.user, excused=excused)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if excused:
            messages.success(request, _("You are on the list of students who cannot come."))
        else:
            messages.success(request, _("You are expected at the meeting again."))
    return redirect("classmeetings:detail", pk=meeting.pk)


def _input_page(request, meeting, prepared, *, form=None, conflict=None, status=200) -> HttpResponse:
    editable = not prepared.is_submitted
    if editable and form is None:
        form = PreparedInputForm(initial=PreparedInputForm.initial_from(prepared))
    answers = [
        {"label": PreparedInputForm().fields[name].label, "text": getattr(prepared, name)} for name in PROMPT_FIELDS
    ]
    return render(
        request,
        "classmeetings/input.html",
        {
            "meeting": meeting,
            "prepared": prepared,
            "form": form if editable else None,
            "answers": answers,
            "conflict": conflict,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def prepared_input(request: HttpRequest, pk: int) -> HttpResponse:
    """The student's own written input with the guide's prompts: save a draft, or hand it in."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    student = roles_of(request.user).student
    if student is None:
        raise Http404  # staff, guardians: this page is a student's own
    prepared = services.prepared_input_get_or_start(meeting=meeting, actor=request.user)  # 403 if not theirs
    if request.method == "GET":
        return _input_page(request, meeting, prepared)

    form = PreparedInputForm(request.POST)
    if not form.is_valid():
        return _input_page(request, meeting, prepared, form=form, status=422)
    try:
        prepared = services.prepared_input_save(
            meeting=meeting, actor=request.user, values=form.sent_values(), version=form.cleaned_data["version"]
        )
        if request.POST.get("action") == "submit":
            prepared = services.prepared_input_submit(meeting=meeting, actor=request.user)
    except PreparedInputConflict as conflict:
        data = request.POST.copy()
        data["version"] = str(conflict.current.version)
        retyped = PreparedInputForm(data)
        retyped.is_valid()
        return _input_page(request, meeting, conflict.current, form=retyped, conflict=conflict.current, status=409)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            messages.error(request, error.messages[0])
            return redirect("classmeetings:input", pk=meeting.pk)
        add_service_errors(form, error)
        current = PreparedInput.objects.get(pk=prepared.pk)
        return _input_page(request, meeting, current, form=form, status=422)
    if prepared.is_submitted:
        messages.success(request, _("Your input is handed in. It opens your item at the meeting."))
    else:
        messages.success(request, _("Your draft is saved. You can go on later."))
    return redirect("classmeetings:input", pk=meeting.pk)


urlpatterns = [
    path("", meeting_list, name="list"),
    path("new/<int:class_pk>/", meeting_create, name="create"),
    path("<int:pk>/", meeting_detail, name="detail"),
    path("<int:pk>/excuse/", meeting_excuse, name="excuse"),
    path("<int:pk>/input/", prepared_input, name="input"),
]
