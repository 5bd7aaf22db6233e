"""Small pieces every app's views share."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseStopPolling


def safe_next_url(request: HttpRequest, fallback: str | None = None) -> str | None:
    """The `next` page a form came from (POST, else GET) if it is on this site; else `fallback`.

    Never an address elsewhere: a crafted link cannot send someone off-site after a form.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def job_fragment_response(
    request: HttpRequest, job, template_name: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """The status fragment a background job's page polls (htmx, every 2 s while the job waits or runs).

    Once there is no job, or it is ready or failed, the fragment comes back without its trigger and
    with status 286, which tells htmx to stop polling at once; an error answer (status other than
    200) is sent as it is, so htmx swaps it in.
    """
    response = render(request, template_name, context, status=status)
    if status == 200 and (job is None or job.is_done):
        return HttpResponseStopPolling(response.content)
    return response
