"""A reminder asked for while the broker (Redis) is down: the page answers, the cycle page says the reminder
waits, and it goes out once the broker is back (the poll or the beat task sends it), each teacher mailed once.

The broker is real kombu (tests/school/brokers.py): down is a port nobody listens on, up the in-memory transport.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from reviews import services
from reviews.models import ReminderJob
from school.jobs import QUEUE_UNAVAILABLE
from school.tasks import jobs_resend_unsent_task
from tests.school.brokers import a_broker

SEND = "reviews.tasks.reminders_send_task"
UNSENT_TEXT = "Queued — the background service is unavailable right now; the reminder is sent as soon as it is back."


@pytest.fixture
def broker():
    with a_broker() as broker:
        yield broker


@pytest.fixture
def leader(client, world, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages speak Dutch by default
    world.team_leader.language = "en"
    world.team_leader.save(update_fields=["language"])
    client.force_login(world.team_leader)
    with translation.override("en"):
        yield client


def remind(client, cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("reviews:cycle_remind", args=[cycle.pk]))


def poll(client, job):
    url = reverse("reviews:reminder_status", args=[job.cycle_id, job.pk])
    return client.get(url, headers={"HX-Request": "true"})


def test_asking_while_the_broker_is_down_answers_and_the_cycle_page_says_it_waits(
    leader, world, a_cycle_in_entry_phase, broker, mailoutbox, django_capture_on_commit_callbacks
):
    broker.down()

    response = remind(leader, a_cycle_in_entry_phase, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    job = ReminderJob.objects.get()
    assert (job.status, job.error, job.is_unsent) == (ReminderJob.Status.PENDING, QUEUE_UNAVAILABLE, True)
    page = leader.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-job-unsent" in html
    assert UNSENT_TEXT in html
    assert 'hx-trigger="every 2s"' in html  # the page keeps polling: each poll tries again
    assert broker.messages() == []
    assert mailoutbox == []


def test_the_next_poll_once_the_broker_is_back_sends_it_and_each_teacher_is_mailed_once(
    leader, world, a_cycle_in_entry_phase, broker, mailoutbox, django_capture_on_commit_callbacks
):
    broker.down()
    remind(leader, a_cycle_in_entry_phase, django_capture_on_commit_callbacks)
    job = ReminderJob.objects.get()
    still_down = poll(leader, job)
    assert still_down.status_code == 200
    assert UNSENT_TEXT in still_down.content.decode()

    broker.up()
    response = poll(leader, job)

    assert response.status_code == 200
    assert "data-job-unsent" not in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.error) == (ReminderJob.Status.PENDING, "")
    sent = broker.messages()
    assert sent == [(SEND, [job.pk])]
    poll(leader, job)
    assert broker.messages() == []  # sent: the next poll sends nothing more

    broker.deliver(sent + sent)  # delivered twice: the claim lets one delivery send
    job.refresh_from_db()
    assert (job.status, job.sent, job.total) == (ReminderJob.Status.DONE, 2, 2)
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([world.teacher.email, world.other_teacher.email])


def test_nobody_looking_the_beat_task_sends_it_once_the_broker_is_back(
    leader, world, a_cycle_in_entry_phase, broker, mailoutbox, django_capture_on_commit_callbacks
):
    broker.down()
    remind(leader, a_cycle_in_entry_phase, django_capture_on_commit_callbacks)
    assert jobs_resend_unsent_task() == 0  # still down

    broker.up()
    assert jobs_resend_unsent_task() == 1
    assert jobs_resend_unsent_task() == 0

    job = ReminderJob.objects.get()
    sent = broker.messages()
    assert sent == [(SEND, [job.pk])]
    broker.deliver(sent)
    job.refresh_from_db()
    assert job.status == ReminderJob.Status.DONE
    assert len(mailoutbox) == 2


def test_asking_again_sends_the_waiting_reminder_instead_of_refusing(
    world, a_cycle_in_entry_phase, broker, django_capture_on_commit_callbacks
):
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)
    assert ReminderJob.objects.get().is_unsent

    again = services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)  # still down
    assert again.pk == first.pk
    assert again.is_unsent

    broker.up()
    again = services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)
    assert (again.pk, again.is_unsent) == (first.pk, False)
    assert ReminderJob.objects.count() == 1
    assert broker.messages() == [(SEND, [first.pk])]


def test_a_reminder_whose_message_is_out_is_still_one_at_a_time(
    world, a_cycle_in_entry_phase, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)
    assert len(broker.messages()) == 1

    with pytest.raises(ValidationError) as error:
        services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)

    assert error.value.code == "busy"
    assert broker.messages() == []
