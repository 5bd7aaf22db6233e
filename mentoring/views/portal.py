"""Publishing a round's feedback, and the portal where students and guardians read it.

Thin: policy → selector or service → render.
- publish: the department's team leader (403 for who oversees the department without
  leading it, the school admin; 404 for a department or round out of scope).
- portal and sharing are the pages of students and guardians. Staff (and anyone else
  without a student or guardian role) get 403 on the portal's start page: they read
  students through the staff pages. The sharing page is a student's own: 404 for
  anyone who is not a student, an explanation for a student under 18.
- portal_cycle: 404 unless the user may read that student's feedback of that round and
  it is published (a student cannot probe another's rounds, nobody sees an unpublished one).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reviews import policies as review_policies
from reviews.models import Phase
from school.policies import roles_of
from school.web import safe_next_url

from .. import policies
from ..forms_portal import NO, YES, SharingForm
from ..models import Reflection
from ..selectors import portal as selectors
from ..services import portal as services

# --- publishing --------------------------------------------------------------------------------------


def _after_publish_url(request: HttpRequest, cycle_pk: int, department_pk: int) -> str:
    """Back where the team leader came from (a safe local `next`), else the department's meeting page."""
    target = safe_next_url(request)
    if target:
        return target
    try:
        return reverse("mentoring:meeting", args=[cycle_pk, department_pk])
    except NoReverseMatch:  # pragma: no cover - the meeting page is part of the app
        return reverse("home")


@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, cycle_pk: int, department_pk: int) -> HttpResponse:
    """GET: what students and guardians will see, and the button. POST: publish (once)."""
    department = policies.department_overseen_get_for_user(request.user, department_pk)
    cycle = get_object_or_404(
        review_policies.cycles_visible_to(request.user).select_related("period").filter(departments=department),
        pk=cycle_pk,
    )
    if not policies.can_lead_department(request.user, department):
        raise PermissionDenied  # they oversee the department (the admin), but its team leader publishes
    if request.method == "POST":
        try:
            publication = services.cycle_publish(cycle=cycle, department=department, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(reverse("mentoring:publish", args=[cycle.pk, department.pk]))
        if publication.created:
            messages.success(
                request,
                _("The feedback of %(cycle)s is published to the students and guardians of %(department)s.")
                % {"cycle": cycle.name, "department": department.name},
            )
        else:
            messages.info(
                request,
                _("The feedback of %(cycle)s was already published to %(department)s; nothing has changed.")
                % {"cycle": cycle.name, "department": department.name},
            )
        return redirect(_after_publish_url(request, cycle.pk, department.pk))
    page = selectors.publish_page(cycle=cycle, department=department)
    return render(
        request,
        "mentoring/portal/publish.html",
        {
            "cycle": cycle,
            "department": department,
            "page": page,
            "in_entry_phase": cycle.phase == Phase.ENTRY,
            "next": request.GET.get("next", ""),
        },
    )


# --- the portal ----------------------------------------------------------------------------------------


def _portal_user(request: HttpRequest) -> None:
    """The portal is for students and guardians; staff read students through their own pages (403)."""
    if not policies.can_use_portal(request.user):
        raise PermissionDenied


@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    """The start page: the user's own published rounds, or each child's."""
    _portal_user(request)
    overview = selectors.portal_overview(user=request.user)
    return render(request, "mentoring/portal/portal.html", {"portal": overview})


@require_GET
def portal_cycle(request: HttpRequest, cycle_pk: int, student_pk: int) -> HttpResponse:
    """One student's published feedback in one round: lights, advice, trend, decisions, goals and next steps."""
    student = policies.portal_student_get_for_user(request.user, student_pk)
    cycle = get_object_or_404(policies.published_cycles_for(student).select_related("period"), pk=cycle_pk)
    if not policies.can_read_published(request.user, cycle, student):
        raise Http404  # not (yet) published: do not reveal that the round exists
    page = selectors.portal_cycle_page(cycle=cycle, student=student)
    roles = roles_of(request.user)
    is_self = roles.student is not None and roles.student.pk == student.pk
    reflection = page.reflection
    return render(
        request,
        "mentoring/portal/cycle.html",
        {
            "cycle": cycle,
            "student": student,
            "page": page,
            "is_self": is_self,
            "can_write_reflection": is_self and policies.can_write_reflection(request.user, cycle, student),
            "can_see_goals": reflection is not None and policies.can_read_goals(request.user, reflection),
            "can_book_talk": not is_self and policies.can_book_talk(request.user, cycle, student),
            "submitted": Reflection.Status.SUBMITTED,
        },
    )


@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    """An adult student's choice whether their guardians still see their feedback and goals."""
    student = roles_of(request.user).student
    if student is None:
        raise Http404  # the choice is a student's own
    if not policies.is_adult(student):
        if request.method == "POST":
            raise PermissionDenied
        return render(request, "mentoring/portal/sharing.html", {"student": student, "is_adult": False})
    current = getattr(student, "guardian_sharing", None)
    initial = {} if current is None else {"guardians_may_see": YES if current.guardians_may_see else NO}
    form = SharingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.guardian_sharing_set(student=student, actor=request.user, guardians_may_see=form.may_see)
        if form.may_see:
            messages.success(request, _("Saved: your parents or guardians may see your feedback and goals."))
        else:
            messages.success(request, _("Saved: only you see your feedback and goals."))
        return redirect("mentoring:portal")
    return render(
        request,
        "mentoring/portal/sharing.html",
        {"student": student, "is_adult": True, "form": form, "sharing": current},
    )


urlpatterns = [
    path("cycles/<int:cycle_pk>/departments/<int:department_pk>/publish/", publish, name="publish"),
    path("my/", portal, name="portal"),
    path("my/sharing/", sharing, name="sharing"),
    path("my/cycles/<int:cycle_pk>/students/<int:student_pk>/", portal_cycle, name="portal_cycle"),
]
