"""The student's reflection and goals, and the mentor's view of them (issue 5, step 4).

Thin: policy → selector or service → render.

- The student's own page (`reflection`) serves the page, the autosave (htmx: a small
  status fragment with the new version, 200 saved / 422 invalid / 409 saved elsewhere
  meanwhile / 403 not allowed) and the plain "save draft" form post (post/redirect/get, or
  the page with the errors) from one URL. Only students reach it (404 for everyone else),
  and only for a round published to their department (404 before that).
- The mentor's class list (`reflections`) and one submitted reflection (`reflection_view`)
  are for those who follow the student; a draft is the student's own (404 for staff).
  Commenting and reopening are the mentor's (403 for the team leader and the admin).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent
from audit.services import audit_record
from reviews import policies as review_policies
from reviews.models import ReviewCycle
from reviews.policies import cycle_get_for_user
from school.models import Student
from school.policies import roles_of

from .. import policies
from ..forms_reflection import CommentForm, ReflectionForm, errors_id
from ..models import Reflection
from ..selectors import reflection as selectors
from ..selectors.reflection import GOAL_FIELDS, REFLECTION_FIELDS, goal_positions
from ..services import reflection as services
from ..services.reflection import ReflectionConflict, goal_field_name

PAGE_TEMPLATE = "mentoring/reflection/student.html"
STATUS_TEMPLATE = "mentoring/reflection/partials/save_status.html"
VIEW_TEMPLATE = "mentoring/reflection/view.html"


# --- the student's own reflection ---------------------------------------------------------------------


def _own_cycle(request: HttpRequest, cycle_pk: int) -> tuple[ReviewCycle, Student]:
    """The user's own student record and a round published to their department: 404 for anyone else."""
    roles = roles_of(request.user)
    if roles.student is None:
        raise Http404  # staff and guardians: this page is the student's own
    student = policies.portal_student_get_for_user(request.user, roles.student.pk)
    cycle = get_object_or_404(policies.published_cycles_for(student).select_related("period"), pk=cycle_pk)
    return cycle, student


def _is_submitted_error(error: ValidationError) -> bool:
    """The service's refusal to change a submitted reflection (not a mistake in what was typed)."""
    return not hasattr(error, "error_dict") and error.code == "submitted"


def _field_names() -> list[str]:
    return [*REFLECTION_FIELDS, *(goal_field_name(p, name) for p in goal_positions() for name in GOAL_FIELDS)]


def _page(
    request: HttpRequest,
    cycle: ReviewCycle,
    student: Student,
    *,
    form: ReflectionForm | None = None,
    conflict: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.reflection_page(cycle=cycle, student=student)
    can_write = policies.can_write_reflection(request.user, cycle, student)
    editable = can_write and not page.is_submitted
    if editable and form is None:
        form = ReflectionForm(initial=ReflectionForm.initial_from(page.reflection, page.goals, version=page.version))
    return render(
        request,
        PAGE_TEMPLATE,
        {
            "cycle": cycle,
            "student": student,
            "page": page,
            "reflection": page.reflection,
            "answers": selectors.reflection_answers(page.reflection),
            "editable": editable,
            "form": form if editable else None,
            "closed": cycle.is_closed,
            "conflict": conflict,
        },
        status=status,
    )


def _status(request: HttpRequest, *, state: str, status: int = 200, **context) -> HttpResponse:
    """The autosave's answer: the status line, and (out of band) the version and each field's errors."""
    return render(request, STATUS_TEMPLATE, {"state": state, **context}, status=status)


def _status_errors(form: ReflectionForm) -> list[dict]:
    """Every field's errors (most of them none), so the answer also clears what was fixed."""
    return [
        {"id": errors_id(name), "field_id": form[name].id_for_label, "errors": list(form.errors.get(name, []))}
        for name in _field_names()
    ]


def _conflict_details(form: ReflectionForm, conflict: ReflectionConflict) -> dict:
    """What the newer version holds where it differs from what the student typed."""
    current = conflict.current
    sent = form.sent_values()
    answers = [
        {"label": form.fields[name].label, "text": getattr(current, name)}
        for name in REFLECTION_FIELDS
        if name in sent and getattr(current, name) != services.clean_reflection_values({name: sent[name]})[0][name]
    ]
    sent_goals = form.sent_goals()
    goals_differ = sent_goals is not None and services.clean_goals(sent_goals)[0] != conflict.goals
    return {
        "answers": answers,
        "goals": conflict.goals if goals_differ else [],
        "saved_at": current.updated_at,
        "version": current.version,
    }


@require_http_methods(["GET", "POST"])
def reflection(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    """The student's reflection: six prompts next to their teachers' feedback, and one to three goals."""
    cycle, student = _own_cycle(request, cycle_pk)
    if request.method == "GET":
        return _page(request, cycle, student)

    # A closed round: the service refuses (PermissionDenied, 403); every autosave asks it once.
    form = ReflectionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()  # only the version can be wrong: not something a student typed
    try:
        saved = services.reflection_save(
            cycle=cycle,
            student=student,
            actor=request.user,
            values=form.sent_values(),
            goals=form.sent_goals(),
            version=form.cleaned_data["version"],
        )
    except ReflectionConflict as conflict:
        return _conflict_answer(request, cycle, student, form, conflict)
    except ValidationError as error:
        if _is_submitted_error(error):
            if request.htmx:
                return _status(request, state="submitted", status=422, message=error.messages[0])
            messages.error(request, error.messages[0])
            return redirect("mentoring:reflection", cycle_pk=cycle.pk)
        form.add_service_errors(error)
        if request.htmx:
            return _status(
                request,
                state="invalid",
                status=422,
                field_errors=_status_errors(form),
                non_field_errors=list(form.non_field_errors()),
            )
        return _page(request, cycle, student, form=form, status=422)

    if request.htmx:
        return _status(request, state="saved", reflection=saved, field_errors=_status_errors(form))
    messages.success(request, _("Your draft is saved. You can go on later, or submit it to your mentor."))
    return redirect("mentoring:reflection", cycle_pk=cycle.pk)


def _conflict_answer(
    request: HttpRequest, cycle: ReviewCycle, student: Student, form: ReflectionForm, conflict: ReflectionConflict
) -> HttpResponse:
    """Saved elsewhere meanwhile: nothing was written. Show the newer text.

    htmx: ask to reload. A plain form: the page with what the student typed, now carrying the
    newer version, so saving again is a deliberate choice to replace the newer text.
    """
    details = _conflict_details(form, conflict)
    if request.htmx:
        return _status(request, state="conflict", status=409, conflict=details)
    data = request.POST.copy()
    data["version"] = str(conflict.current.version)
    retyped = ReflectionForm(data)
    retyped.is_valid()
    return _page(request, cycle, student, form=retyped, conflict=details, status=409)


@require_POST
def reflection_submit(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    """Submit to the mentor. What the form holds is saved first, so nothing typed is lost on the way."""
    cycle, student = _own_cycle(request, cycle_pk)
    if not policies.can_write_reflection(request.user, cycle, student):
        raise PermissionDenied
    form = None
    saved = None
    if "version" in request.POST:
        form = ReflectionForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest()
        try:
            saved = services.reflection_save(
                cycle=cycle,
                student=student,
                actor=request.user,
                values=form.sent_values(),
                goals=form.sent_goals(),
                version=form.cleaned_data["version"],
            )
        except ReflectionConflict as conflict:
            return _conflict_answer(request, cycle, student, form, conflict)
        except ValidationError as error:
            if _is_submitted_error(error):
                messages.info(request, _("Your reflection was already submitted to your mentor."))
                return redirect("mentoring:reflection", cycle_pk=cycle.pk)
            form.add_service_errors(error)
            return _page(request, cycle, student, form=form, status=422)

    current = (
        saved or Reflection.objects.filter(cycle=cycle, student=student).select_related("cycle", "student").first()
    )
    if current is not None and current.is_submitted:
        messages.info(request, _("Your reflection was already submitted to your mentor."))
        return redirect("mentoring:reflection", cycle_pk=cycle.pk)
    try:
        if current is None:
            raise services.incomplete_error(services.reflection_missing(None))
        services.reflection_submit(reflection=current, actor=request.user)
    except ValidationError as error:
        form = _bound_form(request, form, current)
        form.add_service_errors(error)
        return _page(request, cycle, student, form=form, status=422)
    _audit(request, AuditEvent.Action.UPDATE, current, gettext_noop("Reflection submitted to the mentor"))
    messages.success(
        request, _("Your reflection and goals are with your mentor now. You talk about them in the mentor talk.")
    )
    return redirect("mentoring:reflection", cycle_pk=cycle.pk)


def _bound_form(request: HttpRequest, form: ReflectionForm | None, current: Reflection | None) -> ReflectionForm:
    """The form to show a submit's errors on: what was posted (with the version just saved), or what is stored."""
    version = current.version if current is not None else 0
    if form is not None:
        data = request.POST.copy()
        data["version"] = str(version)
    else:
        goals = list(current.goals.order_by("position")) if current is not None else []
        data = {
            key: "" if value is None else str(value)
            for key, value in ReflectionForm.initial_from(current, goals, version=version).items()
        }
    bound = ReflectionForm(data)
    bound.is_valid()
    return bound


# --- the mentor's side -----------------------------------------------------------------------------------


@require_GET
def reflections(request: HttpRequest, cycle_pk: int, class_pk: int) -> HttpResponse:
    """The class's reflections: per student not started, draft or submitted (when), goals, and a link to read it."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    class_group = policies.class_group_followed_get_for_user(request.user, class_pk)
    if not review_policies.cycle_covers_class_group(cycle, class_group):
        raise Http404
    return render(
        request,
        "mentoring/reflection/class_list.html",
        {
            "cycle": cycle,
            "class_group": class_group,
            "listing": selectors.class_reflections(cycle=cycle, class_group=class_group),
        },
    )


def _audit(request: HttpRequest, action: str, reflection: Reflection, summary: str) -> None:
    audit_record(
        request_or_actor=request, action=action, kind=AuditEvent.Kind.REFLECTION, obj=reflection, summary=summary
    )


def _view_page(
    request: HttpRequest, reflection: Reflection, *, form: CommentForm | None = None, status: int = 200
) -> HttpResponse:
    _audit(request, AuditEvent.Action.READ, reflection, gettext_noop("Student's reflection read by staff"))
    can_comment = policies.can_comment_reflection(request.user, reflection)
    if can_comment and form is None:
        form = CommentForm(initial={"comment": reflection.mentor_comment})
    return render(
        request,
        VIEW_TEMPLATE,
        {
            "reflection": reflection,
            "cycle": reflection.cycle,
            "student": reflection.student,
            "answers": selectors.reflection_answers(reflection),
            "goals": list(reflection.goals.order_by("position")),
            "agreements": selectors.last_agreements(cycle=reflection.cycle, student=reflection.student),
            "can_comment": can_comment,
            "can_reopen": policies.can_reopen_reflection(request.user, reflection),
            "form": form if can_comment else None,
        },
        status=status,
    )


def _followed_reflection(request: HttpRequest, pk: int) -> Reflection:
    """A submitted reflection the user follows; 404 for a draft (the student's own) and out of scope."""
    reflection = policies.reflection_get_for_user(request.user, pk)
    if not reflection.is_submitted:
        raise Http404
    return reflection


@require_GET
def reflection_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A submitted reflection with its goals, for the student's mentor, team leader and school-wide roles."""
    reflection = policies.reflection_get_for_user(request.user, pk)
    roles = roles_of(request.user)
    if roles.student is not None and roles.student.pk == reflection.student_id:
        return redirect("mentoring:reflection", cycle_pk=reflection.cycle_id)  # the student's own page
    if not reflection.is_submitted:
        raise Http404
    return _view_page(request, reflection)


@require_POST
def reflection_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """The mentor's comment (empty removes it): 403 for those who read the reflection but are not its mentor."""
    reflection = _followed_reflection(request, pk)
    if not policies.can_comment_reflection(request.user, reflection):
        raise PermissionDenied
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        saved = services.reflection_comment(
            reflection=reflection, actor=request.user, text=form.cleaned_data.get("comment", "")
        )
    except ValidationError as error:
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return _view_page(request, reflection, form=form, status=422)
    _audit(request, AuditEvent.Action.UPDATE, reflection, gettext_noop("Mentor's comment on a reflection saved"))
    if saved.mentor_comment:
        messages.success(
            request,
            _("Your comment is saved. %(name)s reads it with their reflection.")
            % {"name": reflection.student.first_name},
        )
    else:
        messages.info(request, _("Your comment is removed."))
    return redirect("mentoring:reflection_view", pk=reflection.pk)


@require_POST
def reflection_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """The mentor opens a submitted reflection again, so the student can change it and submit it again."""
    reflection = _followed_reflection(request, pk)
    if not policies.can_reopen_reflection(request.user, reflection):
        raise PermissionDenied
    services.reflection_reopen(reflection=reflection, actor=request.user)
    _audit(request, AuditEvent.Action.UPDATE, reflection, gettext_noop("Reflection reopened for the student"))
    messages.success(
        request,
        _("The reflection of %(name)s is open again: they can change it and submit it again.")
        % {"name": reflection.student.full_name},
    )
    class_group_id = reflection.student.class_group_id
    if class_group_id is None:
        return redirect("home")
    return redirect("mentoring:reflections", cycle_pk=reflection.cycle_id, class_pk=class_group_id)


urlpatterns = [
    path("my/cycles/<int:cycle_pk>/reflection/", reflection, name="reflection"),
    path("my/cycles/<int:cycle_pk>/reflection/submit/", reflection_submit, name="reflection_submit"),
    path("cycles/<int:cycle_pk>/classes/<int:class_pk>/reflections/", reflections, name="reflections"),
    path("reflections/<int:pk>/", reflection_view, name="reflection_view"),
    path("reflections/<int:pk>/comment/", reflection_comment, name="reflection_comment"),
    path("reflections/<int:pk>/reopen/", reflection_reopen, name="reflection_reopen"),
]
