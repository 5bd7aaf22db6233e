"""Background jobs while the broker (Redis) is down: the page answers, the job waits marked unsent, and it is
sent once the broker is back (by its page's poll or by the beat task), and runs once.

The broker here is real kombu: a port nobody listens on ("down") or the in-memory transport ("up"),
see tests/school/brokers.py; the tasks a message names run here, as the worker would.
"""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string

from boards.models import BoardPrintJob
from classmeetings.models import MinutesJob as ClassMinutesJob
from mentoring.models import MinutesJob, PrepSheetJob
from reviews.models import Phase, ReminderJob, ReviewCycle
from school import jobs
from school.jobs import QUEUE_UNAVAILABLE
from school.models import RosterImport
from school.tasks import jobs_resend_unsent_task, roster_import_run_task
from tests.factories import PeriodFactory

from .brokers import a_broker
from .roster_data import DATA

RUN = "school.tasks.roster_import_run_task"


@pytest.fixture
def broker():
    with a_broker() as broker:
        yield broker


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_client(client, world, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages speak Dutch by default
    client.force_login(world.admin)
    with translation.override("en"):
        yield client


def zip_upload():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((DATA / "simple").iterdir()):
            archive.write(path, path.name)
    return SimpleUploadedFile("rooster.zip", buffer.getvalue(), content_type="application/zip")


def upload(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("school:roster_import"), {"files": [zip_upload()]})


def poll(client, job):
    return client.get(reverse("school:roster_import_detail", args=[job.pk]), headers={"HX-Request": "true"})


# --- which jobs there are ----------------------------------------------------------------------------------


def test_every_job_model_names_the_task_that_does_it():
    """The beat task finds each job model's task by name: a job model without one would never be sent again."""
    names = {model: model.task_name for model in jobs.job_models()}

    assert {
        RosterImport: "school.tasks.roster_import_run_task",
        ReminderJob: "reviews.tasks.reminders_send_task",
        MinutesJob: "mentoring.tasks.minutes_render_task",
        PrepSheetJob: "mentoring.tasks.prep_sheets_batch_task",
        BoardPrintJob: "boards.tasks.board_print_task",
        ClassMinutesJob: "classmeetings.tasks.class_minutes_render_task",
    }.items() <= names.items()
    for model, name in names.items():
        assert name, f"{model.__name__} does not name its task (task_name)"
        assert import_string(name).name == name  # a Celery task, registered under that name


# --- the roster import ----------------------------------------------------------------------------------------


def test_an_upload_while_the_broker_is_down_answers_and_says_the_import_waits(
    admin_client, world, broker, django_capture_on_commit_callbacks
):
    broker.down()

    response = upload(admin_client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    job = RosterImport.objects.get()
    assert (job.status, job.error, job.is_unsent) == (RosterImport.Status.PENDING, QUEUE_UNAVAILABLE, True)
    page = admin_client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-job-unsent" in html
    assert "Queued — the background service is unavailable right now; the import starts as soon as" in html
    assert 'hx-trigger="every 2s"' in html  # the page keeps polling: each poll tries again
    assert broker.messages() == []


def test_the_next_poll_once_the_broker_is_back_sends_the_import_once(
    admin_client, world, broker, django_capture_on_commit_callbacks
):
    broker.down()
    upload(admin_client, django_capture_on_commit_callbacks)
    job = RosterImport.objects.get()
    assert "data-job-unsent" in poll(admin_client, job).content.decode()  # still down: still waiting, marked

    broker.up()
    response = poll(admin_client, job)

    assert response.status_code == 200
    assert "data-job-unsent" not in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.error) == (RosterImport.Status.PENDING, "")
    sent = broker.messages()
    assert sent == [(RUN, [job.pk])]
    poll(admin_client, job)
    assert broker.messages() == []  # sent: the next poll sends nothing more

    broker.deliver(sent)
    job.refresh_from_db()
    assert job.status == RosterImport.Status.PREVIEWED
    assert job.errors == []
    assert job.summary["enrollments"]["created"] > 0
    finished = job.finished_at
    broker.deliver(sent)  # delivered again: the claim lets nothing happen
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (RosterImport.Status.PREVIEWED, finished)


def test_applying_while_the_broker_is_down_waits_and_the_beat_task_sends_it(
    admin_client, world, broker, django_capture_on_commit_callbacks
):
    upload(admin_client, django_capture_on_commit_callbacks)
    job = RosterImport.objects.get()
    broker.deliver(broker.messages())
    job.refresh_from_db()
    assert job.status == RosterImport.Status.PREVIEWED
    broker.down()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("school:roster_import_apply", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.is_unsent) == (RosterImport.Status.PENDING, False, True)
    assert jobs_resend_unsent_task() == 0  # still down: nothing sent, still marked
    job.refresh_from_db()
    assert job.is_unsent

    broker.up()
    assert jobs_resend_unsent_task() == 1
    assert jobs_resend_unsent_task() == 0  # sent once: the next round finds nothing
    sent = broker.messages()
    assert sent == [(RUN, [job.pk])]
    broker.deliver(sent)
    job.refresh_from_db()
    assert job.status == RosterImport.Status.APPLIED
    assert job.errors == []
    assert job.summary["enrollments"]["created"] > 0


# --- the beat task, over every job model --------------------------------------------------------------------


@pytest.fixture
def a_cycle(world) -> ReviewCycle:
    cycle = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1"),
        name="Ronde 1",
        entry_deadline=datetime.date(2026, 11, 27),
        phase=Phase.MENTOR_TALKS,
    )
    cycle.departments.set([world.department])
    return cycle


def test_the_beat_task_sends_every_unsent_job_of_every_model_once(world, a_cycle, broker):
    unsent = {"status": "pending", "error": QUEUE_UNAVAILABLE}
    roster = RosterImport.objects.create(school=world.school, started_by=world.admin, **unsent)
    reminder = ReminderJob.objects.create(cycle=a_cycle, requested_by=world.team_leader, **unsent)
    sheets = PrepSheetJob.objects.create(cycle=a_cycle, class_group=world.class_group, **unsent)
    sent_already = RosterImport.objects.create(school=world.school, status="pending")  # its message is out
    failed = RosterImport.objects.create(school=world.school, status="failed", error="boom")

    assert jobs_resend_unsent_task() == 3

    assert sorted(broker.messages()) == sorted(
        [
            ("school.tasks.roster_import_run_task", [roster.pk]),
            ("reviews.tasks.reminders_send_task", [reminder.pk]),
            ("mentoring.tasks.prep_sheets_batch_task", [sheets.pk]),
        ]
    )
    for job in (roster, reminder, sheets):
        job.refresh_from_db()
        assert (job.status, job.error) == ("pending", "")
    assert jobs_resend_unsent_task() == 0
    assert broker.messages() == []
    assert RosterImport.objects.get(pk=sent_already.pk).error == ""
    assert RosterImport.objects.get(pk=failed.pk).error == "boom"


def test_a_job_resent_by_someone_else_a_moment_ago_is_not_sent_again(world, broker):
    """The page's poll and the beat task at the same moment: the mark comes off once, so one message goes."""
    job = RosterImport.objects.create(school=world.school, status="pending", error=QUEUE_UNAVAILABLE)
    seen_by_the_page = RosterImport.objects.get(pk=job.pk)
    assert jobs_resend_unsent_task() == 1

    jobs.job_resend(seen_by_the_page, roster_import_run_task)  # it still thinks the job is unsent

    assert broker.messages() == [(RUN, [job.pk])]


def test_the_beat_task_runs_the_waiting_jobs_in_process_when_tasks_are_eager(world, private_media):
    """The test settings' eager path: resending an unsent job runs it."""
    job = RosterImport.objects.create(
        school=world.school, started_by=world.admin, status="pending", error=QUEUE_UNAVAILABLE, upload_path=""
    )

    assert jobs_resend_unsent_task() == 1

    job.refresh_from_db()
    assert job.status == RosterImport.Status.FAILED  # it ran: its upload is gone (none here), said clearly
    assert job.error == ""


def test_the_beat_task_is_scheduled(settings):
    entries = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == jobs_resend_unsent_task.name
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"] <= 300  # a job asked for while Redis was down waits minutes at most
