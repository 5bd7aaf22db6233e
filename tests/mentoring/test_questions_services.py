"""Questions to subject teachers and speed-date rounds: the service rules, bad input, and the teacher's e-mail."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import formats, timezone, translation

from mentoring.models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH, Question, SpeedDate
from mentoring.services import questions as services
from reviews.models import Entry, Phase
from school.models import Enrollment
from tests.factories import SchoolYearFactory, StaffFactory, StudentFactory, TeachingGroupFactory


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are asserted in English (the msgids); the Dutch catalogue is checked elsewhere."""
    with translation.override("en"):
        yield


def ask(world, cycle, **kwargs):
    values = {
        "cycle": cycle,
        "student": world.student,
        "teaching_group": world.teaching_group,
        "actor": world.mentor,
        "text": "Wat helpt Sam het meest bij woordjes leren?",
    }
    values.update(kwargs)
    return services.question_ask(**values)


@pytest.fixture
def cycle(a_cycle_in_speed_date):
    return a_cycle_in_speed_date


@pytest.fixture
def a_question(world, cycle) -> Question:
    return Question.objects.create(
        cycle=cycle,
        student=world.student,
        teaching_group=world.teaching_group,
        addressed_to=world.teacher.staff,
        asked_by=world.mentor,
        text="Hoe gaat het met de woordjes?",
    )


@pytest.fixture
def a_co_teacher(world):
    """A second teacher of 4H-ne1, first by name."""
    staff = StaffFactory(school=world.school, user__first_name="Anna", user__last_name="Aalders")
    world.teaching_group.teachers.add(staff)
    return staff


# --- asking ---------------------------------------------------------------------------------------


class TestAsk:
    def test_the_mentor_asks_the_teacher_who_saved_the_entry(
        self, world, cycle, a_co_teacher, django_capture_on_commit_callbacks, mailoutbox
    ):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            question = ask(world, cycle, text="  Wat helpt Sam het meest?  ")

        assert question.addressed_to == world.teacher.staff  # not Aalders, first by name: world.teacher saved it
        assert question.text == "Wat helpt Sam het meest?"
        assert question.status == Question.Status.OPEN
        assert question.asked_by == world.mentor
        assert len(callbacks) == 1
        assert [mail.to for mail in mailoutbox] == [[world.teacher.email]]

    def test_without_an_entry_it_goes_to_the_first_teacher_by_name(self, world, cycle, a_co_teacher):
        Entry.objects.filter(cycle=cycle).delete()

        question = ask(world, cycle)

        assert question.addressed_to == a_co_teacher

    def test_the_mentor_may_choose_another_teacher_of_the_group(self, world, cycle, a_co_teacher):
        question = ask(world, cycle, addressed_to=a_co_teacher)

        assert question.addressed_to == a_co_teacher

    def test_a_teacher_who_does_not_teach_the_group_is_refused(self, world, cycle):
        with pytest.raises(ValidationError) as error:
            ask(world, cycle, addressed_to=world.other_teacher.staff)

        assert error.value.message_dict == {"addressed_to": ["Choose one of the teachers of 4H-ne1."]}
        assert not Question.objects.exists()

    def test_an_inactive_teacher_is_not_asked(self, world, cycle, a_co_teacher):
        world.teacher.staff.is_active = False
        world.teacher.staff.save()

        question = ask(world, cycle)

        assert question.addressed_to == a_co_teacher

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "Write your question."),
            ("   \n ", "Write your question."),
            ("x" * (QUESTION_MAX_LENGTH + 1), "Your question is 501 characters long; at most 500 fit. Keep it short."),
        ],
        ids=["empty", "blank", "too-long"],
    )
    def test_bad_text_is_refused_with_a_clear_message(self, world, cycle, mailoutbox, text, message):
        with translation.override("en"), pytest.raises(ValidationError) as error:
            ask(world, cycle, text=text)

        assert error.value.message_dict == {"text": [message]}
        assert not Question.objects.exists()
        assert mailoutbox == []

    def test_exactly_the_maximum_fits(self, world, cycle):
        assert len(ask(world, cycle, text="x" * QUESTION_MAX_LENGTH).text) == QUESTION_MAX_LENGTH

    def test_a_student_not_in_the_group_is_refused(self, world, cycle):
        classmate = StudentFactory(school=world.school, class_group=world.class_group)

        with translation.override("en"), pytest.raises(ValidationError) as error:
            ask(world, cycle, student=classmate)

        assert error.value.messages == [f"{classmate.full_name} is not in teaching group 4H-ne1."]
        assert not Question.objects.exists()

    def test_a_group_outside_the_cycle_is_refused(self, world, cycle):
        # A group of another school year: not in this round, even with the student enrolled.
        last_year = SchoolYearFactory(school=world.school, name="2025-2026")
        other_year_group = TeachingGroupFactory(
            school=world.school, school_year=last_year, name="oud-ne", teachers=[world.teacher.staff]
        )
        Enrollment.objects.create(teaching_group=other_year_group, student=world.student)

        with pytest.raises(PermissionDenied):
            ask(world, cycle, teaching_group=other_year_group)
        assert not Question.objects.exists()

    def test_a_closed_cycle_is_refused(self, world, cycle):
        cycle.phase = Phase.CLOSED
        cycle.save()

        with pytest.raises(PermissionDenied):
            ask(world, cycle)
        assert not Question.objects.exists()

    @pytest.mark.parametrize("who", ["other_mentor", "team_leader", "teacher", "admin", "student_user", "outsider"])
    def test_only_the_students_own_mentor_asks(self, world, cycle, who):
        with pytest.raises(PermissionDenied):
            ask(world, cycle, actor=getattr(world, who))
        assert not Question.objects.exists()

    def test_a_mentor_who_also_teaches_the_group_does_not_ask_themselves(self, world, cycle):
        world.teaching_group.teachers.add(world.mentor.staff)

        with translation.override("en"), pytest.raises(ValidationError) as error:
            ask(world, cycle, addressed_to=world.mentor.staff)

        assert error.value.message_dict == {
            "addressed_to": ["You teach this group yourself: ask one of the other teachers."]
        }
        # Without a choice it goes to the other teacher, even when the mentor saved the entry last.
        Entry.objects.filter(cycle=cycle).update(updated_by=world.mentor)
        assert ask(world, cycle).addressed_to == world.teacher.staff

    def test_the_only_teacher_cannot_ask_themselves(self, world, cycle):
        world.teaching_group.teachers.set([world.mentor.staff])

        with translation.override("en"), pytest.raises(ValidationError) as error:
            ask(world, cycle)

        assert error.value.messages == ["You are the only teacher of 4H-ne1: there is nobody else to ask."]
        assert not Question.objects.exists()

    def test_a_group_without_teachers_says_so(self, world, cycle):
        world.teaching_group.teachers.clear()

        with translation.override("en"), pytest.raises(ValidationError) as error:
            ask(world, cycle)

        assert error.value.messages == [
            "Teaching group 4H-ne1 has no teacher in the roster, so there is nobody to ask."
        ]
        assert not Question.objects.exists()

    def test_a_double_submit_asks_once(self, world, cycle, django_capture_on_commit_callbacks, mailoutbox):
        with django_capture_on_commit_callbacks(execute=True):
            first = ask(world, cycle)
            second = ask(world, cycle)

        assert first.pk == second.pk
        assert Question.objects.count() == 1
        assert len(mailoutbox) == 1


# --- the e-mail ---------------------------------------------------------------------------------------


class TestNotice:
    def test_the_mail_names_student_subject_question_and_link(
        self, world, cycle, django_capture_on_commit_callbacks, mailoutbox
    ):
        with django_capture_on_commit_callbacks(execute=True):
            question = ask(world, cycle, text="Zit Sam vooraan in de klas? Tom & Jerry")

        [mail] = mailoutbox
        assert mail.to == [world.teacher.email]
        assert mail.reply_to == [world.mentor.email]
        assert world.student.full_name in mail.subject
        assert "Nederlands" in mail.subject
        assert "Zit Sam vooraan in de klas? Tom & Jerry" in mail.body  # plain text, not escaped
        assert "4H-ne1" in mail.body
        assert "4H1" in mail.body
        assert world.mentor.get_full_name() in mail.body
        assert f"{settings.SITE_URL}/mentoring/questions/{question.pk}/" in mail.body

    def test_names_are_not_html_escaped(self, world, cycle, django_capture_on_commit_callbacks, mailoutbox):
        world.student.first_name, world.student.infix, world.student.last_name = "Senn", "van 't", "Wel & Co"
        world.student.save()

        with django_capture_on_commit_callbacks(execute=True):
            ask(world, cycle)

        [mail] = mailoutbox
        assert "Senn van 't Wel & Co" in mail.subject
        assert "Senn van 't Wel & Co" in mail.body

    @pytest.mark.parametrize("language", ["nl", "en"])
    def test_the_mail_is_in_the_teachers_own_language(
        self, world, cycle, django_capture_on_commit_callbacks, mailoutbox, language
    ):
        world.teacher.language = language
        world.teacher.save()

        # Whatever the language the asker works in.
        with (
            translation.override("nl" if language == "en" else "en"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            question = ask(world, cycle)

        [mail] = mailoutbox
        with translation.override(language):
            moment = timezone.localtime(question.asked_at, zoneinfo.ZoneInfo(world.school.timezone))
            asked = formats.date_format(moment, "l j F Y")
            subject = translation.gettext("Question about %(name)s (%(subject)s)") % {
                "name": world.student.full_name,
                "subject": "Nederlands",
            }
        assert asked in mail.body  # the weekday and month in the teacher's language
        assert mail.subject == subject

    def test_the_school_language_when_the_teacher_chose_none(
        self, world, cycle, django_capture_on_commit_callbacks, mailoutbox
    ):
        world.school.language = "en"
        world.school.save()

        with django_capture_on_commit_callbacks(execute=True):
            ask(world, cycle)

        [mail] = mailoutbox
        assert mail.body.startswith(f"Hello {world.teacher.first_name},")

    def test_no_address_no_mail_and_no_error(self, world, cycle, django_capture_on_commit_callbacks, mailoutbox):
        world.teacher.email = ""
        world.teacher.save()

        with django_capture_on_commit_callbacks(execute=True):
            question = ask(world, cycle)

        assert mailoutbox == []
        assert Question.objects.get().pk == question.pk

    def test_a_question_answered_or_withdrawn_before_the_task_ran_sends_nothing(self, world, a_question, mailoutbox):
        Question.objects.filter(pk=a_question.pk).update(status=Question.Status.ANSWERED, answer="Ja.")
        assert services.question_notice_send(question_id=a_question.pk) is False
        a_question.delete()
        assert services.question_notice_send(question_id=a_question.pk) is False
        assert mailoutbox == []


# --- answering ------------------------------------------------------------------------------------------


class TestAnswer:
    def test_the_teacher_answers_in_writing(self, world, a_question):
        question = services.question_answer(question=a_question, actor=world.teacher, text="  Ja, vooraan.  ")

        stored = Question.objects.get()
        assert (stored.status, stored.answer, stored.answered_in_person) == ("answered", "Ja, vooraan.", False)
        assert stored.answered_by == world.teacher
        assert stored.answered_at is not None
        assert question.status == "answered"

    def test_face_to_face_needs_no_text(self, world, a_question):
        services.question_answer(question=a_question, actor=world.teacher, in_person=True)

        stored = Question.objects.get()
        assert (stored.status, stored.answer, stored.answered_in_person) == ("answered", "", True)

    def test_an_empty_answer_is_refused(self, world, a_question):
        with translation.override("en"), pytest.raises(ValidationError) as error:
            services.question_answer(question=a_question, actor=world.teacher, text="   ")

        assert error.value.message_dict == {"answer": ["Write your answer, or mark that you answered face to face."]}
        assert Question.objects.get().status == "open"

    def test_a_too_long_answer_is_refused(self, world, a_question):
        with translation.override("en"), pytest.raises(ValidationError) as error:
            services.question_answer(question=a_question, actor=world.teacher, text="x" * (ANSWER_MAX_LENGTH + 1))

        assert error.value.message_dict == {"answer": ["Your answer is 2001 characters long; at most 2000 fit."]}
        assert Question.objects.get().status == "open"

    @pytest.mark.parametrize("who", ["mentor", "team_leader", "other_teacher", "admin", "student_user"])
    def test_only_the_addressed_teacher_answers(self, world, a_question, who):
        with pytest.raises(PermissionDenied):
            services.question_answer(question=a_question, actor=getattr(world, who), text="Ja.")
        assert Question.objects.get().status == "open"

    def test_a_double_submit_answers_once(self, world, a_question):
        services.question_answer(question=a_question, actor=world.teacher, text="Ja.")
        first_at = Question.objects.get().answered_at

        again = services.question_answer(question=Question.objects.get(), actor=world.teacher, text="Ja.")

        assert again.status == "answered"
        assert Question.objects.get().answered_at == first_at

    def test_a_second_different_answer_does_not_overwrite_the_first(self, world, a_question):
        services.question_answer(question=a_question, actor=world.teacher, text="Ja.")
        stale = Question.objects.get(pk=a_question.pk)
        stale.status = "open"  # the teacher's second tab still shows it open

        with translation.override("en"), pytest.raises(ValidationError) as error:
            services.question_answer(question=stale, actor=world.teacher, text="Nee, toch niet.")

        assert error.value.messages == ["This question has already been answered. Reload the page to read the answer."]
        assert Question.objects.get().answer == "Ja."

    def test_a_question_withdrawn_meanwhile_is_not_found(self, world, a_question):
        Question.objects.filter(pk=a_question.pk).delete()

        with pytest.raises(Http404):
            services.question_answer(question=a_question, actor=world.teacher, text="Ja.")

    def test_a_closed_question_needs_no_answer(self, world, a_question):
        Question.objects.filter(pk=a_question.pk).update(status="closed", answer="Ja.", closed_at=timezone.now())

        with translation.override("en"), pytest.raises(ValidationError) as error:
            services.question_answer(question=a_question, actor=world.teacher, text="Nog iets.")

        assert error.value.messages == ["This question is closed: it needs no answer any more."]
        assert Question.objects.get().answer == "Ja."

    def test_not_in_a_closed_cycle(self, world, cycle, a_question):
        cycle.phase = Phase.CLOSED
        cycle.save()

        with pytest.raises(PermissionDenied):
            services.question_answer(question=a_question, actor=world.teacher, text="Ja.")


# --- closing -------------------------------------------------------------------------------------------------


class TestClose:
    def test_the_mentor_closes_an_answered_question(self, world, a_question):
        services.question_answer(question=a_question, actor=world.teacher, text="Ja.")

        question = services.question_close(question=a_question, actor=world.mentor)

        stored = Question.objects.get()
        assert question.status == stored.status == "closed"
        assert stored.closed_at is not None
        assert stored.answer == "Ja."

    def test_an_open_question_no_longer_needed_is_withdrawn(self, world, a_question):
        question = services.question_close(question=a_question, actor=world.mentor)

        assert question.pk is None
        assert not Question.objects.exists()

    def test_closing_twice_changes_nothing(self, world, a_question):
        services.question_answer(question=a_question, actor=world.teacher, text="Ja.")
        services.question_close(question=a_question, actor=world.mentor)
        closed_at = Question.objects.get().closed_at

        services.question_close(question=Question.objects.get(), actor=world.mentor)

        assert Question.objects.get().closed_at == closed_at

    @pytest.mark.parametrize("who", ["teacher", "team_leader", "other_mentor", "admin"])
    def test_only_the_mentor_closes(self, world, a_question, who):
        services.question_answer(question=a_question, actor=world.teacher, text="Ja.")

        with pytest.raises(PermissionDenied):
            services.question_close(question=a_question, actor=getattr(world, who))
        assert Question.objects.get().status == "answered"


# --- speed-date rounds ---------------------------------------------------------------------------------------


class TestSpeedDateStart:
    def test_the_team_leader_starts_a_timeboxed_round(self, world, cycle):
        before = timezone.now()

        speed_date = services.speed_date_start(
            cycle=cycle, department=world.department, actor=world.team_leader, minutes=20
        )

        assert before <= speed_date.starts_at <= timezone.now()
        assert speed_date.ends_at - speed_date.starts_at == datetime.timedelta(minutes=20)
        assert speed_date.started_by == world.team_leader

    def test_a_new_round_ends_the_running_one(self, world, cycle):
        first = SpeedDate.objects.create(
            cycle=cycle,
            department=world.department,
            starts_at=timezone.now() - datetime.timedelta(minutes=5),
            ends_at=timezone.now() + datetime.timedelta(minutes=15),
        )
        other_department = SpeedDate.objects.create(
            cycle=cycle,
            department=world.other_department,
            starts_at=timezone.now() - datetime.timedelta(minutes=5),
            ends_at=timezone.now() + datetime.timedelta(minutes=15),
        )

        second = services.speed_date_start(
            cycle=cycle, department=world.department, actor=world.team_leader, minutes=10
        )

        first.refresh_from_db()
        other_department.refresh_from_db()
        assert first.ends_at <= second.starts_at
        assert other_department.ends_at > timezone.now()  # another department's round runs on

    @pytest.mark.parametrize("minutes", [4, 121, 0, -5, "tien", None])
    def test_the_minutes_must_be_5_to_120(self, world, cycle, minutes):
        with translation.override("en"), pytest.raises(ValidationError) as error:
            services.speed_date_start(
                cycle=cycle, department=world.department, actor=world.team_leader, minutes=minutes
            )

        assert error.value.message_dict == {"minutes": ["A speed-date round lasts from 5 to 120 minutes."]}
        assert not SpeedDate.objects.exists()

    @pytest.mark.parametrize("minutes", [5, 120])
    def test_the_limits_themselves_are_fine(self, world, cycle, minutes):
        services.speed_date_start(cycle=cycle, department=world.department, actor=world.team_leader, minutes=minutes)

        assert SpeedDate.objects.count() == 1

    @pytest.mark.parametrize("who", ["other_team_leader", "mentor", "teacher", "admin"])
    def test_only_the_departments_team_leader(self, world, cycle, who):
        with pytest.raises(PermissionDenied):
            services.speed_date_start(cycle=cycle, department=world.department, actor=getattr(world, who), minutes=20)
        assert not SpeedDate.objects.exists()

    def test_a_department_outside_the_cycle_is_refused(self, world, cycle):
        cycle.departments.set([world.other_department])

        with pytest.raises(PermissionDenied):
            services.speed_date_start(cycle=cycle, department=world.department, actor=world.team_leader, minutes=20)

    def test_not_in_a_closed_cycle(self, world, cycle):
        cycle.phase = Phase.CLOSED
        cycle.save()

        with translation.override("en"), pytest.raises(ValidationError) as error:
            services.speed_date_start(cycle=cycle, department=world.department, actor=world.team_leader, minutes=20)

        assert error.value.messages == ["This round is closed: no speed-date can start any more."]
        assert not SpeedDate.objects.exists()
