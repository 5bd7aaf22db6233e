"""The question pages and the speed-date: what they show, the HTMX fragments and the plain path, query counts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from mentoring.models import Question, SpeedDate
from reviews.models import Entry, Light, Phase
from school.models import Enrollment
from tests.factories import ClassGroupFactory, StaffFactory, StudentFactory, UserFactory

HX = {"HTTP_HX_REQUEST": "true"}


def hx(target: str) -> dict:
    return {**HX, "HTTP_HX_TARGET": target}


@pytest.fixture
def cycle(a_cycle_in_speed_date):
    return a_cycle_in_speed_date


def make_question(world, cycle, *, student=None, asked_by=None, addressed_to=None, status="open", text="Vraag?"):
    values = {"status": status}
    if status != "open":
        values["answer"] = "Antwoord."
    return Question.objects.create(
        cycle=cycle,
        student=student or world.student,
        teaching_group=world.teaching_group,
        addressed_to=addressed_to or world.teacher.staff,
        asked_by=asked_by or world.mentor,
        text=text,
        **values,
    )


@pytest.fixture
def a_question(world, cycle):
    return make_question(world, cycle, text="Hoe gaat het met de woordjes?")


@pytest.fixture
def a_second_mentor(world, cycle):
    """Another havo class (4H2) whose mentor, Bakker, also has a student in 4H-ne1."""
    staff = StaffFactory(school=world.school, user__first_name="Bea", user__last_name="Bakker")
    class_group = ClassGroupFactory(
        school=world.school,
        school_year=world.class_group.school_year,
        department=world.department,
        name="4H2",
        mentors=[staff],
    )
    student = StudentFactory(school=world.school, class_group=class_group, first_name="Noor", last_name="Jansen")
    Enrollment.objects.create(teaching_group=world.teaching_group, student=student)
    Entry.objects.create(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=student,
        light=Light.ORANGE,
        advice="Meer oefenen met lezen.",
    )
    staff.student = student
    return staff


def no_inline_code(html: str) -> None:
    """The strict CSP: no inline scripts, styles or handlers."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


# --- asking -----------------------------------------------------------------------------------------------


class TestAskPage:
    def url(self, world, cycle):
        return reverse("mentoring:question_ask", args=[cycle.pk, world.student.pk, world.teaching_group.pk])

    def test_shows_the_entry_and_who_the_question_goes_to(self, client, world, cycle):
        client.force_login(world.mentor)

        html = client.get(self.url(world, cycle)).content.decode()

        assert "light--red" in html
        assert "4,8" in html  # Dutch number format
        assert "Woordjes elke dag herhalen." in html
        assert escape(world.teacher.get_full_name()) in html
        assert 'name="addressed_to"' not in html  # one teacher: nothing to choose
        assert 'maxlength="500"' in html
        no_inline_code(html)

    def test_several_teachers_give_a_choice_with_the_default_selected(self, client, world, cycle):
        co_teacher = StaffFactory(school=world.school, user__first_name="Anna", user__last_name="Aalders")
        world.teaching_group.teachers.add(co_teacher)
        client.force_login(world.mentor)

        html = client.get(self.url(world, cycle)).content.decode()

        assert '<select name="addressed_to"' in html
        assert f'<option value="{world.teacher.staff.pk}" selected>' in html
        assert f'<option value="{co_teacher.pk}">' in html

    def test_plain_post_asks_and_goes_back_to_next(
        self, client, world, cycle, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(world.mentor)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(self.url(world, cycle), {"text": "Zit Sam vooraan?", "next": "/mentoring/x/"})

        assert response.status_code == 302
        assert response.url == "/mentoring/x/"
        question = Question.objects.get()
        assert (question.text, question.addressed_to) == ("Zit Sam vooraan?", world.teacher.staff)
        assert len(mailoutbox) == 1

    def test_plain_post_without_next_goes_to_the_student_page_or_the_question(self, client, world, cycle):
        client.force_login(world.mentor)

        response = client.post(self.url(world, cycle), {"text": "Zit Sam vooraan?", "next": "https://evil.test/"})

        question = Question.objects.get()
        assert response.status_code == 302
        assert response.url in (
            f"/mentoring/cycles/{cycle.pk}/students/{world.student.pk}/",
            f"/mentoring/questions/{question.pk}/",
        )

    def test_an_empty_question_shows_the_message_and_writes_nothing(self, client, world, cycle, mailoutbox):
        client.force_login(world.mentor)

        response = client.post(self.url(world, cycle), {"text": "   "})

        assert response.status_code == 200
        assert "Write your question." in response.content.decode() or "vraag" in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()
        assert not Question.objects.exists()
        assert mailoutbox == []

    def test_a_chosen_teacher_not_of_the_group_is_refused(self, client, world, cycle):
        world.teaching_group.teachers.add(StaffFactory(school=world.school))
        client.force_login(world.mentor)

        response = client.post(
            self.url(world, cycle), {"text": "Vraag", "addressed_to": str(world.other_teacher.staff.pk)}
        )

        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.content.decode()
        assert not Question.objects.exists()

    def test_htmx_get_gives_the_form_fragment_that_posts_with_htmx(self, client, world, cycle):
        client.force_login(world.mentor)

        response = client.get(self.url(world, cycle), **HX)

        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert 'id="ask-form"' in html
        assert 'hx-post="' in html

    def test_htmx_post_answers_with_a_confirmation(self, client, world, cycle):
        client.force_login(world.mentor)

        response = client.post(self.url(world, cycle), {"text": "Zit Sam vooraan?"}, **hx("ask-form"))

        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert 'role="status"' in html
        assert escape(world.teacher.get_full_name()) in html
        assert reverse("mentoring:question", args=[Question.objects.get().pk]) in html

    def test_htmx_post_with_errors_is_the_form_again_with_422(self, client, world, cycle):
        client.force_login(world.mentor)

        response = client.post(self.url(world, cycle), {"text": ""}, **hx("ask-form"))

        assert response.status_code == 422
        assert 'id="ask-form"' in response.content.decode()
        assert not Question.objects.exists()


# --- the inbox --------------------------------------------------------------------------------------------


class TestInbox:
    def test_open_first_then_answered_then_closed(self, client, world, cycle):
        closed = make_question(world, cycle, status="closed", text="Gesloten vraag")
        open_ = make_question(world, cycle, text="Open vraag")
        answered = make_question(world, cycle, status="answered", text="Beantwoorde vraag")
        client.force_login(world.teacher)

        response = client.get(reverse("mentoring:inbox"))

        received = response.context["inbox"].received
        assert [group.cycle for group in received] == [cycle]
        assert [q.pk for q in received[0].questions] == [open_.pk, answered.pk, closed.pk]
        html = response.content.decode()
        assert html.index("Open vraag") < html.index("Beantwoorde vraag") < html.index("Gesloten vraag")
        assert "Ronde 1" in html
        no_inline_code(html)

    def test_filter_by_status(self, client, world, cycle):
        make_question(world, cycle, text="Open vraag")
        make_question(world, cycle, status="answered", text="Beantwoorde vraag")
        client.force_login(world.teacher)

        html = client.get(reverse("mentoring:inbox"), {"status": "answered"}).content.decode()

        assert "Beantwoorde vraag" in html
        assert "Open vraag" not in html
        assert 'aria-current="page"' in html

    def test_an_unknown_status_shows_everything(self, client, world, cycle):
        make_question(world, cycle, text="Open vraag")
        client.force_login(world.teacher)

        assert "Open vraag" in client.get(reverse("mentoring:inbox"), {"status": "nonsense"}).content.decode()

    def test_questions_to_others_are_not_in_the_inbox(self, client, world, cycle):
        make_question(world, cycle, text="Aan een ander", addressed_to=world.other_teacher.staff)
        client.force_login(world.teacher)

        assert "Aan een ander" not in client.get(reverse("mentoring:inbox")).content.decode()

    def test_the_mentor_sees_what_they_asked(self, client, world, cycle):
        make_question(world, cycle, text="Mijn vraag")
        client.force_login(world.mentor)

        html = client.get(reverse("mentoring:inbox")).content.decode()

        assert "Mijn vraag" in html
        assert escape(world.teacher.get_full_name()) in html

    @pytest.mark.parametrize("who", ["teacher", "mentor"])
    def test_queries_do_not_grow_with_the_questions(
        self, client, world, cycle, a_previous_cycle, django_assert_num_queries, who
    ):
        make_question(world, cycle)
        client.force_login(getattr(world, who))
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("mentoring:inbox")).status_code == 200

        for index in range(3):
            student = StudentFactory(school=world.school, class_group=world.class_group)
            Enrollment.objects.create(teaching_group=world.teaching_group, student=student)
            make_question(world, cycle, student=student, status=["open", "answered", "closed"][index])
            make_question(world, a_previous_cycle, student=student, status="closed")
        client.force_login(getattr(world, who))
        with django_assert_num_queries(len(small)):
            response = client.get(reverse("mentoring:inbox"))
        assert len(response.context["inbox"].received or response.context["inbox"].asked) == 2


# --- one question ------------------------------------------------------------------------------------------


class TestThread:
    def test_the_teacher_sees_the_question_and_an_answer_form(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        html = client.get(reverse("mentoring:question", args=[a_question.pk])).content.decode()

        assert "Hoe gaat het met de woordjes?" in html
        assert "Woordjes elke dag herhalen." in html
        assert reverse("mentoring:question_answer", args=[a_question.pk]) in html
        assert 'name="in_person"' in html
        assert reverse("mentoring:question_close", args=[a_question.pk]) not in html
        no_inline_code(html)

    def test_the_mentor_sees_no_answer_form_but_can_withdraw(self, client, world, cycle, a_question):
        client.force_login(world.mentor)

        html = client.get(reverse("mentoring:question", args=[a_question.pk])).content.decode()

        assert reverse("mentoring:question_answer", args=[a_question.pk]) not in html
        assert reverse("mentoring:question_close", args=[a_question.pk]) in html
        assert "data-confirm=" in html

    def test_plain_answer_goes_back_to_the_thread(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        response = client.post(reverse("mentoring:question_answer", args=[a_question.pk]), {"answer": "Ja."})

        assert response.status_code == 302
        assert response.url == reverse("mentoring:question", args=[a_question.pk])
        html = client.get(response.url).content.decode()
        assert "Ja." in html
        assert reverse("mentoring:question_answer", args=[a_question.pk]) not in html  # answered: no form

    def test_answered_face_to_face_by_the_second_button(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        client.post(reverse("mentoring:question_answer", args=[a_question.pk]), {"answer": "", "in_person": "1"})

        a_question.refresh_from_db()
        assert (a_question.status, a_question.answered_in_person) == ("answered", True)

    def test_plain_empty_answer_shows_the_page_with_the_message(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        response = client.post(reverse("mentoring:question_answer", args=[a_question.pk]), {"answer": " "})

        assert response.status_code == 422
        assert 'aria-invalid="true"' in response.content.decode()
        assert "<html" in response.content.decode()
        a_question.refresh_from_db()
        assert a_question.status == "open"

    def test_htmx_answer_returns_the_thread_with_a_note_in_the_live_region(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        response = client.post(
            reverse("mentoring:question_answer", args=[a_question.pk]), {"answer": "Ja."}, **hx("question-thread")
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert 'id="question-thread"' in html
        assert 'hx-swap-oob="innerHTML:#messages"' in html

    def test_htmx_empty_answer_is_422_with_the_message(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        response = client.post(
            reverse("mentoring:question_answer", args=[a_question.pk]), {"answer": ""}, **hx("question-thread")
        )

        assert response.status_code == 422
        assert 'id="question-thread"' in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()

    def test_a_second_answer_is_refused_with_a_message(self, client, world, cycle, a_question):
        Question.objects.filter(pk=a_question.pk).update(status="answered", answer="Eerste antwoord.")
        client.force_login(world.teacher)

        response = client.post(reverse("mentoring:question_answer", args=[a_question.pk]), {"answer": "Tweede."})

        assert response.status_code == 422
        a_question.refresh_from_db()
        assert a_question.answer == "Eerste antwoord."

    def test_the_mentor_closes_an_answered_question(self, client, world, cycle, a_question):
        Question.objects.filter(pk=a_question.pk).update(status="answered", answer="Ja.")
        client.force_login(world.mentor)

        response = client.post(reverse("mentoring:question_close", args=[a_question.pk]))

        assert response.status_code == 302
        assert response.url == reverse("mentoring:question", args=[a_question.pk])
        a_question.refresh_from_db()
        assert a_question.status == "closed"

    def test_the_mentor_withdraws_an_open_question(self, client, world, cycle, a_question):
        client.force_login(world.mentor)

        response = client.post(
            reverse("mentoring:question_close", args=[a_question.pk]), {"next": reverse("mentoring:inbox")}
        )

        assert response.status_code == 302
        assert response.url == reverse("mentoring:inbox")
        assert not Question.objects.exists()

    def test_closing_through_htmx_redirects_the_page(self, client, world, cycle, a_question):
        Question.objects.filter(pk=a_question.pk).update(status="answered", answer="Ja.")
        client.force_login(world.mentor)

        response = client.post(reverse("mentoring:question_close", args=[a_question.pk]), **HX)

        assert response["HX-Redirect"] == reverse("mentoring:question", args=[a_question.pk])


# --- the speed-date -----------------------------------------------------------------------------------------


def a_round(world, cycle, *, minutes_left=12, department=None):
    now = timezone.now()
    return SpeedDate.objects.create(
        cycle=cycle,
        department=department or world.department,
        starts_at=now - datetime.timedelta(minutes=8),
        ends_at=now + datetime.timedelta(minutes=minutes_left),
        started_by=world.team_leader,
    )


class TestSpeedDate:
    def url(self, cycle):
        return reverse("mentoring:speed_date", args=[cycle.pk])

    def test_the_teacher_sees_open_questions_grouped_by_mentor(self, client, world, cycle, a_second_mentor):
        make_question(world, cycle, text="Vraag een van de mentor")
        make_question(world, cycle, text="Vraag twee van de mentor")
        make_question(
            world, cycle, student=a_second_mentor.student, asked_by=a_second_mentor.user, text="Vraag van Bakker"
        )
        make_question(world, cycle, status="answered", text="Al beantwoord")
        client.force_login(world.teacher)

        response = client.get(self.url(cycle))

        board = response.context["board"]
        groups = {group.mentor.pk: [q.text for q in group.questions] for group in board.to_answer}
        assert groups == {
            world.mentor.pk: ["Vraag een van de mentor", "Vraag twee van de mentor"],
            a_second_mentor.user.pk: ["Vraag van Bakker"],
        }
        assert [q.text for q in board.answered] == ["Al beantwoord"]
        noor = next(q for group in board.to_answer for q in group.questions if q.text == "Vraag van Bakker")
        assert (noor.entry.light, noor.entry.advice) == ("orange", "Meer oefenen met lezen.")
        html = response.content.decode()
        assert "Bea Bakker" in html
        assert "light--orange" in html
        assert "light--red" in html
        assert "Meer oefenen met lezen." in html
        assert 'hx-trigger="every 10s"' in html
        no_inline_code(html)

    def test_a_running_round_has_its_countdown(self, client, world, cycle):
        round_ = a_round(world, cycle)
        client.force_login(world.teacher)

        html = client.get(self.url(cycle)).content.decode()

        assert f'data-ends-at="{round_.ends_at.isoformat(timespec="seconds")}"' in html
        assert "data-countdown" in html
        assert 'role="timer"' in html
        local_end = timezone.localtime(round_.ends_at).strftime("%H:%M")
        assert local_end in html  # the end time as text, for a page without JavaScript
        assert 'src="/static/js/mentoring-questions.js"' in html

    def test_a_round_that_is_over_says_time_is_up(self, client, world, cycle):
        over = SpeedDate.objects.create(
            cycle=cycle,
            department=world.department,
            starts_at=timezone.now() - datetime.timedelta(minutes=30),
            ends_at=timezone.now() - datetime.timedelta(minutes=10),
        )
        client.force_login(world.teacher)

        response = client.get(self.url(cycle))

        [shown] = response.context["board"].rounds
        assert shown.speed_date == over
        assert not shown.is_running
        assert "round--over" in response.content.decode()

    def test_rounds_of_unrelated_departments_are_not_shown(self, client, world, cycle):
        a_round(world, cycle, department=world.other_department)
        client.force_login(world.teacher)  # teaches havo students only

        assert client.get(self.url(cycle)).context["board"].rounds == []

    def test_the_mentor_sees_which_questions_are_still_open(self, client, world, cycle):
        make_question(world, cycle, text="Nog open")
        make_question(world, cycle, status="answered", text="Beantwoord")
        client.force_login(world.mentor)

        response = client.get(self.url(cycle))

        board = response.context["board"]
        assert [(q.text, q.status) for q in board.asked] == [("Nog open", "open"), ("Beantwoord", "answered")]
        assert board.asked_open_count == 1
        assert board.to_answer == []
        assert "Antwoord." in response.content.decode()

    def test_the_team_leader_gets_the_start_form(self, client, world, cycle):
        client.force_login(world.team_leader)

        html = client.get(self.url(cycle)).content.decode()

        assert reverse("mentoring:speed_date_start", args=[cycle.pk, world.department.pk]) in html
        assert reverse("mentoring:speed_date_start", args=[cycle.pk, world.other_department.pk]) not in html
        assert 'value="20"' in html

    def test_a_teacher_gets_no_start_form(self, client, world, cycle):
        client.force_login(world.teacher)

        assert "speed-date/start/" not in client.get(self.url(cycle)).content.decode()

    def test_starting_a_round_comes_back_with_the_countdown(self, client, world, cycle):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("mentoring:speed_date_start", args=[cycle.pk, world.department.pk]), {"minutes": "15"}, follow=True
        )

        speed_date = SpeedDate.objects.get()
        assert speed_date.ends_at - speed_date.starts_at == datetime.timedelta(minutes=15)
        assert response.redirect_chain[-1][0] == self.url(cycle)
        assert "data-ends-at" in response.content.decode()

    @pytest.mark.parametrize("minutes", ["3", "500", "", "twintig"])
    def test_bad_minutes_give_a_message_and_no_round(self, client, world, cycle, minutes):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("mentoring:speed_date_start", args=[cycle.pk, world.department.pk]),
            {"minutes": minutes},
            follow=True,
        )

        assert response.status_code == 200
        assert 'class="alert alert--error"' in response.content.decode()
        assert not SpeedDate.objects.exists()

    def test_the_refresh_is_the_board_fragment(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        response = client.get(self.url(cycle), **hx("speed-date-board"))

        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert html.lstrip().startswith('<div id="speed-date-board"')
        assert "Hoe gaat het met de woordjes?" in html

    def test_a_closed_cycle_does_not_refresh(self, client, world, cycle, a_question):
        cycle.phase = Phase.CLOSED
        cycle.save()
        client.force_login(world.teacher)

        html = client.get(self.url(cycle)).content.decode()

        assert "hx-trigger" not in html
        assert "Hoe gaat het met de woordjes?" in html  # still readable
        assert reverse("mentoring:question_answer", args=[a_question.pk]) not in html  # read-only now

    def test_answering_inline_moves_the_question_to_done_and_announces_it(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        response = client.post(
            reverse("mentoring:question_answer", args=[a_question.pk]),
            {"answer": "Ja, vooraan.", "next": self.url(cycle)},
            **hx("speed-date-board"),
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        board = response.context["board"]
        assert board.to_answer == []
        assert [q.pk for q in board.answered] == [a_question.pk]
        assert 'hx-swap-oob="innerHTML:#messages"' in html
        assert escape(world.student.full_name) in html

    def test_an_empty_inline_answer_is_422_with_the_message_at_its_question(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        response = client.post(
            reverse("mentoring:question_answer", args=[a_question.pk]), {"answer": ""}, **hx("speed-date-board")
        )

        assert response.status_code == 422
        html = response.content.decode()
        assert f'id="id_q{a_question.pk}_answer"' in html
        assert 'aria-invalid="true"' in html
        a_question.refresh_from_db()
        assert a_question.status == "open"

    def test_without_htmx_the_inline_answer_goes_back_to_the_speed_date(self, client, world, cycle, a_question):
        client.force_login(world.teacher)

        response = client.post(
            reverse("mentoring:question_answer", args=[a_question.pk]), {"answer": "Ja.", "next": self.url(cycle)}
        )

        assert response.status_code == 302
        assert response.url == self.url(cycle)

    @pytest.mark.parametrize("who", ["teacher", "mentor", "team_leader"])
    def test_queries_do_not_grow_with_the_questions(self, client, world, cycle, django_assert_num_queries, who):
        a_round(world, cycle)
        make_question(world, cycle)
        client.force_login(getattr(world, who))
        with CaptureQueriesContext(connection) as small:
            assert client.get(self.url(cycle)).status_code == 200

        for index in range(4):
            mentor = StaffFactory(school=world.school)
            class_group = ClassGroupFactory(
                school=world.school,
                school_year=world.class_group.school_year,
                department=world.department,
                name=f"4H{index + 5}",
                mentors=[mentor],
            )
            for student in (
                StudentFactory(school=world.school, class_group=class_group),
                StudentFactory(school=world.school, class_group=world.class_group),
            ):
                Enrollment.objects.create(teaching_group=world.teaching_group, student=student)
                Entry.objects.create(cycle=cycle, teaching_group=world.teaching_group, student=student, light="red")
                asker = mentor.user if student.class_group == class_group else world.mentor
                make_question(world, cycle, student=student, asked_by=asker, status=["open", "answered"][index % 2])
        client.force_login(getattr(world, who))
        with django_assert_num_queries(len(small)):
            response = client.get(self.url(cycle))
        if who == "teacher":
            assert len(response.context["board"].to_answer) == 3  # world.mentor and two new mentors with open ones
        if who == "mentor":
            assert len(response.context["board"].asked) == 5


def test_a_user_without_staff_or_student_role_is_refused(client, world, a_cycle_in_speed_date):
    nobody = UserFactory(school=world.school)
    client.force_login(nobody)

    assert client.get(reverse("mentoring:inbox")).status_code == 403
    assert client.get(reverse("mentoring:speed_date", args=[a_cycle_in_speed_date.pk])).status_code == 404


class TestStudentQuestions:
    """The selector and partial the student page uses for "open questions"."""

    def test_open_first_and_only_what_the_user_may_read(self, world, cycle, django_assert_num_queries):
        from django.template.loader import render_to_string

        from mentoring.selectors.questions import student_questions

        answered = make_question(world, cycle, status="answered", text="Beantwoord")
        open_ = make_question(world, cycle, text="Nog open")
        make_question(world, cycle, student=world.other_student, text="Over een ander")

        world.mentor._roles_cache = None
        student_questions(cycle=cycle, student=world.student, user=world.mentor)  # roles read once
        with django_assert_num_queries(1):
            rows = student_questions(cycle=cycle, student=world.student, user=world.mentor)

        assert [q.pk for q in rows] == [open_.pk, answered.pk]
        assert student_questions(cycle=cycle, student=world.student, user=world.other_mentor) == []
        html = render_to_string("mentoring/questions/partials/student_questions.html", {"questions": rows})
        assert "Nog open" in html
        assert "Antwoord." in html
        assert "Over een ander" not in html
