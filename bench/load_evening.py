"""`make load`: the evening before the deadline, compressed to two minutes, against the production stack.

    python bench/load_evening.py                       # 150 teachers, 2 minutes (make load)
    python bench/load_evening.py --teachers 20 --seconds 30   # a quick look

On loopback: scripts/web.sh (gunicorn, production settings, WEB_CONCURRENCY workers) and scripts/worker.sh
(a Celery worker) on a throwaway PostgreSQL database (created on LOAD_POSTGRES_URL, default the machine's
postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards) and a redis-server of its own (cache,
cached sessions and broker).

- 150 teachers (15 classes x 10 subjects, 30 students each) log in over the first 45 s, open their grid and
  then together each save SAVES lights, one after the other, with a think time of THINK_S: the whole
  evening's entering in about two minutes (hard stop --seconds, default 180).
- Meanwhile every class's mentor reads their class dashboard and the two team leaders read the round's
  overview, each every READ_THINK_S, and one mentor asks for their class's prep sheets (the worker makes them).
- Afterwards the rows are counted in the database: exactly one per cell a teacher sent, holding what was sent.

Prints requests, errors (any answer but 200, any lost connection, any server traceback), p50/p95 per kind of
request and lost rows; exits 1 when there was an error or a lost row. Figures, not assertions: nothing here
runs in `make test`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLASSES, SUBJECTS, CLASS_SIZE = 15, 10, 30  # 150 teachers
SAVES = 10  # lights per teacher in the compressed evening
THINK_S = (3.0, 8.0)  # between two saves of one teacher: 150 teachers save some 27 lights a second
READ_THINK_S = (8.0, 15.0)  # between two dashboard reads of one mentor or team leader
# A login is a real password hash (PBKDF2, ~0.5 s of CPU): 150 of them are spread over this many seconds.
LOGIN_SPREAD_S = 45.0
WEB_CONCURRENCY = 4
PASSWORD = secrets.token_urlsafe(12)
POSTGRES_URL = os.environ.get("LOAD_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


@dataclass
class Reader:
    username: str
    pages: list[str]
    # Per page: (when it was asked, seconds on time.monotonic(); how long the answer took, ms).
    ms: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    failure: str = ""


def read_dashboards(reader: Reader, *, port: int, stop: threading.Event, rng: random.Random) -> None:
    from bench.load_entry import Browser, log_in

    browser = Browser("127.0.0.1", port, timeout=30)
    try:
        log_in(browser, reader.username, PASSWORD)
    except (OSError, RuntimeError) as error:
        reader.failure = f"{reader.username}: {error}"
        return
    while not stop.wait(rng.uniform(*READ_THINK_S)):
        for page in reader.pages:
            asked, started = time.monotonic(), time.perf_counter()
            try:
                reply = browser.request("GET", page)
            except OSError as error:
                reader.statuses[type(error).__name__] += 1
                continue
            reader.ms.setdefault(page.split("/")[1] or "home", []).append(
                (asked, (time.perf_counter() - started) * 1000)
            )
            reader.statuses[reply.status] += 1


def create_database() -> str:
    import psycopg
    from psycopg import sql

    name = f"load_evening_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl()


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=CLASSES * SUBJECTS, help="multiple of 10 (default 150)")
    parser.add_argument("--seconds", type=float, default=180.0, help="hard stop after the first login")
    options = parser.parse_args()
    classes = max(1, options.teachers // SUBJECTS)

    try:
        database_url = create_database()
    except Exception as error:
        print(f"!! make load needs PostgreSQL at {POSTGRES_URL} (set LOAD_POSTGRES_URL): {error}")
        return 2
    folder = Path(tempfile.mkdtemp(prefix="load-evening-"))
    try:
        return run(database_url, folder, classes=classes, seconds=options.seconds)
    finally:
        drop_database(database_url)
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def run(database_url: str, folder: Path, *, classes: int, seconds: float) -> int:
    from tests.processes import clean_env, free_port, own_redis_server

    with own_redis_server(folder) as redis_url:
        env = clean_env(
            PYTHON=sys.executable,
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
            CELERY_QUEUE_DIR=str(folder / "celery"),
            HOST="127.0.0.1",
            WEB_CONCURRENCY=str(WEB_CONCURRENCY),
            WORKER_CONCURRENCY="1",
        )
        # This process seeds and counts with the production settings' database and hashers.
        os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"})
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return evening(env, folder, classes=classes, seconds=seconds, free_port=free_port)


def evening(env: dict[str, str], folder: Path, *, classes: int, seconds: float, free_port) -> int:
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse

    from bench.entry_world import entry_world_create, percentile
    from bench.load_entry import Save, Teacher, run_teachers, tally, web_process
    from mentoring.models import PrepSheetJob
    from reviews.models import Entry, Light
    from school.models import Staff, User

    world = entry_world_create(
        class_sizes=[CLASS_SIZE] * classes, subjects=SUBJECTS, username_prefix="avond-", password=PASSWORD
    )
    hashed = make_password(PASSWORD)
    readers: list[Reader] = []
    class_groups = {teaching.group.pk: teaching for teaching in world.teachings}
    first_of_class = {}
    for teaching in world.teachings:
        first_of_class.setdefault(teaching.students[0].class_group_id, teaching.students[0].class_group)
    for number, class_group in enumerate(first_of_class.values(), 1):
        user = User.objects.create(school=world.school, username=f"avond-mentor{number:02}", password=hashed)
        class_group.mentors.add(Staff.objects.create(school=world.school, user=user, code=f"M{number:02}"))
        readers.append(
            Reader(user.username, [reverse("mentoring:dashboard", args=[world.cycle.pk, class_group.pk]), "/"])
        )
    department = next(iter(first_of_class.values())).department
    for number in (1, 2):
        user = User.objects.create(school=world.school, username=f"avond-teamleider{number}", password=hashed)
        department.team_leaders.add(Staff.objects.create(school=world.school, user=user, code=f"TL{number}"))
        readers.append(Reader(user.username, [reverse("reviews:cycle_detail", args=[world.cycle.pk]), "/"]))
    del class_groups

    lights = (Light.GREEN, Light.GREEN, Light.ORANGE, Light.GREEN, Light.RED)
    teachers = [
        Teacher(
            username=teaching.teacher.username,
            password=PASSWORD,
            grid_path=reverse("reviews:grid", args=[world.cycle.pk, teaching.group.pk]),
            saves=[
                Save(
                    (teaching.group.pk, student.pk),
                    reverse("reviews:entry_save", args=[world.cycle.pk, teaching.group.pk, student.pk]),
                    "light",
                    lights[(number + index) % len(lights)],
                    0,
                )
                for index, student in enumerate(teaching.students[:SAVES])
            ],
        )
        for number, teaching in enumerate(world.teachings)
    ]

    port = free_port()
    web_log, worker_log = folder / "web.log", folder / "worker.log"
    with worker_log.open("wb") as out:
        worker = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "worker.sh")],
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stop = threading.Event()
    try:
        with web_process(
            ROOT, {**env, "PORT": str(port)}, log=web_log, url=f"http://127.0.0.1:{port}", ready_within=120
        ):
            print(
                f"   {len(teachers)} teachers x {SAVES} lights, {len(readers)} dashboard readers, "
                "one prep-sheet batch; "
                f"gunicorn {WEB_CONCURRENCY} workers + Celery worker, PostgreSQL + Redis; hard stop {seconds:.0f} s",
                flush=True,
            )
            started = time.monotonic()
            threads = [
                threading.Thread(
                    target=read_dashboards,
                    args=(reader,),
                    kwargs={"port": port, "stop": stop, "rng": random.Random(index)},
                    daemon=True,
                )
                for index, reader in enumerate(readers)
            ]
            for thread in threads:
                thread.start()
            batch = ask_for_prep_sheets(readers[0].username, world, first_of_class, port)
            # The moment the last teacher is in and the entering starts: reads before it share the
            # machine with 150 password hashes (PBKDF2), reads after it with the saves.
            entering: list[float] = []
            outcomes = run_teachers(
                teachers,
                host="127.0.0.1",
                port=port,
                think_s=THINK_S,
                login_spread_s=min(LOGIN_SPREAD_S, seconds / 6),
                deadline=started + seconds,
                on_start=lambda: entering.append(time.monotonic()),
            )
            stop.set()
            for thread in threads:
                thread.join(timeout=40)
            ended = time.monotonic()
    finally:
        stop.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, 9)
        worker.wait(timeout=30)
    tracebacks = web_log.read_text(errors="replace").count("Traceback")

    sent = {cell: value for outcome in outcomes for cell, value in outcome.sent.items()}
    stored = [
        ((group, student), {"light": light, "advice": advice})
        for group, student, light, advice in Entry.objects.filter(cycle=world.cycle).values_list(
            "teaching_group_id", "student_id", "light", "advice"
        )
    ]
    result = tally(sent, stored)
    lost = len(result.lost) + result.unexpected + result.duplicates
    saves_ms = [ms for outcome in outcomes for ms in outcome.save_ms]
    save_statuses = sum((outcome.statuses for outcome in outcomes), start=Counter())
    read_statuses = sum((reader.statuses for reader in readers), start=Counter())
    failures = [o.failure for o in outcomes if o.failure] + [r.failure for r in readers if r.failure]
    errors = (
        sum(n for status, n in save_statuses.items() if status != 200)
        + sum(n for status, n in read_statuses.items() if status != 200)
        + tracebacks
        + len(failures)
    )
    batch_state = (
        PrepSheetJob.objects.filter(pk=batch).values_list("status", "done", "total").first() if batch else None
    )

    print(f"   run: {ended - started:.1f} s")
    print(f"   saves: {len(saves_ms)} answered, statuses {dict(sorted(save_statuses.items(), key=str))}")
    if saves_ms:
        print(f"   save p50 {percentile(saves_ms, 50):.0f} ms, p95 {percentile(saves_ms, 95):.0f} ms")
    per_page: dict[str, list[tuple[float, float]]] = {}
    for reader in readers:
        for page, values in reader.ms.items():
            per_page.setdefault(page, []).extend(values)
    print(
        f"   dashboard reads: {sum(read_statuses.values())}, statuses {dict(sorted(read_statuses.items(), key=str))}"
    )
    entering_at = entering[0] if entering else ended
    for page, values in sorted(per_page.items()):
        for phase, phase_values in (
            ("while teachers log in", [ms for at, ms in values if at < entering_at]),
            ("while teachers enter", [ms for at, ms in values if at >= entering_at]),
        ):
            if phase_values:
                print(
                    f"   read /{page}/… {phase}: {len(phase_values)}, "
                    f"p50 {percentile(phase_values, 50):.0f} ms, p95 {percentile(phase_values, 95):.0f} ms"
                )
    print(f"   prep-sheet batch (status, done, total): {batch_state}")
    print(f"   rows: {result.rows} stored for {result.expected} cells sent; lost or wrong: {lost}")
    print(f"   server tracebacks: {tracebacks}")
    for failure in failures[:5]:
        print(f"   !! {failure}")
    requests = len(saves_ms) + sum(read_statuses.values())
    print(f"LOAD requests={requests} errors={errors} lost_rows={lost}", end="")
    if saves_ms:
        print(f" save_p50_ms={percentile(saves_ms, 50):.0f} save_p95_ms={percentile(saves_ms, 95):.0f}", end="")
    print()
    return 1 if errors or lost or not saves_ms else 0


def ask_for_prep_sheets(username: str, world, classes: dict, port: int) -> int | None:
    """The first mentor asks for their class's prep sheets through the page, as a browser does."""
    from django.urls import reverse

    from bench.load_entry import Browser, form_csrf_token, log_in
    from mentoring.models import PrepSheetJob

    class_group = next(iter(classes.values()))
    path = reverse("mentoring:prep_sheets", args=[world.cycle.pk, class_group.pk])
    browser = Browser("127.0.0.1", port, timeout=30)
    try:
        log_in(browser, username, PASSWORD)
        page = browser.request("GET", path)
        browser.request("POST", path, form={"csrfmiddlewaretoken": form_csrf_token(page.body) or ""})
    except (OSError, RuntimeError) as error:
        print(f"   !! prep sheets not asked for: {error}")
        return None
    return PrepSheetJob.objects.filter(cycle=world.cycle, class_group=class_group).values_list("pk", flat=True).first()


if __name__ == "__main__":
    sys.exit(main())
