"""The e-mail notices (a question to a teacher, a decision to the mentors) have no job row: with the broker
(Redis) down the question or decision is kept and the request answers; the lost notice is logged, never raised.

The broker is real kombu (tests/school/brokers.py): down is a port nobody listens on, up the in-memory transport.
"""

import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring.models import AgendaItem, Decision, Question
from mentoring.services import meetings
from mentoring.services import questions as services
from tests.school.brokers import a_broker


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


def test_a_question_asked_while_the_broker_is_down_is_kept_and_the_lost_notice_logged(
    world, a_cycle_in_speed_date, broker, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    broker.down()

    with caplog.at_level(logging.WARNING, logger="school.jobs"), django_capture_on_commit_callbacks(execute=True):
        question = ask(world, a_cycle_in_speed_date)

    assert Question.objects.filter(pk=question.pk, status=Question.Status.OPEN).exists()
    assert mailoutbox == []
    [record] = [r for r in caplog.records if r.name == "school.jobs"]
    assert record.levelno == logging.WARNING
    assert "mentoring.tasks.question_notice_task" in record.getMessage()
    assert "not sent, the broker is unavailable" in record.getMessage()


def test_the_question_page_answers_while_the_broker_is_down(
    client, world, a_cycle_in_speed_date, broker, django_capture_on_commit_callbacks
):
    """Through the view: the mentor's POST ends as usual (a redirect), not in an error page."""
    broker.down()
    client.force_login(world.mentor)
    url = reverse("mentoring:question_ask", args=[a_cycle_in_speed_date.pk, world.student.pk, world.teaching_group.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": "Wat helpt Sam het meest bij woordjes leren?"})

    assert response.status_code == 302
    assert Question.objects.filter(student=world.student).count() == 1


def test_with_the_broker_up_the_notice_goes_as_one_message(
    world, a_cycle_in_speed_date, broker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(world, a_cycle_in_speed_date)

    sent = broker.messages()
    assert sent == [("mentoring.tasks.question_notice_task", [question.pk])]
    broker.deliver(sent)
    assert [mail.to for mail in mailoutbox] == [[world.teacher.email]]


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


def test_a_decision_recorded_while_the_broker_is_down_is_kept_and_the_lost_notice_logged(
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
    assert any("mentoring.tasks.decision_notice_task" in r.getMessage() for r in caplog.records)

    broker.up()  # a decision recorded now is told as usual
    assert broker.messages() == []
