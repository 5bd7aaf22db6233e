"""`load_entry_p50_ms`, `load_entry_p95_ms`, `load_entry_lost_rows`: 60 teachers enter lights at once.

A load run on loopback against the production web process (scripts/web.sh: gunicorn, production
settings) on PostgreSQL. Budget: p95 ≤ 250 ms per save, and not one cell lost.

- The school: six classes of 30, ten subjects each, a teacher per teaching group: 60 teachers,
  each with a group of 30, 1,800 cells. It is Wednesday of the entry week: the oranges from
  Monday (every other student of each group) have an entry already and now get their advice;
  the other students get their first light.
- Each teacher logs in through the login form (the logins are spread over a few seconds, as
  the password hash is deliberately slow), opens their grid and takes its CSRF token; then all
  60 start together and save their 30 cells one after the other, down the grid, each with the
  version their grid showed, and a think time of THINK_S between two saves: about a cell a
  second, a brisk keyboard pace (a key for a light, a key to move on; real advice takes far
  longer to type), so 60 teachers offer some 50 saves a second. The pace sets the load: at
  0.2-0.8 s it is twice that, which this 2-core machine cannot serve within the budget. The
  figures are each save's round trip; `load_entry_failed_saves` counts answers other than 200.
- Afterwards the rows are counted: exactly one per cell, 1,800 in all, each holding what its
  teacher sent. `load_entry_lost_rows` counts the cells for which that is not so (missing,
  different, more than one row) plus rows nobody saved.
- Hard stop RUN_LIMIT_S after the first login; gunicorn's process group always ends.
- The load generator shares the machine with gunicorn and PostgreSQL (it uses about 3 % of the
  CPU); the lines printed say how busy the machine was before and during the run, as other
  work on it (a test run, a browser) moves these figures a lot.

PostgreSQL: the runner's database when BENCH_DATABASE_URL points at PostgreSQL; otherwise this
bench runs itself once more in a child process on a throwaway database of its own on
BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres), created and dropped
by bench/run.py as for any bench. Without a reachable PostgreSQL it measures nothing and says so.

    python bench/run.py load_entry
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.urls import reverse

from bench.entry_world import EntryWorld, entry_world_create, percentile
from bench.load_entry import Save, Teacher, cpu_busy_seconds, machine_busy_share, run_teachers, tally, web_process
from reviews.models import Entry, EntryChange, Light

ROOT = Path(__file__).resolve().parent.parent
CLASSES, SUBJECTS, CLASS_SIZE = 6, 10, 30  # 60 teachers x 30 cells
THINK_S = (0.5, 1.5)  # seconds between two saves of one teacher, drawn uniformly: about one cell a second
LOGIN_SPREAD_S = 8.0  # the 60 logins start over this many seconds
RUN_LIMIT_S = 120.0
WEB_CONCURRENCY = 4  # gunicorn sync workers on this 2-core machine (2 x cores, with database waits to fill)
PASSWORD = secrets.token_urlsafe(12)
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def run() -> dict[str, float]:
    if connection.vendor == "postgresql":
        return load_run()
    return run_on_postgres()


# --- when the runner gave us SQLite ----------------------------------------------------------------------


def run_on_postgres() -> dict[str, float]:
    """This bench once more, in a child of bench/run.py on a throwaway PostgreSQL database."""
    import json

    import psycopg

    from bench.run import child_environment

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        print(
            f"!! load_entry needs PostgreSQL: {POSTGRES_URL} is unreachable ({' '.join(str(error).split())}); "
            "load_entry_* are NOT measured (set BENCH_DATABASE_URL or BENCH_POSTGRES_URL)",
            flush=True,
        )
        return {}
    print(f"   the runner's database is {connection.vendor}: running on PostgreSQL at {POSTGRES_URL}", flush=True)
    with tempfile.TemporaryDirectory(prefix="load-entry-") as folder:
        result_file = Path(folder) / "result.json"
        command = [sys.executable, str(ROOT / "bench" / "run.py"), "--child", "bench_load_entry"]
        child = subprocess.Popen(
            [*command, "--result-file", str(result_file)], cwd=ROOT, env=child_environment(POSTGRES_URL)
        )
        try:
            child.wait(timeout=RUN_LIMIT_S + 180)
        except subprocess.TimeoutExpired:
            # SIGINT, so its finally blocks stop gunicorn and drop the database.
            child.send_signal(signal.SIGINT)
            child.wait(timeout=60)
        if child.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"the load run on PostgreSQL failed (exit status {child.returncode})")
        return json.loads(result_file.read_text())


# --- the load run itself -------------------------------------------------------------------------------


def seed_mondays_oranges(world: EntryWorld) -> dict[tuple[int, int], int]:
    """Every other student of each group has an orange from Monday, without advice yet; cell → its version."""
    entries = Entry.objects.bulk_create(
        Entry(
            cycle=world.cycle,
            teaching_group=teaching.group,
            student=student,
            grade=Decimal("5.4"),
            light=Light.ORANGE,
            version=1 + index % 3,  # some were changed once or twice already
            updated_by=teaching.teacher,
        )
        for teaching in world.teachings
        for index, student in enumerate(teaching.students)
        if index % 2 == 1
    )
    return {(entry.teaching_group_id, entry.student_id): entry.version for entry in entries}


def teachers_for(world: EntryWorld, versions: dict[tuple[int, int], int]) -> list[Teacher]:
    lights = (Light.GREEN, Light.GREEN, Light.ORANGE, Light.GREEN, Light.RED)
    teachers = []
    for number, teaching in enumerate(world.teachings):
        saves = []
        for index, student in enumerate(teaching.students):
            cell = (teaching.group.pk, student.pk)
            path = reverse("reviews:entry_save", args=[world.cycle.pk, teaching.group.pk, student.pk])
            if cell in versions:
                advice = f"Maak de oefentoetsen van hoofdstuk {index % 7 + 1} en vraag hulp bij {student.first_name}s "
                advice += f"docent in het steunuur (docent {number + 1}, leerling {index + 1})."
                saves.append(Save(cell, path, "advice", advice, versions[cell]))
            else:
                saves.append(Save(cell, path, "light", lights[(number + index) % len(lights)], 0))
        teachers.append(
            Teacher(
                username=teaching.teacher.username,
                password=PASSWORD,
                grid_path=reverse("reviews:grid", args=[world.cycle.pk, teaching.group.pk]),
                saves=saves,
            )
        )
    return teachers


def web_environment(folder: Path, port: int) -> dict[str, str]:
    from tests.processes import clean_env

    return clean_env(
        # DJANGO_SETTINGS_MODULE is left to web.sh: production is its default.
        PYTHON=sys.executable,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=os.environ["DATABASE_URL"],  # bench/run.py's throwaway database
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        CELERY_QUEUE_DIR=str(folder / "celery"),
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY=str(WEB_CONCURRENCY),
    )


def first_traceback(log: str) -> list[str]:
    """The lines of the first traceback in gunicorn's log, up to and with its exception line."""
    lines = log[log.index("Traceback") :].splitlines()
    end = next((n for n, line in enumerate(lines[1:], 1) if line and not line[0].isspace()), len(lines) - 1)
    return lines[: end + 1]


def load_run() -> dict[str, float]:
    from tests.processes import free_port

    world = entry_world_create(
        class_sizes=[CLASS_SIZE] * CLASSES, subjects=SUBJECTS, username_prefix="load-", password=PASSWORD
    )
    versions = seed_mondays_oranges(world)
    teachers = teachers_for(world, versions)
    expected = {save.cell: (save.field, save.value) for teacher in teachers for save in teacher.saves}
    port = free_port()
    background = machine_busy_share(seconds=2)  # others' work on this machine skews the figures: say so
    with tempfile.TemporaryDirectory(prefix="load-entry-") as name:
        folder = Path(name)
        log = folder / "web.log"
        with web_process(
            ROOT, web_environment(folder, port), log=log, url=f"http://127.0.0.1:{port}", ready_within=90
        ):
            started = time.monotonic()
            at_start = {}  # when the saves begin: the logins are not part of the figures

            def saves_begin() -> None:
                at_start.update(time=time.monotonic(), machine=cpu_busy_seconds(), own=os.times())

            outcomes = run_teachers(
                teachers,
                host="127.0.0.1",
                port=port,
                think_s=THINK_S,
                login_spread_s=LOGIN_SPREAD_S,
                deadline=started + RUN_LIMIT_S,
                on_start=saves_begin,
            )
            ended, machine, own = time.monotonic(), cpu_busy_seconds(), os.times()
        server_log = log.read_text(errors="replace")
    server_errors = server_log.count("Traceback")

    stored = [
        ((group, student), {"light": light, "advice": advice})
        for group, student, light, advice in Entry.objects.filter(cycle=world.cycle).values_list(
            "teaching_group_id", "student_id", "light", "advice"
        )
    ]
    result = tally(expected, stored)
    changes = EntryChange.objects.filter(entry__cycle=world.cycle).count()
    timings = [ms for outcome in outcomes for ms in outcome.save_ms]
    statuses = sum((outcome.statuses for outcome in outcomes), start=Counter())
    failures = [outcome.failure for outcome in outcomes if outcome.failure]
    logins = [outcome.login_ms for outcome in outcomes if outcome.login_ms is not None]

    print(
        f"   {len(teachers)} teachers x {CLASS_SIZE} saves on PostgreSQL, gunicorn {WEB_CONCURRENCY} sync workers, "
        f"think time {THINK_S[0]}-{THINK_S[1]} s; {ended - started:.1f} s in all"
    )
    if background is not None:
        print(f"   before the run the machine was {100 * background:.0f} % busy with other work")
    if at_start:
        saving = ended - at_start["time"]
        print(f"   saving took {saving:.1f} s: {len(timings) / saving:.0f} saves per second")
    if at_start.get("machine") and machine:
        busy, total = (after - before for before, after in zip(at_start["machine"], machine, strict=True))
        browsers = own.user + own.system - at_start["own"].user - at_start["own"].system
        print(
            f"   CPU while saving: the machine {100 * busy / total:.0f} % busy, "
            f"{100 * browsers / busy:.0f} % of that in the simulated browsers (this process)"
        )
    if logins:
        spread = f"started over {LOGIN_SPREAD_S:g} s"
        print(f"   logins: p50 {percentile(logins, 50):.0f} ms, max {max(logins):.0f} ms ({spread})")
    print(f"   save answers: {dict(sorted(statuses.items(), key=str))}; server tracebacks: {server_errors}")
    print(
        f"   rows: {result.rows} of {result.expected} expected, {len(result.lost)} lost or wrong, "
        f"{result.duplicates} duplicate, {result.unexpected} unexpected; {changes} history rows"
    )
    for failure in failures[:5]:
        print(f"   !! {failure}")
    if server_errors:
        print("   !! the server's first traceback ends:", *first_traceback(server_log)[-6:], sep="\n      ")
    if not timings:
        raise RuntimeError("no save came back: " + "; ".join(failures[:3]))
    figures = {
        "load_entry_p50_ms": round(percentile(timings, 50), 1),
        "load_entry_p95_ms": round(percentile(timings, 95), 1),
        "load_entry_lost_rows": len(result.lost) + result.unexpected,
        "load_entry_failed_saves": sum(count for status, count in statuses.items() if status != 200),
    }
    print(
        f"   saves: {len(timings)} measured, p50 {figures['load_entry_p50_ms']:.0f} ms, "
        f"p95 {figures['load_entry_p95_ms']:.0f} ms, p99 {percentile(timings, 99):.0f} ms, max {max(timings):.0f} ms"
    )
    return figures
