"""The boards on "Mijn werk": the mentor's progress board, the owner's boards, coming care meetings."""

import datetime

from django.urls import reverse
from django.utils import timezone

from boards.models import CareMeeting, ImprovementBoard


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_mentor_finds_their_classs_progress_board(client, world):
    html = _home(client, world.mentor)
    assert reverse("boards:progress", args=[world.class_group.pk]) in html
    assert "boards-home-title" not in _home(client, world.teacher)  # nothing of theirs yet


def test_an_owner_finds_their_board_and_a_participant_the_coming_care_meeting(client, world):
    board = ImprovementBoard.objects.create(
        school=world.school, title="Team Engels", scope=ImprovementBoard.Scope.TEAM, owner=world.teacher.staff
    )
    meeting = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg Sam",
        held_on=timezone.localdate() + datetime.timedelta(days=3),
        coordinator=world.care_coordinator.staff,
    )
    meeting.participants.add(world.teacher.staff)
    html = _home(client, world.teacher)
    assert reverse("boards:board", args=[board.pk]) in html
    assert reverse("boards:care_meeting", args=[meeting.pk]) in html
    assert reverse("boards:care_meeting", args=[meeting.pk]) not in _home(client, world.admin)


def test_students_and_guardians_get_no_boards(client, world):
    for user in (world.student_user, world.guardian):
        assert "boards-home-title" not in _home(client, user)
