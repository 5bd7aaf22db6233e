"""Board comments: colleagues ask deepening questions and give feedback, the board's owner answers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from boards.models import BoardComment, ImprovementBoard
from boards.services import improvement as services

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(client, settings):
    """These tests read the pages' English wording: chosen with the language switch's cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def board(world) -> ImprovementBoard:
    """The mentor's class board: the mentor owns it, the team leader and school-wide roles see it."""
    return services.board_create(
        school=world.school,
        actor=world.mentor,
        title="Verbeterbord 4H1",
        scope="class_group",
        class_group=world.class_group,
    )


@pytest.fixture
def comment(world, board) -> BoardComment:
    return services.board_comment_add(board=board, actor=world.team_leader, text="Hoe meet je het verzuim?")


def add_url(board) -> str:
    return reverse("boards:board_comment_add", args=[board.pk])


def answer_url(comment) -> str:
    return reverse("boards:board_comment_answer", args=[comment.pk])


# --- access ----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, board, comment):
    for url, data in ((add_url(board), {"text": "x"}), (answer_url(comment), {"answer": "y"})):
        response = client.post(url, data)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "who", ["outsider", "other_mentor", "other_team_leader", "other_teacher", "student_user", "guardian"]
)
def test_out_of_scope_is_404_and_nothing_is_stored(client, world, board, comment, who):
    client.force_login(getattr(world, who))
    assert client.post(add_url(board), {"text": "Mag ik meekijken?"}).status_code == 404
    assert client.post(answer_url(comment), {"answer": "Nee"}).status_code == 404
    assert BoardComment.objects.count() == 1
    assert BoardComment.objects.get().answer == ""


def test_the_owner_cannot_comment_on_their_own_board(client, world, board):
    client.force_login(world.mentor)
    assert client.post(add_url(board), {"text": "Vraag aan mezelf"}).status_code == 403
    assert not BoardComment.objects.exists()
    with pytest.raises(PermissionDenied):
        services.board_comment_add(board=board, actor=world.mentor, text="Vraag aan mezelf")


@pytest.mark.parametrize("who", ["team_leader", "admin", "care_coordinator"])
def test_only_the_owner_answers(client, world, comment, who):
    client.force_login(getattr(world, who))
    assert client.post(answer_url(comment), {"answer": "Zo."}).status_code == 403
    assert BoardComment.objects.get().answered_at is None


@pytest.mark.parametrize("who", ["team_leader", "admin", "care_coordinator"])
def test_those_who_see_the_board_add_a_question(client, world, board, who):
    client.force_login(getattr(world, who))
    response = client.post(add_url(board), {"text": "  Wat ging er goed?  "})
    latest = BoardComment.objects.get()
    assert response.status_code == 302
    assert response.url == f"{reverse('boards:board', args=[board.pk])}#comment-{latest.pk}"
    assert latest.text == "Wat ging er goed?"
    assert latest.author == getattr(world, who)
    assert latest.answered_at is None


def test_a_team_boards_member_comments_but_a_stranger_does_not(client, world):
    team = services.board_create(school=world.school, actor=world.teacher, title="Sectie", scope="team")
    team.members.add(world.other_teacher.staff)
    client.force_login(world.other_teacher)
    assert client.post(add_url(team), {"text": "Goed idee"}).status_code == 302
    client.force_login(world.mentor)
    assert client.post(add_url(team), {"text": "Ik ook"}).status_code == 404
    assert BoardComment.objects.count() == 1


# --- the board page --------------------------------------------------------------------------------------


def test_the_board_page_shows_questions_answers_and_the_unanswered_count(client, world, board, comment):
    services.board_comment_add(board=board, actor=world.care_coordinator, text="Wie helpt je daarbij?")
    client.force_login(world.mentor)
    content = client.get(reverse("boards:board", args=[board.pk])).content.decode()
    assert "Hoe meet je het verzuim?" in content
    assert "Wie helpt je daarbij?" in content
    assert "data-unanswered-count" in content
    assert "2 unanswered" in content
    assert answer_url(comment) in content  # the owner answers
    assert add_url(board) not in content  # … and does not ask themselves
    assert " style=" not in content

    client.post(answer_url(comment), {"answer": "Met de weekcijfers."})
    content = client.get(reverse("boards:board", args=[board.pk])).content.decode()
    assert "Met de weekcijfers." in content
    assert "1 unanswered" in content

    client.force_login(world.team_leader)
    content = client.get(reverse("boards:board", args=[board.pk])).content.decode()
    assert add_url(board) in content
    assert answer_url(comment) not in content
    assert "Met de weekcijfers." in content


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [("   ", "Write your question or feedback."), ("x" * 501, "500")])
def test_empty_or_too_long_is_refused_with_a_message(client, world, board, text, message):
    client.force_login(world.team_leader)
    response = client.post(add_url(board), {"text": text}, **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not BoardComment.objects.exists()

    response = client.post(add_url(board), {"text": text}, follow=True)
    assert message in response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"#comments-{board.pk}")
    assert not BoardComment.objects.exists()
    with pytest.raises(ValidationError):
        services.board_comment_add(board=board, actor=world.team_leader, text=text)


@pytest.mark.parametrize(("answer", "message"), [("", "Write your answer."), ("y" * 501, "500")])
def test_an_empty_or_too_long_answer_is_refused(client, world, comment, answer, message):
    client.force_login(world.mentor)
    response = client.post(answer_url(comment), {"answer": answer}, **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    comment.refresh_from_db()
    assert (comment.answer, comment.answered_at) == ("", None)


# --- htmx and answering twice -------------------------------------------------------------------------------


def test_htmx_answers_the_comments_fragment(client, world, board):
    client.force_login(world.team_leader)
    response = client.post(add_url(board), {"text": "Wat is de volgende stap?"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'id="comments-{board.pk}"' in content
    assert "Wat is de volgende stap?" in content
    assert "<html" not in content
    assert "Your question or feedback was added." in content


def test_answering_again_replaces_the_answer_and_its_time(client, world, comment):
    client.force_login(world.mentor)
    response = client.post(answer_url(comment), {"answer": "Eerste antwoord"}, **HTMX)
    assert response.status_code == 200
    assert "Eerste antwoord" in response.content.decode()
    first = BoardComment.objects.get().answered_at
    assert first is not None

    response = client.post(answer_url(comment), {"answer": "Beter antwoord", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("boards:board", args=[comment.board_id]))  # not off-site
    comment.refresh_from_db()
    assert comment.answer == "Beter antwoord"
    assert comment.answered_at >= first
    assert BoardComment.objects.count() == 1


def test_the_board_page_query_count_does_not_grow_with_comments(client, world, board, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.mentor)
    url = reverse("boards:board", args=[board.pk])
    services.board_comment_add(board=board, actor=world.team_leader, text="een")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for index in range(8):
        services.board_comment_add(board=board, actor=world.admin, text=f"vraag {index}")
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200
