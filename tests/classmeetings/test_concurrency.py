"""Two chairs grant the floor at the same moment, each in its own thread with its own connection, as two web
processes would. On PostgreSQL the second waits for the item's row lock and then ends the first speaker; on
SQLite the write transactions are serialised. Either way there is exactly one speaker afterwards."""

import threading

import pytest
from django.db import connection

from classmeetings.models import FloorRequest
from classmeetings.services import meeting_mode

HOLD_SECONDS = 0.2


@pytest.fixture
def slow_grants(monkeypatch):
    """Each grant holds its transaction (and its locks) a moment before it writes."""
    save = FloorRequest.save

    def slow_save(self, *args, **kwargs):
        if self.status == FloorRequest.Status.GRANTED:
            threading.Event().wait(HOLD_SECONDS)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(FloorRequest, "save", slow_save)


def at_once(*actions) -> list:
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as error:  # a ValidationError, or a bug the assertions then report
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_two_chairs_granting_at_once_leave_one_speaker(
    transactional_db, world, an_open_item, representative, slow_grants
):
    first = meeting_mode.floor_request(item=an_open_item, actor=world.student_user)
    second = meeting_mode.floor_request(item=an_open_item, actor=world.teacher)

    results = at_once(
        lambda: meeting_mode.floor_grant(request=FloorRequest.objects.get(pk=first.pk), actor=world.mentor),
        lambda: meeting_mode.floor_grant(request=FloorRequest.objects.get(pk=second.pk), actor=representative),
    )

    assert all(isinstance(result, FloorRequest) for result in results), results
    speakers = list(FloorRequest.objects.filter(item=an_open_item, status=FloorRequest.Status.GRANTED))
    assert len(speakers) == 1
    # The other was granted first and ended by the later grant: done, not lost.
    assert set(FloorRequest.objects.values_list("status", flat=True)) == {"granted", "done"}
