"""The care-board session ("zorgbordsessie"): a department's class boards one after another, with comments."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from boards import policies
from boards.models import BoardComment, CareGuest, CareMeeting, ImprovementBoard
from boards.services import improvement as services
from tests.factories import ClassGroupFactory, StaffFactory, UserFactory


def session_url(department, **query) -> str:
    url = reverse("boards:care_session", args=[department.pk])
    return f"{url}?board={query['board']}" if "board" in query else url


def class_board(world, name: str, *, department=None, title: str | None = None) -> ImprovementBoard:
    """A class of the department with its own mentor, who keeps the class's board."""
    mentor = StaffFactory(school=world.school)
    class_group = ClassGroupFactory(
        school=world.school,
        school_year=world.class_group.school_year,
        department=department or world.department,
        name=name,
        mentors=[mentor],
    )
    return services.board_create(
        school=world.school,
        actor=mentor.user,
        title=title or f"Verbeterbord {name}",
        scope="class_group",
        class_group=class_group,
    )


@pytest.fixture(autouse=True)
def english(client, settings):
    """These tests read the pages' English wording: chosen with the language switch's cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def boards(world) -> list[ImprovementBoard]:
    """Three class boards of the department (in class order), and boards that are not in its session."""
    first = services.board_create(
        school=world.school,
        actor=world.mentor,
        title="Verbeterbord 4H1",
        scope="class_group",
        class_group=world.class_group,
    )
    second = class_board(world, "4H2")
    third = class_board(world, "4H3")
    class_board(world, "5V9", department=world.other_department, title="Bord van een andere afdeling")
    services.board_create(school=world.school, actor=world.team_leader, title="Teambord havo", scope="team")
    services.board_create(
        school=world.school, actor=world.team_leader, title="Afdelingsbord havo", scope="department",
        department=world.department,
    )  # fmt: skip
    return [first, second, third]


def fill(world, board: ImprovementBoard, count: int) -> None:
    """Cards of every kind, measurements, overdue actions and comments: what a query count must not follow."""
    owner = board.owner.user
    for index in range(count):
        section = ["concern", "goal", "action", "success", "idea"][index % 5]
        item = services.board_item_add(
            board=board,
            actor=owner,
            section=section,
            text=f"{section} {index}",
            measure="verzuim per week" if section == "goal" else "",
            target="< 3 uur" if section == "goal" else "",
            owner=board.owner if section == "action" else None,
            due_on=datetime.date(2020, 1, 1) if section == "action" else None,
        )
        if section == "goal":
            services.measurement_add(item=item, actor=owner, measured_on="2026-11-01", value=index)
        comment = services.board_comment_add(board=board, actor=world.team_leader, text=f"vraag {index}")
        if index % 2:
            services.board_comment_answer(comment=comment, actor=owner, answer=f"antwoord {index}")


# --- access --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "joins"),
    [
        ("team_leader", True),
        ("admin", True),
        ("care_coordinator", True),
        ("mentor", True),  # mentors a class of the department
        ("teacher", True),  # teaches a student of the department
        ("other_team_leader", False),
        ("other_mentor", False),
        ("other_teacher", False),
        ("student_user", False),
        ("guardian", False),
        ("outsider", False),
    ],
)
def test_who_joins_the_session(client, world, boards, who, joins):
    user = getattr(world, who)
    assert policies.can_join_care_board_session(user, world.department) is joins
    client.force_login(user)
    response = client.get(session_url(world.department))
    assert response.status_code == (200 if joins else 404)
    assert (boards[0] in policies.boards_commentable_by(user)) is joins


def test_anonymous_is_sent_to_the_login_page(client, world, boards):
    response = client.get(session_url(world.department))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_guest_of_a_care_meeting_is_refused(client, world, boards):
    guest = UserFactory(school=world.school)
    meeting = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg",
        held_on=datetime.date(2026, 12, 1),
        coordinator=world.care_coordinator.staff,
    )
    CareGuest.objects.create(
        meeting=meeting, user=guest, organisation="youth_care", expires_at=timezone.now() + datetime.timedelta(days=7)
    )
    client.force_login(guest)
    assert client.get(session_url(world.department)).status_code == 404
    assert client.post(reverse("boards:board_comment_add", args=[boards[0].pk]), {"text": "x"}).status_code == 404
    assert not BoardComment.objects.exists()


def test_a_session_joins_the_departments_of_what_you_teach_only(world, boards):
    joined = set(policies.care_session_departments_for(world.teacher))
    assert joined == {world.department}
    assert set(policies.care_session_departments_for(world.admin)) == {world.department, world.other_department}
    assert set(policies.care_session_boards_visible_to(world.teacher)) == set(boards)


# --- walking through the boards ----------------------------------------------------------------------------


def test_the_session_walks_through_the_class_boards_in_order(client, world, boards):
    client.force_login(world.team_leader)
    content = client.get(session_url(world.department)).content.decode()
    assert "Verbeterbord 4H1" in content
    assert "Board 1 of 3" in content
    assert "data-key-prev" not in content
    assert f'href="{session_url(world.department, board=boards[1].pk)}"' in content
    assert "Teambord havo" not in content
    assert "Afdelingsbord havo" not in content
    assert "Bord van een andere afdeling" not in content

    content = client.get(session_url(world.department, board=boards[1].pk)).content.decode()
    assert "Board 2 of 3" in content
    assert f'data-key-prev href="{session_url(world.department, board=boards[0].pk)}"' in content
    assert f'data-key-next href="{session_url(world.department, board=boards[2].pk)}"' in content
    assert str(boards[1].owner.user) in content
    assert f'href="{reverse("boards:board", args=[boards[1].pk])}"' in content  # the team leader may open it

    content = client.get(reverse("boards:care_session_board", args=[world.department.pk, 3])).content.decode()
    assert "Verbeterbord 4H3" in content
    assert "Board 3 of 3" in content
    assert "data-key-next" not in content
    assert f'href="{reverse("boards:boards")}" data-session-exit' in content
    assert " style=" not in content
    assert "<script>" not in content
    assert "js/boards-care-session.js" in content


@pytest.mark.parametrize("query", ["board=abc", "board=999999", "other"])
def test_a_board_outside_the_session_is_404(client, world, boards, query):
    client.force_login(world.team_leader)
    if query == "other":
        other = ImprovementBoard.objects.get(title="Bord van een andere afdeling")
        query = f"board={other.pk}"
    url = reverse("boards:care_session", args=[world.department.pk])
    assert client.get(f"{url}?{query}").status_code == 404
    for position in (0, 4):
        assert (
            client.get(reverse("boards:care_session_board", args=[world.department.pk, position])).status_code == 404
        )


def test_the_sections_in_large_type_with_goals_actions_and_overdue(client, world, boards):
    board = boards[0]
    services.board_item_add(board=board, actor=world.mentor, section="concern", text="Veel verzuim op maandag")
    goal = services.board_item_add(
        board=board, actor=world.mentor, section="goal", text="Minder verzuim", measure="uren per week", target="< 3"
    )
    services.measurement_add(item=goal, actor=world.mentor, measured_on="2026-11-01", value="4,5")
    services.board_item_add(
        board=board, actor=world.mentor, section="action", text="Bel ouders", due_on=datetime.date(2020, 1, 1)
    )
    services.board_item_add(board=board, actor=world.mentor, section="success", text="Iedereen op tijd")
    services.board_item_add(board=board, actor=world.mentor, section="idea", text="Een idee voor later")
    client.force_login(world.teacher)
    content = client.get(session_url(world.department)).content.decode()
    for text in (
        "Veel verzuim op maandag",
        "Minder verzuim",
        "uren per week",
        "&lt; 3",
        "Bel ouders",
        "Iedereen op tijd",
    ):
        assert text in content
    assert "Een idee voor later" not in content
    assert "overdue" in content
    assert "board-card--overdue" in content
    assert 'class="board-chart"' in content
    assert "care-session__text" in content


def test_an_empty_department_gets_a_calm_message(client, world):
    client.force_login(world.other_team_leader)
    response = client.get(session_url(world.other_department))
    assert response.status_code == 200
    content = response.content.decode()
    assert "No class boards in this department yet" in content
    assert "data-key-next" not in content
    assert client.get(reverse("boards:care_session_board", args=[world.other_department.pk, 1])).status_code == 404


# --- comments in the session ---------------------------------------------------------------------------------


def test_a_teacher_of_the_department_comments_without_being_a_member(client, world, boards):
    board = boards[1]
    client.force_login(world.teacher)
    assert client.get(reverse("boards:board", args=[board.pk])).status_code == 404  # not their board to open
    page = client.get(session_url(world.department, board=board.pk)).content.decode()
    assert f'href="{reverse("boards:board", args=[board.pk])}"' not in page  # no link to a page they cannot open
    assert reverse("boards:board_comment_add", args=[board.pk]) in page

    back = session_url(world.department, board=board.pk)
    response = client.post(
        reverse("boards:board_comment_add", args=[board.pk]), {"text": "Hoe betrek je de leerlingen?", "next": back}
    )
    comment = BoardComment.objects.get()
    assert response.status_code == 302
    assert response.url == f"{back}#comment-{comment.pk}"
    assert comment.author == world.teacher
    page = client.get(back).content.decode()
    assert "Hoe betrek je de leerlingen?" in page
    assert "1 unanswered" in page

    # Only its owner answers, also in the session; the teacher may not.
    assert client.post(reverse("boards:board_comment_answer", args=[comment.pk]), {"answer": "x"}).status_code == 403
    client.force_login(board.owner.user)
    page = client.get(back).content.decode()
    assert reverse("boards:board_comment_answer", args=[comment.pk]) in page
    response = client.post(
        reverse("boards:board_comment_answer", args=[comment.pk]), {"answer": "Met een klassengesprek.", "next": back}
    )
    assert response.status_code == 302
    assert response.url.startswith(back)
    assert "Met een klassengesprek." in client.get(back).content.decode()


def test_a_teacher_cannot_comment_on_another_departments_board(client, world, boards):
    other = ImprovementBoard.objects.get(title="Bord van een andere afdeling")
    client.force_login(world.teacher)
    assert client.post(reverse("boards:board_comment_add", args=[other.pk]), {"text": "x"}).status_code == 404
    team = ImprovementBoard.objects.get(title="Teambord havo")  # a team's board is not in any session
    assert client.post(reverse("boards:board_comment_add", args=[team.pk]), {"text": "x"}).status_code == 404
    assert not BoardComment.objects.exists()


def test_an_empty_question_in_the_session_keeps_nothing(client, world, boards):
    client.force_login(world.teacher)
    back = session_url(world.department, board=boards[0].pk)
    response = client.post(
        reverse("boards:board_comment_add", args=[boards[0].pk]), {"text": " ", "next": back}, follow=True
    )
    assert response.redirect_chain[0][0] == f"{back}#comments-{boards[0].pk}"
    assert "Write your question or feedback." in response.content.decode()
    assert not BoardComment.objects.exists()


# --- the list page links to the sessions one may join ----------------------------------------------------------


def test_the_list_links_to_each_session_one_may_join(client, world, boards):
    havo = reverse("boards:care_session", args=[world.department.pk])
    vwo = reverse("boards:care_session", args=[world.other_department.pk])
    client.force_login(world.teacher)
    content = client.get(reverse("boards:boards")).content.decode()
    assert havo in content
    assert vwo not in content
    client.force_login(world.admin)
    content = client.get(reverse("boards:boards")).content.decode()
    assert havo in content
    assert vwo in content
    client.force_login(world.outsider)
    assert "care-session" not in client.get(reverse("boards:boards")).content.decode()


def test_the_keys_script_follows_the_links():
    # ← / → for data-key-prev / data-key-next live in app.js, which every page loads.
    script = (Path(settings.BASE_DIR) / "static" / "js" / "app.js").read_text()
    assert "ArrowLeft" in script
    assert "data-key-prev" in script
    assert "data-key-next" in script


# --- query count ----------------------------------------------------------------------------------------------


def test_the_session_page_query_count_does_not_grow(client, world, django_assert_num_queries):
    first = class_board(world, "4H2")
    fill(world, first, 3)
    client.force_login(world.teacher)
    url = session_url(world.department, board=first.pk)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    for name in ("4H3", "4H4", "4H5", "4H6", "4H7"):
        fill(world, class_board(world, name), 4)
    fill(world, first, 20)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert "Board 1 of 6" in response.content.decode()
