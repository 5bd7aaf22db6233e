"""The minutes of an open class meeting: a PDF made by a Celery task, one job row per meeting, idempotent.

What they hold (the chairs, attendance, last time's agreements and how they were checked, per item
the notes, points, tips and agreements), who may ask for them and download them (the staff who
follow the meeting; never a student — the minutes hold every student's notes), and the page that
polls the job.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from classmeetings import tasks
from classmeetings.models import MinutesJob, OpenClassMeeting
from classmeetings.selectors.minutes import MINUTES_STALE_AFTER, minutes_can_be_made, minutes_for_pdf
from classmeetings.services import meeting_mode, preparation
from classmeetings.services import minutes as service
from mentoring.models import Agreement
from tests.factories import StudentFactory, UserFactory

from .conftest import a_week_ahead
from .test_views_preparation import no_inline_code

NOTES = "Lina vertelt dat wiskunde lastig blijft; ze zit vaak achterin."
POSITIVE = "Helpt klasgenoten bij Engels"
NEGATIVE = "Huiswerk wiskunde vaak niet af"
TIPS = "Maak elke zondag een weekplanning."
AGREEMENT = "Elke dinsdag naar de wiskundebijles"
LAST_TIME = "Woordjes Frans elke dag oefenen"
# The session, the user and their roles, the meeting, its follower check, the job and "can be made".
QUERIES_MINUTES_PAGE = 8


def in_a_month() -> str:
    return (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


def earlier_meeting_with_agreement(world, *, before: datetime.datetime, text: str = LAST_TIME) -> Agreement:
    """A closed meeting of 4H1 before `before`, whose item for world.student left one open agreement."""
    now = timezone.now()
    earlier = OpenClassMeeting.objects.create(
        school=world.school,
        class_group=world.class_group,
        starts_at=before - datetime.timedelta(days=60),
        status="closed",
        agreements_checked_at=now,
        started_at=now,
        closed_at=now,
    )
    item = earlier.items.create(
        student=world.student, position=1, planned_minutes=5, status="closed", opened_at=now, closed_at=now
    )
    return Agreement.objects.create(
        student=world.student, class_item=item, text=text, owner="student", due_on=timezone.localdate()
    )


def decide(meeting: OpenClassMeeting, student, *, actor, tips: str = TIPS, agreement: str = AGREEMENT, teacher=None):
    """Open the student's item, note notes and points, record the decision and close it (the services' way)."""
    item = meeting.items.get(student=student)
    meeting_mode.item_open(item=item, actor=actor)
    meeting_mode.item_notes_save(item=item, actor=actor, notes=NOTES)
    meeting_mode.point_note(item=item, actor=actor, kind="positive", text=POSITIVE)
    meeting_mode.point_note(item=item, actor=actor, kind="negative", text=NEGATIVE)
    row = {"text": agreement, "owner": "student", "due_on": in_a_month()}
    if teacher is not None:
        row = {"text": agreement, "owner": "teacher", "due_on": in_a_month(), "owner_staff_id": teacher.staff.pk}
    meeting_mode.decision_record(item=item, actor=actor, tips=tips, agreements=[row])
    return meeting_mode.item_close(item=item, actor=actor)


def a_decided_meeting_for(world, *, representative_student=None, extra_students: int = 0) -> OpenClassMeeting:
    """4H1's meeting, started after last time's agreement was checked (partly met); world.student's item decided.

    Also used by tests/integration (which does not see this folder's fixtures).
    """
    for number in range(extra_students):
        StudentFactory(
            school=world.school,
            class_group=world.class_group,
            user=UserFactory(school=world.school),
            last_name=f"Zz{number:03d}",
        )
    starts_at = a_week_ahead()
    last_time = earlier_meeting_with_agreement(world, before=starts_at)
    meeting = preparation.meeting_create(
        class_group=world.class_group, actor=world.mentor, starts_at=starts_at, minutes_per_student=5
    )
    if representative_student is not None:
        preparation.meeting_excuse(meeting=meeting, actor=representative_student.user)
    preparation.previous_agreements_check(meeting=meeting, actor=world.mentor, statuses={last_time.pk: "partly"})
    meeting = meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
    decide(meeting, world.student, actor=world.mentor, teacher=world.teacher)
    return meeting


@pytest.fixture
def a_decided_meeting(world, classmate, representative) -> OpenClassMeeting:
    """The class representative (classmate) said they cannot come; world.student's item is closed with a decision."""
    return a_decided_meeting_for(world, representative_student=classmate)


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


# --- what the minutes hold ----------------------------------------------------------------------------------


def test_the_minutes_hold_the_meeting_its_people_and_each_item(world, classmate, a_decided_meeting):
    minutes = minutes_for_pdf(meeting_id=a_decided_meeting.pk)
    mentor_name = world.mentor.get_full_name()
    assert minutes.class_group == "4H1"
    assert minutes.chairs == [mentor_name]
    assert minutes.representative == classmate.full_name
    assert minutes.excused == [classmate.full_name]
    assert world.student.full_name in minutes.attending
    assert classmate.full_name not in minutes.attending
    [previous] = minutes.previous_agreements
    assert (previous.text, previous.status, previous.student) == (LAST_TIME, "partly", world.student.full_name)
    [item] = minutes.items  # the excused classmate has no item
    assert item.student == world.student.full_name
    assert item.notes == NOTES
    assert (item.positive, item.negative) == ([POSITIVE], [NEGATIVE])
    assert item.is_decided
    assert item.tips == TIPS
    [agreement] = item.agreements
    assert (agreement.text, agreement.owner_name) == (AGREEMENT, world.teacher.get_full_name())
    assert minutes.decided_count == 1


def test_an_item_without_a_decision_says_so(world, classmate, a_running_meeting):
    item = a_running_meeting.items.get(student=world.student)
    meeting_mode.item_open(item=item, actor=world.mentor)
    with translation.override("en"):
        html = service.minutes_pdf_html(meeting_id=a_running_meeting.pk)
    assert "No decision recorded (under discussion)" in html
    assert "There were no agreements of an earlier meeting to check." in html


@pytest.mark.parametrize("extra_students", [0, 6])
def test_the_minutes_data_take_the_same_queries_for_a_bigger_class(world, django_assert_num_queries, extra_students):
    meeting = a_decided_meeting_for(world, extra_students=extra_students)
    for item in meeting.items.exclude(student=world.student):
        decide(meeting, item.student, actor=world.mentor)
    with django_assert_num_queries(9):
        minutes = minutes_for_pdf(meeting_id=meeting.pk)
    assert len(minutes.items) == 1 + extra_students
    assert all(item.is_decided and item.agreements and item.positive for item in minutes.items)


def test_the_pdf_has_what_was_said_and_decided(world, a_decided_meeting):
    data = service.minutes_pdf_render(meeting_id=a_decided_meeting.pk)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (world.student.full_name, NOTES, POSITIVE, NEGATIVE, TIPS, AGREEMENT, LAST_TIME, "4H1"):
        assert expected in text


def test_user_text_is_escaped_in_the_pdf_html(world, a_running_meeting):
    item = a_running_meeting.items.get(student=world.student)
    meeting_mode.item_open(item=item, actor=world.mentor)
    meeting_mode.item_notes_save(item=item, actor=world.mentor, notes='<img src="https://evil.example/x.png">')
    html = service.minutes_pdf_html(meeting_id=a_running_meeting.pk)
    assert "<img" not in html
    assert "&lt;img" in html


# --- asking for them ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentor", "teacher", "team_leader", "admin", "care_coordinator"])
def test_the_staff_who_follow_the_meeting_ask_for_the_minutes(
    world, a_decided_meeting, who, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = service.minutes_job_request(meeting=a_decided_meeting, actor=getattr(world, who))
    assert job.status == MinutesJob.Status.PENDING
    assert len(callbacks) == 1


@pytest.mark.parametrize("who", ["student_user", "representative", "other_mentor", "other_teacher", "guardian"])
def test_students_and_outsiders_may_not_ask(world, a_decided_meeting, representative, who):
    actor = representative if who == "representative" else getattr(world, who)
    with pytest.raises(PermissionDenied):
        service.minutes_job_request(meeting=a_decided_meeting, actor=actor)
    assert not MinutesJob.objects.exists()


def test_no_minutes_before_the_meeting_has_a_decision(world, a_meeting, a_running_meeting):
    assert not minutes_can_be_made(meeting=a_running_meeting)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        service.minutes_job_request(meeting=a_running_meeting, actor=world.mentor)
    assert error.value.code == "nothing_to_record"
    assert "has not recorded a decision" in error.value.messages[0]
    assert not MinutesJob.objects.exists()


def test_a_meeting_being_prepared_has_no_minutes(world, a_meeting):
    assert not minutes_can_be_made(meeting=a_meeting)
    with pytest.raises(ValidationError):
        service.minutes_job_request(meeting=a_meeting, actor=world.mentor)
    assert not MinutesJob.objects.exists()


def test_a_closed_meeting_has_minutes(world, a_decided_meeting):
    meeting_mode.meeting_close(meeting=a_decided_meeting, actor=world.mentor)
    a_decided_meeting.refresh_from_db()
    assert minutes_can_be_made(meeting=a_decided_meeting)


def test_asking_twice_queues_one_task_until_it_is_done(world, a_decided_meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.mentor)
        again = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    assert again.pk == job.pk
    assert len(callbacks) == 1
    assert again.requested_by == world.mentor


def test_a_lost_job_starts_afresh(world, a_decided_meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.mentor)
    MinutesJob.objects.filter(pk=job.pk).update(
        status=MinutesJob.Status.RUNNING, requested_at=timezone.now() - MINUTES_STALE_AFTER - datetime.timedelta(1)
    )
    with django_capture_on_commit_callbacks() as callbacks:
        again = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    assert (again.pk, again.status, again.requested_by) == (job.pk, MinutesJob.Status.PENDING, world.team_leader)
    assert len(callbacks) == 1


# --- making them --------------------------------------------------------------------------------------------


def test_the_task_makes_the_pdf_and_asking_again_replaces_it(
    world, a_decided_meeting, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.mentor)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (MinutesJob.Status.DONE, 1, "")
    assert job.file.name.startswith("class-meeting-minutes/")
    first = job.file.name
    with job.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF")

    with django_capture_on_commit_callbacks(execute=True):
        service.minutes_job_request(meeting=a_decided_meeting, actor=world.mentor)
    job.refresh_from_db()
    assert job.status == MinutesJob.Status.DONE
    assert job.file.name != first
    assert not (tmp_path / first).exists()  # the old PDF about students is gone
    assert (tmp_path / job.file.name).exists()


def test_the_minutes_are_in_the_schools_language(world, a_decided_meeting, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    world.school.language = "en"
    world.school.save(update_fields=["language"])
    seen = []
    real_html = service.minutes_pdf_html
    monkeypatch.setattr(service, "minutes_pdf_html", lambda **kw: seen.append(real_html(**kw)) or seen[-1])
    job = MinutesJob.objects.create(meeting=a_decided_meeting, requested_by=world.mentor)
    with translation.override("nl"):
        service.minutes_job_run(job_id=job.pk)
    assert "Minutes of the open class meeting 4H1" in seen[0]


def test_a_message_delivered_twice_renders_once(world, a_decided_meeting, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    job = MinutesJob.objects.create(meeting=a_decided_meeting, requested_by=world.mentor)
    renders = []
    real_render = service.minutes_pdf_render
    monkeypatch.setattr(service, "minutes_pdf_render", lambda **kw: renders.append(kw) or real_render(**kw))
    tasks.class_minutes_render_task(job.pk)
    tasks.class_minutes_render_task(job.pk)  # redelivered after it was done
    job.refresh_from_db()
    assert len(renders) == 1
    assert (job.status, job.attempts) == (MinutesJob.Status.DONE, 1)


def test_the_job_is_claimed_once(world, a_decided_meeting):
    job = MinutesJob.objects.create(meeting=a_decided_meeting, requested_by=world.mentor)
    assert service.minutes_job_claim(job_id=job.pk) is not None
    assert service.minutes_job_claim(job_id=job.pk) is None
    assert service.minutes_job_run(job_id=job.pk) is None  # a redelivery while the first worker renders
    job.refresh_from_db()
    assert (job.status, job.attempts) == (MinutesJob.Status.RUNNING, 1)


def test_a_failing_render_marks_the_job_failed(world, a_decided_meeting, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path

    def broken(**kwargs):
        raise ValueError("template broke")

    monkeypatch.setattr(service, "minutes_pdf_render", broken)
    job = MinutesJob.objects.create(meeting=a_decided_meeting, requested_by=world.mentor)
    job = service.minutes_job_run(job_id=job.pk)
    assert job.status == MinutesJob.Status.FAILED
    assert "template broke" in job.error
    assert not job.file
    assert job.finished_at is not None


# --- the page -----------------------------------------------------------------------------------------------


def url(meeting, name: str = "minutes") -> str:
    return reverse(f"classmeetings:{name}", args=[meeting.pk])


class TestAccess:
    def test_anonymous_goes_to_login(self, client, a_decided_meeting):
        for name in ("minutes", "minutes_download"):
            response = client.get(url(a_decided_meeting, name))
            assert response.status_code == 302
            assert reverse("login") in response.url
        assert client.post(url(a_decided_meeting)).status_code == 302
        assert not MinutesJob.objects.exists()

    @pytest.mark.parametrize(
        "who", ["outsider", "other_student_user", "other_mentor", "other_teacher", "guardian", "other_guardian"]
    )
    def test_who_does_not_follow_the_meeting_gets_404(self, client, world, a_decided_meeting, who):
        client.force_login(getattr(world, who))
        assert client.get(url(a_decided_meeting)).status_code == 404
        assert client.post(url(a_decided_meeting)).status_code == 404
        assert client.get(url(a_decided_meeting, "minutes_download")).status_code == 404
        assert not MinutesJob.objects.exists()

    def test_a_coach_does_not_get_the_minutes(self, client, world, coach, a_decided_meeting):
        client.force_login(coach)
        assert client.get(url(a_decided_meeting)).status_code == 404

    @pytest.mark.parametrize("who", ["student_user", "representative"])
    def test_students_in_the_meeting_get_403(self, client, world, representative, a_decided_meeting, who):
        client.force_login(representative if who == "representative" else getattr(world, who))
        assert client.get(url(a_decided_meeting)).status_code == 403
        assert client.post(url(a_decided_meeting)).status_code == 403
        assert client.get(url(a_decided_meeting, "minutes_download")).status_code == 403
        assert not MinutesJob.objects.exists()

    @pytest.mark.parametrize("who", ["mentor", "teacher", "team_leader", "admin"])
    def test_the_staff_who_follow_it_see_the_page(self, client, world, a_decided_meeting, who):
        client.force_login(getattr(world, who))
        response = client.get(url(a_decided_meeting))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-minutes-status="none"' in html
        assert "data-minutes-make" in html
        no_inline_code(html)


class TestMakingAndDownloading:
    def test_make_poll_and_download(
        self, client, world, a_decided_meeting, settings, tmp_path, django_capture_on_commit_callbacks
    ):
        settings.MEDIA_ROOT = tmp_path
        client.force_login(world.mentor)
        assert client.get(url(a_decided_meeting, "minutes_download")).status_code == 404  # nothing yet
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(a_decided_meeting))
        assert response.status_code == 302
        assert response.url == url(a_decided_meeting)
        html = client.get(url(a_decided_meeting)).content.decode()
        assert 'data-minutes-status="done"' in html
        assert "data-minutes-download" in html
        download = client.get(url(a_decided_meeting, "minutes_download"))
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["Cache-Control"] == "private, no-store"
        assert "attachment" in download["Content-Disposition"]
        assert "4h1" in download["Content-Disposition"]
        data = b"".join(download.streaming_content)
        assert NOTES in pdf_text(data)

    def test_a_teacher_of_the_class_downloads_them_too(
        self, client, world, a_decided_meeting, settings, tmp_path, django_capture_on_commit_callbacks
    ):
        settings.MEDIA_ROOT = tmp_path
        with django_capture_on_commit_callbacks(execute=True):
            service.minutes_job_request(meeting=a_decided_meeting, actor=world.mentor)
        client.force_login(world.teacher)
        assert client.get(url(a_decided_meeting, "minutes_download")).status_code == 200

    def test_a_missing_file_is_404_not_500(self, client, world, a_decided_meeting, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        MinutesJob.objects.create(
            meeting=a_decided_meeting, status=MinutesJob.Status.DONE, file="class-meeting-minutes/gone.pdf"
        )
        client.force_login(world.mentor)
        assert client.get(url(a_decided_meeting, "minutes_download")).status_code == 404

    def test_nothing_to_record_is_422_with_a_clear_message(self, client, world, a_running_meeting, settings):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(world.mentor)
        response = client.post(url(a_running_meeting))
        assert response.status_code == 422
        html = response.content.decode()
        assert "has not recorded a decision" in html
        assert "alert--error" in html
        assert "data-minutes-not-yet" in html
        assert not MinutesJob.objects.exists()

    def test_the_fragment_polls_while_waiting_and_stops_when_done(
        self, client, world, a_decided_meeting, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        client.force_login(world.mentor)
        # No job yet: the fragment, and htmx is told to stop (286).
        none = client.get(url(a_decided_meeting), headers={"HX-Request": "true"})
        assert none.status_code == 286
        assert "<html" not in none.content.decode()
        job = MinutesJob.objects.create(meeting=a_decided_meeting, requested_by=world.mentor)
        waiting = client.get(url(a_decided_meeting), headers={"HX-Request": "true"})
        fragment = waiting.content.decode()
        assert waiting.status_code == 200
        assert "<html" not in fragment
        assert 'hx-trigger="every 2s"' in fragment
        assert 'data-minutes-status="pending"' in fragment
        # The plain page says the same, and reloads itself without JavaScript.
        page = client.get(url(a_decided_meeting)).content.decode()
        assert 'http-equiv="refresh"' in page
        service.minutes_job_run(job_id=job.pk)
        done = client.get(url(a_decided_meeting), headers={"HX-Request": "true"})
        assert done.status_code == 286
        assert "every 2s" not in done.content.decode()
        assert "data-minutes-download" in done.content.decode()

    def test_a_failed_job_shows_its_state_and_a_retry(self, client, world, a_decided_meeting, settings):
        MinutesJob.objects.create(
            meeting=a_decided_meeting, status=MinutesJob.Status.FAILED, error="ValueError: boom", requested_by=None
        )
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(world.mentor)
        html = client.get(url(a_decided_meeting)).content.decode()
        assert 'data-minutes-status="failed"' in html
        assert "Try again" in html
        assert "ValueError: boom" in html

    def test_htmx_post_asks_and_returns_the_fragment(
        self, client, world, a_decided_meeting, django_capture_on_commit_callbacks
    ):
        client.force_login(world.mentor)
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(url(a_decided_meeting), headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert 'data-minutes-status="pending"' in response.content.decode()
        assert len(callbacks) == 1

    @pytest.mark.parametrize("extra_students", [0, 5])
    def test_the_page_takes_the_same_queries_for_a_bigger_class(
        self, client, world, django_assert_num_queries, extra_students
    ):
        meeting = a_decided_meeting_for(world, extra_students=extra_students)
        MinutesJob.objects.create(meeting=meeting, requested_by=world.mentor)
        client.force_login(world.mentor)
        with django_assert_num_queries(QUERIES_MINUTES_PAGE):
            assert client.get(url(meeting)).status_code == 200
