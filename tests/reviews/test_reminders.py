"""A reminder to the teachers behind: a job row, a Celery task after commit, one Dutch e-mail each."""

import pytest
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.urls import reverse

from reviews import services, tasks
from reviews.models import Entry, Light, Phase, ReminderJob, ReviewCycle


@pytest.fixture
def teacher_done(world, a_cycle_in_entry_phase):
    """world.teacher has finished; world.other_teacher has not begun."""
    return Entry.objects.create(
        cycle=a_cycle_in_entry_phase,
        teaching_group=world.teaching_group,
        student=world.student,
        grade="7.5",
        light=Light.GREEN,
    )


def remind(client, cycle):
    return client.post(reverse("reviews:cycle_remind", args=[cycle.pk]))


def test_the_task_is_queued_after_commit_and_mails_only_the_teachers_behind(
    client, world, a_cycle_in_entry_phase, teacher_done, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.team_leader)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = remind(client, a_cycle_in_entry_phase)

    assert response.status_code == 302
    assert response.url.endswith("#reminders")
    assert len(callbacks) == 1
    job = ReminderJob.objects.get()
    assert (job.status, job.total, job.sent) == (ReminderJob.Status.DONE, 1, 1)
    assert job.requested_by == world.team_leader
    assert [mail.to for mail in mailoutbox] == [[world.other_teacher.email]]


def test_the_mail_is_dutch_and_lists_the_open_groups_deadline_and_links(
    client, world, a_cycle_in_entry_phase, teacher_done, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.team_leader)

    with django_capture_on_commit_callbacks(execute=True):
        remind(client, a_cycle_in_entry_phase)

    [mail] = mailoutbox
    cycle = a_cycle_in_entry_phase
    group = cycle.school.teaching_groups.get(name="5V-ne1")
    assert mail.subject == "Herinnering: stoplichten voor Leerlingbespreking periode 1 uiterlijk 27 november"
    assert mail.body.startswith(f"Hallo {world.other_teacher.first_name},")
    assert "De deadline is vrijdag 27 november 2026." in mail.body
    assert "5V-ne1 (Nederlands): 1 van 1 leerlingen nog open" in mail.body
    assert f"http://testserver/cycles/{cycle.pk}/groups/{group.pk}/" in mail.body
    assert f"http://testserver/cycles/{cycle.pk}/" in mail.body
    assert "4H-ne1" not in mail.body  # not theirs, and complete
    assert "&" not in mail.body  # plain text, not HTML-escaped
    assert mail.reply_to == [world.team_leader.email]


def test_each_teacher_reads_it_in_their_own_language(
    client, world, a_cycle_in_entry_phase, mailoutbox, django_capture_on_commit_callbacks
):
    world.other_teacher.language = "en"
    world.other_teacher.save()
    client.force_login(world.team_leader)

    with django_capture_on_commit_callbacks(execute=True):
        remind(client, a_cycle_in_entry_phase)

    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert mails[world.other_teacher.email].subject.startswith("Reminder: traffic lights for")
    assert "The deadline is Friday 27 November 2026." in mails[world.other_teacher.email].body
    assert mails[world.teacher.email].subject.startswith("Herinnering:")


def test_a_message_delivered_twice_sends_once(world, a_cycle_in_entry_phase, mailoutbox):
    job = services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)
    assert job.status == ReminderJob.Status.PENDING  # the on-commit dispatch does not run in a test transaction

    tasks.reminders_send_task(job.pk)
    tasks.reminders_send_task(job.pk)

    assert len(mailoutbox) == 2  # two teachers behind, one e-mail each
    job.refresh_from_db()
    assert (job.status, job.sent, job.total) == (ReminderJob.Status.DONE, 2, 2)
    assert job.started_at is not None
    assert job.finished_at is not None


def test_a_running_job_is_not_claimed_again(world, a_cycle_in_entry_phase, mailoutbox):
    job = services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)
    assert services.reminder_job_claim(job_id=job.pk) is not None

    tasks.reminders_send_task(job.pk)  # a redelivery while the first worker still sends

    assert mailoutbox == []


def test_one_reminder_at_a_time_per_round(client, world, a_cycle_in_entry_phase):
    services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)

    with pytest.raises(ValidationError) as error:
        services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.other_team_leader)

    assert error.value.code == "busy"
    client.force_login(world.team_leader)
    response = remind(client, a_cycle_in_entry_phase)
    assert "Wacht tot dat klaar is" in client.get(response.url).content.decode()
    assert ReminderJob.objects.count() == 1


def test_nobody_behind_nobody_reminded(client, world, a_cycle_in_entry_phase, teacher_done, mailoutbox):
    Entry.objects.create(
        cycle=a_cycle_in_entry_phase,
        teaching_group=world.other_student.teaching_groups.get(),
        student=world.other_student,
        light=Light.ORANGE,
        advice="Maak elke week een oefentoets.",
    )
    client.force_login(world.team_leader)

    detail = client.get(reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk])).content.decode()
    response = remind(client, a_cycle_in_entry_phase)

    assert "niemand heeft een herinnering nodig" in detail
    assert "er is niemand om te herinneren" in client.get(response.url).content.decode()
    assert not ReminderJob.objects.exists()
    assert mailoutbox == []


def test_reminders_belong_to_the_entry_phase(world, a_cycle_in_entry_phase):
    ReviewCycle.objects.filter(pk=a_cycle_in_entry_phase.pk).update(phase=Phase.SPEED_DATE)
    a_cycle_in_entry_phase.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)

    assert error.value.code == "phase"


def test_teachers_without_an_address_or_inactive_are_left_out(world, a_cycle_in_entry_phase):
    world.other_teacher.email = ""
    world.other_teacher.save()

    job = services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)

    assert job.total == 1


def test_a_failing_mail_server_fails_the_job_with_what_was_sent(world, a_cycle_in_entry_phase, monkeypatch):
    sent = []

    def send_once_then_fail(message, fail_silently=False):
        if sent:
            raise ConnectionRefusedError("no mail server")
        sent.append(message)
        return 1

    monkeypatch.setattr(EmailMessage, "send", send_once_then_fail)
    job = services.reminder_job_create(cycle=a_cycle_in_entry_phase, actor=world.team_leader)

    tasks.reminders_send_task(job.pk)

    job.refresh_from_db()
    assert (job.status, job.sent, job.total) == (ReminderJob.Status.FAILED, 1, 2)


class TestProgressPolling:
    def status(self, client, cycle, job, **headers):
        return client.get(reverse("reviews:reminder_status", args=[cycle.pk, job.pk]), **headers)

    def test_a_running_job_polls_every_two_seconds(self, client, world, a_cycle_in_entry_phase):
        job = ReminderJob.objects.create(
            cycle=a_cycle_in_entry_phase, status=ReminderJob.Status.RUNNING, total=5, sent=2
        )
        client.force_login(world.team_leader)

        response = self.status(client, a_cycle_in_entry_phase, job, headers={"HX-Request": "true"})

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div id="reminder-status"')
        assert 'hx-trigger="every 2s"' in html
        assert "2 van 5" in html
        assert "<html" not in html

    def test_a_finished_job_stops_polling(self, client, world, a_cycle_in_entry_phase):
        job = ReminderJob.objects.create(cycle=a_cycle_in_entry_phase, status=ReminderJob.Status.DONE, total=2, sent=2)
        client.force_login(world.team_leader)

        html = self.status(client, a_cycle_in_entry_phase, job, headers={"HX-Request": "true"}).content.decode()

        assert "hx-trigger" not in html
        assert "verstuurd" in html

    def test_without_htmx_it_is_a_page_that_refreshes_itself(self, client, world, a_cycle_in_entry_phase):
        job = ReminderJob.objects.create(cycle=a_cycle_in_entry_phase, total=2)
        client.force_login(world.team_leader)

        html = self.status(client, a_cycle_in_entry_phase, job).content.decode()

        assert "<html" in html
        assert 'http-equiv="refresh"' in html

    def test_the_cycle_page_shows_the_latest_job(self, client, world, a_cycle_in_entry_phase):
        job = ReminderJob.objects.create(cycle=a_cycle_in_entry_phase, total=2)
        client.force_login(world.team_leader)

        html = client.get(reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk])).content.decode()

        assert reverse("reviews:reminder_status", args=[a_cycle_in_entry_phase.pk, job.pk]) in html
        assert 'hx-trigger="every 2s"' in html
