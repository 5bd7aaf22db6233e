"""The privacy pages: find a student, export their data (right of access), see who is due for erasure.

Thin: policy → selector or service → render. Only the school admin uses them (privacy.policies):
for a student of their own school; staff who see the student get 403, everyone else 404. The JSON
export is made in the request (it is fast); the PDF is made in the background (privacy.exports) and
downloaded from the student's page once ready, never from a media URL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEvent
from audit.services import audit_record
from school import jobs
from school.web import job_fragment_response

from . import exports, policies, selectors, services, tasks


def _require_privacy_admin(request: HttpRequest) -> None:
    # 403, not 404: like the roster import, everyone knows the school admin has this page.
    if not policies.can_use_privacy_tools(request.user):
        raise PermissionDenied


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Find a student to export (right of access), and see how many are due for anonymisation."""
    _require_privacy_admin(request)
    query = request.GET.get("q", "")[:100]
    exportable = policies.students_exportable_by(request.user)
    context = {
        "query": query,
        "students": list(selectors.students_search(queryset=exportable, query=query)),
        "retention_days": settings.STUDENT_RETENTION_DAYS,
        "due_count": services.students_due_for_erasure().filter(school_id=request.user.school_id).count(),
    }
    return render(request, "privacy/index.html", context)


def _attachment(body: bytes, *, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def student_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    student = policies.student_export_get_for_user(request.user, pk)
    body = services.student_export_json(student=student)
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.EXPORT,
        kind=AuditEvent.Kind.STUDENT_EXPORT,
        student=student,
        summary="JSON",
    )
    return _attachment(body, content_type="application/json", name=f"leerling-{student.pk}.json")


@require_http_methods(["GET", "POST"])
def student(request: HttpRequest, pk: int) -> HttpResponse:
    """One student's export: the PDF's state (the page, or the fragment it polls every 2 s); POST asks for it."""
    student = policies.student_export_get_for_user(request.user, pk)
    if request.method == "POST":
        exports.student_export_job_request(student=student, actor=request.user)
        if not request.htmx:
            return redirect("privacy:student", pk=student.pk)
    # A job whose message never reached the broker (Redis was down) is sent again on each look.
    job = jobs.job_resend(exports.student_export_job_for(student=student), tasks.student_export_render_task)
    context = {
        "student": student,
        "job": job,
        "expired": job is not None and exports.export_is_expired(job),
        "expires_at": exports.export_expires_at(job) if job is not None else None,
        "keep_days": exports.EXPORT_KEEP_DAYS,
    }
    if request.htmx:
        return job_fragment_response(request, job, "privacy/partials/export_status.html", context)
    return render(request, "privacy/student.html", context)


@require_GET
def student_export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The ready PDF, as a download, audited; before it is ready (or once deleted) back to the student's page."""
    student = policies.student_export_get_for_user(request.user, pk)
    job = exports.student_export_ready(student=student)
    handle = None
    if job is not None:
        try:
            handle = job.file.open("rb")
        except FileNotFoundError:
            handle = None
    if handle is None:
        messages.info(request, _("The PDF is not available: make it first, and download it when it is ready."))
        return redirect("privacy:student", pk=student.pk)
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.EXPORT,
        kind=AuditEvent.Kind.STUDENT_EXPORT,
        student=student,
        summary="PDF",
    )
    response = FileResponse(
        handle, as_attachment=True, filename=f"leerling-{student.pk}.pdf", content_type="application/pdf"
    )
    response["Cache-Control"] = "no-store"  # everything about a minor: no copies in caches
    return response
