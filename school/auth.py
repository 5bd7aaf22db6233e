"""Logging in safely: the client's address, the login page of a locked-out user (django-axes),
single sign-on through the school's identity provider (mozilla-django-oidc).

Settings: AXES_*, TRUSTED_PROXY_COUNT and OIDC_* in config/settings/base.py.
"""

from __future__ import annotations

from datetime import datetime

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from school.models import User


def client_ip(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies that each
    append the address they saw to X-Forwarded-For, the entry that many places from its right end
    (entries further left are whatever the client sent, so never trusted)."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote_addr
    return forwarded[-hops]


def locked_until(request: HttpRequest, username: str) -> datetime:
    """When this username may try again from this address: the cool-off after its last failed attempt."""
    cool_off = get_cool_off(request)
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=getattr(request, "axes_ip_address", None))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (last or timezone.now()) + cool_off


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The login page again, with a message saying when to try again (429 Too Many Requests)."""
    username = get_client_username(request, credentials) or ""
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "locked_until": timezone.localtime(locked_until(request, username)),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


class TestClientAxesBackend(AxesStandaloneBackend):
    """Test settings only: Django's test client `login()` calls authenticate() without a request,
    which django-axes refuses outright. Without a request there is no address to throttle, so this
    backend lets the next one decide; every login through the web (the login page, single sign-on)
    passes its request and is watched as in production."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SchoolOIDCBackend(OIDCAuthenticationBackend):
    """Single sign-on with the school's identity provider (OpenID Connect), on when OIDC_RP_CLIENT_ID is set.

    The provider only proves an e-mail address: it logs in the one active account of the school
    (OIDC_SCHOOL_BRIN, if set) with that address, and never creates or changes an account — who is
    who in this system comes from the roster import. No match, or more than one: no login.
    """

    def verify_token(self, token: str, **kwargs) -> dict:
        payload = super().verify_token(token, **kwargs)
        # mozilla-django-oidc checks signature, expiry and nonce, not for whom and by whom the token was made.
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was not made for this client.")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def filter_users_by_claims(self, claims: dict) -> QuerySet[User]:
        email = (claims.get("email") or "").strip()
        if not email or claims.get("email_verified") is False:
            return User.objects.none()
        users = User.objects.filter(email__iexact=email, is_active=True)
        if settings.OIDC_SCHOOL_BRIN:
            users = users.filter(school__brin__iexact=settings.OIDC_SCHOOL_BRIN)
        matches = list(users[:2])
        return users.filter(pk=matches[0].pk) if len(matches) == 1 else User.objects.none()

    def create_user(self, claims: dict) -> None:
        return None
