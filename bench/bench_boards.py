"""The boards' pages in process (DESIGN §6).

- `progress_board_queries_small`, `progress_board_queries_large`: queries of GET `boards:progress`
  as the class's mentor, for a class of 10 and of 30 students, every student with a card, some
  changed this week (must be equal).
- `board_render_p50_ms`: GET `boards:board` as its owner for a full improvement board: ten cards
  in every section, each goal with twelve weeks of measurements, actions with owners and dates
  (some overdue), eight stand-up sessions with check-ins, ten colleagues' questions. With
  django.test.Client in this process (no network), p50 of 15 runs after 3 to warm up.
- `board_queries_small`, `board_queries_large`: queries of that GET for a board with two and with
  ten cards per section (must be equal); `progress_board_p50_ms` and `board_kb` for reading.

    python bench/run.py boards
"""

from __future__ import annotations

import datetime
import re
import time
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.entry_world import percentile
from bench.load_entry import machine_busy_share
from boards.models import (
    BoardComment,
    BoardItem,
    BoardSession,
    CheckIn,
    ImprovementBoard,
    Measurement,
    Mood,
    ProgressCard,
    ProgressCardChange,
)
from school import demo
from school.models import ClassGroup, Student

WARM_UP = 3
RUNS = 15
CARDS = {"small": 10, "large": 30}
ITEMS_PER_SECTION = {"small": 2, "large": 10}
PROGRESS_CARD = re.compile(rb'id="progress-card-\d+"')
BOARD_CARD = re.compile(rb'id="card-\d+"')


def _get(client: Client, url: str, pattern: re.Pattern, expected: int) -> tuple[float, bytes]:
    """Milliseconds of one GET, checked: 200 and every card on the page."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    shown = len(set(pattern.findall(response.content)))
    if shown != expected:
        raise RuntimeError(f"GET {url} shows {shown} cards, expected {expected}")
    return elapsed, response.content


def _queries(client: Client, url: str, pattern: re.Pattern, expected: int) -> int:
    _get(client, url, pattern, expected)  # warm up: what a process does once is not the page's cost
    with CaptureQueriesContext(connection) as queries:
        _get(client, url, pattern, expected)
    return len(queries)


def _p50(client: Client, url: str, pattern: re.Pattern, expected: int) -> float:
    times = [_get(client, url, pattern, expected)[0] for _ in range(WARM_UP + RUNS)][WARM_UP:]
    return percentile(times, 50)


# --- the worlds ------------------------------------------------------------------------------------------


def progress_class_create(school: demo.DemoSchool, *, name: str, students: int) -> ClassGroup:
    """A class of `students` (moved from the demo's other classes) with the demo mentor, every card filled."""
    mentor = school.logins[demo.MENTOR].staff
    template = ClassGroup.objects.filter(school=school.school).order_by("pk").first()
    class_group = ClassGroup.objects.create(
        school=school.school, school_year=template.school_year, department=template.department, name=name
    )
    class_group.mentors.add(mentor)
    moved = list(
        Student.objects.filter(school=school.school, progress_card__isnull=True)
        .exclude(class_group__name__startswith="BENCH")
        .order_by("pk")
        .values_list("pk", flat=True)[:students]
    )
    if len(moved) < students:
        raise RuntimeError(f"the demo school has only {len(moved)} students without a card, {students} needed")
    Student.objects.filter(pk__in=moved).update(class_group=class_group)
    now = timezone.now()
    cards = ProgressCard.objects.bulk_create(
        ProgressCard(
            student_id=pk,
            internship_placed=index % 4 != 0,
            tests_behind=index % 3,
            attendance_concern=index % 5 == 0,
            notable="Let op: thuissituatie." if index % 6 == 0 else "",
            updated_by=mentor.user,
            updated_at=now - datetime.timedelta(days=index % 10),
        )
        for index, pk in enumerate(moved)
    )
    ProgressCardChange.objects.bulk_create(
        ProgressCardChange(card=card, changed_by=mentor.user, before={"tests_behind": 0}, after={"tests_behind": 1})
        for card in cards[::2]
    )
    return class_group


def full_board_create(school: demo.DemoSchool, *, title: str, per_section: int) -> ImprovementBoard:
    """A board with `per_section` cards in every section, measurements, sessions and questions."""
    mentor = school.logins[demo.MENTOR].staff
    teacher = school.logins[demo.TEACHER].staff
    today = timezone.localdate()
    board = ImprovementBoard.objects.create(
        school=school.school, title=title, scope=ImprovementBoard.Scope.TEAM, owner=mentor
    )
    board.members.add(teacher)
    items = BoardItem.objects.bulk_create(
        BoardItem(
            board=board,
            section=section,
            text=f"{label} {number}: een zin van redelijke lengte, zoals een team die op een kaart schrijft.",
            measure="% op tijd" if section == BoardItem.Section.GOAL else "",
            target="85%" if section == BoardItem.Section.GOAL else "",
            owner=(mentor, teacher)[number % 2] if section == BoardItem.Section.ACTION else None,
            due_on=today + datetime.timedelta(days=number * 3 - 9) if section == BoardItem.Section.ACTION else None,
            status=("open", "doing", "done")[number % 3] if section == BoardItem.Section.ACTION else "open",
            position=number,
            updated_by=mentor.user,
        )
        for section, label in BoardItem.Section.choices
        for number in range(per_section)
    )
    Measurement.objects.bulk_create(
        Measurement(item=item, measured_on=today - datetime.timedelta(weeks=week), value=Decimal(60 + week * 2))
        for item in items
        if item.section == BoardItem.Section.GOAL
        for week in range(12)
    )
    for week in range(per_section - 2 if per_section > 2 else 1):
        session = BoardSession.objects.create(
            board=board,
            held_on=today - datetime.timedelta(weeks=week),
            changes="Twee acties af.",
            created_by=mentor.user,
        )
        session.attendees.add(mentor, teacher)
        CheckIn.objects.bulk_create(
            CheckIn(session=session, person=person, mood=Mood.GOOD) for person in (mentor, teacher)
        )
    BoardComment.objects.bulk_create(
        BoardComment(board=board, author=teacher.user, text=f"Vraag {number}: hoe meten jullie dit?")
        for number in range(per_section)
    )
    return board


# --- the run -------------------------------------------------------------------------------------------------


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    school = demo.demo_school_create(students=120, with_logins=False, username_prefix="bench-")
    classes = {name: progress_class_create(school, name=f"BENCH{size}", students=size) for name, size in CARDS.items()}
    boards = {
        name: full_board_create(school, title=f"Bord {name}", per_section=per_section)
        for name, per_section in ITEMS_PER_SECTION.items()
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # a throwaway database has no planner statistics yet

    client = Client()
    client.force_login(school.logins[demo.MENTOR])
    for name, class_group in classes.items():
        url = reverse("boards:progress", args=[class_group.pk])
        figures[f"progress_board_queries_{name}"] = _queries(client, url, PROGRESS_CARD, CARDS[name])
    for name, board in boards.items():
        expected = ITEMS_PER_SECTION[name] * len(BoardItem.Section.values)
        figures[f"board_queries_{name}"] = _queries(
            client, reverse("boards:board", args=[board.pk]), BOARD_CARD, expected
        )
    print(
        f"   progress board: {figures['progress_board_queries_small']} queries at 10 cards, "
        f"{figures['progress_board_queries_large']} at 30; improvement board: {figures['board_queries_small']} "
        f"at {ITEMS_PER_SECTION['small']} cards per section, {figures['board_queries_large']} at "
        f"{ITEMS_PER_SECTION['large']}"
    )

    background = machine_busy_share(seconds=1)  # others' work on this machine skews the timings: say so
    full = boards["large"]
    url = reverse("boards:board", args=[full.pk])
    expected = ITEMS_PER_SECTION["large"] * len(BoardItem.Section.values)
    figures["board_kb"] = round(len(_get(client, url, BOARD_CARD, expected)[1]) / 1024, 1)
    figures["board_render_p50_ms"] = round(_p50(client, url, BOARD_CARD, expected), 1)
    progress_url = reverse("boards:progress", args=[classes["large"].pk])
    figures["progress_board_p50_ms"] = round(_p50(client, progress_url, PROGRESS_CARD, CARDS["large"]), 1)
    busy = f", machine {background:.0%} busy before" if background is not None else ""
    print(
        f"   full board ({expected} cards, {figures['board_kb']} kB): p50 {figures['board_render_p50_ms']} ms; "
        f"30-card progress board: p50 {figures['progress_board_p50_ms']} ms{busy}"
    )
    return figures
