"""`/healthz`: is the database reachable, the broker up, and a worker answering?"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; report it, don't raise
        return False, type(exc).__name__
    return True, connection.vendor


def check_broker() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return True, conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport.driver_type
    except Exception as exc:
        return False, type(exc).__name__


def check_worker() -> tuple[bool, str]:
    try:
        replies = celery_app.control.ping(timeout=1.5)
    except Exception as exc:
        return False, type(exc).__name__
    if not replies:
        return False, "no worker answered"
    return True, f"{len(replies)} worker(s)"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {}
    for name, check in (("database", check_database), ("broker", check_broker)):
        ok, detail = check()
        checks[name] = {"ok": ok, "detail": detail}
    # Without a broker no worker can answer; asking would only add seconds of retries.
    if checks["broker"]["ok"]:
        ok, detail = check_worker()
    else:
        ok, detail = False, "broker unavailable"
    checks["worker"] = {"ok": ok, "detail": detail}
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503)
