"""Keeping a job's new file (school.jobs.job_file_keep, job_render): the row must still be there.

A student's erasure deletes the jobs whose PDFs concern them, possibly while a worker is making one;
the file that worker finishes must not be left in storage where nothing points at it.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from privacy.models import StudentExportJob
from school import jobs
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(folder) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.is_file())


def test_the_file_is_kept_and_the_row_points_at_it(media):
    job = StudentExportJob.objects.create(student=StudentFactory())

    jobs.job_file_keep(job, b"%PDF-1.4 new", name="kept.pdf", what="Test")

    job.refresh_from_db()
    assert job.file.name.endswith(".pdf")
    assert default_storage.open(job.file.name).read() == b"%PDF-1.4 new"


def test_a_row_deleted_while_its_file_was_made_keeps_no_file(media):
    job = StudentExportJob.objects.create(student=StudentFactory())
    StudentExportJob.objects.filter(pk=job.pk).delete()  # an erasure, while the worker renders

    with pytest.raises(jobs.JobGone):
        jobs.job_file_keep(job, b"%PDF-1.4 orphan", name="orphan.pdf", what="Test")

    assert stored_files(media) == []


def test_rendering_a_job_whose_row_went_ends_quietly_without_a_file_or_a_retry(media):
    job = StudentExportJob.objects.create(student=StudentFactory(), status=StudentExportJob.Status.RUNNING)
    student = job.student

    def render() -> bytes:
        StudentExportJob.objects.filter(pk=job.pk).delete()  # erased halfway through the render
        return b"%PDF-1.4 too late"

    ended = jobs.job_render(job, None, school=student.school, render=render, name="late.pdf", what="Test")

    assert ended is job
    assert not StudentExportJob.objects.exists()
    assert stored_files(media) == []
