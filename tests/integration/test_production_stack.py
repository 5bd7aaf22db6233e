"""The production stack as docker-compose.yml runs it, without docker.

scripts/web.sh (migrate, collectstatic, gunicorn) and scripts/worker.sh (Celery)
start as subprocesses with the production settings and the environment a
deployment gives them, against a real database and broker:

- with DATABASE_URL and REDIS_URL set (CI: the machine's PostgreSQL and Redis),
  a PostgreSQL database created for this module and dropped afterwards, and an
  empty Redis database number of its own, flushed afterwards;
- otherwise a SQLite file and kombu's filesystem broker in a temporary folder,
  so the test runs on any machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.processes import BASE_DIR, clean_env, free_port

pytestmark = pytest.mark.integration

STARTUP_DEADLINE_S = 90  # migrate + collectstatic + gunicorn + worker, on a busy 2-core CI machine
STOP_DEADLINE_S = 20


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    logs: dict[str, Path]
    database_vendor: str
    broker_driver: str

    def log_tails(self, lines: int = 40) -> str:
        return "\n".join(
            f"--- {name} ({path}):\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            for name, path in self.logs.items()
        )


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header's values joined by "\n"
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Response:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - always http://127.0.0.1
    try:
        with _opener.open(request, timeout=timeout) as response:
            status, raw_headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        status, raw_headers, body = error.code, error.headers, error.read()
    headers: dict[str, str] = {}
    for name, value in raw_headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}\n{value}" if key in headers else value
    return Response(status, headers, body)


# --- the database and the broker --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack_database(tmp_path_factory) -> Iterator[str]:
    """A DATABASE_URL for the stack: a fresh PostgreSQL database, or a SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('stack-db') / 'db.sqlite3'}"
        return

    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = f"leerlingbespreking_stack_{secrets.token_hex(4)}"
    parts = urlsplit(url)
    maintenance = make_conninfo(parts._replace(scheme="postgresql").geturl(), dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def stack_broker(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Broker settings for the stack: an empty Redis database of its own, or a filesystem queue."""
    queue_dir = {"CELERY_QUEUE_DIR": str(tmp_path_factory.mktemp("stack-celery"))}
    url = os.environ.get("REDIS_URL", "")
    if not url:
        yield queue_dir
        return

    import redis

    parts = urlsplit(url)
    claim = "leerlingbespreking:stack-test"
    numbers = list(range(1, 16))  # 0 is the default database, which the unit tests and `make run` use
    random.shuffle(numbers)
    for number in numbers:
        candidate = parts._replace(path=f"/{number}").geturl()
        client = redis.Redis.from_url(candidate)
        try:
            # An empty database, claimed atomically against a parallel run.
            if client.dbsize() == 0 and client.set(claim, "1", nx=True, ex=600):
                break
        except redis.ResponseError:  # fewer than 16 databases configured
            client.close()
            continue
        client.close()
    else:
        pytest.fail(f"no empty Redis database in 1-15 at {parts.hostname}:{parts.port}")
    try:
        # The filesystem folder is unused with Redis, but keeps base.py's mkdir out of the work tree.
        yield {"REDIS_URL": candidate, **queue_dir}
    finally:
        client.flushdb()
        client.close()


# --- the processes ----------------------------------------------------------------------------------------------


def _start(script: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        # A session of its own: the script's children (migrate, gunicorn's and
        # celery's pool processes) can be stopped together with its group.
        return subprocess.Popen(
            ["bash", str(BASE_DIR / "scripts" / script)],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each main process (a warm shutdown), then SIGKILL whatever is left of their groups."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_DEADLINE_S
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):  # the whole group has exited already
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_DEADLINE_S)


def _wait_until_healthy(stack: Stack, processes: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    last = "no answer yet"
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode} while starting\n{stack.log_tails()}")
        try:
            response = http_get(f"{stack.url}/healthz", timeout=5)
        except OSError as error:  # not listening yet (still migrating), or reset while booting
            last = repr(error)
        else:
            if response.status == 200:
                return
            last = f"{response.status} {response.body[:500]!r}"
        time.sleep(0.5)
    pytest.fail(f"/healthz not 200 within {STARTUP_DEADLINE_S} s; last: {last}\n{stack.log_tails()}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, stack_database, stack_broker) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    port = free_port()
    env = clean_env(
        # DJANGO_SETTINGS_MODULE is left to the scripts: production is their default.
        PYTHON=sys.executable,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=stack_database,
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        WORKER_CONCURRENCY="1",
        **stack_broker,
    )
    stack = Stack(
        url=f"http://127.0.0.1:{port}",
        env=env,
        logs={"web": tmp / "web.log", "worker": tmp / "worker.log"},
        database_vendor="sqlite" if stack_database.startswith("sqlite") else "postgresql",
        broker_driver="redis" if "REDIS_URL" in stack_broker else "filesystem",
    )
    processes: dict[str, subprocess.Popen] = {}
    try:
        processes["worker"] = _start("worker.sh", env, stack.logs["worker"])
        processes["web"] = _start("web.sh", env, stack.logs["web"])
        _wait_until_healthy(stack, processes)
        yield stack
    finally:
        _stop(list(processes.values()))


# --- the tests --------------------------------------------------------------------------------------------------


def test_healthz_reports_database_broker_and_worker_ok(stack):
    response = http_get(f"{stack.url}/healthz")

    assert response.status == 200, stack.log_tails()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True, "detail": stack.database_vendor}
    assert body["checks"]["broker"] == {"ok": True, "detail": stack.broker_driver}
    assert body["checks"]["worker"]["ok"] is True
    assert "no-cache" in response.headers["cache-control"]


def test_login_page_is_served_with_the_production_security_headers(stack):
    response = http_get(f"{stack.url}/login/")

    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    csrf_cookie = next(c for c in response.headers["set-cookie"].split("\n") if c.startswith("csrftoken="))
    assert "Secure" in csrf_cookie
    assert "Strict-Transport-Security".lower() not in response.headers  # never over plain HTTP


def test_requests_that_came_through_https_get_hsts(stack):
    # Behind the TLS proxy: it sets X-Forwarded-Proto, which the production settings trust.
    response = http_get(f"{stack.url}/login/", headers={"X-Forwarded-Proto": "https"})

    assert response.status == 200
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"


def test_pages_need_a_login(stack):
    response = http_get(f"{stack.url}/")

    assert response.status == 302
    assert response.headers["location"] == "/login/?next=/"


def test_static_css_is_served_by_whitenoise_with_hashed_names(stack):
    page = http_get(f"{stack.url}/login/").body.decode()
    stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', page) + re.findall(
        r'<link[^>]+href="([^"]+\.css)"[^>]+rel="stylesheet"', page
    )
    assert stylesheets, "the login page links no stylesheet"

    for href in stylesheets:
        # CompressedManifestStaticFilesStorage: content-hashed names, cached forever, precompressed.
        assert re.search(r"\.[0-9a-f]{12}\.css$", href), href
        response = http_get(f"{stack.url}{href}", headers={"Accept-Encoding": "gzip"})
        assert response.status == 200, href
        assert response.headers["content-type"].startswith("text/css")
        assert "immutable" in response.headers["cache-control"]
        assert response.headers.get("content-encoding") == "gzip"


def _compose_health_checks() -> dict[str, list[str]]:
    """The `healthcheck.test` of each service in docker-compose.yml (written as JSON-style lists)."""
    checks, service = {}, None
    for line in (BASE_DIR / "docker-compose.yml").read_text().splitlines():
        if match := re.fullmatch(r"  ([a-z][a-z0-9_-]*):\s*", line):
            service = match.group(1)
        elif match := re.fullmatch(r"\s+test: (\[.*\])\s*", line):
            checks[service] = json.loads(match.group(1))
    return checks


def test_the_compose_health_checks_of_web_and_worker_pass(stack):
    """Docker cannot run here: run docker-compose.yml's own health check commands against the stack."""
    checks = _compose_health_checks()
    venv_bin = str(Path(sys.executable).parent)
    env = {
        **stack.env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",  # as docker-compose.yml sets it
        "PATH": f"{venv_bin}{os.pathsep}{stack.env.get('PATH', '')}",
    }

    web = checks["web"]
    assert web[:2] == ["CMD", "python"]
    result = subprocess.run([sys.executable, *web[2:]], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr

    worker = checks["worker"]
    assert worker[0] == "CMD-SHELL"
    # "$$" is docker compose's escape for "$"; in a container $HOSTNAME is its host name.
    command = worker[1].replace("$$", "$")
    result = subprocess.run(
        ["sh", "-c", command],
        cwd=BASE_DIR,
        env={**env, "HOSTNAME": socket.gethostname()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pong" in result.stdout


# Run with the stack's settings and environment: the "web side" of an upload, in a process of its own.
ROSTER_IMPORT_THROUGH_THE_WORKER = """
import json, sys, time
from pathlib import Path

import django

django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile

from school import services
from school.models import RosterImport, School, Staff, Student, User

BUSY = {RosterImport.Status.PENDING, RosterImport.Status.RUNNING}


def finished(job):
    deadline = time.monotonic() + float(sys.argv[2])
    while job.status in BUSY and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    return job


school = School.objects.create(name="Stacklyceum")
admin = User.objects.create_user(username="stack.admin", school=school)
Staff.objects.create(school=school, user=admin, code="ADM", is_school_admin=True)
files = [SimpleUploadedFile(path.name, path.read_bytes()) for path in sorted(Path(sys.argv[1]).glob("*.csv"))]

job = finished(services.roster_import_job_create(school=school, actor=admin, files=files))
previewed = job.status
job = finished(services.roster_import_job_apply(job=job, actor=admin))
print(json.dumps({
    "previewed": previewed,
    "applied": job.status,
    "errors": job.errors,
    "students": Student.objects.filter(school=school, is_active=True).count(),
}))
"""


def test_the_worker_runs_a_roster_import_queued_by_the_web_side(stack):
    """Queue → broker → worker → the same database and media folder, as with docker compose's shared volume."""
    roster = BASE_DIR / "tests" / "school" / "roster_data" / "simple"
    env = {**stack.env, "DJANGO_SETTINGS_MODULE": "config.settings.production"}

    result = subprocess.run(
        [sys.executable, "-c", ROSTER_IMPORT_THROUGH_THE_WORKER, str(roster), "60"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )

    assert result.returncode == 0, result.stderr + stack.log_tails()
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert (outcome["previewed"], outcome["applied"]) == ("previewed", "applied"), stack.log_tails()
    assert outcome["students"] > 0
    assert "roster_import_run_task" in stack.logs["worker"].read_text()
