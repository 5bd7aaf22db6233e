"""Boards' access rules (DESIGN §4): improvement boards for their people, care meetings for their participants
and (with consent, until it expires) their guests, progress boards for the class's mentors and team leaders."""

import datetime

import pytest
from django.utils import timezone

from boards import policies
from boards.models import CareConsent, CareGuest, CareMeeting, ImprovementBoard
from tests.factories import UserFactory


@pytest.fixture
def class_board(world) -> ImprovementBoard:
    return ImprovementBoard.objects.create(
        school=world.school,
        title="Verbeterbord 4H1",
        scope=ImprovementBoard.Scope.CLASS_GROUP,
        class_group=world.class_group,
        owner=world.mentor.staff,
    )


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("mentor", True),
        ("team_leader", True),
        ("admin", True),
        ("care_coordinator", True),
        ("other_mentor", False),
        ("other_team_leader", False),
        ("teacher", False),
        ("student_user", False),
        ("guardian", False),
        ("outsider", False),
    ],
)
def test_a_class_board(world, class_board, who, sees):
    assert (class_board in policies.boards_visible_to(getattr(world, who))) is sees


def test_a_team_board_is_its_members_and_only_its_owner_answers(world):
    board = ImprovementBoard.objects.create(
        school=world.school, title="Team", scope=ImprovementBoard.Scope.TEAM, owner=world.teacher.staff
    )
    board.members.add(world.other_teacher.staff)
    assert board in policies.boards_visible_to(world.other_teacher)
    assert board not in policies.boards_visible_to(world.mentor)
    assert policies.can_answer_board_comments(world.teacher, board)
    assert not policies.can_answer_board_comments(world.other_teacher, board)


@pytest.fixture
def care_meeting(world) -> CareMeeting:
    meeting = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg",
        held_on=datetime.date(2026, 12, 1),
        coordinator=world.care_coordinator.staff,
    )
    meeting.children.add(world.student)
    meeting.participants.add(world.mentor.staff)
    return meeting


def _guest(world, meeting, *, days: int) -> CareGuest:
    user = UserFactory(school=world.school)
    return CareGuest.objects.create(
        meeting=meeting,
        user=user,
        organisation=CareGuest.Organisation.YOUTH_CARE,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("care_coordinator", True),
        ("mentor", True),
        ("admin", False),  # strictest privacy: not even the school admin
        ("team_leader", False),
        ("teacher", False),
        ("guardian", False),
        ("student_user", False),
        ("outsider", False),
    ],
)
def test_a_care_meeting_is_for_its_participants(world, care_meeting, who, sees):
    assert (care_meeting in policies.care_meetings_visible_to(getattr(world, who))) is sees


def test_a_guest_sees_the_one_meeting_only_with_consent_and_until_it_expires(world, care_meeting):
    guest = _guest(world, care_meeting, days=7)
    other = CareMeeting.objects.create(
        school=world.school,
        title="Ander overleg",
        held_on=datetime.date(2026, 12, 2),
        coordinator=world.care_coordinator.staff,
    )
    other.children.add(world.other_student)
    assert list(policies.care_meetings_visible_to(guest.user)) == []  # no consent yet
    assert policies.consent_missing(care_meeting)
    CareConsent.objects.create(
        meeting=care_meeting,
        student=world.student,
        given_by=CareConsent.GivenBy.GUARDIAN,
        given_by_name="Karlijn",
        given_on=datetime.date(2026, 11, 23),
    )
    assert not policies.consent_missing(care_meeting)
    assert list(policies.care_meetings_visible_to(guest.user)) == [care_meeting]
    # Another child joins: without their consent the guest sees nothing again.
    care_meeting.children.add(world.other_student)
    assert list(policies.care_meetings_visible_to(guest.user)) == []
    care_meeting.children.remove(world.other_student)
    # Expired or revoked: gone.
    CareGuest.objects.filter(pk=guest.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert list(policies.care_meetings_visible_to(guest.user)) == []
    CareGuest.objects.filter(pk=guest.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=1), revoked_at=timezone.now()
    )
    assert list(policies.care_meetings_visible_to(guest.user)) == []
    assert not policies.can_write_care_meeting(guest.user, care_meeting)
    assert policies.can_write_care_meeting(world.care_coordinator, care_meeting)
    assert not policies.can_write_care_meeting(world.mentor, care_meeting)


@pytest.mark.parametrize(
    ("who", "sees", "updates"),
    [
        ("mentor", True, True),
        ("team_leader", True, False),
        ("admin", True, False),
        ("other_mentor", False, False),
        ("teacher", False, False),
        ("student_user", False, False),
        ("outsider", False, False),
    ],
)
def test_a_progress_board(world, who, sees, updates):
    user = getattr(world, who)
    assert (world.class_group in policies.progress_boards_visible_to(user)) is sees
    assert policies.can_update_progress_cards(user, world.class_group) is updates


@pytest.mark.parametrize(
    ("who", "keeps", "class_board", "department_board", "plans_care"),
    [
        ("mentor", True, True, False, False),
        ("team_leader", True, True, True, False),
        ("other_mentor", True, False, False, False),
        ("care_coordinator", True, True, True, True),
        ("teacher", True, False, False, False),
        ("student_user", False, False, False, False),
        ("guardian", False, False, False, False),
        ("outsider", True, False, False, False),  # another school's admin: not our class or department
    ],
)
def test_who_makes_boards_and_plans_care_meetings(world, who, keeps, class_board, department_board, plans_care):
    user = getattr(world, who)
    assert policies.can_keep_boards(user) is keeps
    assert policies.can_make_class_board(user, world.class_group) is class_board
    assert policies.can_make_department_board(user, world.department) is department_board
    assert policies.can_plan_care_meetings(user) is plans_care
