"""The progress board's pages: access per role per URL, saving (htmx fragment, plain form, 409, 422),
the filter, stale and changed marks, the privacy blank, the 3-second poll and query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from boards.models import ProgressCard, ProgressCardChange
from boards.selectors.progress import progress_board
from boards.services.progress import progress_card_save
from tests.factories import PASSWORD, StudentFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
VALUES = {"version": "0", "internship_placed": "no", "tests_behind": "3", "attendance_concern": "0", "notable": ""}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def urls(world):
    since = timezone.now() - datetime.timedelta(minutes=1)
    return {
        "board": ("get", reverse("boards:progress", args=[world.class_group.pk]), None),
        "poll": ("get", reverse("boards:progress_poll", args=[world.class_group.pk]), {"since": since.isoformat()}),
        "card": ("post", reverse("boards:progress_card", args=[world.student.pk]), VALUES),
    }


def call(client, urls, view, **extra):
    method, url, data = urls[view]
    return getattr(client, method)(url, data, **extra)


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["board", "poll", "card"])
def test_anonymous_is_sent_to_the_login_page(client, urls, view):
    response = call(client, urls, view)
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize("view", ["board", "poll", "card"])
@pytest.mark.parametrize(
    "who", ["outsider", "student_user", "guardian", "other_mentor", "other_team_leader", "teacher"]
)
def test_out_of_scope_is_404(client, world, urls, view, who):
    login(client, getattr(world, who))
    assert call(client, urls, view).status_code == 404
    assert not ProgressCard.objects.exists()


@pytest.mark.parametrize("who", ["mentor", "team_leader"])
def test_the_mentor_and_team_leader_see_the_board(client, world, urls, who):
    login(client, getattr(world, who))
    response = call(client, urls, "board")
    assert response.status_code == 200
    assert world.student.full_name in response.content.decode()
    assert call(client, urls, "poll").status_code == 204


def test_a_team_leader_may_look_but_not_save(client, world, urls):
    login(client, world.team_leader)
    assert call(client, urls, "card").status_code == 403
    assert call(client, urls, "card", **HTMX).status_code == 403
    assert not ProgressCard.objects.exists()
    assert 'name="tests_behind"' not in call(client, urls, "board").content.decode()


# --- saving ---------------------------------------------------------------------------------------


def test_a_mentor_saves_with_a_plain_form_and_is_sent_back(client, world, urls):
    login(client, world.mentor)
    response = call(client, urls, "card")
    assert response.status_code == 302
    assert response.url.startswith(reverse("boards:progress", args=[world.class_group.pk]))
    assert ProgressCard.objects.get(student=world.student).tests_behind == 3


def test_htmx_save_returns_the_card_fragment(client, world, urls):
    login(client, world.mentor)
    response = call(client, urls, "card", **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="progress-card-{world.student.pk}"' in body
    assert "<html" not in body
    assert 'data-version="1"' in body


def test_bad_input_answers_422_with_the_message_and_writes_nothing(client, world, urls):
    login(client, world.mentor)
    url = urls["card"][1]
    with translation.override("en"):
        response = client.post(url, {**VALUES, "tests_behind": "80"}, **HTMX, HTTP_ACCEPT_LANGUAGE="en")
        message = "Tests behind must be a whole number from 0 to 50."
    assert response.status_code == 422
    assert message in response.content.decode() or "0 tot 50" in response.content.decode()
    assert 'value="80"' in response.content.decode()
    plain = client.post(url, {**VALUES, "notable": "x" * 301})
    assert plain.status_code == 422
    assert "<html" in plain.content.decode()
    assert not ProgressCard.objects.exists()
    assert not ProgressCardChange.objects.exists()


def test_a_stale_save_answers_409_with_the_other_persons_values(client, world, urls):
    progress_card_save(student=world.student, actor=world.mentor, values={"notable": "Door collega"}, version=0)
    login(client, world.mentor)
    response = call(client, urls, "card", **HTMX)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Door collega" in body
    assert 'data-version="1"' in body
    assert ProgressCard.objects.get(student=world.student).tests_behind == 0
    assert call(client, urls, "card").status_code == 409


def test_a_bad_version_is_a_bad_request(client, world, urls):
    login(client, world.mentor)
    assert client.post(urls["card"][1], {**VALUES, "version": "x"}).status_code == 400


# --- the board: filter, stale, changed, blank -------------------------------------------------------


def test_the_filter_shows_only_students_with_something_notable(client, world, urls):
    quiet = StudentFactory(school=world.school, class_group=world.class_group, first_name="Rustig", last_name="Kind")
    progress_card_save(student=world.student, actor=world.mentor, values={"attendance_concern": "1"}, version=0)
    progress_card_save(student=quiet, actor=world.mentor, values={"internship_placed": "yes"}, version=0)
    login(client, world.mentor)
    body = client.get(urls["board"][1], {"filter": "notable"}).content.decode()
    assert world.student.full_name in body
    assert quiet.full_name not in body
    assert quiet.full_name in call(client, urls, "board").content.decode()


def test_stale_and_changed_marks(world):
    fresh = StudentFactory(school=world.school, class_group=world.class_group)
    progress_card_save(student=fresh, actor=world.mentor, values={"tests_behind": "1"}, version=0)
    old = ProgressCard.objects.create(
        student=world.student, updated_at=timezone.now() - datetime.timedelta(days=8), tests_behind=0
    )
    ProgressCardChange.objects.create(card=old, before={"notable": ""}, after={"notable": "x"})
    ProgressCardChange.objects.filter(card=old).update(changed_at=timezone.now() - datetime.timedelta(days=8))
    never = StudentFactory(school=world.school, class_group=world.class_group)
    cards = {c.student.pk: c for c in progress_board(class_group=world.class_group, viewer=world.mentor).cards}
    assert cards[world.student.pk].stale
    assert not cards[world.student.pk].changed
    assert cards[never.pk].stale
    assert cards[never.pk].version == 0
    assert not cards[fresh.pk].stale
    assert cards[fresh.pk].changed_fields == {"tests_behind"}


def test_the_board_shows_stale_and_changed_in_words_and_offers_the_blank(client, world, urls):
    fresh = StudentFactory(school=world.school, class_group=world.class_group)
    progress_card_save(student=fresh, actor=world.mentor, values={"tests_behind": "1"}, version=0)
    login(client, world.mentor)
    body = call(client, urls, "board").content.decode()
    assert "niet bijgewerkt in 7 dagen" in body.lower() or "Not updated in 7 days" in body
    assert "progress-card--changed" in body
    assert "progress-card--stale" in body
    assert "data-progress-blank" in body
    assert "?blank=1" in body
    assert "progress-board--blank" in client.get(urls["board"][1], {"blank": "1"}).content.decode()


def test_inactive_students_have_no_card(client, world, urls):
    gone = StudentFactory(school=world.school, class_group=world.class_group, is_active=False, first_name="Weg")
    login(client, world.mentor)
    assert gone.full_name not in call(client, urls, "board").content.decode()
    assert client.post(reverse("boards:progress_card", args=[gone.pk]), VALUES).status_code == 404


# --- together at once -------------------------------------------------------------------------------


def test_the_poll_returns_the_other_persons_change_out_of_band(client, world, urls):
    login(client, world.team_leader)
    since = timezone.now()
    progress_card_save(student=world.student, actor=world.mentor, values={"notable": "Nieuw"}, version=0)
    response = client.get(urls["poll"][1], {"since": since.isoformat()}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="outerHTML"' in body
    assert "Nieuw" in body
    assert 'id="progress-poll"' in body
    later = timezone.now()
    assert client.get(urls["poll"][1], {"since": later.isoformat()}, **HTMX).status_code == 204


def test_the_poll_needs_a_valid_since(client, world, urls):
    login(client, world.mentor)
    assert client.get(urls["poll"][1], {"since": "gisteren"}).status_code == 400


# --- query counts -----------------------------------------------------------------------------------


def _class_of(world, size):
    for i in range(size - 1):
        student = StudentFactory(school=world.school, class_group=world.class_group)
        if i % 2:
            progress_card_save(student=student, actor=world.mentor, values={"tests_behind": "1"}, version=0)


@pytest.mark.parametrize("size", [10, 30])
def test_the_selector_query_count_does_not_grow_with_cards(world, django_assert_num_queries, size):
    _class_of(world, size)
    with django_assert_num_queries(2):
        board = progress_board(class_group=world.class_group, viewer=world.mentor)
    assert board.total == size


@pytest.mark.parametrize("size", [10, 30])
def test_the_page_query_count_does_not_grow_with_cards(client, world, urls, django_assert_num_queries, size):
    _class_of(world, size)
    login(client, world.mentor)
    call(client, urls, "board")
    with django_assert_num_queries(BOARD_PAGE_QUERIES):
        response = call(client, urls, "board")
    assert response.content.decode().count("data-progress-card ") == size


BOARD_PAGE_QUERIES = 8  # with the audit event's insert
