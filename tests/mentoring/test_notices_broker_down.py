"""The e-mail notices (a question to a teacher, a decision to the mentors) have no job row: with the broker
(Redis) down the question or decision is kept, the request answers, and the refused notice waits in the outbox
(school.models.UnsentTask) until the beat task sends it, once, when the broker is back.

The broker is real kombu (tests/school/brokers.py): down is a port nobody listens on, up the in-memory transport.
"""

import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring.models import AgendaItem, Decision, Question
from mentoring.services import meetings
from mentoring.services import questions as services
from school.models import UnsentTask
from school.tasks import jobs_resend_unsent_task
from tests.school.brokers import a_broker

QUESTION_NOTICE = "mentoring.tasks.question_notice_task"
DECISION_NOTICE = "mentoring.tasks.decision_notice_task"


@pytest.fixture
def broker():
    with a_broker() as broker:
        yield broker


def ask(world, cycle):
    return services.question_ask(
        cycle=cycle,
        student=world.student,
        teaching_group=world.teaching_group,
        actor=world.mentor,
        text="Wat helpt Sam het meest bij woordjes leren?",
    )


def outbox() -> list[tuple[str, list]]:
    return list(UnsentTask.objects.values_list("task_name", "args"))


def test_a_question_asked_while_the_broker_is_down_is_kept_and_its_notice_waits_in_the_outbox(
    world, a_cycle_in_speed_date, broker, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    broker.down()

    with caplog.at_level(logging.WARNING, logger="school.jobs"), django_capture_on_commit_callbacks(execute=True):
        question = ask(world, a_cycle_in_speed_date)

    assert Question.objects.filter(pk=question.pk, status=Question.Status.OPEN).exists()
    assert mailoutbox == []
    assert outbox() == [(QUESTION_NOTICE, [question.pk])]  # the question's key only: no name, no text
    [record] = [r for r in caplog.records if r.name == "school.jobs"]
    assert record.levelno == logging.WARNING
    assert QUESTION_NOTICE in record.getMessage()
    assert "not sent, the broker is unavailable" in record.getMessage()


def test_the_question_page_answers_while_the_broker_is_down(
    client, world, a_cycle_in_speed_date, broker, django_capture_on_commit_callbacks
):
    """Through the view: the mentor's POST ends as usual (a redirect), not in an error page; the notice waits."""
    broker.down()
    client.force_login(world.mentor)
    url = reverse("mentoring:question_ask", args=[a_cycle_in_speed_date.pk, world.student.pk, world.teaching_group.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": "Wat helpt Sam het meest bij woordjes leren?"})

    assert response.status_code == 302
    question = Question.objects.get(student=world.student)
    assert outbox() == [(QUESTION_NOTICE, [question.pk])]


def test_the_beat_task_sends_the_waiting_notice_once_the_broker_is_back_and_the_teacher_gets_one_mail(
    world, a_cycle_in_speed_date, broker, mailoutbox, django_capture_on_commit_callbacks
):
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(world, a_cycle_in_speed_date)

    assert jobs_resend_unsent_task() == 0  # still down: the notice keeps waiting, one attempt more
    [row] = UnsentTask.objects.all()
    assert (row.task_name, row.args, row.attempts) == (QUESTION_NOTICE, [question.pk], 1)
    assert jobs_resend_unsent_task() == 0
    assert UnsentTask.objects.get().attempts == 2

    broker.up()
    assert jobs_resend_unsent_task() == 1
    assert outbox() == []  # the broker took it: the row is gone
    sent = broker.messages()
    assert sent == [(QUESTION_NOTICE, [question.pk])]
    assert jobs_resend_unsent_task() == 0  # the next round sends nothing more
    assert broker.messages() == []

    broker.deliver(sent)  # the worker
    assert [mail.to for mail in mailoutbox] == [[world.teacher.email]]


def test_with_the_broker_up_the_notice_goes_as_one_message_and_nothing_waits(
    world, a_cycle_in_speed_date, broker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(world, a_cycle_in_speed_date)

    sent = broker.messages()
    assert sent == [(QUESTION_NOTICE, [question.pk])]
    assert outbox() == []
    broker.deliver(sent)
    assert [mail.to for mail in mailoutbox] == [[world.teacher.email]]


def test_a_question_withdrawn_while_its_notice_waited_sends_no_mail(
    world, a_cycle_in_speed_date, broker, mailoutbox, django_capture_on_commit_callbacks
):
    """The outbox holds the key only: what the worker finds when it runs decides (here: nothing to tell)."""
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(world, a_cycle_in_speed_date)
    Question.objects.filter(pk=question.pk).delete()

    broker.up()
    assert jobs_resend_unsent_task() == 1
    broker.deliver(broker.messages())

    assert mailoutbox == []
    assert outbox() == []


@pytest.fixture
def discussing(world, an_escalation, a_meeting) -> AgendaItem:
    an_escalation.status = an_escalation.Status.ACCEPTED
    an_escalation.save(update_fields=["status"])
    a_meeting.status = a_meeting.Status.RUNNING
    a_meeting.started_at = timezone.now()
    a_meeting.save()
    return AgendaItem.objects.create(
        meeting=a_meeting,
        escalation=an_escalation,
        position=1,
        status=AgendaItem.Status.DISCUSSING,
        opened_at=timezone.now(),
    )


def test_a_decision_recorded_while_the_broker_is_down_is_kept_and_its_notice_sent_once_it_is_back(
    world, discussing, broker, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    broker.down()
    item = AgendaItem.objects.select_related("meeting__cycle", "meeting__department", "escalation__student").get(
        pk=discussing.pk
    )

    with caplog.at_level(logging.WARNING, logger="school.jobs"), django_capture_on_commit_callbacks(execute=True):
        decision = meetings.decision_record(item=item, actor=world.team_leader, text="Blijft", rationale="Waarom")

    assert Decision.objects.filter(pk=decision.pk).exists()
    assert mailoutbox == []
    assert any(DECISION_NOTICE in r.getMessage() for r in caplog.records)
    assert outbox() == [(DECISION_NOTICE, [decision.pk])]

    broker.up()
    assert jobs_resend_unsent_task() == 1
    sent = broker.messages()
    assert sent == [(DECISION_NOTICE, [decision.pk])]
    assert jobs_resend_unsent_task() == 0
    assert broker.messages() == []
    broker.deliver(sent)
    assert [mail.to for mail in mailoutbox] == [[world.mentor.email]]
