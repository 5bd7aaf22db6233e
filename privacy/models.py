"""The right-of-access export as a PDF, made in the background (privacy.exports): one job row per student."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from school.jobs import FileJob
from school.models import Student


class StudentExportJob(FileJob):
    """Everything stored about one student as a readable PDF, made by a Celery task while the page polls the row.

    One row per student, reused: asking again resets it and replaces the file. The file lives in a
    folder of its own under MEDIA_ROOT, which is never served by URL: only the school admin gets it,
    through a permission-checked view. It holds everything about a minor, so it is kept for a few
    days only (privacy.exports.EXPORT_KEEP_DAYS; the nightly privacy task deletes it and its row).
    """

    task_name = "privacy.tasks.student_export_render_task"

    student = models.OneToOneField(
        Student, on_delete=models.CASCADE, related_name="export_job", verbose_name=_("student")
    )
    file = models.FileField(upload_to="student-exports/", blank=True)

    class Meta:
        verbose_name = _("data export of a student")
        verbose_name_plural = _("data exports of a student")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "running", "done", "failed"]),
                name="privacy_studentexportjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student}: {self.status}"
