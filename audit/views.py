"""The school admin's audit log page: who read or changed sensitive data, filterable, newest first.

Thin: policy → selector → render. The school admin only, of their own school: other staff know the
page exists (403); students, guardians and guests do not (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from school.policies import roles_of

from . import policies, selectors
from .forms import AuditFilterForm


@require_GET
def audit_events(request: HttpRequest) -> HttpResponse:
    if not policies.can_read_audit_log(request.user):
        if roles_of(request.user).is_staff_member:
            raise PermissionDenied
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = selectors.AuditFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.AuditFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            person=data["person"],
            student=data["student"],
            kind=data["kind"],
            action=data["action"],
        )
    page = selectors.audit_events_page(
        policies.audit_events_visible_to(request.user), filters, page_number=request.GET.get("page", 1)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=422 if form.is_bound and form.errors else 200,
    )


urlpatterns = [
    path("", audit_events, name="events"),
]
