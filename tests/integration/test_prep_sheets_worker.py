"""A class's prep sheets through a real Celery worker: scripts/worker.sh with the production settings, on Redis.

As tests/integration/test_minutes_worker.py (whose broker and worker fixtures this module
uses): the worker is a process of its own that reads the test database (committed rows: a
transactional test), takes the message from the broker, renders every student's sheet with
WeasyPrint from the source static files, merges them with pypdf and writes the PDF into
MEDIA_ROOT, where this process reads it back. In CI the broker is REDIS_URL's Redis.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from mentoring.models import Goal, PrepSheet, PrepSheetJob, Reflection
from reviews.models import Entry, Light, Phase, ReviewCycle
from tests.factories import GuardianFactory, PeriodFactory, StudentFactory
from tests.integration.celery_worker import deliver_twice

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK = "mentoring.tasks.prep_sheets_batch_task"
GOAL = "Elke week een oefentoets maken"
ADVICE = "Woordjes elke dag herhalen."


def test_a_worker_makes_the_class_pdf_once_even_when_the_message_comes_twice(world, worker):
    process, log, broker = worker
    # Built here rather than with tests/mentoring's fixtures, which this folder does not see.
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1"),
        name="Ronde 1",
        entry_deadline=datetime.date(2026, 11, 20),
        phase=Phase.MENTOR_TALKS,
    )
    cycle.departments.set([world.department])
    world.student.last_name = "Maas"
    world.student.save()
    first = StudentFactory(school=world.school, class_group=world.class_group, first_name="Ada", last_name="Aalders")
    last = StudentFactory(school=world.school, class_group=world.class_group, first_name="Zoë", last_name="Zwart")
    english = GuardianFactory(school=world.school, students=[last])
    english.user.language = "en"
    english.user.save()
    for student, light in ((first, Light.GREEN), (world.student, Light.RED), (last, Light.ORANGE)):
        Entry.objects.create(
            cycle=cycle, teaching_group=world.teaching_group, student=student, light=light, advice=ADVICE
        )
    reflection = Reflection.objects.create(
        cycle=cycle,
        student=world.student,
        went_well="Geschiedenis ging goed.",
        status=Reflection.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    Goal.objects.create(reflection=reflection, position=1, goal=GOAL, action="Op zondag plannen")
    # The row as prep_sheet_job_request leaves it; the message goes to the real broker, not eagerly in-process.
    job = PrepSheetJob.objects.create(cycle=cycle, class_group=world.class_group, requested_by=world.mentor)
    job, data = deliver_twice(job, TASK, broker, process, log)
    assert (job.total, job.done) == (3, 3)
    reader = PdfReader(io.BytesIO(data))
    names = [first.full_name, world.student.full_name, last.full_name]
    # One sheet per student, in class order, each with its bookmark.
    assert [item.title for item in reader.outline if not isinstance(item, list)] == names
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert GOAL in text
    assert ADVICE in text
    assert "Traffic lights and advice" in text  # Zoë's guardian reads English
    languages = dict(PrepSheet.objects.filter(cycle=cycle).values_list("student_id", "language"))
    assert languages == {first.pk: "nl", world.student.pk: "nl", last.pk: "en"}
