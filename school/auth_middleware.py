"""Session timeouts and the one security header Django does not set itself.

Why an idle timeout and not SESSION_SAVE_EVERY_REQUEST: school laptops are shared and left open in
classrooms, so a session must end soon after its teacher walks away (SESSION_IDLE_TIMEOUT) and at
the latest after one school day (SESSION_COOKIE_AGE), while the cookie itself dies with the browser
(SESSION_EXPIRE_AT_BROWSER_CLOSE). Saving the session on every request would cost a database write
per autosave of the entry grid; here the "last seen" stamp is written at most once every sixth of the
idle timeout (or for free, when the session is saved anyway, as at login).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LAST_SEEN = "_session_last_seen"
STARTED = "_session_started"


class SessionTimeoutMiddleware:
    """Logs out a session idle longer than SESSION_IDLE_TIMEOUT or older than SESSION_COOKIE_AGE.

    Sits after AuthenticationMiddleware and MessageMiddleware; LoginRequiredMiddleware then sends the
    now anonymous request to the login page (its process_view runs after every __call__).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = int(time.time())
        if request.user.is_authenticated and self._expired(request, now):
            logout(request)
            messages.info(request, _("You were logged out because you had not used the site for a while."))
        response = self.get_response(request)
        if request.user.is_authenticated:
            self._stamp(request, now)
        return response

    @staticmethod
    def _expired(request: HttpRequest, now: int) -> bool:
        last_seen = request.session.get(LAST_SEEN)
        started = request.session.get(STARTED)
        idle = last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT
        too_old = started is not None and now - started > settings.SESSION_COOKIE_AGE
        return idle or too_old

    @staticmethod
    def _stamp(request: HttpRequest, now: int) -> None:
        session = request.session
        last_seen = session.get(LAST_SEEN)
        if session.modified:
            # Saved anyway (a login, a message): the stamp costs nothing.
            pass
        elif last_seen is None or now - last_seen < settings.SESSION_IDLE_TIMEOUT // 6:
            # A session without stamps was made without the login page (the test client's login):
            # it is stamped the next time it is saved. A recent stamp is good enough.
            return
        session[LAST_SEEN] = now
        session.setdefault(STARTED, now)


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header (settings.PERMISSIONS_POLICY): Django has no setting for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
