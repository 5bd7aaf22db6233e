"""Wall prints (issue 6): ask for a board's A3 PDF, follow its state, download it.

Thin: policy → selector or service → render. The board is fetched with its own rule first (404 for
who may not know it exists: another school, another class, a care meeting they are not part of);
then the print's rule: a care meeting's participants and guests see it but may not print it (403).
The file is never a media URL; it is sent here. Downloading a care meeting's or a progress board's print
is a read: logged (an improvement board's is about a group's way of working, not a student: not logged).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEvent
from audit.services import audit_record
from school import jobs
from school.web import job_fragment_response

from .. import policies, tasks
from ..models import BoardPrintJob
from ..selectors.print import board_print_job_for
from ..services import care as care_services
from ..services.print import board_print_request

Kind = BoardPrintJob.Kind


def _board(request: HttpRequest, kind: str, pk: int) -> Model:
    """The board to print, if the user may print it: 404 when they may not see it, 403 when only that."""
    target = policies.print_target_get_for_user(request.user, kind, pk)
    if not policies.can_print(request.user, kind, target):
        raise PermissionDenied
    return target


def _board_url(kind: str, target: Model) -> str:
    name = {Kind.IMPROVEMENT: "boards:board", Kind.PROGRESS: "boards:progress", Kind.CARE: "boards:care_meeting"}[kind]
    return reverse(name, args=[target.pk])


def _file_name(kind: str, target: Model) -> str:
    if kind == Kind.IMPROVEMENT:
        name = _("improvement board %(title)s") % {"title": target.title}
    elif kind == Kind.PROGRESS:
        name = _("progress board %(class)s") % {"class": target.name}
    else:
        name = _("care meeting %(title)s %(date)s") % {"title": target.title, "date": target.held_on.isoformat()}
    return f"{slugify(name) or 'board'}-a3.pdf"


@require_http_methods(["GET", "POST"])
def board_print(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The print's state (the page, or the fragment it polls every 2 s); POST asks for it (again)."""
    target = _board(request, kind, pk)
    if request.method == "POST":
        job = board_print_request(
            kind=kind, target=target, actor=request.user, without_names=request.POST.get("without_names") == "1"
        )
        if not request.htmx:
            return redirect("boards:board_print", kind=kind, pk=target.pk)
    else:
        # A job whose message never reached the broker (Redis was down) is sent again on each look.
        job = jobs.job_resend(board_print_job_for(kind=kind, target=target), tasks.board_print_task)
    context = {"kind": kind, "target": target, "job": job, "board_url": _board_url(kind, target)}
    if request.htmx:
        return job_fragment_response(request, job, "boards/print/partials/status.html", context)
    return render(request, "boards/print/status.html", context)


@require_GET
def board_print_download(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    """The PDF, as a download, for who may print the board; 404 until it is ready."""
    target = _board(request, kind, pk)
    job = board_print_job_for(kind=kind, target=target)
    if job is None or job.status != BoardPrintJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    if kind == Kind.CARE:
        care_services.care_read_log(
            meeting=target, user=request.user, path=request.get_full_path(), address=request.META.get("REMOTE_ADDR")
        )
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.DOWNLOAD,
            kind=AuditEvent.Kind.CARE_MEETING,
            obj=target,
            summary=gettext_noop("Care meeting's wall print downloaded"),
        )
    elif kind == Kind.PROGRESS:  # the class's cards on paper: the same read as the board's page
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.DOWNLOAD,
            kind=AuditEvent.Kind.PROGRESS_BOARD,
            obj=target,
            summary=gettext_noop("Class's progress board's wall print downloaded"),
        )
    response = FileResponse(
        handle, as_attachment=True, filename=_file_name(kind, target), content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"  # about students: no copies in caches
    return response


urlpatterns = [
    path("print/<slug:kind>/<int:pk>/", board_print, name="board_print"),
    path("print/<slug:kind>/<int:pk>/download/", board_print_download, name="board_print_download"),
]
