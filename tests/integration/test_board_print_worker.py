"""A wall print through a real Celery worker: scripts/worker.sh with the production settings, on Redis.

The worker is a process of its own, as in docker-compose.yml: it reads the test database
(committed rows: a transactional test), takes the message from the broker, renders the
board with WeasyPrint from the source static files and the student's photo from MEDIA_ROOT,
and writes the PDF into MEDIA_ROOT, where this process reads it back. The broker is
tests/integration/celery_worker.py's (REDIS_URL's Redis in CI).
"""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from boards.models import BoardPrintJob, ProgressCard
from tests.integration.celery_worker import deliver_twice

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK = "boards.tasks.board_print_task"


def test_a_worker_prints_a_progress_board_once_even_when_the_message_comes_twice(world, worker):
    process, log, broker = worker
    photo = io.BytesIO()
    Image.new("RGB", (40, 40), (30, 90, 160)).save(photo, format="JPEG")
    world.student.photo.save("sam.jpg", ContentFile(photo.getvalue()), save=True)
    ProgressCard.objects.create(
        student=world.student, tests_behind=2, notable="Zoekt nog een stageplek", updated_at=timezone.now()
    )
    # The row as board_print_request leaves it; the message goes to the real broker, not eagerly in-process.
    job = BoardPrintJob.objects.create(
        school=world.school, kind=BoardPrintJob.Kind.PROGRESS, class_group=world.class_group, requested_by=world.mentor
    )
    job, data = deliver_twice(job, TASK, broker, process, log)
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)  # A3 landscape
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert world.student.full_name in text
    assert "Zoekt nog een stageplek" in text
    assert len(reader.pages[0].images) == 1  # the photo, read from MEDIA_ROOT by the worker
