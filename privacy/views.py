from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.models import AuditEvent
from audit.services import audit_record

from . import policies, selectors, services


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


@require_GET
def student_export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    student = policies.student_export_get_for_user(request.user, pk)
    body = services.student_export_pdf(student=student)
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.EXPORT,
        kind=AuditEvent.Kind.STUDENT_EXPORT,
        student=student,
        summary="PDF",
    )
    return _attachment(body, content_type="application/pdf", name=f"leerling-{student.pk}.pdf")
