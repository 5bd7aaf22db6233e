"""The minutes of an open class meeting through a real Celery worker: scripts/worker.sh with the production
settings, on Redis.

The worker is a process of its own, as in docker-compose.yml: it reads the test database
(committed rows: a transactional test), takes the message from the broker, renders with
WeasyPrint from the source static files (pdf.css and pdf-class-meeting.css, no collectstatic)
and writes the PDF into MEDIA_ROOT, where this process reads it back. The broker is
tests/integration/celery_worker.py's (REDIS_URL's Redis in CI).
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from classmeetings.models import MinutesJob
from tests.classmeetings.test_minutes import AGREEMENT, LAST_TIME, NOTES, POSITIVE, TIPS, a_decided_meeting_for
from tests.integration.celery_worker import deliver_twice

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK = "classmeetings.tasks.class_minutes_render_task"


def test_a_worker_renders_the_class_meeting_minutes_once_even_when_the_message_comes_twice(world, worker):
    process, log, broker = worker
    # Built with the services (they enforce the rules): last time's agreement checked, an item decided.
    meeting = a_decided_meeting_for(world)
    # The row as minutes_job_request leaves it; the message goes to the real broker, not eagerly in-process.
    job = MinutesJob.objects.create(meeting=meeting, requested_by=world.mentor)
    job, data = deliver_twice(job, TASK, broker, process, log)
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (world.student.full_name, NOTES, POSITIVE, TIPS, AGREEMENT, LAST_TIME):
        assert expected in text
    assert "Notulen" in text or "Minutes" in text  # the school's language (nl once the catalogue is merged)
