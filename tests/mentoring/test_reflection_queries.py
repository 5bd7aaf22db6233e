"""The reflection pages cost a fixed number of queries, whatever the class, the subjects or the goals hold."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Goal, Reflection
from reviews.models import Entry, Light
from tests.factories import StaffFactory, StudentFactory, SubjectFactory, TeachingGroupFactory


def grow_class(world, cycle, count: int) -> None:
    """`count` more students in 4H1: a third not started, a third with a draft, a third submitted with goals."""
    for number in range(count):
        student = StudentFactory(school=world.school, class_group=world.class_group)
        kind = number % 3
        if kind == 0:
            continue
        reflection = Reflection.objects.create(
            cycle=cycle,
            student=student,
            went_well="Goed.",
            went_less_well="Minder.",
            status=Reflection.Status.SUBMITTED if kind == 2 else Reflection.Status.DRAFT,
            submitted_at=timezone.now() if kind == 2 else None,
            mentor_comment="Mooi." if kind == 2 else "",
        )
        for position in range(1, 1 + number % 3 + 1):
            Goal.objects.create(reflection=reflection, position=position, goal=f"Doel {position}")


def grow_subjects(world, cycle, count: int) -> None:
    for _ in range(count):
        group = TeachingGroupFactory(
            school=world.school,
            school_year=world.class_group.school_year,
            subject=SubjectFactory(school=world.school),
            teachers=[StaffFactory(school=world.school)],
            students=[world.student],
        )
        Entry.objects.create(
            cycle=cycle, teaching_group=group, student=world.student, light=Light.ORANGE, grade=Decimal("5.5")
        )


def queries(client, url: str) -> int:
    client.get(url)  # warm up: sessions and the like
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin"])
def test_class_list_3_vs_12_students(client, world, a_reflection, django_assert_num_queries, who):
    cycle = a_reflection.cycle
    grow_class(world, cycle, 3)
    client.force_login(getattr(world, who))
    url = reverse("mentoring:reflections", args=[cycle.pk, world.class_group.pk])
    small = queries(client, url)

    grow_class(world, cycle, 9)

    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count("<tr>") == 1 + 1 + 12  # the header, world.student, the others


def test_students_page_1_vs_8_subjects(client, world, a_reflection, django_assert_num_queries):
    cycle = a_reflection.cycle
    client.force_login(world.student_user)
    url = reverse("mentoring:reflection", args=[cycle.pk])
    small = queries(client, url)

    grow_subjects(world, cycle, 7)
    Goal.objects.create(reflection=a_reflection, position=2, goal="Nog een doel")

    with django_assert_num_queries(small):
        client.get(url)


def test_mentors_view_1_vs_3_goals(client, world, a_reflection, django_assert_num_queries):
    a_reflection.status = Reflection.Status.SUBMITTED
    a_reflection.submitted_at = timezone.now()
    a_reflection.save()
    client.force_login(world.mentor)
    url = reverse("mentoring:reflection_view", args=[a_reflection.pk])
    small = queries(client, url)

    Goal.objects.create(reflection=a_reflection, position=2, goal="Twee")
    Goal.objects.create(reflection=a_reflection, position=3, goal="Drie")

    with django_assert_num_queries(small):
        client.get(url)


def test_an_autosave_costs_a_handful_of_queries(client, world, a_reflection):
    """Every pause in typing saves: keep it cheap."""
    client.force_login(world.student_user)
    url = reverse("mentoring:reflection", args=[a_reflection.cycle.pk])
    data = {"version": a_reflection.version, "went_well": "Een"}

    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert len(captured) <= 20, [query["sql"] for query in captured]
