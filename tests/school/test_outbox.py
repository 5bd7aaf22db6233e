"""The outbox (school.models.UnsentTask): a task without a job row (an e-mail notice) whose message the broker
refused waits as a row of primary keys, and the beat task sends it once the broker is back, once.

The broker is real kombu (tests/school/brokers.py): down is a port nobody listens on, up the in-memory transport.
The notices themselves (a question asked, a decision recorded while Redis is down) are in
tests/mentoring/test_notices_broker_down.py.
"""

import logging
import threading

import pytest
from django.db import connection, transaction

from mentoring.tasks import decision_notice_task, question_notice_task
from school import jobs
from school.jobs import QUEUE_UNAVAILABLE
from school.models import RosterImport, UnsentTask
from school.tasks import jobs_resend_unsent_task

from .brokers import a_broker

QUESTION_NOTICE = "mentoring.tasks.question_notice_task"
DECISION_NOTICE = "mentoring.tasks.decision_notice_task"


@pytest.fixture
def broker():
    with a_broker() as broker:
        yield broker


def outbox() -> list[tuple[str, list, int]]:
    return list(UnsentTask.objects.values_list("task_name", "args", "attempts"))


def test_a_refused_task_waits_in_the_outbox_with_its_keys_only(db, broker, django_capture_on_commit_callbacks):
    broker.down()

    with django_capture_on_commit_callbacks(execute=True):
        jobs.task_enqueue(question_notice_task, 41)
        jobs.task_enqueue(decision_notice_task, 7)

    assert outbox() == [(QUESTION_NOTICE, [41], 0), (DECISION_NOTICE, [7], 0)]
    assert UnsentTask.objects.first().created_at is not None


def test_a_task_the_broker_takes_leaves_nothing_in_the_outbox(db, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        jobs.task_enqueue(question_notice_task, 41)

    assert broker.messages() == [(QUESTION_NOTICE, [41])]
    assert outbox() == []


def test_nothing_is_sent_or_kept_before_the_transaction_commits(db, broker, django_capture_on_commit_callbacks):
    broker.down()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs.task_enqueue(question_notice_task, 41)

    assert len(callbacks) == 1
    assert outbox() == []


@pytest.mark.parametrize("args", [("Sam de Vries",), (4.5,), (None,), ([1, 2],), (True,)])
def test_only_primary_keys_go_in_a_task_without_a_job_row(db, args, django_capture_on_commit_callbacks):
    """Personal data never reaches the outbox (nor the broker): the caller's bug is said at once."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(TypeError, match="primary keys"):
        jobs.task_enqueue(question_notice_task, *args)

    assert callbacks == []
    assert outbox() == []


def test_the_beat_task_sends_the_outbox_in_order_once_and_deletes_what_the_broker_took(db, broker):
    UnsentTask.objects.create(task_name=QUESTION_NOTICE, args=[41])
    UnsentTask.objects.create(task_name=DECISION_NOTICE, args=[7])
    UnsentTask.objects.create(task_name=QUESTION_NOTICE, args=[42])

    assert jobs_resend_unsent_task() == 3

    assert broker.messages() == [(QUESTION_NOTICE, [41]), (DECISION_NOTICE, [7]), (QUESTION_NOTICE, [42])]
    assert outbox() == []
    assert jobs_resend_unsent_task() == 0
    assert broker.messages() == []


def test_while_the_broker_is_still_down_the_round_stops_at_the_first_refusal_and_keeps_every_row(db, broker):
    UnsentTask.objects.create(task_name=QUESTION_NOTICE, args=[41])
    UnsentTask.objects.create(task_name=DECISION_NOTICE, args=[7])
    broker.down()

    assert jobs_resend_unsent_task() == 0
    assert jobs_resend_unsent_task() == 0

    assert outbox() == [(QUESTION_NOTICE, [41], 2), (DECISION_NOTICE, [7], 0)]  # the first refused, twice
    broker.up()
    assert jobs_resend_unsent_task() == 2
    assert broker.messages() == [(QUESTION_NOTICE, [41]), (DECISION_NOTICE, [7])]


def test_the_jobs_go_first_and_the_outbox_after_them_in_the_same_round(world, broker):
    roster = RosterImport.objects.create(school=world.school, status="pending", error=QUEUE_UNAVAILABLE)
    UnsentTask.objects.create(task_name=QUESTION_NOTICE, args=[41])

    assert jobs_resend_unsent_task() == 2

    assert broker.messages() == [("school.tasks.roster_import_run_task", [roster.pk]), (QUESTION_NOTICE, [41])]
    assert outbox() == []


def test_a_row_whose_task_no_longer_exists_is_logged_and_dropped_and_the_others_still_go(db, broker, caplog):
    UnsentTask.objects.create(task_name="mentoring.tasks.gone_notice_task", args=[3])
    UnsentTask.objects.create(task_name="nowhere.at_all", args=[4])
    UnsentTask.objects.create(task_name=QUESTION_NOTICE, args=[41])

    with caplog.at_level(logging.ERROR, logger="school.jobs"):
        assert jobs_resend_unsent_task() == 1

    assert broker.messages() == [(QUESTION_NOTICE, [41])]
    assert outbox() == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "Unsent task mentoring.tasks.gone_notice_task[3] is dropped: no such task (any more)",
        "Unsent task nowhere.at_all[4] is dropped: no such task (any more)",
    ]


def test_the_beat_task_runs_the_outbox_in_process_when_tasks_are_eager(db, mailoutbox):
    """The test settings' eager path: sending a waiting notice runs it (here: its question is gone, no mail)."""
    UnsentTask.objects.create(task_name=QUESTION_NOTICE, args=[999_999])

    assert jobs_resend_unsent_task() == 1

    assert outbox() == []
    assert mailoutbox == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks (skip_locked) need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_row_another_round_is_sending_is_passed_by_not_sent_twice(broker):
    """Two beat rounds at once (a slow one overlapping the next): the row one of them holds is the other's to send."""
    row = UnsentTask.objects.create(task_name=QUESTION_NOTICE, args=[41])
    locked, release = threading.Event(), threading.Event()

    def the_other_round() -> None:
        try:
            with transaction.atomic():
                UnsentTask.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=the_other_round)
    other.start()
    try:
        assert locked.wait(timeout=30)
        assert jobs_resend_unsent_task() == 0  # not waiting for the lock: passed by
        assert broker.messages() == []
    finally:
        release.set()
        other.join(timeout=30)
    assert jobs_resend_unsent_task() == 1  # released without being sent: this round sends it
    assert broker.messages() == [(QUESTION_NOTICE, [41])]
