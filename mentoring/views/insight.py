"""Insight into a department's lights, and the minutes of its meeting as a PDF.

Thin: policy → selector or service → render. A department the user does not
oversee, a round of another school, a meeting they cannot follow: 404. The
minutes file is never a media URL; it is sent here, to those who may follow the meeting.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
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
from reviews.policies import cycle_get_for_user
from school import jobs
from school.web import job_fragment_response

from .. import policies, tasks
from ..models import MinutesJob
from ..selectors.insight import department_insight, insight_charts
from ..selectors.minutes import minutes_can_be_made, minutes_job_for
from ..services.minutes import minutes_job_request

# --- insight ---------------------------------------------------------------------------------------------


@require_GET
def insight(request: HttpRequest, cycle_pk: int, department_pk: int) -> HttpResponse:
    """Where the department's students struggle: per subject and class group this round, and over rounds."""
    department = policies.department_overseen_get_for_user(request.user, department_pk)
    cycle = cycle_get_for_user(request.user, cycle_pk)
    if not review_policies.cycle_covers_department(cycle, department):
        raise Http404
    data = department_insight(cycle=cycle, department=department)
    return render(
        request,
        "mentoring/insight/insight.html",
        {"insight": data, "charts": insight_charts(data), "cycle": cycle, "department": department},
    )


# --- the minutes of a department meeting -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes' state (the page, or the fragment it polls every 2 s); POST asks for them (again)."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    if request.method == "POST":
        try:
            minutes_job_request(meeting=meeting, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("mentoring:minutes", pk=meeting.pk)
    # A job whose message never reached the broker (Redis was down) is sent again on each look.
    job = jobs.job_resend(minutes_job_for(meeting=meeting), tasks.minutes_render_task)
    context = {
        "meeting": meeting,
        "job": job,
        "can_make": minutes_can_be_made(meeting=meeting),
        "file_name": _file_name(meeting),
    }
    if request.htmx:
        return job_fragment_response(request, job, "mentoring/minutes/partials/status.html", context)
    return render(request, "mentoring/minutes/minutes.html", context)


@require_GET
def minutes_download(request: HttpRequest, pk: int) -> FileResponse:
    """The PDF, as a download, for those who may follow the meeting; 404 until it is ready."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    job = minutes_job_for(meeting=meeting)
    if job is None or job.status != MinutesJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.DOWNLOAD,
        kind=AuditEvent.Kind.MINUTES,
        obj=meeting,
        summary=gettext_noop("Department meeting minutes downloaded"),
    )
    response = FileResponse(handle, as_attachment=True, filename=_file_name(meeting), content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"  # about students: no copies in caches
    return response


def _file_name(meeting) -> str:
    name = slugify(_("minutes %(department)s %(cycle)s") % {"department": meeting.department, "cycle": meeting.cycle})
    return f"{name or 'minutes'}.pdf"


urlpatterns = [
    path("cycles/<int:cycle_pk>/departments/<int:department_pk>/insight/", insight, name="insight"),
    path("meetings/<int:pk>/minutes/", minutes, name="minutes"),
    path("meetings/<int:pk>/minutes/download/", minutes_download, name="minutes_download"),
]
