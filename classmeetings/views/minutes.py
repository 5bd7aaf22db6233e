"""The minutes of an open class meeting as a PDF, a student's own summary, and a student's meetings.

Thin: policy → selector or service → render. Access comes from classmeetings.policies:

- `minutes`, `minutes_download`: a meeting the user may not follow is 404 (`meeting_get_for_user`);
  one they follow but whose minutes they may not read — a student, the class representative
  included: the minutes hold every student's notes — is 403. The staff who follow the meeting
  (`is_staff_participant`) ask for the PDF and download it; the file is never a media URL.
- `summary`: one item's student-friendly summary, for `item_summaries_visible_to` (the student,
  their guardians, their personal coach, the staff who follow the meeting); 404 for anyone else.
  Before the item is closed with its decision, a calm "not ready yet". A read by anyone but the
  student and their guardians is written to the audit log.
- `my_meetings`: the portal's people only (a student, a guardian per child; 403 for staff, like
  the portal), each with the meetings they were invited to.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEvent
from audit.services import audit_record
from mentoring import policies as mentoring_policies
from school import jobs
from school.policies import roles_of
from school.web import job_fragment_response

from .. import policies, tasks
from ..models import MinutesJob, OpenClassMeeting
from ..selectors.minutes import item_summary, minutes_can_be_made, minutes_job_for, my_meetings
from ..services.minutes import minutes_job_request

# --- the minutes --------------------------------------------------------------------------------------------


def _minutes_meeting(request: HttpRequest, pk: int) -> OpenClassMeeting:
    """The meeting, if the user may read its minutes: 404 when they do not follow it, 403 when only that."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    if not policies.is_staff_participant(request.user, meeting):
        raise PermissionDenied
    return meeting


def _file_name(meeting: OpenClassMeeting) -> str:
    name = slugify(
        _("minutes open class meeting %(class)s %(date)s")
        % {"class": meeting.class_group.name, "date": meeting.starts_at.date().isoformat()}
    )
    return f"{name or 'minutes'}.pdf"


@require_http_methods(["GET", "POST"])
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes' state (the page, or the fragment it polls every 2 s); POST asks for them (again)."""
    meeting = _minutes_meeting(request, pk)
    error = ""
    if request.method == "POST":
        try:
            minutes_job_request(meeting=meeting, actor=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            if not request.htmx:
                return redirect("classmeetings:minutes", pk=meeting.pk)
    # A job whose message never reached the broker (Redis was down) is sent again on each look.
    job = jobs.job_resend(minutes_job_for(meeting=meeting), tasks.class_minutes_render_task)
    context = {
        "meeting": meeting,
        "job": job,
        "can_make": minutes_can_be_made(meeting=meeting),
        "error": error,
    }
    status = 422 if error else 200
    if request.htmx:
        return job_fragment_response(
            request, job, "classmeetings/partials/minutes_status.html", context, status=status
        )
    return render(request, "classmeetings/minutes.html", context, status=status)


@require_GET
def minutes_download(request: HttpRequest, pk: int) -> FileResponse:
    """The PDF, as a download, for the staff who follow the meeting; 404 until it is ready."""
    meeting = _minutes_meeting(request, pk)
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
        summary=gettext_noop("Class meeting minutes downloaded"),
    )
    response = FileResponse(handle, as_attachment=True, filename=_file_name(meeting), content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"  # about students: no copies in caches
    return response


# --- a student's own summary --------------------------------------------------------------------------------


@require_GET
def summary(request: HttpRequest, item_pk: int) -> HttpResponse:
    """One item in plain words, for the student and those around them; "not ready yet" until it is decided."""
    item = policies.item_summary_get_for_user(request.user, item_pk)
    data = item_summary(item)
    roles = roles_of(request.user)
    is_own = roles.student is not None and roles.student.pk == item.student_id
    if not roles.is_family_of(item.student_id):
        # Staff who follow the meeting, a personal coach: logged. The student's and their guardians' own are not.
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.READ,
            kind=AuditEvent.Kind.MEETING_SUMMARY,
            obj=item,
            summary=gettext_noop("Student's summary of an open class meeting read"),
        )
    return render(
        request,
        "classmeetings/summary.html",
        {
            "summary": data,
            "is_own": is_own,
            "can_read_meeting": is_own or policies.is_staff_participant(request.user, item.meeting),
            "user_is_portal": mentoring_policies.can_use_portal(request.user),
        },
    )


@require_GET
def my_meetings_view(request: HttpRequest) -> HttpResponse:
    """A student's meetings (or a guardian's, per child), each with the summary's state and the prepared input."""
    if not mentoring_policies.can_use_portal(request.user):
        raise PermissionDenied  # staff read students through their own pages
    return render(request, "classmeetings/my_meetings.html", {"students": my_meetings(request.user)})


urlpatterns = [
    path("<int:pk>/minutes/", minutes, name="minutes"),
    path("<int:pk>/minutes/download/", minutes_download, name="minutes_download"),
    path("items/<int:item_pk>/summary/", summary, name="summary"),
    path("my/meetings/", my_meetings_view, name="my_meetings"),
]
