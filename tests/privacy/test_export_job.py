"""Right of access as a PDF made in the background: one job row per student, asked for by the school admin,
made by a Celery task, polled by the student's export page, downloaded (audited) and deleted after a few days."""

from __future__ import annotations

import datetime
import io
import os

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from privacy import exports, services, tasks
from privacy.models import StudentExportJob
from privacy.tasks import erase_left_students_task
from tests.factories import StudentFactory

from .conftest import QUESTION_TEXT, left

pytestmark = pytest.mark.django_db

DONE = StudentExportJob.Status.DONE


def page_url(student) -> str:
    return reverse("privacy:student", args=[student.pk])


def download_url(student) -> str:
    return reverse("privacy:student_export_pdf", args=[student.pk])


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def no_inline_code(html: str) -> None:
    assert "<script>" not in html.replace('<script src="', "")
    assert "style=" not in html


def a_ready_export(student, *, finished_days_ago: float = 0, actor=None) -> StudentExportJob:
    """A finished export with a file, as the task leaves it (its content does not matter here)."""
    job = StudentExportJob(
        student=student,
        status=DONE,
        requested_by=actor,
        finished_at=timezone.now() - datetime.timedelta(days=finished_days_ago),
    )
    job.file.save("export.pdf", ContentFile(b"%PDF-1.4 export test"), save=True)
    StudentExportJob.objects.filter(pk=job.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=finished_days_ago)
    )
    job.refresh_from_db()
    return job


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- asking -------------------------------------------------------------------------------------------------


def test_asking_makes_one_job_and_asking_again_queues_nothing_more(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = exports.student_export_job_request(student=world.student, actor=world.admin)
        again = exports.student_export_job_request(student=world.student, actor=world.admin)
    assert again.pk == job.pk
    assert (job.status, job.requested_by, job.student) == (StudentExportJob.Status.PENDING, world.admin, world.student)
    assert StudentExportJob.objects.count() == 1
    assert len(callbacks) == 1


def test_a_double_click_on_make_queues_one_job(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(page_url(world.student))
        second = client.post(page_url(world.student))
    assert (first.status_code, second.status_code) == (302, 302)
    assert first.url == page_url(world.student)
    assert StudentExportJob.objects.filter(student=world.student).count() == 1
    assert len(callbacks) == 1


def test_a_lost_job_starts_afresh(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job = exports.student_export_job_request(student=world.student, actor=world.admin)
    StudentExportJob.objects.filter(pk=job.pk).update(
        status=StudentExportJob.Status.RUNNING,
        requested_at=timezone.now() - exports.EXPORT_STALE_AFTER - datetime.timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks() as callbacks:
        again = exports.student_export_job_request(student=world.student, actor=world.admin)
    assert (again.pk, again.status) == (job.pk, StudentExportJob.Status.PENDING)
    assert len(callbacks) == 1


@pytest.mark.parametrize("who", ["mentor", "care_coordinator", "outsider"])
def test_the_service_checks_who_asks(world, who):
    with pytest.raises(PermissionDenied):
        exports.student_export_job_request(student=world.student, actor=getattr(world, who))
    assert not StudentExportJob.objects.exists()


# --- making it ----------------------------------------------------------------------------------------------


def test_the_task_makes_a_real_pdf_with_the_students_data(records, django_capture_on_commit_callbacks):
    student = records.world.student
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.student_export_job_request(student=student, actor=records.world.admin)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (DONE, 1, "")
    assert job.file.name.startswith("student-exports/")
    assert job.finished_at is not None
    with job.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert student.last_name in text
    assert QUESTION_TEXT in text


def test_asking_again_replaces_the_file(world, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.student_export_job_request(student=world.student, actor=world.admin)
    job.refresh_from_db()
    first = job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        exports.student_export_job_request(student=world.student, actor=world.admin)
    job.refresh_from_db()
    assert job.status == DONE
    assert job.file.name != first
    assert not (media / first).exists()  # the old PDF about the student is gone
    assert (media / job.file.name).exists()


def test_a_message_delivered_twice_renders_once(world, media):
    job = StudentExportJob.objects.create(student=world.student, requested_by=world.admin)
    tasks.student_export_render_task(job.pk)
    job.refresh_from_db()
    first = job.file.name
    tasks.student_export_render_task(job.pk)  # redelivered after it was done: the claim lets nothing happen
    job.refresh_from_db()
    assert (job.status, job.attempts, job.file.name) == (DONE, 1, first)


def test_a_job_that_is_gone_is_nothing_to_do(world):
    assert exports.student_export_job_run(job_id=999999) is None


# --- the page -----------------------------------------------------------------------------------------------


def test_the_admin_sees_the_page_with_the_make_button_and_the_json_link(english, world):
    english.force_login(world.admin)
    response = english.get(page_url(world.student))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-export-status="none"' in html
    assert "data-export-make" in html
    assert "Make the PDF" in html
    assert reverse("privacy:student_export_json", args=[world.student.pk]) in html
    assert download_url(world.student) not in html  # nothing to download yet
    assert world.student.full_name in html
    no_inline_code(html)


def test_the_fragment_polls_while_waiting_and_stops_when_done(client, world, media):
    client.force_login(world.admin)
    none = client.get(page_url(world.student), headers={"HX-Request": "true"})
    assert none.status_code == 286  # no job: htmx stops
    assert "<html" not in none.content.decode()
    job = StudentExportJob.objects.create(student=world.student, requested_by=world.admin)
    waiting = client.get(page_url(world.student), headers={"HX-Request": "true"})
    fragment = waiting.content.decode()
    assert waiting.status_code == 200
    assert "<html" not in fragment
    assert 'hx-trigger="every 2s"' in fragment
    assert 'data-export-status="pending"' in fragment
    page = client.get(page_url(world.student)).content.decode()
    assert 'http-equiv="refresh"' in page  # without JavaScript the page reloads itself
    exports.student_export_job_run(job_id=job.pk)
    done = client.get(page_url(world.student), headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert "every 2s" not in done.content.decode()
    assert download_url(world.student) in done.content.decode()


def test_htmx_post_asks_and_returns_the_polling_fragment(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(page_url(world.student), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-export-status="pending"' in response.content.decode()
    assert len(callbacks) == 1


def test_a_failed_job_shows_its_state_and_a_retry(english, world):
    StudentExportJob.objects.create(
        student=world.student, status=StudentExportJob.Status.FAILED, error="ValueError: boom", requested_by=None
    )
    english.force_login(world.admin)
    html = english.get(page_url(world.student)).content.decode()
    assert 'data-export-status="failed"' in html
    assert "Try again" in html
    assert "ValueError: boom" in html


# --- the download -------------------------------------------------------------------------------------------


def test_the_admin_downloads_the_pdf_and_it_is_audited(client, records, django_capture_on_commit_callbacks):
    world = records.world
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(world.student))
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.STUDENT_EXPORT).exists()  # asking is not reading
    response = client.get(download_url(world.student))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    assert world.student.last_name in pdf_text(data)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.STUDENT_EXPORT)
    assert (event.actor, event.student, event.action, event.summary) == (
        world.admin,
        world.student,
        AuditEvent.Action.EXPORT,
        "PDF",
    )


@pytest.mark.parametrize("state", ["none", "pending", "running", "failed"])
def test_a_download_before_the_pdf_is_ready_goes_back_to_the_page(english, world, state):
    if state != "none":
        StudentExportJob.objects.create(student=world.student, status=state, requested_by=world.admin)
    english.force_login(world.admin)
    response = english.get(download_url(world.student), follow=True)
    assert response.redirect_chain == [(page_url(world.student), 302)]
    assert response.status_code == 200
    assert "The PDF is not available" in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.STUDENT_EXPORT).exists()


def test_a_missing_file_goes_back_to_the_page_not_500(client, world, media):
    StudentExportJob.objects.create(
        student=world.student, status=DONE, finished_at=timezone.now(), file="student-exports/gone.pdf"
    )
    client.force_login(world.admin)
    response = client.get(download_url(world.student))
    assert (response.status_code, response.url) == (302, page_url(world.student))
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.STUDENT_EXPORT).exists()


def test_an_export_past_its_retention_is_not_sent_even_before_the_nightly_purge(english, world, media):
    a_ready_export(world.student, finished_days_ago=exports.EXPORT_KEEP_DAYS + 0.5, actor=world.admin)
    english.force_login(world.admin)
    response = english.get(download_url(world.student))
    assert (response.status_code, response.url) == (302, page_url(world.student))
    html = english.get(page_url(world.student)).content.decode()
    assert "data-export-expired" in html
    assert "Make it again" in html
    assert download_url(world.student) not in html


# --- who may ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("mentor", 403),  # staff who see the student know the page exists, and may not use it
        ("team_leader", 403),
        ("teacher", 403),
        ("care_coordinator", 403),
        ("other_mentor", 404),
        ("other_teacher", 404),
        ("student_user", 404),
        ("guardian", 404),
        ("outsider", 404),  # the school admin of another school
    ],
)
def test_everyone_else_is_refused_everywhere(client, world, media, who, status):
    a_ready_export(world.student, actor=world.admin)
    client.force_login(getattr(world, who))
    assert client.get(page_url(world.student)).status_code == status
    assert client.get(page_url(world.student), headers={"HX-Request": "true"}).status_code == status
    assert client.post(page_url(world.student)).status_code == status
    assert client.get(download_url(world.student)).status_code == status
    job = StudentExportJob.objects.get()
    assert (job.status, job.requested_by, job.attempts) == (DONE, world.admin, 0)  # not asked again
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.STUDENT_EXPORT).exists()


def test_the_other_schools_admin_uses_it_for_their_own_students_only(client, world, media):
    client.force_login(world.outsider)
    their_student = StudentFactory(school=world.outsider.school)
    assert client.get(page_url(their_student)).status_code == 200
    assert client.get(page_url(world.student)).status_code == 404


def test_anonymous_goes_to_the_login_everywhere(client, world, media):
    a_ready_export(world.student)
    for response in (
        client.get(page_url(world.student)),
        client.post(page_url(world.student)),
        client.get(download_url(world.student)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert StudentExportJob.objects.get().attempts == 0
    assert not AuditEvent.objects.exists()


def test_a_missing_student_is_404(client, world):
    client.force_login(world.admin)
    assert client.get(page_url(type(world.student)(pk=999999))).status_code == 404
    assert client.post(page_url(type(world.student)(pk=999999))).status_code == 404
    assert not StudentExportJob.objects.exists()


def test_the_download_is_get_only_and_the_page_get_or_post(client, world):
    client.force_login(world.admin)
    assert client.post(download_url(world.student)).status_code == 405
    assert client.put(page_url(world.student)).status_code == 405


# --- retention ----------------------------------------------------------------------------------------------


def test_the_purge_deletes_old_exports_and_their_files_and_keeps_recent_ones(
    world, media, django_capture_on_commit_callbacks
):
    old = a_ready_export(world.student, finished_days_ago=exports.EXPORT_KEEP_DAYS + 1)
    recent = a_ready_export(world.other_student, finished_days_ago=exports.EXPORT_KEEP_DAYS - 1)
    old_file, recent_file = media / old.file.name, media / recent.file.name
    assert old_file.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.student_exports_purge() == 1
    assert list(StudentExportJob.objects.all()) == [recent]
    assert not old_file.exists()
    assert recent_file.exists()


def test_the_purge_deletes_a_job_lost_long_ago(world, media):
    job = StudentExportJob.objects.create(student=world.student, requested_by=world.admin)
    StudentExportJob.objects.filter(pk=job.pk).update(
        status=StudentExportJob.Status.RUNNING,
        requested_at=timezone.now() - datetime.timedelta(days=exports.EXPORT_KEEP_DAYS + 1),
    )
    assert exports.student_exports_purge() == 1
    assert not StudentExportJob.objects.exists()


def test_the_purge_deletes_old_files_that_no_row_points_at(world, media):
    old_name = default_storage.save("student-exports/left-behind.pdf", ContentFile(b"%PDF-1.4 old"))
    new_name = default_storage.save("student-exports/just-made.pdf", ContentFile(b"%PDF-1.4 new"))
    long_ago = (timezone.now() - datetime.timedelta(days=exports.EXPORT_KEEP_DAYS + 1)).timestamp()
    os.utime(media / old_name, (long_ago, long_ago))
    assert exports.student_exports_purge() == 1
    assert not default_storage.exists(old_name)
    assert default_storage.exists(new_name)  # maybe a render that is about to point its row at it


def test_the_nightly_privacy_task_purges_old_exports(world, media, django_capture_on_commit_callbacks):
    old = a_ready_export(world.student, finished_days_ago=exports.EXPORT_KEEP_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        erase_left_students_task()
    assert not StudentExportJob.objects.exists()
    assert not (media / old.file.name).exists()


def test_the_purge_with_nothing_to_do(world, media):
    assert exports.student_exports_purge() == 0


# --- erasure ------------------------------------------------------------------------------------------------


def test_erasure_deletes_the_export_and_its_file(world, media, settings, django_capture_on_commit_callbacks):
    job = a_ready_export(world.student)
    path = media / job.file.name
    student = left(world.student, days_ago=settings.STUDENT_RETENTION_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        erasure = services.student_erase(student=student)
    assert erasure.deleted["student_exports"] == 1
    assert not StudentExportJob.objects.exists()
    assert not path.exists()
