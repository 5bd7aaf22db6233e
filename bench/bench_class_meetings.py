"""The open class meeting's pages in process: their query counts must not grow with the class (DESIGN §6).

- `class_meeting_queries_small`, `class_meeting_queries_large`: queries of GET `classmeetings:list`
  plus GET `classmeetings:detail` (the agenda of the next meeting, with last time's agreements still
  open) as the class's mentor, for a class of 10 and of 30 students, each with two meetings held
  before (every item decided with an agreement). The list shows more meetings at the larger size.
- `class_meeting_mode_queries_small`, `class_meeting_mode_queries_large`: queries of GET
  `classmeetings:mode` (the shared screen) once that meeting runs: an item open with points and a
  speaker queue, for the same two classes.

With django.test.Client in this process (no network); the first GET of each page warms up.

    python bench/run.py class_meetings
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classmeetings import selectors
from classmeetings.models import ItemPoint, OpenClassMeeting
from classmeetings.services import meeting_mode, preparation
from mentoring.models import Agreement
from school import demo
from school.models import ClassGroup, Student, User

SIZES = {"small": 10, "large": 30}
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def _at(days: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(13, 30), tzinfo=AMSTERDAM)


def _fresh(user: User) -> User:
    """The user as a new request would load it: roles are cached on the object."""
    return User.objects.get(pk=user.pk)


def class_create(school: demo.DemoSchool, *, name: str, students: int) -> ClassGroup:
    """A class of `students` (moved from the demo's classes) with the demo mentor."""
    mentor = school.logins[demo.MENTOR].staff
    template = ClassGroup.objects.filter(school=school.school).order_by("pk").first()
    class_group = ClassGroup.objects.create(
        school=school.school, school_year=template.school_year, department=template.department, name=name
    )
    class_group.mentors.add(mentor)
    moved = list(
        Student.objects.filter(school=school.school, is_active=True, user__isnull=False)
        .exclude(class_group__name__startswith="BENCH")
        .order_by("pk")
        .values_list("pk", flat=True)[:students]
    )
    if len(moved) < students:
        raise RuntimeError(f"the demo school has only {len(moved)} students to move, {students} needed")
    Student.objects.filter(pk__in=moved).update(class_group=class_group)
    return class_group


def _check_previous(meeting: OpenClassMeeting, mentor: User) -> None:
    still_open = list(selectors.open_previous_agreements(meeting))
    if still_open:
        preparation.previous_agreements_check(
            meeting=meeting, actor=_fresh(mentor), statuses={a.pk: Agreement.Status.MET for a in still_open}
        )


def meeting_hold(class_group: ClassGroup, mentor: User, *, days: int) -> OpenClassMeeting:
    """A meeting held through the services: every item decided with one agreement, then closed."""
    actor = _fresh(mentor)
    meeting = preparation.meeting_create(class_group=class_group, actor=actor, starts_at=_at(days))
    _check_previous(meeting, mentor)
    meeting_mode.meeting_start(meeting=meeting, actor=actor)
    due_on = timezone.localdate() + datetime.timedelta(days=21)
    for item in meeting.items.order_by("position"):
        meeting_mode.item_open(item=item, actor=actor)
        meeting_mode.point_note(item=item, actor=actor, kind=ItemPoint.Kind.POSITIVE, text="Werkt goed mee.")
        meeting_mode.decision_record(
            item=item,
            actor=actor,
            tips="Vraag eerder om hulp.",
            agreements=[{"text": "Huiswerk plannen.", "owner": Agreement.Owner.STUDENT, "due_on": due_on}],
        )
        meeting_mode.item_close(item=item, actor=actor)
    return meeting_mode.meeting_close(meeting=meeting, actor=actor)


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm up: what a process does once is not the page's cost
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return len(queries)


def measure(school: demo.DemoSchool, size: str, students: int) -> dict[str, float]:
    mentor = school.logins[demo.MENTOR]
    class_group = class_create(school, name=f"BENCH-{size}", students=students)
    meeting_hold(class_group, mentor, days=-60)
    meeting_hold(class_group, mentor, days=-30)
    upcoming = preparation.meeting_create(class_group=class_group, actor=_fresh(mentor), starts_at=_at(7))
    if not selectors.open_previous_agreements(upcoming).exists():
        raise RuntimeError("the next meeting should start with last time's agreements to check")

    client = Client()
    client.force_login(mentor)
    agenda = _queries(client, reverse("classmeetings:list")) + _queries(
        client, reverse("classmeetings:detail", args=[upcoming.pk])
    )

    # The meeting runs: the first item open, points noted, two students waiting for the floor.
    _check_previous(upcoming, mentor)
    meeting_mode.meeting_start(meeting=upcoming, actor=_fresh(mentor))
    item = meeting_mode.item_open(item=upcoming.items.order_by("position").first(), actor=_fresh(mentor))
    for kind in (ItemPoint.Kind.POSITIVE, ItemPoint.Kind.NEGATIVE):
        meeting_mode.point_note(item=item, actor=_fresh(mentor), kind=kind, text="Een punt.")
    for student in Student.objects.filter(class_group=class_group).exclude(pk=item.student_id).order_by("pk")[:2]:
        meeting_mode.floor_request(item=item, actor=_fresh(student.user))
    mode = _queries(client, reverse("classmeetings:mode", args=[upcoming.pk]))
    return {f"class_meeting_queries_{size}": agenda, f"class_meeting_mode_queries_{size}": mode}


def run() -> dict[str, float]:
    school = demo.demo_school_create(students=200, with_logins=False, username_prefix="bench-")
    results: dict[str, float] = {}
    for size, students in SIZES.items():
        results.update(measure(school, size, students))
    for name, value in sorted(results.items()):
        print(f"   {name}: {value:g}", flush=True)
    return results
