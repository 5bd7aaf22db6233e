"""The people screens: a student's personal coach, the coach's pages, and the class representative.

`my/coach/` is a student's own (404 for anyone else); `coached/` is staff's (404 for students and
guardians); `coached/<student_pk>/` only for the student's current coach (404 otherwise);
`classes/<pk>/representative/` for the class's mentor (another school 404, anyone else 403).
Bad input is 422 with a specific message and changes nothing.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from classmeetings.models import ClassRepresentative, PersonalCoach
from mentoring.models import Goal, Reflection
from reviews.models import Phase
from tests.factories import StaffFactory, StudentFactory
from tests.rounds import review_round

COACH_URL = "classmeetings:coach"


def no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def coach_url() -> str:
    return reverse(COACH_URL)


def coached_url(student=None) -> str:
    if student is None:
        return reverse("classmeetings:coached")
    return reverse("classmeetings:coached_student", args=[student.pk])


def representative_url(class_group) -> str:
    return reverse("classmeetings:representative", args=[class_group.pk])


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def a_reflection(world, number: int, *, status: str = Reflection.Status.SUBMITTED, text: str = "") -> Reflection:
    cycle = review_round(
        world,
        name=f"Ronde {number}",
        period=f"Periode {number}",
        deadline=datetime.date(2026, 1, 10) + datetime.timedelta(days=30 * number),
        phase=Phase.MENTOR_TALKS,
        departments=[world.department],
    )
    reflection = Reflection.objects.create(
        cycle=cycle,
        student=world.student,
        went_well=text or f"Ging goed {number}",
        went_less_well=f"Ging minder {number}",
        status=status,
        submitted_at=timezone.now() if status == Reflection.Status.SUBMITTED else None,
    )
    Goal.objects.create(reflection=reflection, position=1, goal=f"Doel {number}")
    return reflection


# --- the student's personal coach ----------------------------------------------------------------------------


class TestCoachAccess:
    def test_anonymous_goes_to_login(self, client, db):
        response = client.get(coach_url())
        assert response.status_code == 302
        assert reverse("login") in response.url

    @pytest.mark.parametrize("who", ["mentor", "guardian", "admin", "outsider"])
    def test_it_is_a_students_own_page(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get(coach_url()).status_code == 404
        assert client.post(coach_url(), {"coach": world.teacher.staff.pk}).status_code == 404
        assert not PersonalCoach.objects.exists()


class TestChoosingACoach:
    def test_the_page_offers_the_schools_active_staff(self, client, world):
        gone = StaffFactory(school=world.school, is_active=False)
        client.force_login(world.student_user)
        html = client.get(coach_url()).content.decode()
        assert f'value="{world.teacher.staff.pk}"' in html
        assert f'value="{world.outsider.staff.pk}"' not in html
        assert f'value="{gone.pk}"' not in html
        assert 'data-current-coach=""' in html
        no_inline_code(html)

    def test_a_student_chooses_changes_and_stops(self, client, world):
        client.force_login(world.student_user)
        response = client.post(coach_url(), {"action": "choose", "coach": world.teacher.staff.pk})
        assert response.status_code == 302
        assert response.url == coach_url()
        assert PersonalCoach.objects.get(ended_at__isnull=True).coach == world.teacher.staff
        assert f'data-current-coach="{world.teacher.staff.pk}"' in client.get(coach_url()).content.decode()

        client.post(coach_url(), {"action": "choose", "coach": world.other_teacher.staff.pk})
        assert PersonalCoach.objects.get(ended_at__isnull=True).coach == world.other_teacher.staff
        assert PersonalCoach.objects.count() == 2  # the history stays

        response = client.post(coach_url(), {"action": "end"})
        assert response.status_code == 302
        assert not PersonalCoach.objects.filter(ended_at__isnull=True).exists()
        assert 'data-current-coach=""' in client.get(coach_url()).content.decode()

    @pytest.mark.parametrize(
        ("whom", "message"),
        [
            ("", "Choose a member of staff as your personal coach."),
            ("outsider", "Choose a member of staff of your school."),
            ("inactive", "Choose a member of staff of your school."),
            ("nonsense", "Choose a member of staff of your school."),
        ],
    )
    def test_a_bad_choice_is_422_and_changes_nothing(self, client, world, coach, whom, message):
        before = PersonalCoach.objects.get()
        value = {
            "": "",
            "outsider": str(world.outsider.staff.pk),
            "inactive": str(StaffFactory(school=world.school, is_active=False).pk),
            "nonsense": "abc",
        }[whom]
        client.force_login(world.student_user)
        english(client)
        response = client.post(coach_url(), {"action": "choose", "coach": value})
        assert response.status_code == 422
        assert message in response.content.decode()
        assert list(PersonalCoach.objects.all()) == [before]
        before.refresh_from_db()
        assert before.ended_at is None


@pytest.mark.parametrize("size", [1, 10])
def test_the_coach_page_costs_the_same_for_any_staff_size(client, world, coach, django_assert_num_queries, size):
    for _ in range(size):
        StaffFactory(school=world.school)
    client.force_login(world.student_user)
    client.get(coach_url())
    with django_assert_num_queries(5):
        assert client.get(coach_url()).status_code == 200


# --- the coach's pages ---------------------------------------------------------------------------------------


class TestCoachedList:
    def test_anonymous_goes_to_login(self, client, db):
        assert reverse("login") in client.get(coached_url()).url

    @pytest.mark.parametrize("who", ["student_user", "guardian"])
    def test_students_and_guardians_get_404(self, client, world, coach, who):
        client.force_login(getattr(world, who))
        assert client.get(coached_url()).status_code == 404

    def test_the_coach_sees_who_chose_them_with_links(self, client, world, coach):
        a_reflection(world, 1)
        a_reflection(world, 2, status=Reflection.Status.DRAFT)
        client.force_login(coach)
        html = client.get(coached_url()).content.decode()
        assert f'data-coached-student="{world.student.pk}"' in html
        assert reverse("classmeetings:timeline", args=[world.student.pk]) in html
        assert coached_url(world.student) in html
        no_inline_code(html)

    @pytest.mark.parametrize("who", ["mentor", "teacher", "outsider"])
    def test_other_staff_see_nobody(self, client, world, coach, who):
        client.force_login(getattr(world, who))
        response = client.get(coached_url())
        assert response.status_code == 200
        assert "data-coached-student=" not in response.content.decode()


@pytest.mark.parametrize("size", [1, 5])
def test_the_coached_list_costs_the_same_for_any_number(client, world, django_assert_num_queries, size):
    staff = StaffFactory(school=world.school)
    for _ in range(size):
        PersonalCoach.objects.create(
            student=StudentFactory(school=world.school, class_group=world.class_group), coach=staff
        )
    client.force_login(staff.user)
    client.get(coached_url())
    with django_assert_num_queries(5):
        response = client.get(coached_url())
    assert response.content.decode().count("data-coached-student=") == size


class TestCoachedStudent:
    def test_anonymous_goes_to_login(self, client, world):
        assert reverse("login") in client.get(coached_url(world.student)).url

    def test_the_coach_reads_submitted_reflections_not_drafts(self, client, world, coach):
        submitted = a_reflection(world, 1, text="INGELEVERD-tekst")
        draft = a_reflection(world, 2, status=Reflection.Status.DRAFT, text="CONCEPT-tekst")
        client.force_login(coach)
        response = client.get(coached_url(world.student))
        html = response.content.decode()
        assert response.status_code == 200
        assert f'data-coached-reflection="{submitted.pk}"' in html
        assert "INGELEVERD-tekst" in html
        assert "Doel 1" in html
        assert f'data-coached-reflection="{draft.pk}"' not in html
        assert "CONCEPT-tekst" not in html
        assert f'data-timeline-link="{world.student.pk}"' in html

    @pytest.mark.parametrize("who", ["mentor", "student_user", "guardian", "outsider", "other_teacher"])
    def test_only_the_coach_gets_in(self, client, world, coach, who):
        a_reflection(world, 1)
        client.force_login(getattr(world, who))
        assert client.get(coached_url(world.student)).status_code == 404

    def test_a_coach_who_was_stopped_gets_404(self, client, world, coach):
        PersonalCoach.objects.update(ended_at=timezone.now())
        client.force_login(coach)
        assert client.get(coached_url(world.student)).status_code == 404


@pytest.mark.parametrize("size", [1, 4])
def test_the_coached_student_page_costs_the_same_for_any_number(client, world, coach, django_assert_num_queries, size):
    for number in range(size):
        a_reflection(world, number + 1)
    client.force_login(coach)
    client.get(coached_url(world.student))
    with django_assert_num_queries(8):  # with the audit event's insert
        response = client.get(coached_url(world.student))
    assert response.content.decode().count("data-coached-reflection=") == size


# --- the class representative --------------------------------------------------------------------------------


class TestRepresentativeAccess:
    def test_anonymous_goes_to_login(self, client, world):
        assert reverse("login") in client.get(representative_url(world.class_group)).url

    def test_another_school_gets_404(self, client, world, classmate):
        client.force_login(world.outsider)
        assert client.get(representative_url(world.class_group)).status_code == 404
        assert client.post(representative_url(world.class_group), {"student": classmate.pk}).status_code == 404
        assert not ClassRepresentative.objects.exists()

    def test_a_missing_class_is_404(self, client, world):
        client.force_login(world.mentor)
        assert client.get(reverse("classmeetings:representative", args=[999999])).status_code == 404

    @pytest.mark.parametrize(
        "who", ["team_leader", "other_mentor", "teacher", "admin", "student_user", "guardian", "representative"]
    )
    def test_anyone_but_the_mentor_gets_403(self, client, world, classmate, representative, who):
        user = representative if who == "representative" else getattr(world, who)
        client.force_login(user)
        assert client.get(representative_url(world.class_group)).status_code == 403
        response = client.post(representative_url(world.class_group), {"student": world.student.pk})
        assert response.status_code == 403
        assert ClassRepresentative.objects.get().student == classmate

    def test_the_mentor_gets_in_for_their_own_class_only(self, client, world):
        client.force_login(world.mentor)
        assert client.get(representative_url(world.class_group)).status_code == 200
        assert client.get(representative_url(world.other_class_group)).status_code == 403


class TestChoosingTheRepresentative:
    def test_the_mentor_sets_replaces_and_clears(self, client, world, classmate):
        client.force_login(world.mentor)
        html = client.get(representative_url(world.class_group)).content.decode()
        assert 'data-current-representative=""' in html
        assert f'value="{classmate.pk}"' in html
        assert f'value="{world.other_student.pk}"' not in html
        no_inline_code(html)

        response = client.post(representative_url(world.class_group), {"student": classmate.pk})
        assert response.status_code == 302
        assert ClassRepresentative.objects.get(class_group=world.class_group).student == classmate
        html = client.get(representative_url(world.class_group)).content.decode()
        assert f'data-current-representative="{classmate.pk}"' in html

        client.post(representative_url(world.class_group), {"student": world.student.pk})
        assert ClassRepresentative.objects.get(class_group=world.class_group).student == world.student

        client.post(representative_url(world.class_group), {"student": ""})
        assert not ClassRepresentative.objects.exists()

    @pytest.mark.parametrize("whom", ["other_class", "inactive", "nonsense"])
    def test_a_student_not_of_the_class_is_422_and_changes_nothing(
        self, client, world, representative, classmate, whom
    ):
        value = {
            "other_class": str(world.other_student.pk),
            "inactive": str(StudentFactory(school=world.school, class_group=world.class_group, is_active=False).pk),
            "nonsense": "abc",
        }[whom]
        client.force_login(world.mentor)
        english(client)
        response = client.post(representative_url(world.class_group), {"student": value})
        assert response.status_code == 422
        assert "Choose a student of this class." in response.content.decode()
        assert ClassRepresentative.objects.get().student == classmate


@pytest.mark.parametrize("size", [1, 12])
def test_the_representative_page_costs_the_same_for_any_class(
    client, world, representative, django_assert_num_queries, size
):
    for _ in range(size):
        StudentFactory(school=world.school, class_group=world.class_group)
    client.force_login(world.mentor)
    client.get(representative_url(world.class_group))
    with django_assert_num_queries(7):
        assert client.get(representative_url(world.class_group)).status_code == 200
