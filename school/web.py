"""Small pieces every app's views share."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


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
