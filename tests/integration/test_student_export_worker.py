"""A student's data export (right of access) through a real Celery worker: scripts/worker.sh with the production
settings, on Redis.

As tests/integration/test_class_meeting_minutes_worker.py: the worker is a process of its own that
reads the test database (committed rows: a transactional test), takes the message from the broker,
renders every section of the export with WeasyPrint from the source static files and writes the
PDF into MEDIA_ROOT, where this process reads it back and the school admin downloads it.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from mentoring.models import Agreement
from privacy.models import StudentExportJob
from tests.integration.celery_worker import deliver_twice

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK = "privacy.tasks.student_export_render_task"
AGREEMENT = "Elke maandag de planner met de mentor doornemen"


def test_a_worker_makes_the_export_once_even_when_the_message_comes_twice(world, worker, client):
    process, log, broker = worker
    Agreement.objects.create(
        student=world.student,
        text=AGREEMENT,
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2026, 12, 1),
        created_by=world.mentor,
    )
    # The row as student_export_job_request leaves it; the message goes to the real broker, not eagerly.
    job = StudentExportJob.objects.create(student=world.student, requested_by=world.admin)
    job, data = deliver_twice(job, TASK, broker, process, log)
    assert job.file.name.startswith("student-exports/")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (world.student.last_name, AGREEMENT):
        assert expected in text

    client.force_login(world.admin)
    response = client.get(reverse("privacy:student_export_pdf", args=[world.student.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == data
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.STUDENT_EXPORT)
    assert (event.actor, event.student, event.action) == (world.admin, world.student, AuditEvent.Action.EXPORT)
