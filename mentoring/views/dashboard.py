"""The mentor dashboard, the mentor's verdicts and the department overview (issue 4, step 2).

Thin: policy → selector or service → render. Out of scope is 404 (a class the user
does not follow, a class or department the cycle does not cover, a student the
user does not follow); visible but not allowed is 403 (a team leader marking a
student of a class they lead, a mentor marking in a closed cycle).

The matrices' rows are built as HTML in Python (mentoring/matrix_markup.py): the
department overview has 400 students by 14 subjects.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews import policies as review_policies
from reviews.models import ReviewCycle
from reviews.policies import cycle_get_for_user
from reviews.selectors import light_styles
from school.models import ClassGroup, Student
from school.web import safe_next_url

from .. import policies
from ..matrix_markup import ROWS_MARKER, MatrixMarkup
from ..models import MentorReview
from ..selectors import dashboard as selectors
from ..selectors.dashboard import Matrix
from ..services import dashboard as services


def _controls(request: HttpRequest, matrix: Matrix) -> dict:
    """The filter links (each keeps the sort) and the sort choices (the form keeps the filter)."""

    def query(**changes: str) -> str:
        params = {"sort": matrix.sort, "filter": matrix.filter, **changes}
        return "?" + urlencode({key: value for key, value in params.items() if value})

    return {
        "filters": [(option, query(filter=option.key)) for option in matrix.filter_options],
        "sorts": matrix.sort_options,
        "here": request.get_full_path(),
    }


def _legend(matrix: Matrix) -> dict:
    return {"lights": light_styles(matrix.scheme), "scheme": matrix.scheme}


# --- the dashboards list ------------------------------------------------------------------------------------


@require_GET
def dashboards(request: HttpRequest) -> HttpResponse:
    """The class groups the user follows, per open cycle, with how many students they have marked."""
    if not policies.can_view_dashboards(request.user):
        raise PermissionDenied  # students and parents know there are mentors; these pages are the staff's
    return render(request, "mentoring/dashboard/list.html", {"cycles": selectors.dashboards_for(request.user)})


# --- the mentor dashboard -----------------------------------------------------------------------------------


def _class_in_cycle(request: HttpRequest, cycle_pk: int, class_pk: int) -> tuple[ReviewCycle, ClassGroup]:
    """A cycle and a class group the user follows that it covers; 404 otherwise."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    class_group = policies.class_group_followed_get_for_user(request.user, class_pk)
    if not review_policies.cycle_covers_class_group(cycle, class_group):
        raise Http404
    return cycle, class_group


def _dashboard_page(
    request: HttpRequest, cycle: ReviewCycle, class_group: ClassGroup, *, status: int = 200
) -> HttpResponse:
    matrix = selectors.class_matrix(
        cycle=cycle,
        class_group=class_group,
        viewer=request.user,
        sort=request.GET.get("sort", ""),
        filter=request.GET.get("filter", ""),
    )
    MatrixMarkup(matrix).fill()
    context = {
        "cycle": cycle,
        "class_group": class_group,
        "matrix": matrix,
        "can_oversee": policies.departments_overseen_by(request.user).filter(pk=class_group.department_id).exists(),
        **_controls(request, matrix),
        **_legend(matrix),
    }
    return render(request, "mentoring/dashboard/class.html", context, status=status)


@require_GET
def dashboard(request: HttpRequest, cycle_pk: int, class_pk: int) -> HttpResponse:
    cycle, class_group = _class_in_cycle(request, cycle_pk, class_pk)
    return _dashboard_page(request, cycle, class_group)


# --- the verdict -----------------------------------------------------------------------------------------------


def _student_in_cycle(request: HttpRequest, cycle_pk: int, student_pk: int) -> tuple[ReviewCycle, Student]:
    cycle = cycle_get_for_user(request.user, cycle_pk)
    student = policies.followed_student_get_for_user(request.user, student_pk)
    if not review_policies.cycle_covers_student(cycle, student):
        raise Http404
    return cycle, student


def _row_answer(
    request: HttpRequest, cycle: ReviewCycle, student: Student, *, status: int = 200, error: str = "", said: str = ""
) -> HttpResponse:
    """HTMX: the student's row again; out of band the class's progress, the filters' counts and a spoken note."""
    matrix = selectors.student_matrix(cycle=cycle, student=student, viewer=request.user)
    MatrixMarkup(matrix).fill()
    # The page's own sort and filter (from its address), so the filter links it gets back keep them.
    page = request.POST.get("next", "")
    shown = QueryDict(urlsplit(page).query)
    matrix.sort = shown.get("sort") if shown.get("sort") in selectors.SORTS else "name"
    matrix.filter = shown.get("filter") if shown.get("filter") in selectors.FILTERS else ""
    context = {
        "cycle": cycle,
        "matrix": matrix,
        "row": matrix.rows[0] if matrix.rows else None,
        "error": error,
        "said": said,
        **_controls(request, matrix),
        "here": page,
    }
    return render(request, "mentoring/dashboard/partials/verdict_answer.html", context, status=status)


def _back(request: HttpRequest, cycle: ReviewCycle, student: Student) -> str:
    back = safe_next_url(request)
    if not back:
        back = reverse("mentoring:dashboard", args=[cycle.pk, student.class_group_id])
    return f"{back.split('#')[0]}#student-{student.pk}"


@require_POST
def verdict(request: HttpRequest, cycle_pk: int, student_pk: int) -> HttpResponse:
    """Mark a student clear / needing attention, or take it back (`undo`); htmx gets the row, a form a redirect."""
    cycle, student = _student_in_cycle(request, cycle_pk, student_pk)
    if not policies.can_mentor_in_cycle(request.user, cycle, student):
        # They follow the student (a team leader, the admin), so they know the verdict exists: 403.
        if request.htmx:
            refused = (
                _("This review round is closed: verdicts can no longer change.")
                if cycle.is_closed
                else _("Only the student's mentor marks the student.")
            )
            return _row_answer(request, cycle, student, status=403, error=refused)
        raise PermissionDenied
    undo = bool(request.POST.get("undo"))
    try:
        if undo:
            services.verdict_clear(cycle=cycle, student=student, actor=request.user)
        else:
            note = request.POST.get("note")  # absent: keep the note as it is
            services.verdict_set(
                cycle=cycle, student=student, actor=request.user, verdict=request.POST.get("verdict", ""), note=note
            )
    except ValidationError as error:
        text = " ".join(error.messages)
        if request.htmx:
            return _row_answer(request, cycle, student, status=422, error=text)
        messages.error(request, text)
        if student.class_group is None or not review_policies.cycle_covers_class_group(cycle, student.class_group):
            raise Http404 from error
        return _dashboard_page(request, cycle, student.class_group, status=422)

    if undo:
        said = _("%(name)s: verdict taken back.") % {"name": student.full_name}
    else:
        label = MentorReview.Verdict(request.POST["verdict"]).label
        said = _("%(name)s: %(verdict)s.") % {"name": student.full_name, "verdict": label}
    if request.htmx:
        return _row_answer(request, cycle, student, said=said)
    messages.success(request, said)
    return redirect(_back(request, cycle, student))


# --- the department overview ------------------------------------------------------------------------------


@require_GET
def department_overview(request: HttpRequest, cycle_pk: int, department_pk: int) -> HttpResponse:
    """Every student of the department in the cycle: the team leader's and the school's view."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    department = policies.department_overseen_get_for_user(request.user, department_pk)
    if not review_policies.cycle_covers_department(cycle, department):
        raise Http404
    matrix = selectors.department_matrix(
        cycle=cycle,
        department=department,
        viewer=request.user,
        sort=request.GET.get("sort", ""),
        filter=request.GET.get("filter", ""),
    )
    context = {
        "cycle": cycle,
        "department": department,
        "matrix": matrix,
        "body": ROWS_MARKER,
        "classes": selectors.class_summaries(matrix),
        **_controls(request, matrix),
        **_legend(matrix),
    }
    # The 400 rows (about 2 MB) go in after the template has rendered: through the template's nested
    # blocks the page would be copied once per level, which costs more than building the rows.
    page = render_to_string("mentoring/dashboard/department.html", context, request)
    head, marker, tail = page.partition(ROWS_MARKER)
    if not marker:  # no table: no students, or none that match the filter
        return HttpResponse(page)
    rows = MatrixMarkup(matrix, show_class=True, link_classes=True).rows()
    return HttpResponse(b"".join([head.encode(), *(row.encode() for row in rows), tail.encode()]))


urlpatterns = [
    path("", dashboards, name="dashboards"),
    path("cycles/<int:cycle_pk>/classes/<int:class_pk>/", dashboard, name="dashboard"),
    path("cycles/<int:cycle_pk>/students/<int:student_pk>/verdict/", verdict, name="verdict"),
    path(
        "cycles/<int:cycle_pk>/departments/<int:department_pk>/overview/",
        department_overview,
        name="department_overview",
    ),
]
