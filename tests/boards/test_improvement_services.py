"""Improvement boards' services: who may make which board, cards with optimistic versions, measurements,
board sessions and check-ins. Bad input gives a specific message and writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from boards.models import BoardItem, BoardSession, CheckIn, ImprovementBoard, Measurement
from boards.selectors.improvement import board_page
from boards.services import improvement as services


@pytest.fixture
def board(world) -> ImprovementBoard:
    return services.board_create(
        school=world.school,
        actor=world.mentor,
        title="Verbeterbord 4H1",
        scope="class_group",
        class_group=world.class_group,
    )


def _messages(error: ValidationError) -> dict:
    return error.value.message_dict


# --- creating boards ------------------------------------------------------------------------------


def test_a_mentor_makes_the_board_of_their_class_and_is_its_owner_and_member(world, board):
    assert board.owner == world.mentor.staff
    assert list(board.members.all()) == [world.mentor.staff]
    assert board.scope == "class_group"
    assert board.department is None


def test_the_team_leader_of_the_classes_department_may_too(world):
    board = services.board_create(
        school=world.school, actor=world.team_leader, title="4H1", scope="class_group", class_group=world.class_group
    )
    assert board.owner == world.team_leader.staff


@pytest.mark.parametrize("who", ["other_mentor", "teacher", "other_team_leader"])
def test_others_may_not_make_a_class_board(world, who):
    with pytest.raises(ValidationError) as error:
        services.board_create(
            school=world.school,
            actor=getattr(world, who),
            title="4H1",
            scope="class_group",
            class_group=world.class_group,
        )
    assert "class_group" in _messages(error)
    assert not ImprovementBoard.objects.exists()


def test_a_department_board_only_by_its_team_leader(world):
    board = services.board_create(
        school=world.school, actor=world.team_leader, title="Havo", scope="department", department=world.department
    )
    assert board.department == world.department
    with pytest.raises(ValidationError) as error:
        services.board_create(
            school=world.school, actor=world.mentor, title="Havo", scope="department", department=world.department
        )
    assert "department" in _messages(error)


def test_any_staff_member_makes_a_team_board_but_not_students_or_outsiders(world):
    board = services.board_create(school=world.school, actor=world.teacher, title="Sectie ne", scope="team")
    assert board.class_group is None
    assert board.department is None
    for who in ("student_user", "guardian", "outsider"):
        with pytest.raises(PermissionDenied):
            services.board_create(school=world.school, actor=getattr(world, who), title="x", scope="team")


@pytest.mark.parametrize(
    ("title", "scope", "field"), [("", "team", "title"), ("x" * 121, "team", "title"), ("Bord", "nonsense", "scope")]
)
def test_bad_board_input(world, title, scope, field):
    with pytest.raises(ValidationError) as error:
        services.board_create(school=world.school, actor=world.mentor, title=title, scope=scope)
    assert field in _messages(error)
    assert not ImprovementBoard.objects.exists()


# --- cards ----------------------------------------------------------------------------------------


def test_adding_a_card_touches_the_board(world, board):
    before = board.updated_at
    item = services.board_item_add(
        board=board,
        actor=world.mentor,
        section="action",
        text="Bel ouders",
        owner=world.mentor.staff,
        due_on=datetime.date(2026, 12, 1),
    )
    assert item.status == "open"
    assert item.version == 1
    assert item.updated_by == world.mentor
    board.refresh_from_db()
    assert board.updated_at > before


def test_measure_and_target_only_on_goals(world, board):
    item = services.board_item_add(board=board, actor=world.mentor, section="concern", text="Te laat", measure="x")
    assert item.measure == ""


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"section": "action", "text": ""}, "text"),
        ({"section": "action", "text": "x" * 501}, "text"),
        ({"section": "nope", "text": "x"}, "section"),
        ({"section": "action", "text": "x", "due_on": "1-2-2026x"}, "due_on"),
        ({"section": "action", "text": "x", "owner": "999999"}, "owner"),
    ],
)
def test_bad_card_input_writes_nothing(world, board, kwargs, field):
    with pytest.raises(ValidationError) as error:
        services.board_item_add(board=board, actor=world.mentor, **kwargs)
    assert field in _messages(error)
    assert not BoardItem.objects.exists()


def test_out_of_scope_may_not_touch_the_board(world, board):
    with pytest.raises(PermissionDenied):
        services.board_item_add(board=board, actor=world.other_mentor, section="idea", text="x")
    item = services.board_item_add(board=board, actor=world.mentor, section="idea", text="x")
    with pytest.raises(PermissionDenied):
        services.board_item_save(item=item, actor=world.outsider, values={"text": "y"}, version=1)
    with pytest.raises(PermissionDenied):
        services.board_item_delete(item=item, actor=world.teacher)
    assert BoardItem.objects.get().text == "x"


def test_two_editors_on_one_card_the_second_save_is_refused_and_nothing_is_lost(world, board):
    item = services.board_item_add(board=board, actor=world.mentor, section="action", text="Plan maken")
    first = services.board_item_save(item=item, actor=world.team_leader, values={"status": "doing"}, version=1)
    assert first.version == 2
    with pytest.raises(services.BoardItemConflict) as conflict:
        services.board_item_save(item=item, actor=world.mentor, values={"text": "Ander plan"}, version=1)
    assert conflict.value.current.status == "doing"
    assert conflict.value.current.updated_by == world.team_leader
    stored = BoardItem.objects.get()
    assert (stored.text, stored.status, stored.version) == ("Plan maken", "doing", 2)


def test_a_bad_status_is_refused(world, board):
    item = services.board_item_add(board=board, actor=world.mentor, section="action", text="x")
    with pytest.raises(ValidationError) as error:
        services.board_item_save(item=item, actor=world.mentor, values={"status": "later"}, version=1)
    assert "status" in _messages(error)
    assert BoardItem.objects.get().version == 1


def test_delete(world, board):
    item = services.board_item_add(board=board, actor=world.mentor, section="idea", text="x")
    services.board_item_delete(item=item, actor=world.team_leader)
    assert not BoardItem.objects.exists()


# --- measurements -----------------------------------------------------------------------------------


def test_measurements_only_for_goals_one_a_day(world, board):
    goal = services.board_item_add(
        board=board, actor=world.mentor, section="goal", text="Minder te laat", measure="keer per week", target="2"
    )
    services.measurement_add(item=goal, actor=world.mentor, measured_on="2026-11-01", value="7,5")
    services.measurement_add(item=goal, actor=world.mentor, measured_on="2026-11-01", value="6")
    assert Measurement.objects.get().value == Decimal("6.00")
    action = services.board_item_add(board=board, actor=world.mentor, section="action", text="x")
    with pytest.raises(ValidationError):
        services.measurement_add(item=action, actor=world.mentor, measured_on="2026-11-01", value="1")
    with pytest.raises(ValidationError) as error:
        services.measurement_add(item=goal, actor=world.mentor, measured_on="gisteren", value="veel")
    assert set(_messages(error)) == {"measured_on", "value"}
    assert Measurement.objects.count() == 1


# --- sessions and check-ins --------------------------------------------------------------------------


def test_a_session_with_attendees_and_check_ins(world, board):
    session = services.board_session_start(
        board=board,
        actor=world.mentor,
        held_on="2026-11-20",
        attendee_ids=[world.mentor.staff.pk],
        changes="Actie afgerond",
    )
    services.check_in(session=session, actor=world.team_leader, mood="good", note="")
    services.check_in(session=session, actor=world.team_leader, mood="great", note="zin in")
    assert CheckIn.objects.get().mood == "great"
    assert set(session.attendees.all()) == {world.mentor.staff, world.team_leader.staff}
    with pytest.raises(ValidationError) as error:
        services.check_in(session=session, actor=world.mentor, mood="ecstatic", note="")
    assert "mood" in _messages(error)


def test_bad_session_input_writes_nothing(world, board):
    with pytest.raises(ValidationError) as error:
        services.board_session_start(
            board=board, actor=world.mentor, held_on="", attendee_ids=[world.outsider.staff.pk], changes=""
        )
    assert set(_messages(error)) == {"held_on", "attendees"}
    assert not BoardSession.objects.exists()


# --- the page's selector ----------------------------------------------------------------------------


def test_overdue_actions(world, board):
    today = timezone.localdate()
    late = services.board_item_add(
        board=board, actor=world.mentor, section="action", text="laat", due_on=today - datetime.timedelta(days=1)
    )
    done = services.board_item_add(
        board=board, actor=world.mentor, section="action", text="klaar", due_on=today - datetime.timedelta(days=1)
    )
    services.board_item_save(item=done, actor=world.mentor, values={"status": "done"}, version=1)
    services.board_item_add(board=board, actor=world.mentor, section="action", text="op tijd", due_on=today)
    page = board_page(board=board)
    actions = next(section for section in page.sections if section.key == "action")
    assert {card.item.text: card.overdue for card in actions.cards} == {"laat": True, "klaar": False, "op tijd": False}
    assert page.overdue_count == 1
    assert late.pk in [card.item.pk for card in actions.cards if card.overdue]


def _fill(world, board, count):
    for index in range(count):
        section = ["goal", "action", "concern", "success", "idea"][index % 5]
        item = services.board_item_add(
            board=board, actor=world.mentor, section=section, text=f"kaart {index}", owner=world.mentor.staff
        )
        if section == "goal":
            services.measurement_add(item=item, actor=world.mentor, measured_on="2026-11-01", value=index)
            services.measurement_add(item=item, actor=world.mentor, measured_on="2026-11-08", value=index + 1)
    session = services.board_session_start(
        board=board, actor=world.mentor, held_on="2026-11-20", attendee_ids=[], changes=""
    )
    services.check_in(session=session, actor=world.mentor, mood="good", note="")


@pytest.mark.parametrize("count", [5, 25])
def test_the_page_selector_has_a_fixed_query_count(world, board, django_assert_num_queries, count):
    _fill(world, board, count)
    with django_assert_num_queries(7):
        page = board_page(board=board)
    assert sum(len(section.cards) for section in page.sections) == count
    goal = next(section for section in page.sections if section.key == "goal").cards[0]
    assert goal.chart is not None
    assert len(goal.chart.points.split()) == 2
