"""The progress board's monthly discussion: the notable cards (the board's "only notable" filter) one at a
time, with previous/next, "2 of 3", what changed since last week, the privacy blank, access as the board's
and a query count that does not grow with the cards."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from boards.models import ProgressCardChange
from boards.selectors.progress import FieldChange, progress_board, progress_discussion
from boards.services.progress import progress_card_save
from tests.factories import PASSWORD, StudentFactory


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def url(world, **params):
    base = reverse("boards:progress_discussion", args=[world.class_group.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def student(world, first, last):
    return StudentFactory(school=world.school, class_group=world.class_group, first_name=first, last_name=last)


@pytest.fixture
def three_notable(world):
    """Three notable students (in board order: Aalders, Bakker, Claes) and one quiet one; world.student's
    card is quiet too (no card at all)."""
    aalders = student(world, "Anna", "Aalders")
    bakker = student(world, "Bram", "Bakker")
    claes = student(world, "Cas", "Claes")
    quiet = student(world, "Quinten", "Rustig")
    progress_card_save(student=aalders, actor=world.mentor, values={"internship_placed": "no"}, version=0)
    progress_card_save(student=bakker, actor=world.mentor, values={"tests_behind": "1"}, version=0)
    progress_card_save(student=bakker, actor=world.mentor, values={"tests_behind": "3"}, version=1)
    progress_card_save(student=claes, actor=world.mentor, values={"notable": "Zoekt een nieuwe stage"}, version=0)
    progress_card_save(student=quiet, actor=world.mentor, values={"internship_placed": "yes"}, version=0)
    return [aalders, bakker, claes], quiet


# --- access -------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, world):
    response = client.get(url(world))
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize(
    "who", ["outsider", "student_user", "guardian", "other_mentor", "other_team_leader", "teacher"]
)
def test_out_of_scope_is_404(client, world, three_notable, who):
    login(client, getattr(world, who))
    assert client.get(url(world)).status_code == 404


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin"])
def test_those_who_see_the_board_see_the_discussion(client, world, three_notable, who):
    login(client, getattr(world, who))
    response = client.get(url(world))
    assert response.status_code == 200
    assert three_notable[0][0].full_name in response.content.decode()


def test_posting_is_not_allowed(client, world):
    login(client, world.mentor)
    assert client.post(url(world)).status_code == 405


# --- walking through the notable cards ------------------------------------------------------------------


def test_the_selector_takes_the_boards_notable_cards(world, three_notable):
    notable, _quiet = three_notable
    filtered = progress_board(class_group=world.class_group, viewer=world.mentor, filter="notable")
    discussion = progress_discussion(class_group=world.class_group, viewer=world.mentor)
    assert [c.student.pk for c in discussion.cards] == [c.student.pk for c in filtered.cards]
    assert [c.student.pk for c in discussion.cards] == [s.pk for s in notable]
    assert discussion.total == 3
    assert discussion.total_students == 5
    assert (discussion.position, discussion.current.student, discussion.previous) == (1, notable[0], None)
    assert discussion.next.student == notable[1]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"student_pk": "bakker"}, 1),
        ({"position": 3}, 2),
        ({"position": 99}, 2),
        ({"position": -4}, 0),
        ({"student_pk": "quiet"}, 0),  # not notable: the discussion starts at the first card
        ({"student_pk": "quiet", "position": 2}, 1),
    ],
)
def test_the_shown_card_by_student_or_position(world, three_notable, params, expected):
    notable, quiet = three_notable
    named = {"bakker": notable[1].pk, "quiet": quiet.pk}
    if "student_pk" in params:
        params = {**params, "student_pk": named[params["student_pk"]]}
    discussion = progress_discussion(class_group=world.class_group, viewer=world.mentor, **params)
    assert discussion.index == expected
    assert discussion.current.student == notable[expected]


def test_the_page_shows_one_card_with_position_and_links(client, world, three_notable):
    notable, quiet = three_notable
    login(client, world.mentor)
    body = client.get(url(world, card=notable[1].pk)).content.decode()
    assert notable[1].full_name in body
    assert notable[0].full_name not in body
    assert notable[2].full_name not in body
    assert quiet.full_name not in body
    assert "2 of 3" in body or "2 van 3" in body
    assert f'href="{url(world)}?card={notable[0].pk}" rel="prev"' in body
    assert f'href="{url(world)}?card={notable[2].pk}" rel="next"' in body
    assert "data-key-prev" in body  # ← / → follow them (app.js)
    assert "data-key-next" in body
    assert f'href="{reverse("boards:progress", args=[world.class_group.pk])}"' in body


def test_the_first_and_last_card_have_no_link_beyond(client, world, three_notable):
    notable, _ = three_notable
    login(client, world.mentor)
    first = client.get(url(world)).content.decode()
    assert 'rel="prev"' not in first
    assert f"?card={notable[1].pk}" in first
    last = client.get(url(world, position=3)).content.decode()
    assert 'rel="next"' not in last
    assert notable[2].full_name in last
    assert "Zoekt een nieuwe stage" in last
    assert "3 of 3" in last or "3 van 3" in last


def test_junk_parameters_show_the_first_card(client, world, three_notable):
    login(client, world.mentor)
    response = client.get(url(world, card="x", position="twee"))
    assert response.status_code == 200
    assert three_notable[0][0].full_name in response.content.decode()


def test_what_changed_since_last_week(world, three_notable, client):
    notable, _ = three_notable
    # An older change (8 days ago) is not "since last week".
    claes_card = notable[2].progress_card
    old = ProgressCardChange.objects.create(card=claes_card, before={"tests_behind": 7}, after={"tests_behind": 0})
    ProgressCardChange.objects.filter(pk=old.pk).update(changed_at=timezone.now() - datetime.timedelta(days=8))
    bakker = progress_discussion(class_group=world.class_group, viewer=world.mentor, student_pk=notable[1].pk)
    # Two saves this week (0→1, 1→3): a week ago it was 0, now it is 3.
    assert bakker.changes == [FieldChange(name="tests_behind", before=0, after=3)]
    claes = progress_discussion(class_group=world.class_group, viewer=world.mentor, student_pk=notable[2].pk)
    assert claes.changes == [FieldChange(name="notable", before="", after="Zoekt een nieuwe stage")]
    login(client, world.mentor)
    body = client.get(url(world, card=notable[1].pk)).content.decode()
    assert "progress-card--changed" in body
    assert "(was: 0)" in body


def test_a_card_unchanged_for_a_week_says_so(client, world):
    card = progress_card_save(student=world.student, actor=world.mentor, values={"attendance_concern": "1"}, version=0)
    ProgressCardChange.objects.filter(card=card).update(changed_at=timezone.now() - datetime.timedelta(days=9))
    type(card).objects.filter(pk=card.pk).update(updated_at=timezone.now() - datetime.timedelta(days=9))
    discussion = progress_discussion(class_group=world.class_group, viewer=world.mentor)
    assert discussion.changes == []
    assert discussion.current.stale
    login(client, world.mentor)
    body = client.get(url(world)).content.decode()
    assert "Nothing changed since last week." in body or "Niets veranderd sinds vorige week." in body
    assert "progress-card--stale" in body


def test_no_notable_cards_gives_a_calm_message(client, world):
    progress_card_save(student=world.student, actor=world.mentor, values={"internship_placed": "yes"}, version=0)
    login(client, world.mentor)
    response = client.get(url(world))
    body = response.content.decode()
    assert response.status_code == 200
    assert "empty-state" in body
    assert "Nothing notable to discuss" in body or "Niets opvallends om te bespreken" in body
    assert 'rel="next"' not in body
    assert world.student.full_name not in body


# --- privacy blank, page hygiene, the link from the board ------------------------------------------------


def test_the_privacy_blank_works_here_too(client, world, three_notable):
    notable, _ = three_notable
    login(client, world.mentor)
    body = client.get(url(world)).content.decode()
    assert "data-progress-blank" in body
    assert "data-progress-board" in body
    assert "progress-board--blank" not in body
    assert "<span data-private>" in body
    blank = client.get(url(world, blank=1)).content.decode()
    assert "progress-board--blank" in blank
    assert 'aria-pressed="true"' in blank
    # Moving on keeps the names hidden, also without JavaScript.
    assert f"?card={notable[1].pk}&amp;blank=1" in blank


def test_the_page_loads_its_static_files_and_has_no_inline_script_or_style(client, world, three_notable):
    login(client, world.mentor)
    body = client.get(url(world)).content.decode()
    assert "js/boards-progress.js" in body
    assert "js/app.js" in body  # ← / → for the prev / next links
    assert "css/boards-progress.css" in body
    assert " style=" not in body
    assert "<script>" not in body
    assert "progress-discussion-page" in body


def test_the_board_links_to_the_discussion(client, world):
    login(client, world.team_leader)
    body = client.get(reverse("boards:progress", args=[world.class_group.pk])).content.decode()
    assert f'href="{url(world)}"' in body


# --- query counts ---------------------------------------------------------------------------------------


def _class_of(world, size):
    """`size` students, every other one notable, each notable one changed this week."""
    for i in range(size - 1):
        pupil = StudentFactory(school=world.school, class_group=world.class_group)
        if i % 2:
            progress_card_save(student=pupil, actor=world.mentor, values={"tests_behind": "1"}, version=0)
        else:
            progress_card_save(student=pupil, actor=world.mentor, values={"internship_placed": "yes"}, version=0)


@pytest.mark.parametrize("size", [10, 30])
def test_the_selector_query_count_does_not_grow_with_cards(world, django_assert_num_queries, size):
    _class_of(world, size)
    with django_assert_num_queries(3):
        discussion = progress_discussion(class_group=world.class_group, viewer=world.mentor, position=2)
    assert discussion.total == (size - 1) // 2
    assert discussion.changes == [FieldChange(name="tests_behind", before=0, after=1)]


def test_the_selector_without_notable_cards_needs_two_queries(world, django_assert_num_queries):
    progress_card_save(student=world.student, actor=world.mentor, values={"internship_placed": "yes"}, version=0)
    with django_assert_num_queries(2):
        discussion = progress_discussion(class_group=world.class_group, viewer=world.mentor)
    assert discussion.current is None


@pytest.mark.parametrize("size", [10, 30])
def test_the_page_query_count_does_not_grow_with_cards(client, world, django_assert_num_queries, size):
    _class_of(world, size)
    login(client, world.mentor)
    client.get(url(world))
    with django_assert_num_queries(DISCUSSION_PAGE_QUERIES):
        response = client.get(url(world, position=2))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"2 of {(size - 1) // 2}" in body or f"2 van {(size - 1) // 2}" in body


DISCUSSION_PAGE_QUERIES = 9  # with the audit event's insert
