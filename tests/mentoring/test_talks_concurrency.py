"""No double booking under concurrent clicks: two bookings of one time at the same moment, each in its own
thread with its own database connection, as two web processes would. On PostgreSQL (CI) the second waits
for the slot's row lock and then finds the time taken; on SQLite the write transactions are serialised
(BEGIN IMMEDIATE) and the second fails just as cleanly. Either way exactly one booking wins."""

import datetime
import threading
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from mentoring.models import MentorTalk, TalkSlot
from mentoring.services import talks as services
from tests.factories import GuardianFactory, StudentFactory

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
HOLD_SECONDS = 0.2  # how long a booking keeps its transaction open, so that the other one surely overlaps it


def slot_at(world, cycle, hour: int, minute: int = 0) -> TalkSlot:
    day = timezone.localdate() + datetime.timedelta(days=7)
    start = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=AMSTERDAM)
    return TalkSlot.objects.create(
        cycle=cycle,
        mentor=world.mentor.staff,
        class_group=world.class_group,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=15),
    )


@pytest.fixture
def slow_bookings(monkeypatch):
    """Each booking holds its transaction (and the locks it took) a moment before it writes."""
    save = MentorTalk.save

    def slow_save(self, *args, **kwargs):
        threading.Event().wait(HOLD_SECONDS)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(MentorTalk, "save", slow_save)


def at_once(*bookings) -> list:
    """Run each booking (a function) in its own thread, started together; their results or ValidationErrors."""
    barrier = threading.Barrier(len(bookings))
    results: list = [None] * len(bookings)

    def run(index, booking):
        try:
            barrier.wait(timeout=10)
            results[index] = booking()
        except Exception as error:  # a ValidationError, or a bug the assertions then report
            results[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(index, booking)) for index, booking in enumerate(bookings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_two_guardians_clicking_the_same_time_at_once_book_it_once(
    transactional_db, world, a_published_cycle, slow_bookings
):
    slot = slot_at(world, a_published_cycle, 16)
    classmate = StudentFactory(school=world.school, class_group=world.class_group)
    classmate_guardian = GuardianFactory(school=world.school, students=[classmate]).user

    def book(student, guardian):
        return lambda: services.talk_book(cycle=a_published_cycle, student=student, slot=slot, actor=guardian)

    results = at_once(book(world.student, world.guardian), book(classmate, classmate_guardian))

    booked = [result for result in results if isinstance(result, MentorTalk)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(booked) == 1, results
    assert len(refused) == 1, results
    assert refused[0].error_dict["slot"][0].code == "taken"
    assert MentorTalk.objects.filter(slot=slot).count() == 1
    winner = MentorTalk.objects.get(slot=slot)
    assert winner.student_id == booked[0].student_id
    # The loser wrote nothing: no talk without a time was left behind.
    assert MentorTalk.objects.count() == 1


def test_two_guardians_of_one_student_choosing_at_once_leave_one_talk(
    transactional_db, world, a_published_cycle, slow_bookings
):
    first, second = slot_at(world, a_published_cycle, 16), slot_at(world, a_published_cycle, 16, 15)
    second_guardian = GuardianFactory(school=world.school, students=[world.student]).user

    def book(slot, guardian):
        return lambda: services.talk_book(cycle=a_published_cycle, student=world.student, slot=slot, actor=guardian)

    results = at_once(book(first, world.guardian), book(second, second_guardian))

    assert all(isinstance(result, MentorTalk) for result in results), results
    talk = MentorTalk.objects.get()  # one talk per student per round
    assert talk.slot_id in (first.pk, second.pk)
