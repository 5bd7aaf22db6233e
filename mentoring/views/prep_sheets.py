"""Prep sheets for the mentor talk: a class's batch (status page, polling, download) and one student's sheet.

Thin: policy → selector or service → render. The class pages are for those who follow the
class (its mentor, the department's team leader, the school-wide roles): a class the user does
not follow, or a round that does not cover it, is 404. Only the mentor makes the sheets (403 for
the others, who may read and download). One student's sheet is for the student, their guardians
(once the round is published to them: before that 404) and the staff who follow the student.
Files are never a media URL: they are sent here, privately and uncached.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEvent
from audit.services import audit_record
from reviews import policies as review_policies
from reviews.models import ReviewCycle
from reviews.policies import cycle_get_for_user
from school import jobs
from school.models import ClassGroup, Student
from school.web import job_fragment_response

from .. import policies, tasks
from ..models import PrepSheetJob
from ..selectors.prep_sheets import (
    prep_sheet_job_for,
    prep_sheets_page,
    reader_language,
)
from ..services.prep_sheets import prep_sheet_job_request, prep_sheet_store


def _class_in_cycle(request: HttpRequest, cycle_pk: int, class_pk: int) -> tuple[ReviewCycle, ClassGroup]:
    """A round and a class the user follows that it covers; 404 otherwise."""
    cycle = cycle_get_for_user(request.user, cycle_pk)
    class_group = policies.class_group_followed_get_for_user(request.user, class_pk)
    if not review_policies.cycle_covers_class_group(cycle, class_group):
        raise Http404
    return cycle, class_group


def _private_pdf(handle, file_name: str) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=file_name, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"  # about a student: no copies in caches
    return response


# --- a class's batch -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def prep_sheets(request: HttpRequest, cycle_pk: int, class_pk: int) -> HttpResponse:
    """The batch's state (the page, or the fragment it polls every 2 s); POST asks for the sheets (again)."""
    cycle, class_group = _class_in_cycle(request, cycle_pk, class_pk)
    if request.method == "POST":
        if not policies.can_make_prep_sheets(request.user, cycle, class_group):
            raise PermissionDenied
        prep_sheet_job_request(cycle=cycle, class_group=class_group, actor=request.user)
        return redirect("mentoring:prep_sheets", cycle_pk=cycle.pk, class_pk=class_group.pk)
    if request.htmx:
        # Each poll sends a job again whose message never reached the broker (Redis was down).
        job = jobs.job_resend(prep_sheet_job_for(cycle=cycle, class_group=class_group), tasks.prep_sheets_batch_task)
        context = {
            "cycle": cycle,
            "class_group": class_group,
            "job": job,
            "can_make": policies.can_make_prep_sheets(request.user, cycle, class_group),
        }
        return job_fragment_response(request, job, "mentoring/prep_sheets/partials/status.html", context)
    page = prep_sheets_page(cycle=cycle, class_group=class_group, user=request.user)
    context = {"cycle": cycle, "class_group": class_group, "page": page, "job": page.job, "can_make": page.can_make}
    return render(request, "mentoring/prep_sheets/page.html", context)


@require_GET
def prep_sheets_download(request: HttpRequest, cycle_pk: int, class_pk: int) -> FileResponse:
    """The class's merged PDF, as a download, for those who follow the class; 404 until it is ready."""
    cycle, class_group = _class_in_cycle(request, cycle_pk, class_pk)
    job = prep_sheet_job_for(cycle=cycle, class_group=class_group)
    if job is None or job.status != PrepSheetJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.DOWNLOAD,
        kind=AuditEvent.Kind.PREP_SHEET,
        obj=job,
        summary=gettext_noop("A class's prep sheets downloaded"),
    )
    name = slugify(_("prep sheets %(class)s %(cycle)s") % {"class": class_group.name, "cycle": cycle.name})
    return _private_pdf(handle, f"{name or 'prep-sheets'}.pdf")


# --- one student's sheet -------------------------------------------------------------------------------------


@require_GET
def prep_sheet(request: HttpRequest, cycle_pk: int, student_pk: int) -> FileResponse:
    """One student's sheet, made now in the reader's language (well under a second) and sent privately."""
    cycle, student = policies.prep_sheet_student_get_for_user(request.user, cycle_pk=cycle_pk, student_pk=student_pk)
    language = reader_language(user=request.user, student=student, school=cycle.school)
    sheet = prep_sheet_store(cycle=cycle, student=student, language=language)
    try:
        handle = sheet.file.open("rb")
    except FileNotFoundError:  # replaced by a parallel request a moment ago: send that one
        sheet.refresh_from_db()
        try:
            handle = sheet.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.DOWNLOAD,
        kind=AuditEvent.Kind.PREP_SHEET,
        obj=sheet,
        student=student,
        summary=gettext_noop("A student's prep sheet downloaded"),
    )
    return _private_pdf(handle, _file_name(student, cycle))


def _file_name(student: Student, cycle: ReviewCycle) -> str:
    name = slugify(_("prep sheet %(student)s %(cycle)s") % {"student": student.full_name, "cycle": cycle.name})
    return f"{name or 'prep-sheet'}.pdf"


urlpatterns = [
    path("cycles/<int:cycle_pk>/classes/<int:class_pk>/prep-sheets/", prep_sheets, name="prep_sheets"),
    path(
        "cycles/<int:cycle_pk>/classes/<int:class_pk>/prep-sheets/download/",
        prep_sheets_download,
        name="prep_sheets_download",
    ),
    path("my/cycles/<int:cycle_pk>/students/<int:student_pk>/prep-sheet/", prep_sheet, name="prep_sheet"),
]
