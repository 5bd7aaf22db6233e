"""Who has done what in a round: a teacher's groups, the team leader's completion, the home page.

Every overview costs the same number of queries for a small group or school as for a large one.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import demo as reviews_demo
from reviews import selectors
from reviews.models import Entry, Light, Phase, ReviewCycle
from school import demo
from tests.factories import ClassGroupFactory, StaffFactory, StudentFactory, TeachingGroupFactory


def complete(cycle, group, student, light=Light.GREEN, advice=""):
    return Entry.objects.create(
        cycle=cycle, teaching_group=group, student=student, grade="7.0", light=light, advice=advice
    )


def grow(world, cycle, *, groups=3, students=4):
    """More of everything: groups for the world's teacher and for new colleagues, new classes, entries."""
    school, year = world.school, world.class_group.school_year
    for index in range(groups):
        class_group = ClassGroupFactory(
            school=school, school_year=year, department=world.department if index % 2 else world.other_department
        )
        pupils = StudentFactory.create_batch(students, school=school, class_group=class_group)
        colleague = StaffFactory(school=school)
        mine = TeachingGroupFactory(
            school=school,
            school_year=year,
            subject=world.teaching_group.subject,
            teachers=[world.teacher.staff, colleague],
            students=pupils,
        )
        theirs = TeachingGroupFactory(school=school, school_year=year, teachers=[colleague], students=pupils)
        for pupil in pupils[: students // 2]:
            complete(cycle, mine, pupil)
            complete(cycle, theirs, pupil, light=Light.ORANGE)  # no advice: not complete


class TestTeacherOverview:
    def test_a_teacher_sees_their_groups_with_completion_and_the_deadline(self, client, world, a_cycle_in_entry_phase):
        complete(a_cycle_in_entry_phase, world.teaching_group, world.student)
        client.force_login(world.teacher)

        html = client.get(reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk])).content.decode()

        assert "Je lesgroepen in deze ronde" in html
        assert "4H-ne1" in html
        assert "1 van 1" in html
        assert "compleet" in html
        assert "vrijdag 27 november" in html
        assert reverse("reviews:grid", args=[a_cycle_in_entry_phase.pk, world.teaching_group.pk]) in html
        assert reverse("reviews:grades_import", args=[a_cycle_in_entry_phase.pk, world.teaching_group.pk]) in html
        assert "5V-ne1" not in html  # a colleague's group
        assert "Per docent" not in html  # the team leader's part

    def test_a_group_counts_only_the_rounds_students(self, world, a_cycle_in_entry_phase):
        """A student of a department outside the round is neither expected nor complete."""
        a_cycle_in_entry_phase.departments.set([world.department])
        world.teaching_group.students.add(world.other_student)
        complete(a_cycle_in_entry_phase, world.teaching_group, world.other_student)

        [progress] = selectors.teacher_groups_in_cycle(cycle=a_cycle_in_entry_phase, user=world.teacher)

        assert (progress.complete, progress.expected) == (0, 1)

    def test_query_count_does_not_grow_with_the_groups(
        self, client, world, a_cycle_in_entry_phase, django_assert_num_queries
    ):
        client.force_login(world.teacher)
        url = reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk])
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        grow(world, a_cycle_in_entry_phase)

        with django_assert_num_queries(len(small)):
            assert client.get(url).status_code == 200


class TestTeamLeaderOverview:
    def test_completion_per_teacher_and_per_class(self, client, world, a_cycle_in_entry_phase):
        complete(a_cycle_in_entry_phase, world.teaching_group, world.student)
        client.force_login(world.team_leader)

        html = client.get(reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk])).content.decode()

        assert "Per docent" in html
        assert "Per klas" in html
        assert str(world.teacher) in html
        assert str(world.other_teacher) in html
        assert "4H1" in html
        assert "5V1" in html
        assert "1 van 2" in html  # all entries
        assert "Herinnering sturen aan de 1 docent die achterloopt" in html

    def test_the_selector_counts_per_teacher_and_class(self, world, a_cycle_in_entry_phase):
        complete(a_cycle_in_entry_phase, world.teaching_group, world.student)

        completion = selectors.cycle_completion(cycle=a_cycle_in_entry_phase)

        by_teacher = {line.staff.user: (line.complete, line.expected) for line in completion.per_teacher}
        by_class = {line.label: (line.complete, line.expected) for line in completion.per_class}
        assert by_teacher == {world.teacher: (1, 1), world.other_teacher: (0, 1)}
        assert by_class == {"4H1": (1, 1), "5V1": (0, 1)}
        assert completion.percent == 50

    @pytest.mark.parametrize("who", ["team_leader", "admin"])
    def test_query_count_does_not_grow_with_the_school(
        self, client, world, a_cycle_in_entry_phase, django_assert_num_queries, who
    ):
        client.force_login(getattr(world, who))
        url = reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk])
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        grow(world, a_cycle_in_entry_phase, groups=4, students=5)

        with django_assert_num_queries(len(small)):
            assert client.get(url).status_code == 200


class TestCycleList:
    def test_query_count_does_not_grow_with_the_rounds(
        self, client, world, a_cycle_in_entry_phase, django_assert_num_queries
    ):
        client.force_login(world.team_leader)
        url = reverse("reviews:cycle_list")
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        for number in range(2, 6):
            cycle = ReviewCycle.objects.create(
                school=world.school,
                period=a_cycle_in_entry_phase.period,
                name=f"Ronde {number}",
                entry_deadline=a_cycle_in_entry_phase.entry_deadline,
            )
            cycle.departments.set([world.department, world.other_department])

        with django_assert_num_queries(len(small)):
            assert client.get(url).status_code == 200


class TestHomePage:
    def test_a_teacher_sees_their_open_groups_and_the_deadline(self, client, world, a_cycle_in_entry_phase):
        client.force_login(world.teacher)

        html = client.get(reverse("home")).content.decode()

        assert "Stoplichten invullen" in html
        assert "Leerlingbespreking periode 1" in html
        assert "vrijdag 27 november" in html
        assert "Verder met 4H-ne1 (Nederlands)" in html
        assert reverse("reviews:grid", args=[a_cycle_in_entry_phase.pk, world.teaching_group.pk]) in html
        # The "nothing to do yet" of the teaching groups gives way to the round.
        assert "Nog niets te doen. Zodra een leerlingbespreking" not in html

    def test_a_teacher_who_is_done_is_told_so(self, client, world, a_cycle_in_entry_phase):
        complete(a_cycle_in_entry_phase, world.teaching_group, world.student)
        client.force_login(world.teacher)

        html = client.get(reverse("home")).content.decode()

        assert "Al je groepen zijn compleet" in html

    def test_a_team_leader_sees_their_rounds_with_completion_and_phase(self, client, world, a_cycle_in_entry_phase):
        complete(a_cycle_in_entry_phase, world.teaching_group, world.student)
        client.force_login(world.team_leader)

        html = client.get(reverse("home")).content.decode()

        assert "Leerlingbesprekingen die je leidt" in html
        assert reverse("reviews:cycle_detail", args=[a_cycle_in_entry_phase.pk]) in html
        assert "Stoplichten" in html  # the phase
        assert "1 van 2" in html
        assert "Nog 1 invoer open" in html

    def test_the_home_counts_match_the_cycle_page(self, world, a_cycle_in_entry_phase):
        grow(world, a_cycle_in_entry_phase)
        completion = selectors.cycle_completion(cycle=a_cycle_in_entry_phase)

        managed = selectors.home_cycles(world.admin).managed
        teaching = selectors.home_cycles(world.teacher).teaching

        assert [(p.complete, p.expected) for p in managed] == [(completion.complete, completion.expected)]
        groups = selectors.teacher_groups_in_cycle(cycle=a_cycle_in_entry_phase, user=world.teacher)
        assert sorted((p.group.pk, p.complete, p.expected) for p in teaching[0].groups) == sorted(
            (p.group.pk, p.complete, p.expected) for p in groups
        )

    def test_closed_rounds_are_not_on_the_home_page(self, client, world, a_cycle_in_entry_phase):
        ReviewCycle.objects.filter(pk=a_cycle_in_entry_phase.pk).update(phase=Phase.CLOSED)
        client.force_login(world.teacher)

        html = client.get(reverse("home")).content.decode()

        assert "Stoplichten invullen" not in html
        assert "Nog niets te doen. Zodra een leerlingbespreking" in html

    def test_who_may_start_a_round_is_offered_one(self, client, world):
        client.force_login(world.team_leader)

        html = client.get(reverse("home")).content.decode()

        assert reverse("reviews:cycle_create") in html

    @pytest.mark.parametrize("who", ["teacher", "team_leader", "admin", "mentor", "student_user"])
    def test_query_count_does_not_grow_with_the_school(
        self, client, world, a_cycle_in_entry_phase, django_assert_num_queries, who
    ):
        client.force_login(getattr(world, who))
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("home")).status_code == 200
        grow(world, a_cycle_in_entry_phase, groups=4)

        with django_assert_num_queries(len(small)):
            assert client.get(reverse("home")).status_code == 200


@pytest.fixture
def two_demo_schools_with_rounds(db):
    small = demo.demo_school_create(students=20, with_logins=False, username_prefix="klein-")
    large = demo.demo_school_create(students=80, with_logins=False, username_prefix="groot-")
    for school in (small, large):
        reviews_demo.demo_cycles_create(school, demo.DEFAULT_SEED)
    return small, large


@pytest.mark.parametrize("role", [login.username for login in demo.DEMO_LOGINS])
def test_home_queries_with_a_round_running_do_not_grow_with_the_school(
    client, django_assert_num_queries, two_demo_schools_with_rounds, role
):
    small, large = two_demo_schools_with_rounds
    client.force_login(small.logins[role])
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get("/").status_code == 200

    client.force_login(large.logins[role])
    with django_assert_num_queries(len(small_queries)):
        assert client.get("/").status_code == 200
