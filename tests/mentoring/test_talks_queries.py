"""The talk pages cost a fixed number of queries, whatever the number of students, times, goals or agreements."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Agreement, Goal, MentorTalk, Reflection, TalkSlot
from mentoring.selectors import talks as selectors
from tests.factories import StudentFactory

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def future(minutes: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=7)
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=AMSTERDAM) + datetime.timedelta(minutes=minutes)


def grow_class(world, cycle, previous, count: int) -> None:
    """`count` more students in 4H1, each with a booked time, a submitted reflection and an open agreement."""
    start = TalkSlot.objects.count()
    for number in range(count):
        student = StudentFactory(school=world.school, class_group=world.class_group)
        starts = future(15 * (start + number))
        slot = TalkSlot.objects.create(
            cycle=cycle,
            mentor=world.mentor.staff,
            class_group=world.class_group,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=15),
        )
        MentorTalk.objects.create(cycle=cycle, student=student, slot=slot, booked_by=world.guardian)
        Reflection.objects.create(cycle=cycle, student=student, status="submitted", submitted_at=timezone.now())
        earlier = MentorTalk.objects.create(cycle=previous, student=student)
        Agreement.objects.create(
            student=student, talk=earlier, text="Planner bijhouden", owner="student", due_on=timezone.localdate()
        )


def grow_free_slots(world, cycle, count: int) -> None:
    start = TalkSlot.objects.count()
    for number in range(count):
        starts = future(15 * (start + number))
        TalkSlot.objects.create(
            cycle=cycle,
            mentor=world.mentor.staff,
            class_group=world.class_group,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=15),
        )


def grow_talk(world, talk, previous, count: int) -> None:
    """`count` more open agreements from last round and agreements made in this talk."""
    earlier, _created = MentorTalk.objects.get_or_create(cycle=previous, student=world.student)
    for number in range(count):
        Agreement.objects.create(
            student=world.student, talk=earlier, text=f"Eerder {number}", owner="student", due_on=timezone.localdate()
        )
        Agreement.objects.create(
            student=world.student, talk=talk, text=f"Nu {number}", owner="mentor", due_on=timezone.localdate()
        )


def queries(client, url: str, **headers) -> int:
    client.get(url, **headers)  # warm up: sessions and the like
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured)


def test_talk_list_selector_is_five_queries(world, a_previous_cycle, a_published_cycle, django_assert_num_queries):
    grow_class(world, a_published_cycle, a_previous_cycle, 2)
    with django_assert_num_queries(5):
        small = selectors.talk_list(cycle=a_published_cycle, class_group=world.class_group)
    grow_class(world, a_published_cycle, a_previous_cycle, 6)
    with django_assert_num_queries(5):
        large = selectors.talk_list(cycle=a_published_cycle, class_group=world.class_group)
    assert (len(small.rows), len(large.rows)) == (3, 9)  # with world.student
    assert large.booked_count == 8
    assert large.submitted_count == 8
    assert sum(row.open_agreements for row in large.rows) == 8


def test_talks_page_3_vs_9_students(client, world, a_previous_cycle, a_published_cycle, django_assert_num_queries):
    grow_class(world, a_published_cycle, a_previous_cycle, 2)
    client.force_login(world.mentor)
    url = reverse("mentoring:talks", args=[a_published_cycle.pk, world.class_group.pk])
    small = queries(client, url)

    grow_class(world, a_published_cycle, a_previous_cycle, 6)
    grow_free_slots(world, a_published_cycle, 4)

    with django_assert_num_queries(small):
        response = client.get(url)
    html = response.content.decode()
    assert html.count('<tr id="student-') == 9
    assert html.count(reverse("mentoring:slot_delete", args=[TalkSlot.objects.last().pk])) == 1


def test_booking_page_2_vs_8_free_times(client, world, a_published_cycle, django_assert_num_queries):
    grow_free_slots(world, a_published_cycle, 2)
    url = reverse("mentoring:talk_book", args=[a_published_cycle.pk, world.student.pk])
    for who in ("guardian", "mentor"):
        client.force_login(getattr(world, who))
        small = queries(client, url)
        fragment = queries(client, url, HTTP_HX_REQUEST="true")
        grow_free_slots(world, a_published_cycle, 3)

        with django_assert_num_queries(small):
            response = client.get(url)
        with django_assert_num_queries(fragment):
            client.get(url, HTTP_HX_REQUEST="true")
        assert response.content.decode().count('name="slot"') == TalkSlot.objects.count()


@pytest.mark.parametrize("who", ["mentor", "team_leader"])
def test_talk_page_1_vs_5_agreements_and_goals(
    client, world, a_previous_cycle, a_published_cycle, a_reflection, who, django_assert_num_queries
):
    a_reflection.status, a_reflection.submitted_at = "submitted", timezone.now()
    a_reflection.save()
    talk = MentorTalk.objects.create(cycle=a_published_cycle, student=world.student)
    grow_talk(world, talk, a_previous_cycle, 1)
    client.force_login(getattr(world, who))
    url = reverse("mentoring:talk", args=[talk.pk])
    small = queries(client, url)

    grow_talk(world, talk, a_previous_cycle, 4)
    Goal.objects.create(reflection=a_reflection, position=2, goal="Op tijd komen")
    Goal.objects.create(reflection=a_reflection, position=3, goal="Huiswerk plannen")

    with django_assert_num_queries(small):
        response = client.get(url)
    html = response.content.decode()
    assert html.count("Eerder ") == 5
    assert html.count("Nu ") == 5
    assert html.count('class="goal-list__item"') == 3


def test_talk_page_selector_is_four_queries(world, a_previous_cycle, a_published_cycle, a_reflection):
    talk = MentorTalk.objects.create(cycle=a_published_cycle, student=world.student)
    grow_talk(world, talk, a_previous_cycle, 3)
    talk = MentorTalk.objects.select_related("cycle", "student").get(pk=talk.pk)

    with CaptureQueriesContext(connection) as captured:
        page = selectors.talk_page(talk=talk)
        for agreement in page.earlier:
            str(agreement.talk.cycle if agreement.talk_id else "")
    assert len(captured) == 4  # earlier agreements, reflection, its goals, this talk's agreements
    assert len(page.open_earlier) == 3


def test_open_agreements_by_student_is_one_query(
    world, a_previous_cycle, a_published_cycle, django_assert_num_queries
):
    grow_class(world, a_published_cycle, a_previous_cycle, 4)
    ids = list(world.class_group.students.values_list("pk", flat=True))

    with django_assert_num_queries(1):
        counts = selectors.open_agreements_by_student(a_published_cycle, ids)
    assert sorted(counts.values()) == [1, 1, 1, 1]
