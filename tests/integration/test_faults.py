"""Faults, on loopback, against the real processes: gunicorn (scripts/web.sh), a Celery worker (scripts/worker.sh),
a redis-server and a PostgreSQL cluster of this module's own, so the machine's own servers are never touched.

- Redis stops while people work: pages still answer (the cache reads as a miss, sessions are in the database)
  and a PDF asked for meanwhile waits, marked "unavailable", and is sent once Redis is back; reminders and
  a roster import asked for meanwhile wait the same way, and once Redis is back the beat task sends them
  and the worker runs each once; a question's e-mail notice (no job row) waits in the outbox and is
  mailed once.
- The worker is killed (SIGKILL) in the middle of a class's prep sheets: after a new worker starts, the broker
  delivers the unacknowledged message again (acks_late) and the batch completes, one sheet per student.
- PostgreSQL restarts: the same gunicorn answers again (CONN_HEALTH_CHECKS), no restart of the web process.

Every wait polls with a generous deadline; nothing here measures time.
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import http.client
import io
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse
from pypdf import PdfReader

from bench.load_entry import Browser, Reply, form_csrf_token, htmx_csrf_token, log_in, web_process
from mentoring.models import PrepSheet, PrepSheetJob
from reviews.models import Entry, Light, Phase, ReminderJob, ReviewCycle
from school.jobs import QUEUE_UNAVAILABLE
from school.models import RosterImport
from tests.factories import PeriodFactory, StudentFactory
from tests.integration.celery_worker import _database_url
from tests.processes import BASE_DIR, clean_env, free_port, run_python

pytestmark = [pytest.mark.integration]

DEADLINE_S = 90  # a batch of PDFs, a worker's start-up, on a busy 2-core machine
STARTUP_S = 240  # scripts/web.sh: migrate from scratch, collectstatic, gunicorn, on a busy 2-core machine
PASSWORD = secrets.token_urlsafe(12)


def wait_until(what: str, check: Callable[[], object], *, within: float = DEADLINE_S, logs: tuple[Path, ...] = ()):
    """Poll `check` until it returns something true; fail with `what` (and the logs' tails) at the deadline."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {log}:\n{log.read_text(errors='replace')[-3000:]}" for log in logs if log.exists())
            pytest.fail(f"not within {within:.0f} s: {what}\n{tails}")
        time.sleep(0.2)


def production_password(user) -> None:
    """A password the production settings can check (the test settings hash with MD5, production does not);
    English pages, as the assertions read English."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.language = "en"
    user.save(update_fields=["password", "language"])


def stack_env(tmp: Path, *, database_url: str, port: int, media: Path, **more: str) -> dict[str, str]:
    return clean_env(
        PYTHON=sys.executable,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(media),
        CELERY_QUEUE_DIR=str(tmp / "celery"),
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        WORKER_CONCURRENCY="1",
        **more,
    )


# --- a redis-server that can be stopped and started again on its port -----------------------------------------


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def answers() -> bool:
            try:
                return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
            except redis.ConnectionError:
                return False

        wait_until("redis-server answers", answers, within=20, logs=(self.folder / "redis.log",))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def queued(self) -> int:
        """Messages waiting in Celery's default queue."""
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            return client.llen("celery")
        finally:
            client.close()


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        pytest.fail("these fault tests need redis-server (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- a PostgreSQL cluster of our own ---------------------------------------------------------------------------


@dataclass
class PostgresServer:
    folder: Path
    port: int
    bindir: Path
    as_postgres: list[str]

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        command = [*self.as_postgres, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0:
            log = (self.folder / "postgres.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(command)}: {result.stdout}{result.stderr}\n{log}")

    def createdb(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def own_postgres_server() -> Iterator[PostgresServer]:
    """initdb + pg_ctl in a temporary folder, on a free port (as the postgres user when we are root)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("these tests need PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb)")
    bindir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    as_postgres = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(folder, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(folder, free_port(), bindir, as_postgres)
    try:
        options = ["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        subprocess.run(
            [*as_postgres, str(bindir / "initdb"), "-D", str(folder / "data"), *options],
            capture_output=True,
            check=True,
            timeout=120,
        )
        options = f"-p {server.port} -k {folder} -h 127.0.0.1 -F"  # -F: no fsync, a throwaway cluster
        server.pg_ctl("start", "-w", "-t", "60", "-l", str(folder / "postgres.log"), "-o", options)
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")
        shutil.rmtree(folder, ignore_errors=True)


# --- Redis stops ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_pages_work_and_a_pdf_waits_visibly_while_redis_is_down(world, redis_server, tmp_path, settings):
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1"),
        name="Ronde 1",
        entry_deadline=datetime.date(2026, 11, 20),
        phase=Phase.ENTRY,
    )
    cycle.departments.set([world.department])
    for user in (world.mentor, world.teacher):
        production_password(user)
    port = free_port()
    media = tmp_path / "media"
    env = stack_env(tmp_path, database_url=_database_url(), port=port, media=media, REDIS_URL=redis_server.url)
    log = tmp_path / "web.log"
    home = reverse("home")
    grid = reverse("reviews:grid", args=[cycle.pk, world.teaching_group.pk])
    save = reverse("reviews:entry_save", args=[cycle.pk, world.teaching_group.pk, world.student.pk])
    prep_sheets = reverse("mentoring:prep_sheets", args=[cycle.pk, world.class_group.pk])

    with web_process(BASE_DIR, env, log=log, url=f"http://127.0.0.1:{port}", ready_within=STARTUP_S):
        mentor = Browser("127.0.0.1", port, timeout=30)
        log_in(mentor, world.mentor.username, PASSWORD)  # while Redis is up: the session is cached there too
        assert mentor.request("GET", home).status == 200

        redis_server.stop()

        assert mentor.request("GET", home).status == 200  # the cached session is gone: read from the database
        teacher = Browser("127.0.0.1", port, timeout=30)
        log_in(teacher, world.teacher.username, PASSWORD)  # a new login while Redis is down
        page = teacher.request("GET", grid)
        assert page.status == 200
        token = htmx_csrf_token(page.body) or teacher.cookies["csrftoken"]
        headers = {"HX-Request": "true", "X-CSRFToken": token}
        saved = teacher.request("POST", save, form={"version": 0, "light": Light.RED, "reason": ""}, headers=headers)
        assert saved.status == 200, saved.body[:2000]
        assert Entry.objects.get(cycle=cycle, student=world.student).light == Light.RED

        # Asking for the class's prep sheets: no error page, the job waits and the page says why.
        page = mentor.request("GET", prep_sheets)
        assert page.status == 200
        asked = mentor.request("POST", prep_sheets, form={"csrfmiddlewaretoken": form_csrf_token(page.body)})
        assert asked.status == 302, asked.body[:2000]
        job = PrepSheetJob.objects.get(cycle=cycle, class_group=world.class_group)
        assert (job.status, job.error) == (PrepSheetJob.Status.PENDING, QUEUE_UNAVAILABLE)
        page = mentor.request("GET", prep_sheets)
        assert page.status == 200
        assert "data-job-unsent" in page.body
        assert "The background service is unavailable right now" in page.body
        assert "Traceback" not in log.read_text(errors="replace")

        redis_server.start()  # back, empty: the message was never sent

        # The page's next poll sends it.
        poll = mentor.request("GET", prep_sheets, headers={"HX-Request": "true"})
        assert poll.status == 200
        assert "data-job-unsent" not in poll.body
        job.refresh_from_db()
        assert (job.status, job.error) == (PrepSheetJob.Status.PENDING, "")
        assert redis_server.queued() == 1
        # And only once: the next poll sends nothing more.
        assert mentor.request("GET", prep_sheets, headers={"HX-Request": "true"}).status == 200
        assert redis_server.queued() == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_asked_for_while_the_broker_is_down_waits_marked_unsent_and_is_sent_once_later(world, redis_server):
    """In-process, on the services: job_request never raises for a broker that is down; job_resend sends once."""
    from mentoring import tasks

    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1"),
        name="Ronde 1",
        entry_deadline=datetime.date(2026, 11, 20),
        phase=Phase.MENTOR_TALKS,
    )
    cycle.departments.set([world.department])
    task = tasks.prep_sheets_batch_task
    conf = task.app.conf
    kept = (conf.task_always_eager, conf.broker_url)
    try:
        conf.task_always_eager = False
        conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens
        asked_while_down_and_sent_later(world, cycle, task, redis_server)
    finally:
        conf.task_always_eager, conf.broker_url = kept


def asked_while_down_and_sent_later(world, cycle, task, redis_server) -> None:
    from mentoring.services.prep_sheets import prep_sheet_job_request
    from school import jobs

    job = prep_sheet_job_request(cycle=cycle, class_group=world.class_group, actor=world.mentor)
    job.refresh_from_db()
    assert (job.status, job.error, job.is_unsent) == (PrepSheetJob.Status.PENDING, QUEUE_UNAVAILABLE, True)
    assert jobs.job_resend(job, task).is_unsent  # still down: still waiting, still marked

    task.app.conf.broker_url = redis_server.url  # the broker is back
    job = jobs.job_resend(job, task)
    assert (job.status, job.error, job.is_unsent) == (PrepSheetJob.Status.PENDING, "", False)
    assert redis_server.queued() == 1
    assert jobs.job_resend(job, task) is job  # sent: nothing more to do
    again = prep_sheet_job_request(cycle=cycle, class_group=world.class_group, actor=world.mentor)
    assert again.pk == job.pk
    assert redis_server.queued() == 1  # a double click queues nothing more


def beat_resends_once(redis_server: RedisServer, *, expected: int) -> None:
    """Run the beat task in-process on the real broker: it sends `expected` messages, and the next round none."""
    from school.tasks import jobs_resend_unsent_task

    conf = jobs_resend_unsent_task.app.conf
    kept = (conf.task_always_eager, conf.broker_url)
    try:
        conf.task_always_eager = False
        conf.broker_url = redis_server.url
        assert jobs_resend_unsent_task() == expected
        assert redis_server.queued() == expected
        assert jobs_resend_unsent_task() == 0  # sent once: the next round sends nothing more
        assert redis_server.queued() == expected
    finally:
        conf.task_always_eager, conf.broker_url = kept


def post_files(browser: Browser, path: str, *, token: str, field: str, files: list[Path]) -> Reply:
    """A multipart POST of `files` under `field` (Browser posts urlencoded forms only), with its cookies."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'.encode()]
    for file in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{file.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        )
        parts.append(head.encode() + file.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    headers = {
        "Host": f"{browser.host}:{browser.port}",
        "X-Forwarded-Proto": "https",
        "Origin": browser.origin,
        "Cookie": "; ".join(f"{name}={value}" for name, value in browser.cookies.items()),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    connection = http.client.HTTPConnection(browser.host, browser.port, timeout=browser.timeout)
    try:
        connection.request("POST", path, body=b"".join(parts), headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        browser.remember(response.headers.get_all("Set-Cookie") or [])
        return Reply(response.status, text, response.headers.get("Location", ""))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_reminders_and_a_roster_import_asked_for_while_redis_is_down_run_once_after_it_is_back(
    world, redis_server, tmp_path
):
    """The pages answer and say the work waits; once Redis is back the beat task sends it and the worker runs
    each job once: every teacher behind gets one reminder, the upload is checked once."""
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1"),
        name="Ronde 1",
        entry_deadline=datetime.date(2026, 11, 27),
        phase=Phase.ENTRY,
    )
    cycle.departments.set([world.department, world.other_department])
    for user in (world.team_leader, world.admin):
        production_password(user)
    port = free_port()
    mails = tmp_path / "mails"
    env = stack_env(
        tmp_path,
        database_url=_database_url(),
        port=port,
        media=tmp_path / "media",
        REDIS_URL=redis_server.url,
        EMAIL_URL=f"filemail:///{mails}",
    )
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    cycle_page = reverse("reviews:cycle_detail", args=[cycle.pk])
    remind = reverse("reviews:cycle_remind", args=[cycle.pk])
    upload = reverse("school:roster_import")

    with web_process(BASE_DIR, env, log=web_log, url=f"http://127.0.0.1:{port}", ready_within=STARTUP_S):
        leader = Browser("127.0.0.1", port, timeout=30)
        log_in(leader, world.team_leader.username, PASSWORD)
        admin = Browser("127.0.0.1", port, timeout=30)
        log_in(admin, world.admin.username, PASSWORD)

        redis_server.stop()

        # The reminder: asked for, no error page; the cycle page says it waits, and why.
        page = leader.request("GET", cycle_page)
        assert page.status == 200
        asked = leader.request("POST", remind, form={"csrfmiddlewaretoken": form_csrf_token(page.body)})
        assert asked.status == 302, asked.body[:2000]
        reminder = ReminderJob.objects.get(cycle=cycle)
        assert (reminder.status, reminder.error) == (ReminderJob.Status.PENDING, QUEUE_UNAVAILABLE)
        page = leader.request("GET", cycle_page)
        assert page.status == 200
        assert "data-job-unsent" in page.body
        assert "Queued — the background service is unavailable right now; the reminder is sent" in page.body

        # The roster import: uploaded, no error page; its page says it waits, and why.
        page = admin.request("GET", upload)
        assert page.status == 200
        files = sorted((BASE_DIR / "tests" / "school" / "roster_data" / "simple").iterdir())
        posted = post_files(admin, upload, token=form_csrf_token(page.body), field="files", files=files)
        assert posted.status == 302, posted.body[:2000]
        roster = RosterImport.objects.get(school=world.school)
        assert (roster.status, roster.error) == (RosterImport.Status.PENDING, QUEUE_UNAVAILABLE)
        page = admin.request("GET", posted.location)
        assert page.status == 200
        assert "data-job-unsent" in page.body
        assert "Queued — the background service is unavailable right now; the import starts" in page.body
        assert "Traceback" not in web_log.read_text(errors="replace")

    redis_server.start()  # back, empty: neither message was ever sent

    # Nobody looks at the pages: the beat task (called here, in-process, on the real broker) sends both.
    beat_resends_once(redis_server, expected=2)
    for job in (reminder, roster):
        job.refresh_from_db()
        assert (job.status, job.error) == ("pending", "")

    worker = start_worker(env, worker_log)
    try:

        def both_done() -> bool:
            assert worker.poll() is None, "the worker exited"
            reminder.refresh_from_db()
            roster.refresh_from_db()
            return reminder.is_done and roster.is_done

        wait_until("the worker ran the reminder and the import", both_done, logs=(worker_log,))
        wait_until("the worker acknowledged both", lambda: worker_log.read_text().count("succeeded") >= 2)
    finally:
        kill_group(worker)

    assert (reminder.status, reminder.sent, reminder.total) == (ReminderJob.Status.DONE, 2, 2)
    assert roster.status == RosterImport.Status.PREVIEWED, roster.errors
    assert roster.summary["enrollments"]["created"] > 0
    log = worker_log.read_text(errors="replace")
    assert log.count("reviews.tasks.reminders_send_task[") == 2  # received once, succeeded once
    assert log.count("school.tasks.roster_import_run_task[") == 2
    sent = "".join(path.read_text(errors="replace") for path in mails.iterdir())
    recipients = sorted(line.removeprefix("To: ") for line in sent.splitlines() if line.startswith("To: "))
    assert recipients == sorted([world.teacher.email, world.other_teacher.email])  # each teacher once
    assert redis_server.queued() == 0


@pytest.mark.django_db(transaction=True)
def test_a_question_asked_while_redis_is_down_is_told_to_its_teacher_once_after_it_is_back(
    world, redis_server, tmp_path
):
    """A notice has no job row: the question is kept and the page answers, the refused notice waits in the
    outbox (UnsentTask), and once Redis is back the beat task sends it and the worker mails the teacher once."""
    from mentoring.models import Question
    from school.models import UnsentTask
    from tests.rounds import this_round

    cycle = this_round(world, phase=Phase.SPEED_DATE, departments=[world.department, world.other_department])
    production_password(world.mentor)
    port = free_port()
    mails = tmp_path / "mails"
    env = stack_env(
        tmp_path,
        database_url=_database_url(),
        port=port,
        media=tmp_path / "media",
        REDIS_URL=redis_server.url,
        EMAIL_URL=f"filemail:///{mails}",
    )
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    ask = reverse("mentoring:question_ask", args=[cycle.pk, world.student.pk, world.teaching_group.pk])

    with web_process(BASE_DIR, env, log=web_log, url=f"http://127.0.0.1:{port}", ready_within=STARTUP_S):
        mentor = Browser("127.0.0.1", port, timeout=30)
        log_in(mentor, world.mentor.username, PASSWORD)
        page = mentor.request("GET", ask)
        assert page.status == 200

        redis_server.stop()

        asked = mentor.request(
            "POST",
            ask,
            form={"csrfmiddlewaretoken": form_csrf_token(page.body), "text": "Wat helpt Sam bij woordjes leren?"},
        )
        assert asked.status == 302, asked.body[:2000]
        question = Question.objects.get(student=world.student)
        assert list(UnsentTask.objects.values_list("task_name", "args")) == [
            ("mentoring.tasks.question_notice_task", [question.pk])
        ]
        assert "Traceback" not in web_log.read_text(errors="replace")

    redis_server.start()  # back, empty: the notice was never sent

    # The beat task (called here, in-process, on the real broker) sends it, once.
    beat_resends_once(redis_server, expected=1)
    assert not UnsentTask.objects.exists()

    worker = start_worker(env, worker_log)
    try:
        wait_until(
            "the worker ran the notice",
            lambda: worker.poll() is None and worker_log.read_text(errors="replace").count("succeeded") >= 1,
            logs=(worker_log,),
        )
    finally:
        kill_group(worker)

    log = worker_log.read_text(errors="replace")
    assert log.count("mentoring.tasks.question_notice_task[") == 2  # received once, succeeded once
    sent = "".join(path.read_text(errors="replace") for path in mails.iterdir())
    recipients = [line.removeprefix("To: ") for line in sent.splitlines() if line.startswith("To: ")]
    assert recipients == [world.teacher.email]  # the teacher, once
    assert redis_server.queued() == 0


# --- the worker is killed in the middle of a batch ------------------------------------------------------------

WORKER_SETTINGS = """
from config.settings.production import *  # noqa: F403

# The broker gives an unacknowledged message back after 5 s (production: an hour), checked every second.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
"""


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            ["bash", str(BASE_DIR / "scripts" / "worker.sh")],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_prep_sheet_batch_completes_after_its_worker_was_killed_midway(world, redis_server, tmp_path, settings):
    from mentoring import tasks

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1"),
        name="Ronde 1",
        entry_deadline=datetime.date(2026, 11, 20),
        phase=Phase.MENTOR_TALKS,
    )
    cycle.departments.set([world.department])
    for number in range(11):
        StudentFactory(school=world.school, class_group=world.class_group, last_name=f"Leerling {number:02}")
    students = world.class_group.students.count()
    (tmp_path / "fault_worker_settings.py").write_text(WORKER_SETTINGS)
    env = stack_env(
        tmp_path,
        database_url=_database_url(),
        port=free_port(),
        media=settings.MEDIA_ROOT,
        REDIS_URL=redis_server.url,
        DJANGO_SETTINGS_MODULE="fault_worker_settings",
        PYTHONPATH=str(tmp_path),
    )
    logs = (tmp_path / "worker-1.log", tmp_path / "worker-2.log")
    # The row as prep_sheet_job_request leaves it; its message goes to the real broker.
    job = PrepSheetJob.objects.create(cycle=cycle, class_group=world.class_group, requested_by=world.mentor)
    probe = tasks.prep_sheets_batch_task.app.__class__("faults-probe", set_as_current=False)
    probe.conf.broker_url = redis_server.url
    first = start_worker(env, logs[0])
    second = None
    try:
        probe.send_task("mentoring.tasks.prep_sheets_batch_task", args=[job.pk])

        def midway() -> bool:
            job.refresh_from_db()
            assert job.status != PrepSheetJob.Status.DONE, "the batch ended before the worker could be killed"
            assert first.poll() is None, "the first worker exited by itself"
            return job.status == PrepSheetJob.Status.RUNNING and job.done >= 2

        wait_until("the first worker has made two sheets", midway, logs=logs)
        kill_group(first)  # SIGKILL: no warm shutdown, the message stays unacknowledged
        job.refresh_from_db()
        assert job.status == PrepSheetJob.Status.RUNNING
        assert job.done < students

        second = start_worker(env, logs[1])

        def finished() -> bool:
            job.refresh_from_db()
            assert second.poll() is None, "the second worker exited"
            return job.is_done

        wait_until("the batch is done after a new worker started", finished, within=2 * DEADLINE_S, logs=logs)
    finally:
        probe.close()
        for process in (first, second):
            if process is not None:
                kill_group(process)

    assert job.status == PrepSheetJob.Status.DONE, job.error
    assert job.attempts >= 2  # claimed by the killed worker, then again by the redelivery
    assert (job.done, job.total) == (students, students)
    sheets = PrepSheet.objects.filter(cycle=cycle)
    assert sheets.count() == students  # one sheet per student: the redelivery replaced, never added
    assert sorted(sheets.values_list("student_id", flat=True)) == sorted(
        world.class_group.students.values_list("pk", flat=True)
    )
    for sheet in sheets:
        assert sheet.file.storage.exists(sheet.file.name)
    with job.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]  # the top level: one a student
    assert sorted(titles) == sorted(s.full_name for s in world.class_group.students.all())  # each student once


# --- PostgreSQL restarts --------------------------------------------------------------------------------------

CREATE_ADMIN = """
import sys

import django

django.setup()
from school.models import School, Staff, User

school = School.objects.create(name="Herstartcollege")
user = User.objects.create_user(username="restart.admin", password=sys.argv[1], school=school)
Staff.objects.create(school=school, user=user, code="ADM", is_school_admin=True)
"""


def test_requests_recover_after_postgresql_restarts_without_restarting_gunicorn(tmp_path):
    with own_postgres_server() as postgres:
        postgres.createdb("faults")
        port = free_port()
        env = stack_env(tmp_path, database_url=postgres.url("faults"), port=port, media=tmp_path / "media")
        log = tmp_path / "web.log"
        with web_process(BASE_DIR, env, log=log, url=f"http://127.0.0.1:{port}", ready_within=STARTUP_S):
            created = run_python(
                ["-c", CREATE_ADMIN, PASSWORD],
                env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
                timeout=DEADLINE_S,
            )
            assert created.returncode == 0, created.stderr
            admin = Browser("127.0.0.1", port, timeout=30)
            log_in(admin, "restart.admin", PASSWORD)
            # Every gunicorn worker opens its persistent connection (CONN_MAX_AGE) before the restart.
            for _ in range(6):
                assert admin.request("GET", "/").status == 200

            postgres.pg_ctl("restart", "-m", "fast", "-w", "-t", "60", "-l", str(postgres.folder / "postgres.log"))

            # The same web process: each worker finds its connection dead and opens a new one.
            statuses = [admin.request("GET", "/").status for _ in range(8)]
            assert statuses == [200] * 8, log.read_text(errors="replace")[-4000:]
            again = Browser("127.0.0.1", port, timeout=30)
            log_in(again, "restart.admin", PASSWORD)  # a write (the session) after the restart
            assert again.request("GET", "/").status == 200
