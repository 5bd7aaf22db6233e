"""The minutes through a real Celery worker: scripts/worker.sh with the production settings, on Redis.

The worker is a process of its own, as in docker-compose.yml: it reads the test
database (committed rows: a transactional test), takes the message from the broker,
renders with WeasyPrint from the source static files (no collectstatic in a worker
container) and writes the PDF into MEDIA_ROOT, where this process reads it back.

The broker: REDIS_URL's Redis when set (CI), on an empty database number of its own;
otherwise a redis-server started here when the machine has one; otherwise kombu's
filesystem broker in a temporary folder, so the test runs anywhere.
"""

from __future__ import annotations

import datetime
import io

import pytest
from pypdf import PdfReader

from mentoring.models import Category, DepartmentMeeting, Escalation, MinutesJob
from reviews.models import Entry, Light, Phase, ReviewCycle
from tests.factories import PeriodFactory
from tests.integration.celery_worker import deliver_twice
from tests.mentoring.test_minutes_pdf import DECISION, decide

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK = "mentoring.tasks.minutes_render_task"


# --- the test --------------------------------------------------------------------------------------------------


def test_a_worker_renders_the_minutes_once_even_when_the_message_comes_twice(world, worker):
    process, log, broker = worker
    # Built here rather than with tests/mentoring's fixtures, which this folder does not see.
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1"),
        name="Ronde 1",
        entry_deadline=datetime.date(2026, 11, 20),
        phase=Phase.SPEED_DATE,
    )
    cycle.departments.set([world.department])
    Entry.objects.create(cycle=cycle, teaching_group=world.teaching_group, student=world.student, light=Light.RED)
    meeting = DepartmentMeeting.objects.create(cycle=cycle, department=world.department)
    escalation = Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.PROMOTION,
        question="Kan Sam beter naar vmbo-t?",
        raised_by=world.mentor,
    )
    decide(meeting, escalation, actor=world.team_leader)
    # The row as minutes_job_request leaves it; the message goes to the real broker, not eagerly in-process.
    job = MinutesJob.objects.create(meeting=meeting, requested_by=world.team_leader)
    job, data = deliver_twice(job, TASK, broker, process, log)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
    assert DECISION in text
    assert world.student.full_name in text
    assert "Kan Sam beter naar vmbo-t?" in text
