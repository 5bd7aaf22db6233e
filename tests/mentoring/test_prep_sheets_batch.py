"""A class's prep sheets as one merged PDF: one job row per round and class, made by a Celery task, idempotent.

With the test settings Celery runs eagerly, so the task runs when the request's
transaction commits (django_capture_on_commit_callbacks(execute=True)).
"""

import datetime
import io

import pytest
import weasyprint
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from mentoring import tasks
from mentoring.models import PrepSheet, PrepSheetJob
from mentoring.services import prep_sheets as service
from reviews.models import Entry, Light
from tests.factories import StudentFactory
from tests.mentoring.test_prep_sheets_pdf import ADVICE, GOAL, a_submitted_reflection, private_media, text_of

__all__ = ["a_submitted_reflection", "private_media"]  # fixtures, used by name


@pytest.fixture
def a_class_of_three(world, a_published_cycle, a_submitted_reflection):
    """4H1: world.student and two more, whose last names put world.student in the middle."""
    world.student.last_name = "Maas"
    world.student.save()
    first = StudentFactory(school=world.school, class_group=world.class_group, first_name="Ada", last_name="Aalders")
    last = StudentFactory(school=world.school, class_group=world.class_group, first_name="Zoë", last_name="Zwart")
    for student in (first, last):
        student.teaching_groups.add(world.teaching_group)
        Entry.objects.create(
            cycle=a_published_cycle, teaching_group=world.teaching_group, student=student, light=Light.GREEN
        )
    return [first, world.student, last]


def make(cycle, class_group, actor, capture):
    with capture(execute=True) as callbacks:
        job = service.prep_sheet_job_request(cycle=cycle, class_group=class_group, actor=actor)
    job.refresh_from_db()
    return job, callbacks


def job_text(job: PrepSheetJob) -> tuple[str, PdfReader]:
    with job.file.open("rb") as handle:
        data = handle.read()
    return text_of(data), PdfReader(io.BytesIO(data))


# --- the batch -------------------------------------------------------------------------------------------------


def test_the_mentor_gets_one_pdf_with_every_students_sheet_in_class_order(
    world, a_published_cycle, a_class_of_three, django_capture_on_commit_callbacks
):
    job, callbacks = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    assert len(callbacks) == 1
    assert job.status == PrepSheetJob.Status.DONE, job.error
    assert (job.total, job.done, job.attempts, job.error) == (3, 3, 1, "")
    assert job.requested_by == world.mentor
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.file.name.startswith("prep-sheets/")
    text, reader = job_text(job)
    names = [student.full_name for student in a_class_of_three]
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)  # by last name
    assert GOAL in text
    assert ADVICE in text
    # A bookmark per student, with their sheet's headings below it.
    assert [item.title for item in reader.outline if not isinstance(item, list)] == names
    assert PrepSheet.objects.filter(cycle=a_published_cycle).count() == 3  # each sheet kept on its own too


def test_each_sheet_goes_home_in_the_familys_language(
    world, a_published_cycle, a_class_of_three, django_capture_on_commit_callbacks
):
    world.guardian.language = "en"
    world.guardian.save()

    job, _ = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    languages = dict(PrepSheet.objects.values_list("student_id", "language"))
    assert languages == {a_class_of_three[0].pk: "nl", world.student.pk: "en", a_class_of_three[2].pk: "nl"}
    text, _reader = job_text(job)
    assert "Traffic lights and advice" in text  # world.student's sheet
    assert "Advies" in text  # the others'


def test_the_task_speaks_the_schools_language(world, a_published_cycle, django_capture_on_commit_callbacks):
    world.school.language = "en"
    world.school.save()

    job, _ = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    text, _reader = job_text(job)
    assert "Preparing the mentor talk" in text
    assert PrepSheet.objects.get().language == "en"


def test_progress_counts_up_per_sheet(world, a_published_cycle, a_class_of_three, monkeypatch):
    seen = []
    real = service.prep_sheet_pdf

    def watching(**kwargs):
        job = PrepSheetJob.objects.get()
        seen.append((job.status, job.done, job.total))
        return real(**kwargs)

    monkeypatch.setattr(service, "prep_sheet_pdf", watching)
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)

    service.prep_sheet_job_run(job_id=job.pk)

    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3)]
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 3, 3)


def test_an_empty_class_makes_an_empty_pdf_not_an_error(world, a_published_cycle, django_capture_on_commit_callbacks):
    world.student.class_group = world.other_class_group
    world.student.save()

    job, _ = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    assert (job.status, job.total, job.done) == (PrepSheetJob.Status.DONE, 0, 0)


# --- who may ask, and only one at a time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["team_leader", "admin", "care_coordinator", "other_mentor", "teacher", "student_user", "outsider"]
)
def test_only_the_classs_mentor_makes_the_sheets(world, a_published_cycle, who, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionDenied):
        service.prep_sheet_job_request(
            cycle=a_published_cycle, class_group=world.class_group, actor=getattr(world, who)
        )

    assert callbacks == []
    assert not PrepSheetJob.objects.exists()


def test_a_class_the_round_does_not_cover_is_refused(world, a_published_cycle):
    a_published_cycle.departments.set([world.other_department])

    with pytest.raises(PermissionDenied):
        service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)


def test_a_double_click_queues_one_task(world, a_published_cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as first:
        job = service.prep_sheet_job_request(
            cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor
        )
    with django_capture_on_commit_callbacks() as second:
        again = service.prep_sheet_job_request(
            cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor
        )

    assert (len(first), len(second)) == (1, 0)
    assert again.pk == job.pk
    assert PrepSheetJob.objects.get().status == PrepSheetJob.Status.PENDING


def test_asking_while_it_runs_queues_nothing(world, a_published_cycle, django_capture_on_commit_callbacks):
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    PrepSheetJob.objects.filter(pk=job.pk).update(status=PrepSheetJob.Status.RUNNING, done=1, total=3)

    with django_capture_on_commit_callbacks() as callbacks:
        again = service.prep_sheet_job_request(
            cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor
        )

    assert callbacks == []
    assert (again.status, again.done) == (PrepSheetJob.Status.RUNNING, 1)


def test_a_lost_job_is_started_afresh(world, a_published_cycle, django_capture_on_commit_callbacks):
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    PrepSheetJob.objects.filter(pk=job.pk).update(
        status=PrepSheetJob.Status.RUNNING, requested_at=timezone.now() - datetime.timedelta(minutes=31)
    )

    job, callbacks = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    assert len(callbacks) == 1
    assert job.status == PrepSheetJob.Status.DONE


def test_a_job_is_claimed_once(world, a_published_cycle):
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)

    assert service.prep_sheet_job_claim(job_id=job.pk) is not None
    assert service.prep_sheet_job_claim(job_id=job.pk) is None
    assert service.prep_sheet_job_run(job_id=job.pk) is None  # a redelivery while the first worker renders

    job.refresh_from_db()
    assert (job.status, job.attempts, job.file.name) == (PrepSheetJob.Status.RUNNING, 1, "")


def test_a_message_delivered_twice_renders_once(world, a_published_cycle, monkeypatch):
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    renders = []
    real = service.prep_sheet_pdf
    monkeypatch.setattr(service, "prep_sheet_pdf", lambda **kw: renders.append(kw) or real(**kw))

    tasks.prep_sheets_batch_task(job.pk)
    job.refresh_from_db()
    first_file = job.file.name
    tasks.prep_sheets_batch_task(job.pk)  # redelivered after it was done

    job.refresh_from_db()
    assert len(renders) == 1
    assert (job.status, job.attempts, job.file.name) == (PrepSheetJob.Status.DONE, 1, first_file)


def test_making_them_again_replaces_the_files(
    world, a_published_cycle, a_submitted_reflection, django_capture_on_commit_callbacks
):
    job, _ = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)
    old_name = job.file.name
    old_sheet = PrepSheet.objects.get().file.name
    assert default_storage.exists(old_name)
    assert default_storage.exists(old_sheet)
    goal = a_submitted_reflection.goals.get(position=1)
    goal.goal = "Een zeven voor Nederlands"
    goal.save()

    job, callbacks = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    assert len(callbacks) == 1
    assert PrepSheetJob.objects.count() == 1
    assert PrepSheet.objects.count() == 1
    assert job.status == PrepSheetJob.Status.DONE
    assert job.file.name != old_name
    assert not default_storage.exists(old_name)
    assert not default_storage.exists(old_sheet)
    assert default_storage.exists(job.file.name)
    text, _reader = job_text(job)
    assert "Een zeven voor Nederlands" in text
    assert GOAL not in text


# --- failures -------------------------------------------------------------------------------------------------


def failing_write_pdf(monkeypatch, *errors):
    """WeasyPrint's write_pdf raises each of `errors` in turn, then renders for real."""
    calls = []
    real = weasyprint.HTML.write_pdf

    def write_pdf(self, *args, **kwargs):
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", write_pdf)
    return calls


def test_a_transient_error_is_retried_three_times_then_fails_with_a_message(
    world, a_published_cycle, monkeypatch, django_capture_on_commit_callbacks
):
    calls = failing_write_pdf(monkeypatch, *[OSError("No space left on device")] * 4)

    job, _ = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    assert len(calls) == 4  # the first try and three retries
    assert job.status == PrepSheetJob.Status.FAILED
    assert job.attempts == 4
    assert job.error == "OSError: No space left on device"
    assert job.finished_at is not None
    assert not job.file


def test_a_transient_error_that_passes_ends_well(
    world, a_published_cycle, monkeypatch, django_capture_on_commit_callbacks
):
    calls = failing_write_pdf(monkeypatch, OSError("Resource temporarily unavailable"))

    job, _ = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    assert len(calls) == 2
    assert (job.status, job.attempts, job.error, job.done, job.total) == (PrepSheetJob.Status.DONE, 2, "", 1, 1)


def test_a_bug_is_not_retried(world, a_published_cycle, monkeypatch, django_capture_on_commit_callbacks):
    calls = failing_write_pdf(monkeypatch, ValueError("bad layout"))

    job, _ = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    assert len(calls) == 1
    assert (job.status, job.attempts, job.error) == (PrepSheetJob.Status.FAILED, 1, "ValueError: bad layout")


def test_a_failed_job_can_be_asked_for_again(
    world, a_published_cycle, monkeypatch, django_capture_on_commit_callbacks
):
    failing_write_pdf(monkeypatch, ValueError("bad layout"))
    make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    job, callbacks = make(a_published_cycle, world.class_group, world.mentor, django_capture_on_commit_callbacks)

    assert len(callbacks) == 1
    assert (job.status, job.error, job.attempts) == (PrepSheetJob.Status.DONE, "", 1)


def test_the_task_has_generous_limits_and_late_acks():
    task = tasks.prep_sheets_batch_task
    assert (task.acks_late, task.max_retries) == (True, 3)
    assert task.soft_time_limit >= 120
    assert task.time_limit > task.soft_time_limit
