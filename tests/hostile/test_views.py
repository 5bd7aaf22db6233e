"""The most important POST endpoints against hostile input, through the client.

Entry save (the grid), the student's reflection, a card on an improvement board, a student's prepared
input for the class meeting: never a 500, never a NUL byte stored (PostgreSQL refuses them), and a
<script> is stored as the text it is and shown escaped on the page that shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from boards.models import BoardItem
from boards.services import improvement
from classmeetings.models import PreparedInput
from mentoring.models import Reflection
from mentoring.selectors.reflection import GOAL_FIELDS, REFLECTION_FIELDS
from reviews.models import Entry
from tests.classmeetings.conftest import a_meeting, classmate, representative  # noqa: F401 (fixtures)
from tests.mentoring.conftest import a_cycle_in_speed_date, a_previous_cycle, a_published_cycle  # noqa: F401
from tests.reviews.conftest import a_cycle_in_entry_phase  # noqa: F401 (fixture)

from .strategies import SCRIPT, hostile_text

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Endpoint:
    user: object
    url: str
    page: str  # where what was saved is shown again
    text_fields: tuple[str, ...]
    base: Callable[[], dict]  # the rest of the form, as the screen posts it (the current version)
    stored: Callable[[], list[str]]  # every text value of the rows the endpoint writes
    htmx: bool = False


def _entry(world, cycle) -> Endpoint:
    def version() -> str:
        entry = Entry.objects.filter(cycle=cycle, student=world.student).first()
        return str(entry.version if entry else 0)

    return Endpoint(
        user=world.teacher,
        url=reverse("reviews:entry_save", args=[cycle.pk, world.teaching_group.pk, world.student.pk]),
        page=reverse("reviews:grid", args=[cycle.pk, world.teaching_group.pk]),
        text_fields=("advice", "grade", "light", "reason"),
        base=lambda: {"version": version(), "light": "orange"},
        stored=lambda: [value for entry in Entry.objects.all() for value in (entry.advice, entry.light)],
        htmx=True,
    )


def _reflection(world, cycle) -> Endpoint:
    fields = (*REFLECTION_FIELDS, *(f"goal_{p}_{name}" for p in (1, 2, 3) for name in GOAL_FIELDS))

    def version() -> str:
        reflection = Reflection.objects.filter(cycle=cycle, student=world.student).first()
        return str(reflection.version if reflection else 0)

    def stored() -> list[str]:
        values = []
        for reflection in Reflection.objects.prefetch_related("goals"):
            values += [getattr(reflection, name) for name in REFLECTION_FIELDS]
            values += [getattr(goal, name) for goal in reflection.goals.all() for name in GOAL_FIELDS]
        return values

    url = reverse("mentoring:reflection", args=[cycle.pk])
    return Endpoint(
        user=world.student_user,
        url=url,
        page=url,
        text_fields=fields,
        base=lambda: {"version": version()},
        stored=stored,
        htmx=True,
    )


def _board_card(world) -> Endpoint:
    board = improvement.board_create(
        school=world.school,
        actor=world.mentor,
        title="Verbeterbord",
        scope="class_group",
        class_group=world.class_group,
    )
    return Endpoint(
        user=world.mentor,
        url=reverse("boards:board_item_add", args=[board.pk]),
        page=reverse("boards:board", args=[board.pk]),
        text_fields=("text", "section", "owner", "due_on"),
        base=lambda: {"section": "idea"},
        stored=lambda: [value for item in BoardItem.objects.all() for value in (item.text, item.section)],
    )


def _prepared_input(world, meeting) -> Endpoint:
    def version() -> str:
        prepared = PreparedInput.objects.filter(meeting=meeting, student=world.student).first()
        return str(prepared.version if prepared else 1)

    url = reverse("classmeetings:input", args=[meeting.pk])
    return Endpoint(
        user=world.student_user,
        url=url,
        page=url,
        text_fields=PreparedInput.PROMPT_FIELDS,
        base=lambda: {"version": version(), "action": "save"},
        stored=lambda: [getattr(p, name) for p in PreparedInput.objects.all() for name in PreparedInput.PROMPT_FIELDS],
    )


ENDPOINTS = ["entry", "reflection", "board_card", "prepared_input"]


@pytest.fixture
def endpoint(request, world) -> Endpoint:
    if request.param == "entry":
        return _entry(world, request.getfixturevalue("a_cycle_in_entry_phase"))
    if request.param == "reflection":
        return _reflection(world, request.getfixturevalue("a_published_cycle"))
    if request.param == "board_card":
        return _board_card(world)
    return _prepared_input(world, request.getfixturevalue("a_meeting"))


def post(client, endpoint: Endpoint, values: dict):
    extra = HTMX if endpoint.htmx else {}
    return client.post(endpoint.url, {**endpoint.base(), **values}, **extra)


@pytest.mark.parametrize("endpoint", ENDPOINTS, indirect=True)
@settings(max_examples=15)
@given(data=st.data())
def test_hostile_values_never_fail_and_never_store_a_nul_byte(client, endpoint, data):
    client.force_login(endpoint.user)
    fields = data.draw(st.lists(st.sampled_from(endpoint.text_fields), min_size=1, unique=True), label="fields")
    values = {name: data.draw(hostile_text, label=name) for name in fields}

    response = post(client, endpoint, values)

    assert response.status_code < 500
    assert not any("\x00" in value for value in endpoint.stored())
    if response.status_code != 302:
        assert SCRIPT not in response.content.decode()


@pytest.mark.parametrize("endpoint", ENDPOINTS, indirect=True)
def test_a_script_is_stored_as_text_and_shown_escaped(client, endpoint):
    client.force_login(endpoint.user)
    field = endpoint.text_fields[0]

    response = post(client, endpoint, {field: SCRIPT})

    assert response.status_code in (200, 302)
    assert SCRIPT in endpoint.stored()
    html = client.get(endpoint.page).content.decode()
    assert SCRIPT not in html
    assert ESCAPED in html


@pytest.mark.parametrize("endpoint", ENDPOINTS, indirect=True)
def test_a_nul_byte_is_refused_not_stored(client, endpoint):
    client.force_login(endpoint.user)
    field = endpoint.text_fields[0]

    response = post(client, endpoint, {field: "Plannen\x00maken"})

    assert response.status_code < 500
    assert not any("\x00" in value for value in endpoint.stored())
