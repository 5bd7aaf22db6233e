"""The privacy page: the school admin finds a student to export and sees how many are due for anonymisation."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import StudentFactory

from .conftest import left

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_admin_finds_a_student_by_name_or_number(english, world):
    english.force_login(world.admin)
    url = reverse("privacy:index")
    response = english.get(url, {"q": world.student.last_name})
    assert response.status_code == 200
    assert reverse("privacy:student", args=[world.student.pk]) in response.text
    by_number = english.get(url, {"q": world.other_student.number})
    assert reverse("privacy:student_export_json", args=[world.other_student.pk]) in by_number.text
    assert reverse("privacy:student_export_json", args=[world.student.pk]) not in english.get(url).text


def test_another_schools_students_are_never_found(english, world):
    stranger = StudentFactory(last_name=world.student.last_name)  # another school, same surname
    english.force_login(world.admin)
    response = english.get(reverse("privacy:index"), {"q": world.student.last_name})
    assert reverse("privacy:student_export_json", args=[stranger.pk]) not in response.text


def test_the_page_counts_students_due_for_anonymisation(english, world, settings):
    settings.STUDENT_RETENTION_DAYS = 30
    left(world.student, days_ago=31)
    english.force_login(world.admin)
    response = english.get(reverse("privacy:index"))
    assert "1 student is due now." in response.text
    assert "more than 30 days ago" in response.text


def test_names_are_escaped(english, world):
    world.student.last_name = "<script>alert(1)</script>"
    world.student.save()
    english.force_login(world.admin)
    response = english.get(reverse("privacy:index"), {"q": "script"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text


@pytest.mark.parametrize(
    "who",
    ["mentor", "team_leader", "teacher", "care_coordinator", "student_user", "guardian", "outsider"],
)
def test_only_the_school_admin_opens_it(client, world, who):
    # 403 like the roster import: everyone knows the school admin has this page. The admin of
    # another school is an admin, but finds only their own students (test above).
    client.force_login(getattr(world, who))
    status = client.get(reverse("privacy:index")).status_code
    assert status == (200 if who == "outsider" else 403)


def test_anonymous_goes_to_the_login(client):
    response = client.get(reverse("privacy:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_query_count_does_not_grow_with_the_results(client, world, django_assert_num_queries):
    client.force_login(world.admin)
    url = reverse("privacy:index")
    client.get(url, {"q": "Zzz"})  # warm the session
    StudentFactory(school=world.school, last_name="Zzz", class_group=world.class_group)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, {"q": "Zzz"}).status_code == 200
    StudentFactory.create_batch(6, school=world.school, last_name="Zzz", class_group=world.class_group)
    with django_assert_num_queries(len(one)):
        response = client.get(url, {"q": "Zzz"})
    assert len(response.context["students"]) == 7
