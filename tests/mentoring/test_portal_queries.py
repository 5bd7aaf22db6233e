"""The portal's reads have a fixed number of queries, however many subjects, decisions, rounds or children."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    Goal,
    Publication,
    Reflection,
)
from mentoring.selectors.portal import portal_cycle_page, portal_overview
from reviews.models import Entry, Phase, ReviewCycle
from school.models import Guardian
from school.policies import roles_of
from tests.factories import PeriodFactory, StudentFactory, SubjectFactory, TeachingGroupFactory

PAGE_QUERIES = 10  # evidence 3, light words 1, decisions 2, talk 1, talk agreements 1, reflection 2
OVERVIEW_QUERIES = 4  # family (with sharing) 1, publications 1, light counts 1, reflections 1


def add_subjects(world, cycle, previous, count: int) -> None:
    """`count` more subjects for world.student, each with a light now and in the previous round."""
    for n in range(count):
        subject = SubjectFactory(school=world.school, name=f"Vak {n:02d}")
        group = TeachingGroupFactory(
            school=world.school,
            school_year=world.class_group.school_year,
            subject=subject,
            students=[world.student],
        )
        Entry.objects.create(cycle=cycle, teaching_group=group, student=world.student, light="orange", advice="Oefen.")
        Entry.objects.create(cycle=previous, teaching_group=group, student=world.student, light="green")


def add_decisions(world, cycle, count: int) -> None:
    meeting, _ = DepartmentMeeting.objects.get_or_create(cycle=cycle, department=world.department)
    for n in range(count):
        escalation = Escalation.objects.create(
            cycle=cycle,
            student=world.student,
            department=world.department,
            category=Category.CARE,
            question=f"Vraag {n}",
            status=Escalation.Status.DECIDED,
            raised_by=world.mentor,
        )
        item = AgendaItem.objects.create(meeting=meeting, escalation=escalation, position=n + 1, status="decided")
        decision = Decision.objects.create(item=item, student=world.student, text=f"Besluit {n}")
        for m in range(2):
            Agreement.objects.create(
                student=world.student,
                decision=decision,
                text=f"Afspraak {n}.{m}",
                owner=Agreement.Owner.MENTOR,
                owner_staff=world.mentor.staff,
                due_on=datetime.date(2027, 1, 15),
            )


@pytest.fixture
def submitted(world, a_published_cycle) -> Reflection:
    reflection = Reflection.objects.create(
        cycle=a_published_cycle,
        student=world.student,
        status="submitted",
        submitted_at=timezone.now(),
    )
    for position in (1, 2, 3):
        Goal.objects.create(reflection=reflection, position=position, goal=f"Doel {position}")
    return reflection


def count_page_queries(world, cycle) -> int:
    with CaptureQueriesContext(connection) as queries:
        page = portal_cycle_page(cycle=cycle, student=world.student)
        for line in page.lines:
            assert line.cell.subject
        for decision in page.decisions:
            for agreement in decision.agreements.all():
                assert agreement.owner_staff.user.get_full_name() is not None
            assert decision.item.meeting.department.name
            assert decision.item.escalation.get_category_display()
        assert len(page.goals) == 3
    return len(queries)


@pytest.mark.parametrize(("subjects", "decisions"), [(1, 1), (7, 3)])
def test_one_rounds_feedback_at_two_sizes(
    world, a_published_cycle, a_previous_cycle, submitted, subjects, decisions, django_assert_num_queries
):
    add_subjects(world, a_published_cycle, a_previous_cycle, subjects)  # 2 and 8 subjects with Nederlands
    add_decisions(world, a_published_cycle, decisions)

    with django_assert_num_queries(PAGE_QUERIES):
        count_page_queries(world, a_published_cycle)

    assert len(portal_cycle_page(cycle=a_published_cycle, student=world.student).lines) == subjects + 1


def test_the_page_itself_does_not_grow_with_subjects(client, world, a_published_cycle, a_previous_cycle, submitted):
    client.force_login(world.guardian)
    url = reverse("mentoring:portal_cycle", args=[a_published_cycle.pk, world.student.pk])
    add_subjects(world, a_published_cycle, a_previous_cycle, 1)
    add_decisions(world, a_published_cycle, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    add_subjects(world, a_published_cycle, a_previous_cycle, 6)
    add_decisions(world, a_published_cycle, 2)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert len(large) == len(small)


# --- the start page ------------------------------------------------------------------------------------------


def more_rounds(world, count: int) -> list[ReviewCycle]:
    cycles = []
    for n in range(count):
        cycle = ReviewCycle.objects.create(
            school=world.school,
            period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name=f"P{n}"),
            name=f"Extra ronde {n}",
            entry_deadline=datetime.date(2027, 1, 10) + datetime.timedelta(days=n),
            phase=Phase.MENTOR_TALKS,
        )
        cycle.departments.set([world.department])
        Publication.objects.create(cycle=cycle, department=world.department)
        cycles.append(cycle)
    return cycles


def more_children(world, count: int, cycles: list[ReviewCycle], *, with_adult: bool = True) -> None:
    guardian = Guardian.objects.get(user=world.guardian)
    for _n in range(count):
        child = StudentFactory(school=world.school, class_group=world.class_group)
        guardian.students.add(child)
        for cycle in cycles:
            Entry.objects.create(
                cycle=cycle, teaching_group=world.teaching_group, student=child, light="green", grade=Decimal("7")
            )
            Reflection.objects.create(cycle=cycle, student=child)
    if not with_adult:
        return
    # An adult child who does not share: listed by name only.
    adult = StudentFactory(school=world.school, class_group=world.class_group, date_of_birth=datetime.date(2000, 1, 1))
    guardian.students.add(adult)


@pytest.mark.parametrize(("children", "rounds"), [(0, 1), (2, 3)])
def test_the_guardians_start_page_at_two_sizes(world, a_published_cycle, children, rounds, django_assert_num_queries):
    cycles = [a_published_cycle, *more_rounds(world, rounds)]
    more_children(world, children, cycles)  # 1 and 3 children who share, plus an adult who does not
    roles_of(world.guardian)  # the user's roles are read once per request, before any page

    with django_assert_num_queries(OVERVIEW_QUERIES):
        portal = portal_overview(user=world.guardian)

    assert len(portal.students) == children + 1
    assert all(len(entry.cycles) == rounds + 1 for entry in portal.students)
    assert len(portal.private_children) == 1


def test_the_start_page_itself_does_not_grow_with_children(client, world, a_published_cycle):
    more_children(world, 0, [a_published_cycle])  # the adult child who does not share, in both
    client.force_login(world.guardian)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("mentoring:portal")).status_code == 200

    more_children(world, 2, [a_published_cycle, *more_rounds(world, 2)], with_adult=False)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("mentoring:portal")).status_code == 200

    assert len(large) == len(small)


def test_an_adult_students_start_page_reads_their_choice(world, a_published_cycle, django_assert_num_queries):
    world.student.date_of_birth = datetime.date(2000, 1, 1)
    world.student.save()
    roles_of(world.student_user)

    with django_assert_num_queries(OVERVIEW_QUERIES):  # the sharing choice comes with the family
        portal = portal_overview(user=world.student_user)

    assert portal.adult_self == world.student
    assert portal.sharing is None
