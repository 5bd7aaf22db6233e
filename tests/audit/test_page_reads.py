"""Reads of pages about students leave one audit event per page load (issue 8).

Logged: the mentor's page of one student in a round, one student's agreements timeline (read by anyone
but the student and their guardians), a class's progress board, each card of its monthly discussion, and
its wall print. Not logged: the 3-second poll of the board, refused requests (403/404), the student's and
guardians' own reads, the roster page of a student (name, class, groups: no review data) and improvement
boards (a group's way of working, not a person).
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from boards.models import BoardPrintJob
from boards.services.improvement import board_create
from boards.services.progress import progress_card_save
from classmeetings.models import PersonalCoach
from reviews.models import Phase
from tests.audit.events import only_event
from tests.factories import StaffFactory, StudentFactory
from tests.rounds import this_round

Action, Kind = AuditEvent.Action, AuditEvent.Kind
ADDRESS = {"REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "TestBrowser/1.0"}


# --- the mentor's page of one student in a round --------------------------------------------------------------


@pytest.fixture
def cycle(world):
    return this_round(world, phase=Phase.SPEED_DATE, departments=[world.department, world.other_department])


def student_page_url(cycle, student) -> str:
    return reverse("mentoring:student", args=[cycle.pk, student.pk])


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin", "care_coordinator"])
def test_reading_a_students_page_is_audited(client, world, cycle, who):
    reader = getattr(world, who)
    client.force_login(reader)
    url = student_page_url(cycle, world.student)

    assert client.get(url, **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (reader, Action.READ, Kind.STUDENT_PAGE)
    assert (event.student, event.school, event.path) == (world.student, world.school, url)
    assert (event.ip_address, event.user_agent) == ("192.0.2.44", "TestBrowser/1.0")
    assert event.actor_name == (reader.get_full_name() or reader.get_username())


def test_every_look_at_a_students_page_is_one_event(client, world, cycle):
    client.force_login(world.mentor)
    for _ in range(2):
        assert client.get(student_page_url(cycle, world.student)).status_code == 200
    assert AuditEvent.objects.filter(kind=Kind.STUDENT_PAGE, student=world.student).count() == 2


@pytest.mark.parametrize(
    "who", ["other_mentor", "other_team_leader", "teacher", "student_user", "guardian", "outsider"]
)
def test_a_refused_students_page_leaves_no_event(client, world, cycle, who):
    client.force_login(getattr(world, who))
    assert client.get(student_page_url(cycle, world.student)).status_code == 404
    assert not AuditEvent.objects.exists()


def test_the_roster_page_of_a_student_is_no_logged_read(client, world):
    """Name, number, class, mentors and teaching groups: the roster, not the review's data."""
    client.force_login(world.mentor)
    assert client.get(reverse("school:student_detail", args=[world.student.pk])).status_code == 200
    assert not AuditEvent.objects.exists()


# --- one student's agreements timeline -----------------------------------------------------------------------


def timeline_url(student) -> str:
    return reverse("classmeetings:timeline", args=[student.pk])


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin"])
def test_staff_reading_a_students_timeline_is_audited(client, world, who):
    reader = getattr(world, who)
    client.force_login(reader)

    assert client.get(timeline_url(world.student), **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (reader, Action.READ, Kind.AGREEMENT_TIMELINE)
    assert (event.student, event.school, event.path) == (world.student, world.school, timeline_url(world.student))
    assert event.ip_address == "192.0.2.44"


def test_the_personal_coach_reading_the_timeline_is_audited(client, world):
    coach = StaffFactory(school=world.school)
    PersonalCoach.objects.create(student=world.student, coach=coach)
    client.force_login(coach.user)

    assert client.get(timeline_url(world.student)).status_code == 200

    event = only_event()
    assert (event.actor, event.kind, event.student) == (coach.user, Kind.AGREEMENT_TIMELINE, world.student)


@pytest.mark.parametrize("who", ["student_user", "guardian"])
def test_the_student_and_guardians_reading_their_own_timeline_are_not_logged(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(timeline_url(world.student)).status_code == 200
    assert not AuditEvent.objects.exists()


def test_my_agreements_redirect_is_no_read_and_the_timeline_behind_it_is_the_students_own(client, world):
    client.force_login(world.student_user)
    response = client.get(reverse("classmeetings:my_timeline"), follow=True)
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["other_mentor", "other_team_leader", "teacher", "other_student_user", "outsider"])
def test_a_refused_timeline_leaves_no_event(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(timeline_url(world.student)).status_code == 404
    assert not AuditEvent.objects.exists()


# --- the progress board of a class and its monthly discussion ------------------------------------------------


def progress_url(class_group) -> str:
    return reverse("boards:progress", args=[class_group.pk])


@pytest.fixture
def cards(world):
    """World.student's card is notable (behind on two tests); a quiet classmate's is not."""
    quiet = StudentFactory(school=world.school, class_group=world.class_group, last_name="Rustig")
    progress_card_save(student=world.student, actor=world.mentor, values={"tests_behind": "2"}, version=0)
    progress_card_save(student=quiet, actor=world.mentor, values={"internship_placed": "yes"}, version=0)
    return world.student, quiet


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin"])
def test_reading_the_progress_board_is_one_event_for_the_class(client, world, cards, who):
    reader = getattr(world, who)
    client.force_login(reader)
    url = progress_url(world.class_group)

    assert client.get(url, **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (reader, Action.READ, Kind.PROGRESS_BOARD)
    assert (event.object_id, event.student, event.school) == (world.class_group.pk, None, world.school)
    assert event.path == url
    assert event.ip_address == "192.0.2.44"


def test_a_filtered_or_blanked_board_is_a_read_too_with_its_address(client, world, cards):
    client.force_login(world.mentor)
    url = progress_url(world.class_group) + "?filter=notable&blank=1"
    assert client.get(url).status_code == 200
    assert only_event(kind=Kind.PROGRESS_BOARD).path == url


def test_the_boards_poll_records_nothing(client, world, cards):
    client.force_login(world.mentor)
    poll = reverse("boards:progress_poll", args=[world.class_group.pk])
    before = (timezone.now() - datetime.timedelta(hours=1)).isoformat()

    changed = client.get(poll, {"since": before}, HTTP_HX_REQUEST="true")
    unchanged = client.get(poll, {"since": timezone.now().isoformat()}, HTTP_HX_REQUEST="true")

    assert (changed.status_code, unchanged.status_code) == (200, 204)
    assert b"progress-card" in changed.content  # the changed cards came back: still no read of its own
    assert not AuditEvent.objects.exists()


def test_saving_a_card_records_no_read(client, world, cards):
    client.force_login(world.mentor)
    response = client.post(
        reverse("boards:progress_card", args=[world.student.pk]),
        {"version": "1", "tests_behind": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


@pytest.mark.parametrize(
    "who", ["other_mentor", "other_team_leader", "teacher", "student_user", "guardian", "outsider"]
)
def test_a_refused_board_or_poll_leaves_no_event(client, world, cards, who):
    client.force_login(getattr(world, who))
    poll = reverse("boards:progress_poll", args=[world.class_group.pk])
    assert client.get(progress_url(world.class_group)).status_code == 404
    assert client.get(poll, {"since": timezone.now().isoformat()}, HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(reverse("boards:progress_discussion", args=[world.class_group.pk])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_refused_card_save_leaves_no_event(client, world, cards):
    """The team leader sees the board but does not update the cards: 403, and nothing written."""
    client.force_login(world.team_leader)
    response = client.post(reverse("boards:progress_card", args=[world.student.pk]), {"version": "1"})
    assert response.status_code == 403
    assert not AuditEvent.objects.exists()


def test_each_card_of_the_monthly_discussion_is_one_event_with_its_student(client, world, cards):
    client.force_login(world.mentor)
    url = reverse("boards:progress_discussion", args=[world.class_group.pk]) + f"?card={world.student.pk}"

    assert client.get(url, **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (world.mentor, Action.READ, Kind.PROGRESS_BOARD)
    assert (event.object_id, event.student, event.path) == (world.class_group.pk, world.student, url)


def test_a_discussion_without_notable_cards_is_a_read_of_the_class_only(client, world):
    client.force_login(world.mentor)
    assert client.get(reverse("boards:progress_discussion", args=[world.class_group.pk])).status_code == 200
    event = only_event()
    assert (event.kind, event.object_id, event.student) == (Kind.PROGRESS_BOARD, world.class_group.pk, None)


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_downloading_the_progress_boards_wall_print_is_audited(client, world, private_media):
    job = BoardPrintJob.objects.create(
        school=world.school, kind=BoardPrintJob.Kind.PROGRESS, class_group=world.class_group, requested_by=world.mentor
    )
    job.file.save("progress.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    job.status = BoardPrintJob.Status.DONE
    job.save()
    client.force_login(world.mentor)
    url = reverse("boards:board_print_download", args=[BoardPrintJob.Kind.PROGRESS, world.class_group.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = only_event()
    assert (event.action, event.kind, event.object_id, event.path) == (
        Action.DOWNLOAD,
        Kind.PROGRESS_BOARD,
        world.class_group.pk,
        url,
    )


# --- improvement boards: a group's way of working, not a person -----------------------------------------------


def test_reading_an_improvement_board_is_not_logged(client, world):
    board = board_create(
        school=world.school, actor=world.mentor, scope="class_group", class_group=world.class_group, title="4H1 samen"
    )
    client.force_login(world.mentor)
    assert client.get(reverse("boards:board", args=[board.pk])).status_code == 200
    assert not AuditEvent.objects.exists()


# --- the audit log page shows and filters the new kinds ------------------------------------------------------


def test_the_admins_audit_page_filters_on_the_page_read_kinds(client, world, cycle, cards, login):
    client.force_login(world.mentor)
    client.get(student_page_url(cycle, world.student))
    client.get(timeline_url(world.student))
    client.get(progress_url(world.class_group))

    login(world.admin)
    everything = client.get(reverse("audit:events")).content.decode()
    for label in ("student page in a round", "agreements timeline", "progress board"):
        assert label in everything
    for kind, summary in (
        (Kind.STUDENT_PAGE, "Student&#x27;s page in a round read"),
        (Kind.AGREEMENT_TIMELINE, "Student&#x27;s agreements timeline read"),
        (Kind.PROGRESS_BOARD, "Class&#x27;s progress board read"),
    ):
        response = client.get(reverse("audit:events"), {"kind": kind})
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 1
        assert summary in response.content.decode()
