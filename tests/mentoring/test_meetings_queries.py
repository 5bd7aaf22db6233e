"""The meeting pages cost a fixed number of queries, whatever the number of items, students, staff or votes."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import AgendaItem, Category, DepartmentMeeting, Escalation, MentorReview, Vote
from reviews.models import Entry, Light
from tests.factories import StaffFactory, StudentFactory, SubjectFactory, TeachingGroupFactory


def grow_agenda(world, meeting: DepartmentMeeting, count: int) -> None:
    """`count` more students of the department, each escalated and on the agenda, each with a teacher."""
    cycle = meeting.cycle
    start = meeting.items.count()
    for number in range(count):
        student = StudentFactory(school=world.school, class_group=world.class_group)
        TeachingGroupFactory(
            school=world.school,
            school_year=world.class_group.school_year,
            subject=world.teaching_group.subject,
            teachers=[StaffFactory(school=world.school)],
            students=[student],
        )
        MentorReview.objects.create(cycle=cycle, student=student, verdict="needs_attention")
        escalation = Escalation.objects.create(
            cycle=cycle,
            student=student,
            department=world.department,
            category=Category.PROMOTION if number % 2 else Category.CARE,
            question="Kan deze leerling door naar vwo 5?",
            status=Escalation.Status.ACCEPTED,
            raised_by=world.mentor,
        )
        AgendaItem.objects.create(meeting=meeting, escalation=escalation, position=start + number + 1)


def grow_evidence(world, cycle, count: int) -> None:
    """`count` more subjects with an entry for world.student."""
    for _ in range(count):
        group = TeachingGroupFactory(
            school=world.school,
            school_year=world.class_group.school_year,
            subject=SubjectFactory(school=world.school),
            teachers=[world.teacher.staff],
            students=[world.student],
        )
        Entry.objects.create(
            cycle=cycle, teaching_group=group, student=world.student, light=Light.ORANGE, grade=Decimal("5.5")
        )


@pytest.fixture
def meeting(world, an_escalation, a_meeting) -> DepartmentMeeting:
    an_escalation.status = Escalation.Status.ACCEPTED
    an_escalation.save()
    AgendaItem.objects.create(meeting=a_meeting, escalation=an_escalation, position=1)
    a_meeting.starts_at = timezone.now() + datetime.timedelta(days=1)
    a_meeting.attendees.set([world.teacher.staff, world.mentor.staff])
    a_meeting.save()
    return a_meeting


def queries(client, url: str, **headers) -> int:
    client.get(url, **headers)  # warm up: sessions and the like
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured)


def test_agenda_page_2_vs_6_items(client, world, meeting, django_assert_num_queries):
    grow_agenda(world, meeting, 1)
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting", args=[meeting.cycle_id, meeting.department_id])
    small = queries(client, url)

    grow_agenda(world, meeting, 4)
    meeting.attendees.add(*StaffFactory.create_batch(3, school=world.school))
    assert meeting.items.count() == 6

    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count("agenda__row ") == 6


def test_agenda_fragment_after_a_move(client, world, meeting, django_assert_num_queries):
    grow_agenda(world, meeting, 1)
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_agenda", args=[meeting.pk])

    def move_last_up():
        last = meeting.items.order_by("-position").first()
        return client.post(url, {"move": f"{last.pk}:up"}, HTTP_HX_REQUEST="true")

    move_last_up()
    with CaptureQueriesContext(connection) as small:
        move_last_up()
    grow_agenda(world, meeting, 4)

    with django_assert_num_queries(len(small)):
        move_last_up()


@pytest.mark.parametrize("revealed", [False, True], ids=["voting", "revealed"])
def test_meeting_item_page_2_vs_6_items(client, world, meeting, revealed, django_assert_num_queries):
    meeting.status = DepartmentMeeting.Status.RUNNING
    meeting.save()
    item = meeting.items.get(position=1)
    AgendaItem.objects.filter(pk=item.pk).update(
        status=AgendaItem.Status.DISCUSSING if revealed else AgendaItem.Status.VOTING,
        opened_at=timezone.now(),
        votes_revealed_at=timezone.now() if revealed else None,
    )
    Vote.objects.create(item=item, voter=world.teacher.staff, choice="agree", comment="Ja")
    grow_agenda(world, meeting, 1)
    grow_evidence(world, meeting.cycle, 1)
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_item", args=[meeting.pk, item.pk])
    small = queries(client, url)

    grow_agenda(world, meeting, 4)
    grow_evidence(world, meeting.cycle, 4)
    voters = StaffFactory.create_batch(4, school=world.school)
    meeting.attendees.add(*voters)
    Vote.objects.bulk_create(Vote(item=item, voter=voter, choice="disagree") for voter in voters)

    with django_assert_num_queries(small):
        response = client.get(url)
    html = response.content.decode()
    assert html.count("evidence-table") == 1
    assert html.count('<tr class="cell--') == 6  # one row per subject


def test_vote_status_and_vote_page(client, world, meeting, django_assert_num_queries):
    meeting.status = DepartmentMeeting.Status.RUNNING
    meeting.save()
    item = meeting.items.get(position=1)
    AgendaItem.objects.filter(pk=item.pk).update(status=AgendaItem.Status.VOTING, opened_at=timezone.now())
    status_url = reverse("mentoring:meeting_vote_status", args=[meeting.pk, item.pk])
    vote_url = reverse("mentoring:vote", args=[meeting.pk, item.pk])
    client.force_login(world.teacher)
    small_status = queries(client, status_url, HTTP_HX_REQUEST="true")
    small_vote = queries(client, vote_url)

    voters = StaffFactory.create_batch(5, school=world.school)
    meeting.attendees.add(*voters)
    Vote.objects.bulk_create(Vote(item=item, voter=voter, choice="agree") for voter in voters)

    with django_assert_num_queries(small_status):
        client.get(status_url, HTTP_HX_REQUEST="true")
    with django_assert_num_queries(small_vote):
        client.get(vote_url)
