"""The entry grid in process: `save_cell_p50_ms` (budget ≤ 25 ms) and the grid's query counts.

- `save_cell_p50_ms`, `save_cell_p95_ms`: a teacher saves one cell through the HTMX endpoint
  (`reviews:entry_save` with HX-Request), with django.test.Client in this process: no network,
  so the time around `client.post` is the server's time (middleware, session, view, template).
  Light and advice alternate over the 30 students of a group, each save with the version the
  previous one returned, so every save changes the entry and writes its history. The first
  saves warm the process up and are not counted.
- `entry_grid_queries_small`, `entry_grid_queries_large`: queries of GET `reviews:grid` as the
  group's teacher, at 16 and 32 students, half of them with an entry already (must be equal).
- `save_cell_queries`: queries of one such save (for reading the timing, no budget).

    python bench/run.py entry
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from bench.entry_world import Teaching, entry_world_create, percentile
from bench.load_entry import machine_busy_share
from reviews.models import AdvicePhrase, Entry, Light, ReviewCycle

GRID_SIZES = {"small": 16, "large": 32}
WARM_UP_SAVES = 20
MEASURED_SAVES = 400
LIGHTS = (Light.ORANGE, Light.RED, Light.GREEN)
HTMX = {"HX-Request": "true"}


def grid_url(cycle: ReviewCycle, teaching: Teaching) -> str:
    return _reverse("reviews:grid", cycle.pk, teaching.group.pk)


def save_url(cycle: ReviewCycle, teaching: Teaching, student_pk: int) -> str:
    return _reverse("reviews:entry_save", cycle.pk, teaching.group.pk, student_pk)


def _reverse(name: str, *args: int) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch as error:
        raise RuntimeError(f"{name} does not exist (yet): the entry grid's views are needed for this bench") from error


def grid_queries(size: int) -> int:
    """Queries of the grid page of a group of `size`, half of whose students have an entry already."""
    world = entry_world_create(class_sizes=[size], subjects=1, username_prefix=f"grid{size}-")
    (teaching,) = world.teachings
    Entry.objects.bulk_create(
        Entry(
            cycle=world.cycle,
            teaching_group=teaching.group,
            student=student,
            grade=Decimal("6.5"),
            light=Light.ORANGE,
            advice="Plan je huiswerk per dag in je agenda.",
            updated_by=teaching.teacher,
        )
        for student in teaching.students[::2]
    )
    AdvicePhrase.objects.bulk_create(
        AdvicePhrase(owner=teaching.teacher, text=text, position=n)
        for n, text in enumerate(["Maak elke week een oefentoets.", "Stel je vragen in de les."])
    )
    client = Client()
    client.force_login(teaching.teacher)
    url = grid_url(world.cycle, teaching)
    client.get(url)  # warm up: what a process does once (templates, translations) is not the page's cost
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    page = response.content.decode()
    missing = [student.last_name for student in teaching.students if escape(student.last_name) not in page]
    if missing:
        raise RuntimeError(f"GET {url} shows no row for {len(missing)} of {size} students, e.g. {missing[0]}")
    return len(queries)


def save_cell_timings() -> tuple[list[float], int]:
    """Milliseconds of each measured save, and the queries of one save."""
    world = entry_world_create(class_sizes=[30], subjects=1, username_prefix="save-")
    (teaching,) = world.teachings
    client = Client()
    client.force_login(teaching.teacher)
    versions = dict.fromkeys((student.pk for student in teaching.students), 0)
    urls = {student.pk: save_url(world.cycle, teaching, student.pk) for student in teaching.students}

    def save(number: int) -> float:
        # Saves 2n and 2n+1 go to the same student: first the light, then the advice that goes with it.
        student_pk = teaching.students[(number // 2) % len(teaching.students)].pk
        rounds = number // (2 * len(teaching.students))
        if number % 2 == 0:
            field, value = "light", LIGHTS[rounds % len(LIGHTS)]
        else:
            field, value = "advice", f"Oefen elke week twee opgaven extra (ronde {rounds + 1})."
        data = {"version": versions[student_pk], field: value, "reason": ""}
        started = time.perf_counter()
        response = client.post(urls[student_pk], data, headers=HTMX)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(
                f"save {number} ({field}) answered {response.status_code}: {response.content[:300].decode()!r}"
            )
        versions[student_pk] += 1
        return elapsed * 1000

    for number in range(WARM_UP_SAVES):
        save(number)
    timings = [save(number) for number in range(WARM_UP_SAVES, WARM_UP_SAVES + MEASURED_SAVES)]
    with CaptureQueriesContext(connection) as queries:
        save(WARM_UP_SAVES + MEASURED_SAVES)
    saved = Entry.objects.filter(cycle=world.cycle, teaching_group=teaching.group)
    if sorted(saved.values_list("version", flat=True)) != sorted(versions.values()):
        raise RuntimeError("the stored versions are not those the saves should have left")
    return timings, len(queries)


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    for size_name, size in GRID_SIZES.items():
        figures[f"entry_grid_queries_{size_name}"] = grid_queries(size)
    print(
        f"   grid: {figures['entry_grid_queries_small']} queries at {GRID_SIZES['small']} students, "
        f"{figures['entry_grid_queries_large']} at {GRID_SIZES['large']}"
    )
    background = machine_busy_share(seconds=1)  # others' work on this machine skews the timings: say so
    timings, queries = save_cell_timings()
    figures["save_cell_p50_ms"] = round(percentile(timings, 50), 2)
    figures["save_cell_p95_ms"] = round(percentile(timings, 95), 2)
    figures["save_cell_queries"] = queries
    print(
        f"   save one cell (HTMX, in process, {connection.vendor}): {len(timings)} saves after {WARM_UP_SAVES} "
        f"to warm up, p50 {figures['save_cell_p50_ms']:.1f} ms, p95 {figures['save_cell_p95_ms']:.1f} ms, "
        f"max {max(timings):.1f} ms, {queries} queries per save"
    )
    if background is not None:
        print(f"   (before the timing the machine was {100 * background:.0f} % busy with other work)")
    return figures
