"""The people around the open class meeting (DESIGN §1.2): personal coaches and the class representative.

Thin: policy → service → render. Access comes from classmeetings.policies:

- `coach` (`my/coach/`): a student chooses a member of staff of their school as personal coach
  ("individuele begeleider"), or stops (`can_choose_coach`). The page is a student's own: 404 for
  anyone who is not a student.
- `coached` (`coached/`): a member of staff's list of the students who chose them
  (`students_coached_by`); 404 for students and guardians.
- `coached_student` (`coached/<student_pk>/`): one coached student's submitted reflections
  (`coached_reflections_visible_to`) and a link to their agreements; 404 unless they chose the user.
  Each look is written to the audit log.
- `representative` (`classes/<class_pk>/representative/`): the class's mentor chooses one student of
  the class as class representative ("klasleider"), or none (`can_appoint_representative`). A class of
  another school is 404; anyone else of the school is 403.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEvent
from audit.services import audit_record
from mentoring.models import Goal, Reflection
from school.forms import add_service_errors
from school.models import Staff, Student
from school.policies import roles_of

from .. import policies
from ..models import ClassRepresentative, PersonalCoach
from ..services import people as services

# --- forms (this page's own) ----------------------------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return obj.user.get_full_name() or str(obj)


class StudentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Student) -> str:
        return obj.full_name


class CoachForm(forms.Form):
    coach = StaffChoiceField(
        queryset=Staff.objects.none(),
        label=gettext_lazy("Personal coach"),
        empty_label=gettext_lazy("Choose a member of staff"),
        error_messages={
            "required": gettext_lazy("Choose a member of staff as your personal coach."),
            "invalid_choice": gettext_lazy("Choose a member of staff of your school."),
        },
    )

    def __init__(self, *args, student: Student, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coach"].queryset = (
            Staff.objects.filter(school_id=student.school_id, is_active=True)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "pk")
        )


class RepresentativeForm(forms.Form):
    student = StudentChoiceField(
        queryset=Student.objects.none(),
        required=False,
        label=gettext_lazy("Class representative"),
        empty_label=gettext_lazy("Nobody for now"),
        error_messages={"invalid_choice": gettext_lazy("Choose a student of this class.")},
    )

    def __init__(self, *args, class_group, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = Student.objects.filter(class_group=class_group, is_active=True).order_by(
            "last_name", "first_name", "pk"
        )


# --- the student's personal coach -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def coach(request: HttpRequest) -> HttpResponse:
    """The student's own personal coach: choose one, change, or stop."""
    student = roles_of(request.user).student
    if student is None:
        raise Http404  # staff and guardians: this page is a student's own
    if not policies.can_choose_coach(request.user, student):
        raise PermissionDenied
    form = CoachForm(request.POST if request.method == "POST" else None, student=student)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "end":
            ended = services.coach_end(student=student, actor=request.user)
            if ended is not None:
                messages.success(request, _("You stopped with your personal coach."))
            return redirect("classmeetings:coach")
        if form.is_valid():
            try:
                services.coach_choose(student=student, coach=form.cleaned_data["coach"], actor=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Your personal coach now reads your submitted reflections and your agreements.")
                )
                return redirect("classmeetings:coach")
        status = 422
    current = (
        PersonalCoach.objects.filter(student=student, ended_at__isnull=True).select_related("coach__user").first()
    )
    if current is not None and not form.is_bound:
        form = CoachForm(initial={"coach": current.coach_id}, student=student)
    return render(
        request, "classmeetings/coach.html", {"student": student, "current": current, "form": form}, status=status
    )


# --- the coach's pages --------------------------------------------------------------------------------------------


@require_GET
def coached(request: HttpRequest) -> HttpResponse:
    """The students who chose the user as their personal coach."""
    if not roles_of(request.user).is_staff_member:
        raise Http404  # a coach is a member of staff
    students = (
        policies.students_coached_by(request.user)
        .select_related("class_group")
        .annotate(
            submitted=Count("reflections", filter=Q(reflections__status=Reflection.Status.SUBMITTED), distinct=True),
            open_agreements=Count("agreements", filter=Q(agreements__status="open"), distinct=True),
        )
        .order_by("last_name", "first_name", "pk")
    )
    return render(request, "classmeetings/coached.html", {"students": students})


@require_GET
def coached_student(request: HttpRequest, student_pk: int) -> HttpResponse:
    """One coached student's submitted reflections (a draft stays theirs), newest round first."""
    student = policies.coached_student_get_for_user(request.user, student_pk)
    # The personal coach reads the student's reflections and goals: one read per page load.
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.REFLECTION,
        student=student,
        summary=gettext_noop("Coached student's reflections read by their personal coach"),
    )
    reflections = list(
        policies.coached_reflections_visible_to(request.user)
        .filter(student=student)
        .select_related("cycle__period")
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("position")))
        .order_by("-cycle__entry_deadline", "-pk")
    )
    for reflection in reflections:
        reflection.answers = [
            {"label": Reflection._meta.get_field(name).verbose_name, "text": getattr(reflection, name)}
            for name in Reflection.PROMPT_FIELDS
        ]
    return render(request, "classmeetings/coached.html", {"student": student, "reflections": reflections})


# --- the class representative ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def representative(request: HttpRequest, class_pk: int) -> HttpResponse:
    """The class's mentor chooses the class representative ("klasleider"), or nobody for now."""
    class_group = policies.class_group_get_for_user(request.user, class_pk)
    if not policies.can_appoint_representative(request.user, class_group):
        raise PermissionDenied
    form = RepresentativeForm(request.POST if request.method == "POST" else None, class_group=class_group)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = form.cleaned_data["student"]
            try:
                if chosen is None:
                    services.representative_clear(class_group=class_group, actor=request.user)
                else:
                    services.representative_set(class_group=class_group, student=chosen, actor=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if chosen is None:
                    messages.success(request, _("The class has no class representative for now."))
                else:
                    messages.success(
                        request,
                        _("%(name)s is the class representative of %(class)s.")
                        % {"name": chosen.full_name, "class": class_group.name},
                    )
                return redirect("classmeetings:representative", class_pk=class_group.pk)
        status = 422
    current = ClassRepresentative.objects.filter(class_group=class_group).select_related("student").first()
    if not form.is_bound:
        form = RepresentativeForm(
            initial={"student": current.student_id if current else None}, class_group=class_group
        )
    return render(
        request,
        "classmeetings/representative.html",
        {"class_group": class_group, "current": current, "form": form},
        status=status,
    )


urlpatterns = [
    path("my/coach/", coach, name="coach"),
    path("coached/", coached, name="coached"),
    path("coached/<int:student_pk>/", coached_student, name="coached_student"),
    path("classes/<int:class_pk>/representative/", representative, name="representative"),
]
