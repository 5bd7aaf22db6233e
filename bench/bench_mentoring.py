"""The department overview and the mentor dashboard in process (DESIGN §6).

- `dept_overview_p50_ms`: GET `mentoring:department_overview` as the department's team leader,
  400 students x 14 subjects (5,600 cells, with a previous round to compare with), with
  django.test.Client in this process: no network, so the time around `client.get` is the server's
  time (middleware, session, roles, queries, rendering). p50 of 15 runs after 3 to warm up.
- `dept_overview_floor_ratio`: that p50 ÷ the p50 of the floor: one raw SQL query through
  `connection.cursor()` joining the same department's entries, students and subjects (name,
  subject, light, grade, advice: the same cells), rendered as a plain HTML table with a string
  join and `html.escape`, called directly (no client, no middleware). Both are timed in the same
  loop, one after the other, so the machine's load touches both alike.
- `dept_overview_queries_small`, `dept_overview_queries_large`: queries of that GET at 100 and
  400 students (must be equal).
- `mentor_dashboard_p50_ms`: GET `mentoring:dashboard` as the mentor of one class of 30 x 14
  subjects in the same school, p50 of 15 runs after 3 to warm up.
- `dept_overview_floor_ms`, `dept_overview_kb`, `mentor_dashboard_queries`: for reading the above.

    python bench/run.py mentoring
"""

from __future__ import annotations

import html
import re
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.entry_world import percentile
from bench.load_entry import machine_busy_share
from bench.mentoring_world import MentoringWorld, mentoring_world_create
from reviews.models import Entry
from school.models import ClassGroup, Student, Subject, TeachingGroup

SIZES = {"small": 100, "large": 400}
WARM_UP = 3
RUNS = 15
ROW = re.compile(rb'<tr id="student-\d+"')


def _reverse(name: str, *args: int) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch as error:
        raise RuntimeError(f"{name} does not exist (yet): the dashboard's views are needed for this bench") from error


def overview_url(world: MentoringWorld) -> str:
    return _reverse("mentoring:department_overview", world.cycle.pk, world.department.pk)


def _get(client: Client, url: str, rows: int) -> float:
    """Milliseconds of one GET, checked: 200 and a row for every student."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    shown = len(ROW.findall(response.content))
    if shown != rows:
        raise RuntimeError(f"GET {url} shows {shown} students, expected {rows}")
    return elapsed


def _queries(client: Client, url: str, rows: int) -> int:
    _get(client, url, rows)  # warm up: what a process does once is not the page's cost
    with CaptureQueriesContext(connection) as queries:
        _get(client, url, rows)
    return len(queries)


# --- the floor: one raw query, a plain table ---------------------------------------------------------

FLOOR_SQL = f"""
    SELECT s.id, s.first_name, s.infix, s.last_name, sub.name, e.light, e.grade, e.advice
    FROM {Entry._meta.db_table} e
    JOIN {Student._meta.db_table} s ON s.id = e.student_id
    JOIN {ClassGroup._meta.db_table} cg ON cg.id = s.class_group_id
    JOIN {TeachingGroup._meta.db_table} tg ON tg.id = e.teaching_group_id
    JOIN {Subject._meta.db_table} sub ON sub.id = tg.subject_id
    WHERE e.cycle_id = %s AND cg.department_id = %s AND s.is_active
    ORDER BY s.last_name, s.first_name, s.id, sub.name
"""  # noqa: S608 - table names from the models, values as parameters


def floor_render(cycle_id: int, department_id: int) -> str:
    """The same cells, fetched bare and joined into a plain HTML table."""
    escape = html.escape
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [cycle_id, department_id])
        rows = cursor.fetchall()
    out = ["<table><tbody>"]
    current = None
    for student_id, first_name, infix, last_name, subject, light, grade, advice in rows:
        if student_id != current:
            if current is not None:
                out.append("</tr>")
            name = " ".join(part for part in (first_name, infix, last_name) if part)
            out.append(f'<tr id="student-{student_id}"><th>{escape(name)}</th>')
            current = student_id
        out.append(
            f'<td class="{light}" title="{escape(subject)}">{light} {"" if grade is None else grade} '
            f"{escape(advice)}</td>"
        )
    if current is not None:
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# --- the run -------------------------------------------------------------------------------------------------


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    worlds = {name: mentoring_world_create(students=size, prefix=f"{name}-") for name, size in SIZES.items()}
    if connection.vendor == "postgresql":
        # A live database has planner statistics (autovacuum keeps them); a throwaway one filled a
        # second ago has none, and PostgreSQL then plans the "students of this department" subqueries
        # as if the tables were empty (65 ms instead of 2 for one of them).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    for name, world in worlds.items():
        client = Client()
        client.force_login(world.team_leader)
        figures[f"dept_overview_queries_{name}"] = _queries(client, overview_url(world), world.students)
    print(
        f"   overview: {figures['dept_overview_queries_small']} queries at {SIZES['small']} students, "
        f"{figures['dept_overview_queries_large']} at {SIZES['large']}"
    )

    background = machine_busy_share(seconds=1)  # others' work on this machine skews the timings: say so
    world = worlds["large"]
    client = Client()
    client.force_login(world.team_leader)
    url = overview_url(world)
    size = len(client.get(url).content)
    floor_rows = len(ROW.findall(floor_render(world.cycle.pk, world.department.pk).encode()))
    if floor_rows != world.students:
        raise RuntimeError(f"the floor shows {floor_rows} students, expected {world.students}")
    page, floor = [], []
    for run_number in range(WARM_UP + RUNS):
        page_ms = _get(client, url, world.students)
        started = time.perf_counter()
        floor_render(world.cycle.pk, world.department.pk)
        floor_ms = (time.perf_counter() - started) * 1000
        if run_number >= WARM_UP:
            page.append(page_ms)
            floor.append(floor_ms)
    figures["dept_overview_p50_ms"] = round(percentile(page, 50), 2)
    figures["dept_overview_floor_ms"] = round(percentile(floor, 50), 2)
    figures["dept_overview_floor_ratio"] = round(
        figures["dept_overview_p50_ms"] / figures["dept_overview_floor_ms"], 2
    )
    figures["dept_overview_kb"] = round(size / 1024)
    print(
        f"   overview ({world.students} x {world.subjects}, {connection.vendor}): "
        f"p50 {figures['dept_overview_p50_ms']:.1f} ms (max {max(page):.1f}), "
        f"floor p50 {figures['dept_overview_floor_ms']:.1f} ms, "
        f"ratio {figures['dept_overview_floor_ratio']:.2f}, {figures['dept_overview_kb']:.0f} kB"
    )

    class_group, mentor = world.classes[0], world.mentors[0]
    mentor_client = Client()
    mentor_client.force_login(mentor)
    dashboard = _reverse("mentoring:dashboard", world.cycle.pk, class_group.pk)
    students = Student.objects.filter(class_group=class_group).count()
    figures["mentor_dashboard_queries"] = _queries(mentor_client, dashboard, students)
    timings = [_get(mentor_client, dashboard, students) for _ in range(WARM_UP + RUNS)][WARM_UP:]
    figures["mentor_dashboard_p50_ms"] = round(percentile(timings, 50), 2)
    print(
        f"   mentor dashboard ({students} x {world.subjects}): p50 {figures['mentor_dashboard_p50_ms']:.1f} ms "
        f"(max {max(timings):.1f}), {figures['mentor_dashboard_queries']} queries"
    )
    if background is not None:
        print(f"   (before the timing the machine was {100 * background:.0f} % busy with other work)")
    return figures
