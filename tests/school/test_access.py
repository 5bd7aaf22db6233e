"""Every roster page: who gets in, who is refused, and how (DESIGN §4)."""

import pytest
from django.urls import reverse

from school import policies
from school.models import User
from school.policies import roles_of
from tests.conftest import EVERYONE
from tests.factories import StaffFactory, StudentFactory, UserFactory

# page → (URL name, attribute of the world holding the object, who may open it)
PAGES = {
    "student": (
        "school:student_detail",
        "student",
        {"admin", "team_leader", "mentor", "teacher", "care_coordinator", "student_user", "guardian"},
    ),
    "class group": (
        "school:class_group_detail",
        "class_group",
        {"admin", "team_leader", "mentor", "care_coordinator"},
    ),
    "teaching group": (
        "school:teaching_group_detail",
        "teaching_group",
        {"admin", "team_leader", "teacher", "care_coordinator"},
    ),
}

CASES = [(page, who) for page in PAGES for who in EVERYONE]


@pytest.mark.parametrize(("page", "who"), CASES, ids=[f"{p}-{w}" for p, w in CASES])
def test_roster_page_access(client, world, page, who):
    url_name, attribute, allowed = PAGES[page]
    url = reverse(url_name, args=[getattr(world, attribute).pk])
    client.force_login(getattr(world, who))

    response = client.get(url)

    # Out of scope is 404, so nobody can probe which students or groups exist.
    assert response.status_code == (200 if who in allowed else 404)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, world, page):
    url_name, attribute, _ = PAGES[page]
    url = reverse(url_name, args=[getattr(world, attribute).pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_missing_object_is_404_not_500(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("school:student_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", EVERYONE)
def test_home_page_for_every_role(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("home")).status_code == 200


def test_home_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_user_without_roles_gets_a_home_and_sees_nobody(client, world):
    loose = UserFactory(school=world.school)
    client.force_login(loose)

    assert client.get(reverse("home")).status_code == 200
    assert not policies.students_visible_to(loose).exists()
    assert client.get(reverse("school:student_detail", args=[world.student.pk])).status_code == 404


def test_student_who_left_is_hidden_even_from_the_admin(client, world):
    world.student.is_active = False
    world.student.save()
    client.force_login(world.admin)

    assert client.get(reverse("school:student_detail", args=[world.student.pk])).status_code == 404


def test_deactivated_staff_loses_their_roles(world):
    world.mentor.staff.is_active = False
    world.mentor.staff.save()

    assert not policies.students_visible_to(world.mentor).exists()
    assert not policies.class_groups_visible_to(world.mentor).exists()


class TestStudentsVisibleTo:
    """The queryset twin of can_view_student, per role."""

    def test_subject_teacher_sees_only_the_students_they_teach(self, world):
        StudentFactory(school=world.school, class_group=world.class_group)  # same class, not taught
        assert set(policies.students_visible_to(world.teacher)) == {world.student}

    def test_mentor_sees_their_whole_class(self, world):
        classmate = StudentFactory(school=world.school, class_group=world.class_group)
        assert set(policies.students_visible_to(world.mentor)) == {world.student, classmate}

    def test_team_leader_sees_their_department(self, world):
        assert set(policies.students_visible_to(world.team_leader)) == {world.student}
        assert set(policies.students_visible_to(world.other_team_leader)) == {world.other_student}

    def test_school_wide_roles_see_the_school_and_nothing_else(self, world):
        StudentFactory()  # another school
        expected = {world.student, world.other_student}
        assert set(policies.students_visible_to(world.admin)) == expected
        assert set(policies.students_visible_to(world.care_coordinator)) == expected

    def test_student_and_guardian_see_only_their_own(self, world):
        assert set(policies.students_visible_to(world.student_user)) == {world.student}
        assert set(policies.students_visible_to(world.guardian)) == {world.student}

    def test_admin_of_another_school_sees_none_of_ours(self, world):
        assert not policies.can_view_student(world.outsider, world.student)

    def test_roles_do_not_leak_across_schools(self, world):
        # A staff row in another school linked to a user of ours grants nothing here.
        stray = StaffFactory(is_school_admin=True)
        stray.user.school = world.school
        stray.user.save()
        assert not policies.students_visible_to(stray.user).exists()

    def test_rule_and_twin_agree(self, world):
        for user in world.users().values():
            visible = set(policies.students_visible_to(user))
            for student in (world.student, world.other_student):
                assert policies.can_view_student(user, student) == (student in visible)


@pytest.fixture
def student_with_photo(world, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    world.student.photo.save("lina.png", ContentFile(png))
    return world.student


@pytest.mark.parametrize("who", EVERYONE)
def test_photo_is_served_only_to_who_may_see_the_student(client, world, student_with_photo, who):
    client.force_login(getattr(world, who))

    response = client.get(reverse("school:student_photo", args=[student_with_photo.pk]))

    allowed = PAGES["student"][2]
    assert response.status_code == (200 if who in allowed else 404)
    if who in allowed:
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, max-age=3600"


def test_photo_of_a_student_without_one_is_404(client, world):
    client.force_login(world.mentor)
    assert client.get(reverse("school:student_photo", args=[world.student.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "queries"),
    [("teacher", 2), ("mentor", 2), ("team_leader", 2), ("admin", 2), ("guardian", 2), ("student_user", 1)],
)
def test_roles_are_read_in_at_most_two_queries(world, django_assert_num_queries, who, queries):
    user = User.objects.get(pk=getattr(world, who).pk)  # a fresh user: nothing cached on it
    with django_assert_num_queries(queries):
        roles = roles_of(user)
    assert roles_of(user) is roles  # cached for the rest of the request


def test_roles_hold_the_groups_and_only_active_children(world):
    teacher = roles_of(User.objects.get(pk=world.teacher.pk))
    assert teacher.teaching_group_ids == {world.teaching_group.pk}
    assert not teacher.mentor_class_ids
    assert not teacher.led_department_ids
    assert roles_of(User.objects.get(pk=world.mentor.pk)).mentor_class_ids == {world.class_group.pk}
    assert roles_of(User.objects.get(pk=world.team_leader.pk)).led_department_ids == {world.department.pk}
    assert roles_of(User.objects.get(pk=world.guardian.pk)).child_ids == {world.student.pk}
    world.student.is_active = False
    world.student.save()
    assert roles_of(User.objects.get(pk=world.guardian.pk)).child_ids == frozenset()
