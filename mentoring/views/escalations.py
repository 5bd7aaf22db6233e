"""The student page, and escalations: the mentor raises one, the team leader triages and handles it.

Thin: policy → selector or service → render. Out of scope is 404 (a student the user does not
follow, another department's escalations); visible but not allowed is 403 (the admin pressing
"accept", a team leader raising an escalation about someone else's mentee). The team leader's
actions serve htmx (the escalation's card comes back, with a note in the live region) and plain
forms (post/redirect/get to the triage list) from one URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent
from audit.services import audit_record
from reviews.models import ReviewCycle
from reviews.policies import cycle_get_for_user, cycle_students
from reviews.selectors import light_scheme_for
from school.forms import add_service_errors
from school.models import Student
from school.web import safe_next_url

from .. import policies
from ..forms_escalations import EscalationAcceptForm, EscalationForm, EscalationMergeForm, EscalationReturnForm
from ..models import Escalation, MentorReview
from ..selectors import escalations as selectors
from ..selectors.evidence import student_evidence
from ..selectors.student import student_page
from ..services import escalations as services

CARD_TEMPLATE = "mentoring/escalations/partials/triage_card.html"


def _student_in_cycle(request: HttpRequest, cycle_pk: int, student_pk: int) -> tuple[ReviewCycle, Student]:
    """A round and a student the user follows in it: 404 when either is out of reach or the student is not in it."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    student = policies.followed_student_get_for_user(request.user, student_pk)
    if not cycle_students(cycle).filter(pk=student.pk).exists():
        raise Http404
    return cycle, student


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_error_text(form: Form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


def _audit(request: HttpRequest, action: str, escalation: Escalation, summary: str) -> None:
    audit_record(
        request_or_actor=request, action=action, kind=AuditEvent.Kind.ESCALATION, obj=escalation, summary=summary
    )


# --- the student page --------------------------------------------------------------------------------


@require_GET
def student(request: HttpRequest, cycle_pk: int, student_pk: int) -> HttpResponse:
    """Everything about one student in a round: for their mentor, the team leaders, the admin and care coordinator."""
    cycle, student = _student_in_cycle(request, cycle_pk, student_pk)
    page = student_page(cycle=cycle, student=student)
    # Staff only reach this page (the student and guardians have the portal): every look is a read.
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.STUDENT_PAGE,
        student=student,
        summary=gettext_noop("Student's page in a round read"),
    )
    department_id = student.class_group.department_id if student.class_group else None
    # The student is in the cycle, so their department is one of the cycle's: its triage list exists.
    can_triage = (
        department_id is not None and policies.departments_overseen_by(request.user).filter(pk=department_id).exists()
    )
    return render(
        request,
        "mentoring/student/page.html",
        {
            "cycle": cycle,
            "student": student,
            "page": page,
            "can_mentor": policies.can_mentor_in_cycle(request.user, cycle, student),
            "student_url": request.get_full_path(),
            "verdict_choices": MentorReview.Verdict.choices,
            "can_triage": can_triage,
        },
    )


# --- raising an escalation -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def escalation_create(request: HttpRequest, cycle_pk: int, student_pk: int) -> HttpResponse:
    """The mentor's form: category, question, proposal, the student's view; the evidence it will carry."""
    cycle, student = _student_in_cycle(request, cycle_pk, student_pk)
    if not policies.can_mentor_in_cycle(request.user, cycle, student):
        raise PermissionDenied  # they follow the student (a team leader, the admin) but are not the mentor
    form = EscalationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            raised = services.escalation_create(
                cycle=cycle,
                student=student,
                actor=request.user,
                category=data["category"],
                question=data["question"],
                proposal=data["proposal"],
                student_view=data["student_view"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _audit(request, AuditEvent.Action.CREATE, raised, gettext_noop("Escalation raised"))
            messages.success(
                request,
                _("Your question about %(name)s is with the team leader now. You will see the answer here.")
                % {"name": student.full_name},
            )
            return redirect(reverse("mentoring:student", args=[cycle.pk, student.pk]) + "#escalations")
    if request.method == "GET":
        # The form shows the student's lights as evidence and their open escalations: a read, once per page
        # load (a form sent back with its errors is the same look, not a new one).
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.READ,
            kind=AuditEvent.Kind.ESCALATION,
            student=student,
            summary=gettext_noop("Escalation form read, with the student's lights as evidence"),
        )
    open_escalations = Escalation.objects.filter(
        cycle=cycle, student=student, status__in=selectors.OPEN_STATUSES
    ).order_by("raised_at", "pk")
    return render(
        request,
        "mentoring/escalations/create.html",
        {
            "cycle": cycle,
            "student": student,
            "form": form,
            "evidence": student_evidence(cycle=cycle, student=student),
            "scheme": light_scheme_for(cycle.school_id),
            "open_escalations": open_escalations,
        },
    )


# --- the team leader's triage list and one escalation's page --------------------------------------------


@require_GET
def escalations(request: HttpRequest, cycle_pk: int, department_pk: int) -> HttpResponse:
    """The triage list of one department in one round: pending first."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    department = policies.department_overseen_get_for_user(request.user, department_pk)
    if not cycle.departments.filter(pk=department.pk).exists():
        raise Http404
    # The list shows every escalation's question and proposal: a read of them, one event per page load.
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.ESCALATION,
        obj=department,
        summary=gettext_noop("A department's escalations list read"),
    )
    return render(
        request,
        "mentoring/escalations/triage.html",
        {
            "cycle": cycle,
            "department": department,
            "triage": selectors.escalations_for_triage(cycle=cycle, department=department),
            "can_handle": not cycle.is_closed and policies.can_lead_department(request.user, department),
        },
    )


@require_GET
def escalation(request: HttpRequest, pk: int) -> HttpResponse:
    """One escalation: the question, the proposal, the evidence as it was, and the team leader's actions."""
    escalation = policies.escalation_get_for_user(request.user, pk)
    _audit(request, AuditEvent.Action.READ, escalation, gettext_noop("Escalation read"))
    row = selectors.triage_row(escalation)
    can_handle = policies.can_handle_escalation(request.user, escalation)
    return render(
        request,
        "mentoring/escalations/detail.html",
        {
            "escalation": row.escalation,
            "row": row,
            "can_handle": can_handle,
            "merged_here": list(row.escalation.merged.select_related("raised_by").order_by("raised_at", "pk")),
            "can_follow": policies.can_follow_student(request.user, row.escalation.student),
            "can_triage": policies.departments_overseen_by(request.user).filter(pk=escalation.department_id).exists(),
        },
    )


@require_GET
def escalations_mine(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    """The mentor's own list: every escalation about their mentees in the round, with status and answer."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    if not policies.can_list_own_escalations(request.user):
        raise PermissionDenied
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.ESCALATION,
        summary=gettext_noop("A mentor's own escalations list read"),
    )
    return render(
        request,
        "mentoring/escalations/mine.html",
        {"cycle": cycle, "escalations": selectors.escalations_of_mentor(cycle=cycle, user=request.user)},
    )


# --- the team leader's actions ------------------------------------------------------------------------------


def _handled(request: HttpRequest, pk: int) -> Escalation:
    """An escalation the user may handle: 404 when they cannot see it, 403 when they see it but do not handle it."""
    escalation = policies.escalation_get_for_user(request.user, pk)
    if not policies.can_handle_escalation(request.user, escalation):
        raise PermissionDenied
    return escalation


def _answer(request: HttpRequest, escalation: Escalation, *, text: str, ok: bool) -> HttpResponse:
    """htmx: the escalation's fresh card, with the note in the live region. Plain: back to where the form was."""
    if request.htmx:
        row = selectors.triage_row(escalation)
        return render(
            request,
            CARD_TEMPLATE,
            {
                "row": row,
                "can_handle": policies.can_handle_escalation(request.user, row.escalation),
                "note": text,
                "note_level": "success" if ok else "error",
                "oob": True,
            },
        )
    (messages.success if ok else messages.error)(request, text)
    target = safe_next_url(request)
    if not target:
        target = reverse("mentoring:escalations", args=[escalation.cycle_id, escalation.department_id])
        target += f"#escalation-{escalation.pk}"
    return redirect(target)


@require_POST
def escalation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _handled(request, pk)
    form = EscalationAcceptForm(request.POST)
    if not form.is_valid():
        return _answer(request, escalation, text=_form_error_text(form), ok=False)
    try:
        escalation = services.escalation_accept(
            escalation=escalation, actor=request.user, timebox_minutes=form.cleaned_data["timebox_minutes"] or 10
        )
    except ValidationError as error:
        return _answer(request, escalation, text=_error_text(error), ok=False)
    _audit(request, AuditEvent.Action.UPDATE, escalation, gettext_noop("Escalation accepted onto the agenda"))
    return _answer(
        request,
        escalation,
        text=_("%(name)s is on the agenda of the department meeting.") % {"name": escalation.student.full_name},
        ok=True,
    )


@require_POST
def escalation_return(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _handled(request, pk)
    form = EscalationReturnForm(request.POST)
    if not form.is_valid():
        return _answer(request, escalation, text=_form_error_text(form), ok=False)
    try:
        escalation = services.escalation_return(
            escalation=escalation, actor=request.user, response=form.cleaned_data["response"]
        )
    except ValidationError as error:
        return _answer(request, escalation, text=_error_text(error), ok=False)
    _audit(request, AuditEvent.Action.UPDATE, escalation, gettext_noop("Escalation returned to the mentor"))
    return _answer(
        request,
        escalation,
        text=_("Your answer about %(name)s has gone back to the mentor.") % {"name": escalation.student.full_name},
        ok=True,
    )


@require_POST
def escalation_merge(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _handled(request, pk)
    form = EscalationMergeForm(
        request.POST,
        candidates=policies.escalations_visible_to(request.user).filter(cycle_id=escalation.cycle_id),
    )
    if not form.is_valid():
        return _answer(request, escalation, text=_form_error_text(form), ok=False)
    try:
        escalation = services.escalation_merge(
            escalation=escalation, into=form.cleaned_data["into"], actor=request.user
        )
    except ValidationError as error:
        return _answer(request, escalation, text=_error_text(error), ok=False)
    _audit(request, AuditEvent.Action.UPDATE, escalation, gettext_noop("Escalation merged into another"))
    return _answer(
        request,
        escalation,
        text=_("The duplicate about %(name)s has been merged.") % {"name": escalation.student.full_name},
        ok=True,
    )


urlpatterns = [
    path("cycles/<int:cycle_pk>/students/<int:student_pk>/", student, name="student"),
    path("cycles/<int:cycle_pk>/students/<int:student_pk>/escalate/", escalation_create, name="escalation_create"),
    path("cycles/<int:cycle_pk>/departments/<int:department_pk>/escalations/", escalations, name="escalations"),
    path("cycles/<int:cycle_pk>/my-escalations/", escalations_mine, name="escalations_mine"),
    path("escalations/<int:pk>/", escalation, name="escalation"),
    path("escalations/<int:pk>/accept/", escalation_accept, name="escalation_accept"),
    path("escalations/<int:pk>/return/", escalation_return, name="escalation_return"),
    path("escalations/<int:pk>/merge/", escalation_merge, name="escalation_merge"),
]
