"""The agreements loop of the open class meeting (DESIGN §1.2): check last time's agreements, and one timeline.

Thin: policy → selector or service → render. Access comes from classmeetings.policies:

- `agreements` (`<pk>/agreements/`): the "check last time's agreements" step of a meeting.
  A meeting the user may not follow is 404 (`meeting_get_for_user`). The staff who follow it
  read every row; a student (the class representative too) reads only their own agreements.
  Checking (POST) is for the staff chairs (`can_keep_minutes`): 403 for the other followers.
  One row is checked per post (met / partly / not met buttons); htmx gets the row back and
  the step's state out of band, a plain post is redirected back (422 with the reason on error).
- `timeline` (`students/<student_pk>/agreements/`): every agreement of one student, from
  department-meeting decisions, mentor talks and open class meetings, newest first
  (`timeline_student_get_for_user`: the student, their guardians, the staff who follow them,
  their personal coach; 404 for everyone else). A read by anyone but the student and their guardians
  is written to the audit log.
- `my_timeline` (`my/agreements/`): a student's own timeline (404 for anyone who is not a student).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEvent
from audit.services import audit_record
from mentoring.models import Agreement
from school.policies import roles_of

from .. import policies, selectors
from ..models import OpenClassMeeting
from ..selectors.timeline import student_timeline
from ..services import preparation as services
from ..services.preparation import CHECKED_STATUSES

ROW_PARTIAL = "classmeetings/partials/agreements_row.html"


def _check_choices() -> list[tuple[str, str]]:
    labels = dict(Agreement.Status.choices)
    return [(status, labels[status]) for status in CHECKED_STATUSES]


def _page_context(request: HttpRequest, meeting: OpenClassMeeting) -> dict:
    """The rows the user may read, how many are still open, and whether they may check them."""
    rows = selectors.previous_agreements(meeting)
    roles = roles_of(request.user)
    if not roles.is_staff_member:
        # A student (the class representative too) reads their own agreements, not the class's.
        own = roles.student.pk if roles.student is not None else None
        rows = [row for row in rows if row.student_id == own]
    open_count = sum(1 for row in rows if row.status == Agreement.Status.OPEN)
    return {
        "meeting": meeting,
        "rows": rows,
        "open_count": open_count,
        "checked_count": len(rows) - open_count,
        "can_check": policies.can_keep_minutes(request.user, meeting)
        and meeting.status == OpenClassMeeting.Status.PREPARING,
        "is_staff": roles.is_staff_member,
        "check_choices": _check_choices(),
    }


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_http_methods(["GET", "POST"])
def previous_agreements(request: HttpRequest, pk: int) -> HttpResponse:
    """Last time's agreements, each marked met / partly met / not met before new business."""
    meeting = policies.meeting_get_for_user(request.user, pk)
    if request.method == "GET":
        return render(request, "classmeetings/agreements.html", _page_context(request, meeting))

    if not policies.can_keep_minutes(request.user, meeting):
        raise PermissionDenied  # they follow the meeting, but only the staff chairs check agreements
    raw_pk, status = request.POST.get("agreement", ""), request.POST.get("status", "")
    error, said, agreement_pk = "", "", None
    try:
        agreement_pk = int(raw_pk)
    except ValueError:
        error = _("Choose an agreement to check.")
    else:
        try:
            services.previous_agreements_check(meeting=meeting, actor=request.user, statuses={agreement_pk: status})
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            said = _("Agreement checked: %(status)s.") % {"status": dict(Agreement.Status.choices)[status]}

    context = _page_context(request, meeting)
    if request.htmx:
        row = next((row for row in context["rows"] if row.pk == agreement_pk), None)
        context.update({"row": row, "error": error, "said": said, "oob": True})
        return render(request, ROW_PARTIAL, context, status=422 if error else 200)
    if error:
        context["error"] = error
        context["error_pk"] = agreement_pk
        return render(request, "classmeetings/agreements.html", context, status=422)
    messages.success(request, said)
    return redirect("classmeetings:agreements", pk=meeting.pk)


@require_GET
def timeline(request: HttpRequest, student_pk: int) -> HttpResponse:
    """Every agreement of one student across meetings, talks and rounds, newest first."""
    student = policies.timeline_student_get_for_user(request.user, student_pk)
    everything = policies.timeline_shows_everything(request.user, student)
    roles = roles_of(request.user)
    is_self = roles.student is not None and roles.student.pk == student.pk
    if not roles.is_family_of(student.pk):
        # Someone else's agreements (staff, a personal coach): logged. The student's and their guardians' own are not.
        audit_record(
            request_or_actor=request,
            action=AuditEvent.Action.READ,
            kind=AuditEvent.Kind.AGREEMENT_TIMELINE,
            student=student,
            summary=gettext_noop("Student's agreements timeline read"),
        )
    return render(
        request,
        "classmeetings/timeline.html",
        {
            "student": student,
            "timeline": student_timeline(student=student, everything=everything),
            "is_self": is_self,
        },
    )


@require_GET
def my_timeline(request: HttpRequest) -> HttpResponse:
    """A student's own agreements: the timeline of themselves."""
    student = roles_of(request.user).student
    if student is None:
        raise Http404  # staff and guardians open a student's timeline from the student's page or the portal
    return redirect("classmeetings:timeline", student_pk=student.pk)


urlpatterns = [
    path("<int:pk>/agreements/", previous_agreements, name="agreements"),
    path("students/<int:student_pk>/agreements/", timeline, name="timeline"),
    path("my/agreements/", my_timeline, name="my_timeline"),
]
