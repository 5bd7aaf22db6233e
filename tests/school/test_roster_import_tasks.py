"""The import job in the worker: claimed once, run, recorded, and failing loudly but safely."""

import shutil
from pathlib import Path

import pytest
from django.utils import translation

from school import services
from school.models import RosterImport, Student
from school.tasks import roster_import_run_task
from tests.factories import SchoolFactory, StaffFactory

from .roster_data import DATA


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin(db):
    return StaffFactory(school=SchoolFactory(name="Het Testlyceum"), is_school_admin=True).user


def a_job(admin, private_media, name="simple", **fields):
    job = RosterImport.objects.create(school=admin.school, started_by=admin, **fields)
    folder = Path("roster_imports") / str(job.pk)
    shutil.copytree(DATA / name, Path(private_media) / folder)
    job.upload_path = str(folder)
    job.save()
    return job


def test_the_task_previews_a_pending_job(admin, private_media):
    job = a_job(admin, private_media)

    roster_import_run_task.delay(job.pk)

    job.refresh_from_db()
    assert (job.status, job.progress, job.format) == ("previewed", 100, "simple")
    assert job.started_at is not None
    assert job.finished_at >= job.started_at
    assert job.summary["enrollments"]["created"] == 6
    assert job.errors == []
    assert not Student.objects.exists()


def test_a_message_delivered_twice_does_nothing_the_second_time(admin, private_media, monkeypatch):
    job = a_job(admin, private_media)
    roster_import_run_task.delay(job.pk)
    job.refresh_from_db()
    finished = job.finished_at
    calls = []
    monkeypatch.setattr(services, "roster_import", lambda **kwargs: calls.append(kwargs))

    roster_import_run_task.delay(job.pk)

    job.refresh_from_db()
    assert calls == []
    assert (job.status, job.finished_at) == ("previewed", finished)


def test_a_running_job_is_not_claimed_again(admin, private_media, monkeypatch):
    job = a_job(admin, private_media, status=RosterImport.Status.RUNNING)
    monkeypatch.setattr(services, "roster_import", lambda **kwargs: pytest.fail("ran twice"))

    roster_import_run_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == RosterImport.Status.RUNNING


def test_apply_runs_for_real_and_removes_the_upload(admin, private_media, django_capture_on_commit_callbacks):
    job = a_job(admin, private_media, status=RosterImport.Status.PREVIEWED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.roster_import_job_apply(job=job, actor=admin)

    assert len(callbacks) == 1  # queued after the commit, and run (tasks are eager in tests)

    job.refresh_from_db()
    assert (job.status, job.dry_run) == ("applied", False)
    assert Student.objects.filter(school=admin.school).count() == 5
    assert job.upload_path == ""
    assert not any((Path(private_media) / "roster_imports").iterdir())


def test_an_unexpected_error_fails_the_job_and_writes_nothing(admin, private_media, monkeypatch, caplog):
    job = a_job(admin, private_media)

    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "roster_import", explode)

    roster_import_run_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == RosterImport.Status.FAILED
    assert job.errors[0]["message"] == services.CRASHED
    assert "disk on fire" in caplog.text
    assert not Student.objects.exists()


def test_a_job_whose_files_are_gone_fails_clearly(admin, private_media):
    job = a_job(admin, private_media)
    shutil.rmtree(Path(private_media) / job.upload_path)

    roster_import_run_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == RosterImport.Status.FAILED
    with translation.override("en"):
        assert job.errors[0]["message"] == "The uploaded files are no longer there. Upload them again."


def test_the_task_speaks_the_schools_language(admin, private_media, monkeypatch):
    admin.school.language = "en"
    admin.school.save()
    job = a_job(admin, private_media)
    seen = []
    real = services.roster_import

    def spy(**kwargs):
        seen.append(translation.get_language())
        return real(**kwargs)

    monkeypatch.setattr(services, "roster_import", spy)

    roster_import_run_task.delay(job.pk)

    assert seen == ["en"]


def test_only_a_school_admin_of_the_school_may_apply(admin, private_media):
    job = a_job(admin, private_media, status=RosterImport.Status.PREVIEWED)
    teacher = StaffFactory(school=admin.school).user
    other_admin = StaffFactory(is_school_admin=True).user

    for user in (teacher, other_admin):
        with pytest.raises(services.PermissionDenied):
            services.roster_import_job_apply(job=job, actor=user)
    job.refresh_from_db()
    assert job.status == RosterImport.Status.PREVIEWED
