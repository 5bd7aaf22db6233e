"""Improvement boards' pages: access per role per URL, saving with 409/422, polling, sessions, query counts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from boards.models import BoardItem, BoardSession, CheckIn, ImprovementBoard
from boards.services import improvement as services

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def board(world) -> ImprovementBoard:
    return services.board_create(
        school=world.school,
        actor=world.mentor,
        title="Verbeterbord 4H1",
        scope="class_group",
        class_group=world.class_group,
    )


@pytest.fixture
def item(world, board) -> BoardItem:
    return services.board_item_add(board=board, actor=world.mentor, section="action", text="Bel ouders")


@pytest.fixture
def session(world, board) -> BoardSession:
    return services.board_session_start(
        board=board, actor=world.mentor, held_on="2026-11-20", attendee_ids=[world.mentor.staff.pk], changes=""
    )


@pytest.fixture
def urls(board, item, session) -> dict[str, tuple[str, str, dict | None]]:
    return {
        "board": ("get", reverse("boards:board", args=[board.pk]), None),
        "add": ("post", reverse("boards:board_item_add", args=[board.pk]), {"section": "idea", "text": "x"}),
        "item": ("post", reverse("boards:board_item", args=[item.pk]), {"version": "1", "text": "y"}),
        "poll": ("get", reverse("boards:board_poll", args=[board.pk]), {"since": "2000-01-01T00:00:00+00:00"}),
        "session": ("post", reverse("boards:board_session", args=[board.pk]), {"held_on": "2026-11-21"}),
        "check_in": ("post", reverse("boards:board_check_in", args=[session.pk]), {"mood": "good"}),
    }


ALL = ["board", "add", "item", "poll", "session", "check_in"]


def call(client, urls, view, **extra):
    method, url, data = urls[view]
    return getattr(client, method)(url, data, **extra)


@pytest.mark.parametrize("view", [*ALL, "boards"])
def test_anonymous_is_sent_to_the_login_page(client, urls, view):
    urls["boards"] = ("get", reverse("boards:boards"), None)
    response = call(client, urls, view)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("view", ALL)
@pytest.mark.parametrize(
    "who", ["outsider", "other_mentor", "other_team_leader", "teacher", "student_user", "guardian"]
)
def test_out_of_scope_is_404_and_nothing_changes(client, world, urls, view, who):
    client.force_login(getattr(world, who))
    assert call(client, urls, view).status_code == 404
    assert BoardItem.objects.get().text == "Bel ouders"
    assert BoardSession.objects.count() == 1
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("who", ["student_user", "guardian"])
def test_the_list_is_404_for_students_and_guardians(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("boards:boards")).status_code == 404


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin", "care_coordinator"])
def test_the_board_opens_for_its_people(client, world, urls, who):
    client.force_login(getattr(world, who))
    response = call(client, urls, "board")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bel ouders" in content
    assert 'hx-trigger="every 3s"' in content
    assert " style=" not in content
    assert "<script>" not in content


def test_the_list_shows_the_users_boards_and_the_outsider_sees_none(client, world, board):
    client.force_login(world.team_leader)
    assert "Verbeterbord 4H1" in client.get(reverse("boards:boards")).content.decode()
    client.force_login(world.outsider)
    response = client.get(reverse("boards:boards"))
    assert response.status_code == 200
    assert "Verbeterbord 4H1" not in response.content.decode()


def test_making_a_board_and_bad_input(client, world):
    client.force_login(world.mentor)
    response = client.post(
        reverse("boards:boards"), {"title": "Nieuw", "scope": "class_group", "class_group": world.other_class_group.pk}
    )
    assert response.status_code == 422
    assert not ImprovementBoard.objects.exists()
    response = client.post(reverse("boards:boards"), {"title": "Team", "scope": "team"})
    board = ImprovementBoard.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("boards:board", args=[board.pk])


# --- cards ---------------------------------------------------------------------------------------


def test_adding_and_saving_a_card_with_htmx(client, world, board, item):
    client.force_login(world.team_leader)
    response = client.post(
        reverse("boards:board_item_add", args=[board.pk]), {"section": "goal", "text": "Minder verzuim"}, **HTMX
    )
    assert response.status_code == 200
    assert 'data-section="goal"' in response.content.decode()
    response = client.post(
        reverse("boards:board_item", args=[item.pk]), {"version": "1", "text": "Bel ouders", "status": "doing"}, **HTMX
    )
    assert response.status_code == 200
    assert 'data-version="2"' in response.content.decode()
    assert BoardItem.objects.get(pk=item.pk).status == "doing"


def test_a_stale_save_is_409_showing_the_other_persons_values(client, world, item):
    services.board_item_save(item=item, actor=world.team_leader, values={"text": "Bel ouders vandaag"}, version=1)
    client.force_login(world.mentor)
    response = client.post(
        reverse("boards:board_item", args=[item.pk]), {"version": "1", "text": "Mail ouders"}, **HTMX
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "Bel ouders vandaag" in content
    assert "Mail ouders" in content
    assert "data-conflict" in content
    assert BoardItem.objects.get().text == "Bel ouders vandaag"


def test_bad_input_is_422_with_a_message_and_nothing_saved(client, world, item):
    client.force_login(world.mentor)
    response = client.post(reverse("boards:board_item", args=[item.pk]), {"version": "1", "text": ""}, **HTMX)
    assert response.status_code == 422
    assert "Schrijf" in response.content.decode() or "Write something" in response.content.decode()
    assert BoardItem.objects.get().text == "Bel ouders"
    assert BoardItem.objects.get().version == 1
    response = client.post(reverse("boards:board_item", args=[item.pk]), {"version": "x", "text": "y"})
    assert response.status_code == 400


def test_a_plain_form_save_redirects_back_to_the_card(client, world, item):
    client.force_login(world.mentor)
    response = client.post(reverse("boards:board_item", args=[item.pk]), {"version": "1", "text": "Nieuw"})
    assert response.status_code == 302
    assert response.url.endswith(f"#card-{item.pk}")


def test_delete_and_measure(client, world, board, item):
    client.force_login(world.mentor)
    goal = services.board_item_add(board=board, actor=world.mentor, section="goal", text="Doel")
    url = reverse("boards:board_item", args=[goal.pk])
    response = client.post(url, {"action": "measure", "measured_on": "2026-11-01", "value": "4,5"}, **HTMX)
    assert response.status_code == 200
    assert "<polyline" in response.content.decode()
    response = client.post(url, {"action": "measure", "measured_on": "", "value": "x"}, **HTMX)
    assert response.status_code == 422
    response = client.post(reverse("boards:board_item", args=[item.pk]), {"action": "delete"}, **HTMX)
    assert response.status_code == 200
    assert not BoardItem.objects.filter(pk=item.pk).exists()


def test_an_overdue_action_shows_overdue(client, world, board):
    services.board_item_add(
        board=board,
        actor=world.mentor,
        section="action",
        text="Te laat",
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    client.force_login(world.mentor)
    content = client.get(reverse("boards:board", args=[board.pk])).content.decode()
    assert "board-card--overdue" in content


# --- polling ------------------------------------------------------------------------------------


def _since(content: str) -> str:
    from urllib.parse import unquote

    return unquote(re.search(r"since=([^\"&]+)", content).group(1))


def test_polling_returns_another_persons_change_then_204(client, world, board, item):
    client.force_login(world.mentor)
    page = client.get(reverse("boards:board", args=[board.pk])).content.decode()
    since = _since(page)
    poll = reverse("boards:board_poll", args=[board.pk])
    assert client.get(poll, {"since": since}, **HTMX).status_code == 204

    services.board_item_save(item=item, actor=world.team_leader, values={"status": "done"}, version=1)
    response = client.get(poll, {"since": since}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'id="card-{item.pk}"' in content
    assert 'hx-swap-oob="true"' in content
    assert 'data-version="2"' in content
    assert client.get(poll, {"since": _since(content)}, **HTMX).status_code == 204
    assert client.get(poll, {"since": "gisteren"}).status_code == 400


# --- sessions --------------------------------------------------------------------------------------


def test_starting_a_session_and_checking_in(client, world, board, session):
    client.force_login(world.team_leader)
    response = client.post(
        reverse("boards:board_session", args=[board.pk]),
        {"held_on": "2026-11-27", "attendees": [world.mentor.staff.pk], "changes": "Actie klaar"},
    )
    assert response.status_code == 302
    latest = BoardSession.objects.order_by("-held_on").first()
    response = client.post(reverse("boards:board_check_in", args=[latest.pk]), {"mood": "so_so", "note": "moe"})
    assert response.status_code == 302
    content = client.get(reverse("boards:board", args=[board.pk])).content.decode()
    assert "moe" in content
    assert "Actie klaar" in content
    response = client.post(reverse("boards:board_session", args=[board.pk]), {"held_on": ""})
    assert response.status_code == 422
    assert BoardSession.objects.count() == 2


# --- query counts ------------------------------------------------------------------------------------


def _fill(world, board, count):
    for index in range(count):
        section = ["goal", "action", "concern", "success", "idea", "agreement"][index % 6]
        item = services.board_item_add(board=board, actor=world.mentor, section=section, text=f"kaart {index}")
        if section == "goal":
            services.measurement_add(item=item, actor=world.mentor, measured_on="2026-11-01", value=index)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_board_page_query_count_does_not_grow(client, world, board, session):
    client.force_login(world.mentor)
    url = reverse("boards:board", args=[board.pk])
    _fill(world, board, 5)
    small = _queries(client, url)
    _fill(world, board, 20)
    assert _queries(client, url) == small
