"""Roster pages. Thin: policy → selector → render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import policies, selectors, services, tasks
from .forms import RosterUploadForm
from .jobs import job_resend


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "school/home.html", {"home": selectors.home_for(request.user)})


def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = policies.student_get_for_user(request.user, pk)
    return render(
        request, "school/student_detail.html", {"student": selectors.student_page(student, viewer=request.user)}
    )


def student_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A student's photo, only for those who may see the student: media is never served by URL."""
    student = policies.student_get_for_user(request.user, pk)
    if not student.photo:
        raise Http404
    response = FileResponse(student.photo.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def class_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policies.class_group_get_for_user(request.user, pk)
    return render(request, "school/class_group_detail.html", {"class_group": selectors.class_group_page(class_group)})


def teaching_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = policies.teaching_group_get_for_user(request.user, pk)
    return render(request, "school/teaching_group_detail.html", {"group": selectors.teaching_group_page(group)})


# --- roster import: upload → preview (worker) → apply (worker) -----------------------------


def _require_roster_admin(request: HttpRequest) -> None:
    # 403, not 404: everyone on the staff knows there is a roster import.
    if not policies.can_manage_roster(request.user):
        raise PermissionDenied


def roster_import(request: HttpRequest) -> HttpResponse:
    _require_roster_admin(request)
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = services.roster_import_job_create(
                school=request.user.school, actor=request.user, files=form.cleaned_data["files"]
            )
            return redirect("school:roster_import_detail", pk=job.pk)
    else:
        form = RosterUploadForm()
    jobs = selectors.roster_imports_recent(school_id=request.user.school_id)
    return render(request, "school/roster_import.html", {"form": form, "jobs": jobs})


def roster_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page; polled by HTMX while the worker runs, which then gets only the status fragment."""
    _require_roster_admin(request)
    job = policies.roster_import_get_for_user(request.user, pk)
    job = job_resend(job, tasks.roster_import_run_task)  # asked for while the broker was down: send it now
    context = {"report": selectors.roster_import_report(job)}
    if request.htmx:
        return render(request, "school/roster_import_status.html", context)
    return render(request, "school/roster_import_detail.html", context)


@require_POST
def roster_import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roster_admin(request)
    job = policies.roster_import_get_for_user(request.user, pk)
    try:
        services.roster_import_job_apply(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("school:roster_import_detail", pk=job.pk)
