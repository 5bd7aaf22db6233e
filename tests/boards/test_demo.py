"""The demo school shows the boards alive: class boards to walk, a full 4H1 board, a care meeting, progress cards."""

import pytest

from boards import demo as boards_demo
from boards.models import (
    BoardComment,
    BoardItem,
    CareConsent,
    CareEntry,
    CareGuest,
    CareMeeting,
    ImprovementBoard,
    ProgressCard,
)
from boards.policies import care_meetings_visible_to
from boards.selectors.progress import progress_board
from school import demo
from school.models import ClassGroup


@pytest.fixture
def demo_school(db) -> demo.DemoSchool:
    school = demo.demo_school_create(students=200, with_logins=False, username_prefix="b-")
    assert boards_demo.demo_boards_create(school, demo.DEFAULT_SEED)
    return school


def test_every_havo_class_has_a_board_and_4h1_is_full(demo_school):
    havo_classes = ClassGroup.objects.filter(school=demo_school.school, department__name=boards_demo.HAVO)
    boards = ImprovementBoard.objects.filter(scope=ImprovementBoard.Scope.CLASS_GROUP)
    assert set(boards.values_list("class_group_id", flat=True)) == set(havo_classes.values_list("pk", flat=True))
    full = boards.get(class_group__name=boards_demo.MENTOR_CLASS)
    assert full.owner.user == demo_school.logins[demo.MENTOR]
    assert set(full.items.values_list("section", flat=True)) == set(BoardItem.Section.values)
    goal = full.items.get(measure__startswith="%")
    assert goal.measurements.count() == len(boards_demo.HOMEWORK_ON_TIME)
    assert full.sessions.count() == 2
    assert full.comments.filter(answered_at__isnull=False).count() == 1
    assert BoardComment.objects.filter(board=full, answer="").count() == 1
    overdue = full.items.filter(section=BoardItem.Section.ACTION, status="open").get()
    assert overdue.due_on < overdue.updated_at.date()


def test_the_care_meeting_has_consent_for_each_child_a_guest_and_a_board(demo_school):
    meeting = CareMeeting.objects.get(school=demo_school.school)
    children = list(meeting.children.all())
    assert len(children) == 2
    assert CareConsent.objects.filter(meeting=meeting).count() == 2
    guest = CareGuest.objects.get(meeting=meeting)
    assert list(care_meetings_visible_to(guest.user)) == [meeting]  # consent recorded, access not expired
    for child in children:
        kinds = set(CareEntry.objects.filter(meeting=meeting, student=child).values_list("kind", flat=True))
        assert kinds == set(CareEntry.Kind.values)
    # Not the demo logins' own family: Lina and Adam are the guardian login's children.
    assert not meeting.children.filter(guardians__user=demo_school.logins[demo.GUARDIAN]).exists()


def test_the_mentors_progress_board_has_notable_stale_and_changed_cards(demo_school):
    class_group = ClassGroup.objects.get(school=demo_school.school, name=boards_demo.MENTOR_CLASS)
    board = progress_board(class_group=class_group, viewer=demo_school.logins[demo.MENTOR])
    assert ProgressCard.objects.filter(student__class_group=class_group).count() == board.total
    assert 0 < board.notable_count < board.total
    assert 0 < board.stale_count < board.total
    assert board.changed_count > 0


def test_two_demo_schools_share_a_database(demo_school):
    other = demo.demo_school_create(students=80, with_logins=False, username_prefix="c-")
    assert boards_demo.demo_boards_create(other, demo.DEFAULT_SEED)
    assert CareGuest.objects.count() == 2
