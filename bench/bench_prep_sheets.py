"""Prep sheets for the mentor talk: one sheet in process, and a class of 30 through a real Celery worker (DESIGN §6).

- `prep_sheet_pdf_s`: `mentoring.services.prep_sheets.prep_sheet_pdf` for one student with 14
  subjects (lights, grades, advice, the trend against last round), a submitted reflection with
  all six answers and three goals, a decision of the department meeting with agreements, and
  last round's agreements: the median of 5 renders in this process, after 2 to warm up (the
  first render loads WeasyPrint's fonts; a worker does that once).
- `prep_batch_30_s`: a class of 30 (every student with lights in 14 subjects, most with a
  submitted reflection) from `prep_sheet_job_request` to the job row's DONE, through ONE Celery
  worker process that this bench starts (scripts/worker.sh, production settings, concurrency 1)
  on this bench's throwaway database. The worker is started and warmed up (a batch of one
  student's class) before the clock starts; the clock stops when the polled job row says DONE,
  so it covers the queue, 30 renders, storing each sheet, the merge and storing the merged PDF.
- `prep_batch_30_pages`, `prep_sheet_pdf_pages`: for reading the above.

The broker: a redis-server of the bench's own when the machine has one (never the developer's
Redis, whose worker might take the message), else kombu's filesystem broker in a temporary
folder. Files go to a temporary MEDIA_ROOT shared by this process and the worker.

    python bench/run.py prep_sheets
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from bench.load_entry import _stop_group, _tail
from bench.mentoring_world import mentoring_world_create
from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    Goal,
    MentorTalk,
    PrepSheetJob,
    Reflection,
)
from school.models import Student
from tests.processes import own_redis_server

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 2
RUNS = 5
WORKER_READY_WITHIN_S = 90
BATCH_WITHIN_S = 300
# What a worker process must not inherit from this one: it gets its own settings.
NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_QUEUE_DIR",
    "CELERY_TASK_ALWAYS_EAGER",
    "STATIC_ROOT",
    "MEDIA_ROOT",
}
ANSWERS = {
    "went_well": "Geschiedenis en biologie gingen goed: ik maakte na elke les een samenvatting.",
    "went_less_well": "Wiskunde B ging minder goed, omdat ik de opgaven pas de avond voor de toets maakte.",
    "feeling_in_class": "Ik voel me goed in de klas; in het groepje van de praktische opdracht gaat het soms stroef.",
    "hard_subjects": "Wiskunde B en Frans.",
    "help_needed": "Hulp bij het plannen van grote opdrachten, en uitleg bij differentiëren.",
    "last_agreements": "Ik zou elke week mijn planner bijwerken; dat is de eerste weken goed gegaan.",
}
GOALS = (
    ("Een voldoende voor wiskunde B", "Elke dag twintig minuten opgaven maken", "De volgende toets is een 6 of hoger"),
    (
        "Op tijd beginnen met grote opdrachten",
        "Op zondag de week plannen in mijn agenda",
        "Geen opdracht meer te laat",
    ),
    ("Meer vragen stellen in de les", "Per les één vraag stellen", "Mijn docent merkt het op"),
)


# --- the data ----------------------------------------------------------------------------------------------


def _reflection(cycle, student: Student, *, goals: int) -> None:
    reflection = Reflection.objects.create(
        cycle=cycle, student=student, status=Reflection.Status.SUBMITTED, submitted_at=timezone.now(), **ANSWERS
    )
    Goal.objects.bulk_create(
        Goal(reflection=reflection, position=position, goal=goal, action=action, measure=measure)
        for position, (goal, action, measure) in enumerate(GOALS[:goals], start=1)
    )


def _decision(world, student: Student, mentor_user) -> None:
    meeting, _ = DepartmentMeeting.objects.get_or_create(cycle=world.cycle, department=world.department)
    escalation = Escalation.objects.create(
        cycle=world.cycle,
        student=student,
        department=world.department,
        category=Category.CARE,
        question="Heeft deze leerling extra begeleiding nodig bij het plannen?",
        status=Escalation.Status.DECIDED,
        raised_by=mentor_user,
    )
    item = AgendaItem.objects.create(
        meeting=meeting, escalation=escalation, position=student.pk, status=AgendaItem.Status.DECIDED
    )
    decision = Decision.objects.create(
        item=item,
        student=student,
        text="De leerling krijgt zes weken lang een wekelijks plangesprek met de mentor.",
        votes={"agree": 5, "disagree": 1, "abstain": 0},
        decided_by=world.team_leader,
    )
    for text, owner in (
        ("Wekelijks plangesprek op maandag", Agreement.Owner.MENTOR),
        ("De planner elke zondag bijwerken", Agreement.Owner.STUDENT),
    ):
        Agreement.objects.create(
            student=student,
            decision=decision,
            text=text,
            owner=owner,
            due_on=datetime.date(2027, 3, 12),
            created_by=world.team_leader,
        )


def _last_times_agreements(world, student: Student) -> None:
    talk = MentorTalk.objects.create(cycle=world.previous, student=student)
    for text, owner, status in (
        ("Elke week de planner bijwerken", Agreement.Owner.STUDENT, Agreement.Status.MET),
        ("Bijles wiskunde aanvragen", Agreement.Owner.GUARDIAN, Agreement.Status.PARTLY),
        ("Een gesprek met de docent Frans plannen", Agreement.Owner.MENTOR, Agreement.Status.OPEN),
    ):
        Agreement.objects.create(
            student=student, talk=talk, text=text, owner=owner, due_on=datetime.date(2026, 12, 18), status=status
        )


def _prepare(world) -> tuple[Student, list[Student]]:
    """The full sheet's student, and the class of 30 (most with a submitted reflection, some with more)."""
    class_of_30 = list(Student.objects.filter(class_group=world.classes[0]).order_by("last_name", "first_name", "pk"))
    mentor = world.mentors[0]
    with transaction.atomic():
        for n, student in enumerate(class_of_30):
            if n % 5 != 4:  # four in five have submitted before the talks
                _reflection(world.cycle, student, goals=1 + n % 3)
            if n % 10 == 0:
                _decision(world, student, mentor)
            if n % 3 == 0:
                _last_times_agreements(world, student)
    # The measured sheet's student (n = 0) has a decision and last time's agreements; give them all three goals.
    full = class_of_30[0]
    Goal.objects.bulk_create(
        Goal(reflection=full.reflections.get(), position=position, goal=goal, action=action, measure=measure)
        for position, (goal, action, measure) in enumerate(GOALS[1:], start=2)
    )
    return full, class_of_30


def _read(pdf: bytes) -> tuple[int, str]:
    """The PDF's number of pages and its text (whitespace made single)."""
    from pypdf import PdfReader

    if not pdf.startswith(b"%PDF"):
        raise RuntimeError("not a PDF")
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- one sheet in process ------------------------------------------------------------------------------------


def _one_sheet(world, student: Student) -> dict[str, float]:
    from mentoring.services.prep_sheets import prep_sheet_pdf

    pdf = b""
    for _ in range(WARM_UP):
        pdf = prep_sheet_pdf(cycle=world.cycle, student=student, language="nl")
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        pdf = prep_sheet_pdf(cycle=world.cycle, student=student, language="nl")
        times.append(time.perf_counter() - started)
    pages, text = _read(pdf)
    if GOALS[2][0] not in text or ANSWERS["help_needed"] not in text:
        raise RuntimeError("the prep sheet lacks the student's goals or reflection")
    return {"prep_sheet_pdf_s": round(statistics.median(times), 3), "prep_sheet_pdf_pages": pages}


# --- the broker and the worker -------------------------------------------------------------------------------


@contextlib.contextmanager
def _broker(folder: Path) -> Iterator[dict[str, str]]:
    """The worker's broker settings (environment): an own redis-server, else a filesystem queue in `folder`."""
    queue_dir = {"CELERY_QUEUE_DIR": str(folder / "celery")}
    if not shutil.which("redis-server"):
        yield queue_dir
        return
    with own_redis_server(folder) as url:
        yield {"REDIS_URL": url, **queue_dir}


def _use_broker(broker: dict[str, str]) -> None:
    """Point this process's Celery app at the worker's broker (it has not connected to any yet)."""
    from config.celery import app

    if "REDIS_URL" in broker:
        app.conf.broker_url = broker["REDIS_URL"]
        app.conf.broker_transport_options = {"visibility_timeout": 3600}
    else:
        folder = Path(broker["CELERY_QUEUE_DIR"])
        for name in ("queue", "control"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        app.conf.broker_url = "filesystem://localhost/"
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    app.conf.task_always_eager = False


@contextlib.contextmanager
def _worker(folder: Path, media: Path, broker: dict[str, str]) -> Iterator[None]:
    """scripts/worker.sh with the production settings and one process, on this bench's database; stopped after."""
    env = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    env.update(
        PYTHON=sys.executable,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=os.environ["DATABASE_URL"],  # the throwaway database (bench/run.py)
        MEDIA_ROOT=str(media),
        STATIC_ROOT=str(folder / "static-never-collected"),  # the PDFs' fetcher reads the source files
        WORKER_CONCURRENCY="1",
        **broker,
    )
    log = folder / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "worker.sh")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + WORKER_READY_WITHIN_S
        while " ready." not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{_tail(log)}")
            time.sleep(0.1)
        yield
    except Exception as error:
        raise RuntimeError(f"{error}\n--- worker log ---\n{_tail(log)}") from error
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # a warm shutdown
        _stop_group(process, grace=20)


def _batch(world, class_index: int) -> tuple[float, PrepSheetJob]:
    """Seconds from asking for a class's sheets to the job row's DONE (polled every 0.1 s)."""
    from mentoring.services.prep_sheets import prep_sheet_job_request

    started = time.perf_counter()
    job = prep_sheet_job_request(
        cycle=world.cycle, class_group=world.classes[class_index], actor=world.mentors[class_index]
    )
    deadline = time.monotonic() + BATCH_WITHIN_S
    while True:
        job.refresh_from_db()
        if job.is_done:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"prep sheets job {job.pk} still {job.status} ({job.done}/{job.total})")
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if job.status != PrepSheetJob.Status.DONE:
        raise RuntimeError(f"prep sheets job {job.pk} failed: {job.error}")
    return elapsed, job


def _class_batch(world, class_of_30: list[Student]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-prep-sheets-") as name:
        folder = Path(name)
        media = folder / "media"
        media.mkdir()
        with override_settings(MEDIA_ROOT=media), _broker(folder) as broker:
            _use_broker(broker)
            with _worker(folder, media, broker):
                _batch(world, 1)  # warm the worker's process up: a class of one
                elapsed, job = _batch(world, 0)
                with job.file.open("rb") as handle:
                    pdf = handle.read()
    if job.total != len(class_of_30) or job.done != job.total:
        raise RuntimeError(f"the batch made {job.done} of {job.total} sheets, expected {len(class_of_30)}")
    pages, text = _read(pdf)
    if pages < len(class_of_30) or GOALS[0][0] not in text or any(s.full_name not in text for s in class_of_30):
        raise RuntimeError("the merged PDF does not hold a sheet per student")
    return {"prep_batch_30_s": round(elapsed, 2), "prep_batch_30_pages": pages}


def run() -> dict[str, float]:
    world = mentoring_world_create(students=31, prefix="prep-")  # a class of 30, and one of 1 to warm up
    full, class_of_30 = _prepare(world)
    if len(class_of_30) != 30:
        raise RuntimeError(f"expected a class of 30, got {len(class_of_30)}")
    return {**_one_sheet(world, full), **_class_batch(world, class_of_30)}
