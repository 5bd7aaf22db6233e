"""Wall prints (issue 6): any board as an A3 landscape PDF, made by a Celery task (eager here).

Who may print what (the board's own rule, and only the care coordinator for a care meeting),
asking twice while it is being made, the PDF's content and page size, failing and trying again,
making it again (the old file goes), and the download: a permission-checked attachment, never a media URL.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
import weasyprint
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from boards.models import (
    BoardItem,
    BoardPrintJob,
    CareConsent,
    CareEntry,
    CareGuest,
    CareMeeting,
    CareReadLog,
    ImprovementBoard,
    Measurement,
    Mood,
    ProgressCard,
)
from boards.services.print import board_print_request, board_print_run
from school import pdf
from tests.factories import UserFactory

Kind = BoardPrintJob.Kind
HTMX = {"HX-Request": "true"}
A3_LANDSCAPE = (1190.55, 841.89)  # points


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def board(world) -> ImprovementBoard:
    board = ImprovementBoard.objects.create(
        school=world.school,
        title="Verbeterbord 4H1",
        scope=ImprovementBoard.Scope.CLASS_GROUP,
        class_group=world.class_group,
        owner=world.mentor.staff,
    )
    today = timezone.localdate()
    for section, text in [
        (BoardItem.Section.CONCERN, "Veel te laat in de les"),
        (BoardItem.Section.SUCCESS, "Iedereen had zijn boeken mee"),
        (BoardItem.Section.IDEA, "Een leesclub op vrijdag"),
        (BoardItem.Section.AGREEMENT, "We beginnen om half negen"),
    ]:
        board.items.create(section=section, text=text)
    goal = board.items.create(
        section=BoardItem.Section.GOAL, text="Minder te laat komen", measure="keer te laat per week", target="3"
    )
    for days, value in [(21, "12"), (14, "9"), (7, "6")]:
        Measurement.objects.create(item=goal, measured_on=today - datetime.timedelta(days=days), value=Decimal(value))
    board.items.create(
        section=BoardItem.Section.ACTION,
        text="Ouders bellen over te laat komen",
        owner=world.mentor.staff,
        due_on=today - datetime.timedelta(days=3),
    )
    return board


@pytest.fixture
def meeting(world) -> CareMeeting:
    meeting = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg familie",
        held_on=datetime.date(2026, 11, 20),
        coordinator=world.care_coordinator.staff,
    )
    meeting.children.add(world.student)
    meeting.participants.add(world.mentor.staff)
    CareEntry.objects.create(meeting=meeting, student=world.student, kind=CareEntry.Kind.CHECK_IN, mood=Mood.GOOD)
    CareEntry.objects.create(
        meeting=meeting, student=world.student, kind=CareEntry.Kind.SUCCESS, text="Elke dag op tijd op school"
    )
    CareEntry.objects.create(
        meeting=meeting,
        student=world.student,
        kind=CareEntry.Kind.NEXT,
        text="Huiswerk plannen met de agenda",
        owner="mentor",
        due_on=datetime.date(2026, 12, 4),
    )
    return meeting


@pytest.fixture
def guest(world, meeting):
    """A guest who sees the meeting (consent recorded, access valid): may still not print it."""
    CareConsent.objects.create(
        meeting=meeting,
        student=world.student,
        given_by=CareConsent.GivenBy.GUARDIAN,
        given_by_name="Ouder",
        given_on=datetime.date(2026, 11, 1),
    )
    user = UserFactory(school=world.school)
    CareGuest.objects.create(
        meeting=meeting,
        user=user,
        organisation=CareGuest.Organisation.YOUTH_CARE,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return user


def target_of(world, board, meeting, kind):
    return {Kind.IMPROVEMENT: board, Kind.PROGRESS: world.class_group, Kind.CARE: meeting}[kind]


def printer_of(world, kind):
    return {Kind.IMPROVEMENT: world.mentor, Kind.PROGRESS: world.mentor, Kind.CARE: world.care_coordinator}[kind]


def status_url(kind, pk) -> str:
    return reverse("boards:board_print", args=[kind, pk])


def download_url(kind, pk) -> str:
    return reverse("boards:board_print_download", args=[kind, pk])


def make_print(capture, *, kind, target, actor, without_names=False) -> BoardPrintJob:
    with capture(execute=True):
        job = board_print_request(kind=kind, target=target, actor=actor, without_names=without_names)
    job.refresh_from_db()
    assert job.status == BoardPrintJob.Status.DONE, job.error
    return job


def pdf_of(job) -> tuple[PdfReader, str]:
    with job.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return reader, text


def assert_a3_landscape(reader: PdfReader) -> None:
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A3_LANDSCAPE[0], abs=1)
    assert float(box.height) == pytest.approx(A3_LANDSCAPE[1], abs=1)


def a_photo() -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 40, 40)).save(out, format="JPEG")
    return ContentFile(out.getvalue())


# --- asking -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_asking_twice_while_it_is_made_returns_the_same_job_and_queues_once(
    world, board, meeting, kind, django_capture_on_commit_callbacks
):
    target, actor = target_of(world, board, meeting, kind), printer_of(world, kind)
    with django_capture_on_commit_callbacks() as callbacks:
        first = board_print_request(kind=kind, target=target, actor=actor)
        second = board_print_request(kind=kind, target=target, actor=actor)

    assert first.pk == second.pk
    assert len(callbacks) == 1
    assert BoardPrintJob.objects.count() == 1
    assert (second.status, second.kind, second.school_id) == (BoardPrintJob.Status.PENDING, kind, world.school.pk)


def test_a_double_click_in_the_browser_queues_one_print(client, world, board, django_capture_on_commit_callbacks):
    client.force_login(world.mentor)
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(status_url(Kind.IMPROVEMENT, board.pk), headers=HTMX)
        second = client.post(status_url(Kind.IMPROVEMENT, board.pk), headers=HTMX)

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(callbacks) == 1
    assert 'hx-trigger="every 2s"' in second.content.decode()  # still being made: it polls


def test_a_plain_post_goes_to_the_print_page(client, world, board, django_capture_on_commit_callbacks):
    client.force_login(world.mentor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(status_url(Kind.IMPROVEMENT, board.pk))

    assert response.status_code == 302
    assert response["Location"] == status_url(Kind.IMPROVEMENT, board.pk)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert download_url(Kind.IMPROVEMENT, board.pk) in page.content.decode()


# --- who may print ------------------------------------------------------------------------------------------

# Per kind: who may print (200), who sees the board but may not print it (403); everyone else 404.
MAY_PRINT = {
    Kind.IMPROVEMENT: {"mentor", "team_leader", "care_coordinator", "admin"},
    Kind.PROGRESS: {"mentor", "team_leader", "care_coordinator", "admin"},
    Kind.CARE: {"care_coordinator"},
}
SEES_ONLY = {Kind.IMPROVEMENT: set(), Kind.PROGRESS: set(), Kind.CARE: {"mentor", "guest"}}
PEOPLE = ["mentor", "other_mentor", "team_leader", "other_team_leader", "teacher", "care_coordinator", "admin"]
PEOPLE += ["student_user", "guardian", "outsider", "guest"]


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_print(client, world, board, meeting, guest, kind, person, django_capture_on_commit_callbacks):
    target = target_of(world, board, meeting, kind)
    make_print(django_capture_on_commit_callbacks, kind=kind, target=target, actor=printer_of(world, kind))
    client.force_login(guest if person == "guest" else getattr(world, person))
    expected = 200 if person in MAY_PRINT[kind] else 403 if person in SEES_ONLY[kind] else 404

    responses = [
        client.get(status_url(kind, target.pk)),
        client.get(status_url(kind, target.pk), headers=HTMX),
        client.get(download_url(kind, target.pk)),
        client.post(status_url(kind, target.pk), headers=HTMX),
    ]

    codes = [r.status_code for r in responses]
    if expected == 200:
        assert codes == [200, 286, 200, 200]
    else:
        assert codes == [expected] * 4
    assert BoardPrintJob.objects.get().requested_by == printer_of(world, kind) or expected == 200


def test_the_service_refuses_who_may_not_print(world, meeting, guest):
    from django.core.exceptions import PermissionDenied

    for user in (world.mentor, guest, world.outsider):
        with pytest.raises(PermissionDenied):
            board_print_request(kind=Kind.CARE, target=meeting, actor=user)
    assert not BoardPrintJob.objects.exists()


def test_anonymous_goes_to_login(client, board):
    for url in (status_url(Kind.IMPROVEMENT, board.pk), download_url(Kind.IMPROVEMENT, board.pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_another_boards_print_is_not_reachable_through_this_board(
    client, world, board, django_capture_on_commit_callbacks
):
    """The other class's board has a print; its mentor's colleague of this class cannot get it, nor guess a kind."""
    other = ImprovementBoard.objects.create(
        school=world.school,
        title="Verbeterbord andere klas",
        scope=ImprovementBoard.Scope.CLASS_GROUP,
        class_group=world.other_class_group,
        owner=world.other_mentor.staff,
    )
    make_print(django_capture_on_commit_callbacks, kind=Kind.IMPROVEMENT, target=other, actor=world.other_mentor)
    client.force_login(world.mentor)

    assert client.get(download_url(Kind.IMPROVEMENT, other.pk)).status_code == 404
    assert client.get(download_url(Kind.PROGRESS, world.other_class_group.pk)).status_code == 404
    assert client.get(download_url("nonsense", board.pk)).status_code == 404
    # The improvement board's id as a care meeting's: nothing.
    assert client.get(download_url(Kind.CARE, other.pk)).status_code == 404


def test_the_print_button_shows_only_to_who_may_print(client, world, board, meeting, guest):
    client.force_login(world.mentor)
    assert (
        status_url(Kind.IMPROVEMENT, board.pk) in client.get(reverse("boards:board", args=[board.pk])).content.decode()
    )
    progress = client.get(reverse("boards:progress", args=[world.class_group.pk])).content.decode()
    assert status_url(Kind.PROGRESS, world.class_group.pk) in progress
    assert 'name="without_names"' in progress
    # A participant sees the care meeting, without the print button.
    assert (
        status_url(Kind.CARE, meeting.pk)
        not in client.get(reverse("boards:care_meeting", args=[meeting.pk])).content.decode()
    )
    client.force_login(world.care_coordinator)
    assert (
        status_url(Kind.CARE, meeting.pk)
        in client.get(reverse("boards:care_meeting", args=[meeting.pk])).content.decode()
    )


# --- the PDF ------------------------------------------------------------------------------------------------


def test_an_improvement_board_prints_every_section_on_a3_landscape(world, board, django_capture_on_commit_callbacks):
    job = make_print(django_capture_on_commit_callbacks, kind=Kind.IMPROVEMENT, target=board, actor=world.mentor)

    reader, text = pdf_of(job)
    assert_a3_landscape(reader)
    for words in [
        "Verbeterbord 4H1",
        "Veel te laat in de les",
        "Iedereen had zijn boeken mee",
        "Een leesclub op vrijdag",
        "We beginnen om half negen",
        "Minder te laat komen",
        "keer te laat per week",
        "Ouders bellen over te laat komen",
        str(world.mentor),
        "12",
        "9",
        "6",
    ]:
        assert words in text
    assert job.file.name.startswith("board-prints/")
    assert (job.attempts, job.error) == (1, "")


def test_a_progress_board_prints_its_cards_with_photos_or_initials(world, django_capture_on_commit_callbacks):
    world.student.photo.save("sam.jpg", a_photo(), save=True)
    ProgressCard.objects.create(
        student=world.student, tests_behind=2, notable="Zoekt nog een stageplek", updated_at=timezone.now()
    )
    job = make_print(
        django_capture_on_commit_callbacks, kind=Kind.PROGRESS, target=world.class_group, actor=world.mentor
    )

    reader, text = pdf_of(job)
    assert_a3_landscape(reader)
    assert world.student.full_name in text
    assert "Zoekt nog een stageplek" in text
    assert len(reader.pages[0].images) == 1  # the photo, read from storage by the PDF's fetcher


def test_a_progress_board_prints_without_names_or_photos(world, django_capture_on_commit_callbacks):
    world.student.photo.save("sam.jpg", a_photo(), save=True)
    ProgressCard.objects.create(student=world.student, notable="Zoekt nog een stageplek")
    job = make_print(
        django_capture_on_commit_callbacks,
        kind=Kind.PROGRESS,
        target=world.class_group,
        actor=world.mentor,
        without_names=True,
    )

    reader, text = pdf_of(job)
    assert job.without_names
    assert world.student.full_name not in text
    assert world.student.last_name not in text
    assert "Zoekt nog een stageplek" in text
    assert len(reader.pages[0].images) == 0


def test_a_care_meeting_prints_check_ins_successes_and_agreements(world, meeting, django_capture_on_commit_callbacks):
    job = make_print(django_capture_on_commit_callbacks, kind=Kind.CARE, target=meeting, actor=world.care_coordinator)

    reader, text = pdf_of(job)
    assert_a3_landscape(reader)
    for words in [
        "Zorgoverleg familie",
        world.student.full_name,
        "Elke dag op tijd op school",
        "Huiswerk plannen met de agenda",
    ]:
        assert words in text
    assert str(Mood.GOOD.label) in text or "goed" in text  # the smiley's word, in the school's language


def test_user_text_cannot_make_the_worker_fetch_anything(world, board, django_capture_on_commit_callbacks):
    board.items.create(
        section=BoardItem.Section.IDEA, text='<img src="https://example.com/x.png"><link href="file:///etc/passwd">'
    )
    job = make_print(django_capture_on_commit_callbacks, kind=Kind.IMPROVEMENT, target=board, actor=world.mentor)

    _reader, text = pdf_of(job)
    assert "example.com/x.png" in text  # printed as text, escaped


def test_the_fetcher_serves_only_the_stored_files_this_print_names(world):
    world.student.photo.save("sam.jpg", a_photo(), save=True)
    world.other_student.photo.save("kim.jpg", a_photo(), save=True)
    fetcher = pdf.pdf_fetcher(media_names=[world.student.photo.name])

    response = fetcher.fetch(pdf.pdf_media_url(world.student.photo.name))
    assert response.content_type == "image/jpeg"
    response.close()
    for url in [
        pdf.pdf_media_url(world.other_student.photo.name),
        pdf.pdf_media_url("../" + world.student.photo.name),
        "file://" + default_storage.path(world.student.photo.name),
        "https://example.com/" + world.student.photo.name,
    ]:
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    # Our static files still come through.
    assert b"@page" in fetcher.fetch(pdf.pdf_static_url("css/pdf-board.css")).read()


# --- failing, trying again, making it again -------------------------------------------------------------------


def test_a_failure_marks_the_job_failed_with_a_retry_button(
    client, world, board, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(self, *args, **kwargs):
        raise ValueError("bad layout")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = board_print_request(kind=Kind.IMPROVEMENT, target=board, actor=world.mentor)
    job.refresh_from_db()
    assert (job.status, job.error, job.file.name) == (BoardPrintJob.Status.FAILED, "ValueError: bad layout", "")

    client.force_login(world.mentor)
    fragment = client.get(status_url(Kind.IMPROVEMENT, board.pk), headers=HTMX)
    assert fragment.status_code == 286  # htmx: stop polling
    html = fragment.content.decode()
    assert "badge--danger" in html
    assert "ValueError: bad layout" in html
    assert f'action="{status_url(Kind.IMPROVEMENT, board.pk)}"' in html  # try again
    assert download_url(Kind.IMPROVEMENT, board.pk) not in html
    assert client.get(download_url(Kind.IMPROVEMENT, board.pk)).status_code == 404

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(status_url(Kind.IMPROVEMENT, board.pk), headers=HTMX)
    job.refresh_from_db()
    assert (job.status, job.error) == (BoardPrintJob.Status.DONE, "")


def test_a_message_delivered_twice_renders_once(world, board, django_capture_on_commit_callbacks):
    job = make_print(django_capture_on_commit_callbacks, kind=Kind.IMPROVEMENT, target=board, actor=world.mentor)

    assert board_print_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.attempts == 1


def test_making_it_again_replaces_the_file_and_deletes_the_old_one(world, board, django_capture_on_commit_callbacks):
    first = make_print(django_capture_on_commit_callbacks, kind=Kind.IMPROVEMENT, target=board, actor=world.mentor)
    old_name = first.file.name
    board.items.create(section=BoardItem.Section.SUCCESS, text="Nieuw succes na de eerste afdruk")

    second = make_print(django_capture_on_commit_callbacks, kind=Kind.IMPROVEMENT, target=board, actor=world.mentor)

    assert second.pk == first.pk
    assert second.file.name != old_name
    assert not default_storage.exists(old_name)
    assert "Nieuw succes na de eerste afdruk" in pdf_of(second)[1]


# --- the download ---------------------------------------------------------------------------------------------


def test_the_download_is_an_attachment_never_a_media_url(client, world, board, django_capture_on_commit_callbacks):
    make_print(django_capture_on_commit_callbacks, kind=Kind.IMPROVEMENT, target=board, actor=world.mentor)
    client.force_login(world.mentor)

    status = client.get(status_url(Kind.IMPROVEMENT, board.pk)).content.decode()
    assert "/media/" not in status
    assert download_url(Kind.IMPROVEMENT, board.pk) in status
    response = client.get(download_url(Kind.IMPROVEMENT, board.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "verbeterbord-4h1" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_downloading_a_care_meetings_print_is_a_logged_read(
    client, world, meeting, django_capture_on_commit_callbacks
):
    make_print(django_capture_on_commit_callbacks, kind=Kind.CARE, target=meeting, actor=world.care_coordinator)
    client.force_login(world.care_coordinator)

    response = client.get(download_url(Kind.CARE, meeting.pk))

    assert response.status_code == 200
    b"".join(response.streaming_content)
    log = CareReadLog.objects.get(meeting=meeting)
    assert (log.user, log.path) == (world.care_coordinator, download_url(Kind.CARE, meeting.pk))


def test_the_print_page_has_no_inline_script_or_style(client, world, board, django_capture_on_commit_callbacks):
    make_print(django_capture_on_commit_callbacks, kind=Kind.IMPROVEMENT, target=board, actor=world.mentor)
    client.force_login(world.mentor)
    html = client.get(status_url(Kind.IMPROVEMENT, board.pk)).content.decode()

    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html
