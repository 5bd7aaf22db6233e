"""Writes for questions to subject teachers and the speed-date rounds (issue 4, step 2).

A mentor asks the teacher of one entry a short question; the teacher answers in
writing or face to face; the mentor closes the thread once the answer is clear,
or withdraws a question that is no longer needed before it is answered. A team
leader starts a timeboxed speed-date round for their department, in which
teachers answer the open questions addressed to them.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reviews import policies as review_policies
from reviews.models import ReviewCycle
from school import jobs
from school.models import Department, Staff, Student, TeachingGroup, User

from .. import policies, tasks
from ..models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH, Question, SpeedDate
from ..selectors import questions as selectors

logger = logging.getLogger(__name__)

SPEED_DATE_MIN_MINUTES = 5
SPEED_DATE_MAX_MINUTES = 120
SPEED_DATE_DEFAULT_MINUTES = 20


# --- asking, answering, closing --------------------------------------------------------------------


def _clean_text(text: str, *, field: str, max_length: int, required_message: str, too_long_message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(required_message, code="required")})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: ValidationError(
                    too_long_message, params={"length": len(text), "max": max_length}, code="max_length"
                )
            }
        )
    return text


def question_ask(
    *,
    cycle: ReviewCycle,
    student: Student,
    teaching_group: TeachingGroup,
    actor: User,
    text: str,
    addressed_to: Staff | None = None,
) -> Question:
    """The student's mentor asks a teacher of the group about the student's entry; the teacher is e-mailed.

    A double submit (the same open question again) asks once: the existing question comes back.
    """
    if not policies.can_mentor_in_cycle(actor, cycle, student):
        raise PermissionDenied
    if not review_policies.cycle_students(cycle).filter(pk=student.pk).exists():
        raise PermissionDenied
    if not review_policies.cycle_teaching_groups(cycle).filter(pk=teaching_group.pk).exists():
        raise PermissionDenied
    if not teaching_group.enrollments.filter(student=student).exists():
        raise ValidationError(
            _("%(student)s is not in teaching group %(group)s.")
            % {"student": student.full_name, "group": teaching_group.name},
            code="not_enrolled",
        )
    text = _clean_text(
        text,
        field="text",
        max_length=QUESTION_MAX_LENGTH,
        required_message=_("Write your question."),
        too_long_message=_("Your question is %(length)s characters long; at most %(max)s fit. Keep it short."),
    )
    teachers = selectors.group_teachers(teaching_group)
    if addressed_to is None:
        addressed_to = selectors.default_teacher(
            cycle=cycle, student=student, teaching_group=teaching_group, teachers=teachers, asker=actor
        )
        if addressed_to is None:
            if teachers:  # the mentor is the group's only teacher
                raise ValidationError(
                    _("You are the only teacher of %(group)s: there is nobody else to ask.")
                    % {"group": teaching_group.name},
                    code="self",
                )
            raise ValidationError(
                _("Teaching group %(group)s has no teacher in the roster, so there is nobody to ask.")
                % {"group": teaching_group.name},
                code="no_teacher",
            )
    elif addressed_to.pk not in {teacher.pk for teacher in teachers}:
        raise ValidationError(
            {"addressed_to": _("Choose one of the teachers of %(group)s.") % {"group": teaching_group.name}}
        )
    elif addressed_to.user_id == actor.pk:
        raise ValidationError({"addressed_to": _("You teach this group yourself: ask one of the other teachers.")})

    with transaction.atomic():
        existing = Question.objects.filter(
            cycle=cycle,
            student=student,
            teaching_group=teaching_group,
            addressed_to=addressed_to,
            asked_by=actor,
            status=Question.Status.OPEN,
            text=text,
        ).first()
        if existing is not None:
            return existing
        question = Question(
            cycle=cycle,
            student=student,
            teaching_group=teaching_group,
            addressed_to=addressed_to,
            asked_by=actor,
            text=text,
        )
        question.full_clean()
        question.save()
        # An e-mail without a job row: with the broker down it waits in the outbox (school.jobs), the question is kept.
        jobs.task_enqueue(tasks.question_notice_task, question.pk)
    return question


def question_answer(*, question: Question, actor: User, text: str = "", in_person: bool = False) -> Question:
    """The addressed teacher answers, in writing or (with an optional note) face to face.

    The update is conditional on the question still being open, so a double submit
    answers once: the same answer again changes nothing; a different one is refused.
    """
    if not policies.can_answer_question(actor, question):
        raise PermissionDenied
    text = (text or "").strip()
    if not text and not in_person:
        raise ValidationError(
            {
                "answer": ValidationError(
                    _("Write your answer, or mark that you answered face to face."), code="required"
                )
            }
        )
    if len(text) > ANSWER_MAX_LENGTH:
        raise ValidationError(
            {
                "answer": ValidationError(
                    _("Your answer is %(length)s characters long; at most %(max)s fit."),
                    params={"length": len(text), "max": ANSWER_MAX_LENGTH},
                    code="max_length",
                )
            }
        )
    # One conditional UPDATE: of two submits at once, one finds the question open.
    answered = Question.objects.filter(pk=question.pk, status=Question.Status.OPEN).update(
        status=Question.Status.ANSWERED,
        answer=text,
        answered_in_person=in_person,
        answered_by=actor,
        answered_at=timezone.now(),
    )
    current = Question.objects.filter(pk=question.pk).first()
    if current is None:
        raise Http404("The mentor withdrew this question.")  # between loading the page and answering it
    if not answered:
        if current.status == Question.Status.CLOSED:
            raise ValidationError(_("This question is closed: it needs no answer any more."), code="closed")
        if (current.answer, current.answered_in_person, current.answered_by_id) != (text, in_person, actor.pk):
            raise ValidationError(
                _("This question has already been answered. Reload the page to read the answer."), code="answered"
            )
    _refresh(question, current)
    return question


def question_close(*, question: Question, actor: User) -> Question:
    """The mentor closes the thread: answered → closed; an open question that is no longer needed is withdrawn.

    A withdrawn question is deleted (it has no answer to keep, and the teacher no longer sees it);
    the returned instance then has no pk. Closing twice changes nothing.
    """
    if not policies.can_close_question(actor, question):
        raise PermissionDenied
    with transaction.atomic():
        current = Question.objects.select_for_update().filter(pk=question.pk).first()
        if current is None:  # withdrawn a moment ago
            question.pk = None
            return question
        if current.status == Question.Status.OPEN:
            current.delete()
            question.pk = None
            question.status = Question.Status.CLOSED
            return question
        if current.status == Question.Status.ANSWERED:
            current.status = Question.Status.CLOSED
            current.closed_at = timezone.now()
            current.save(update_fields=["status", "closed_at"])
    _refresh(question, current)
    return question


def _refresh(question: Question, current: Question) -> None:
    """Copy the stored state onto the caller's instance, keeping the related objects it has loaded."""
    for name in ("status", "answer", "answered_in_person", "answered_by_id", "answered_at", "closed_at"):
        setattr(question, name, getattr(current, name))


# --- the e-mail to the teacher ------------------------------------------------------------------------


def question_notice_send(*, question_id: int) -> bool:
    """E-mail the addressed teacher about a new question, in their own language; True when a mail went out.

    Skipped (and logged) when the question was withdrawn or answered meanwhile, or the teacher has no address.
    """
    question = (
        Question.objects.select_related(
            "cycle__school", "student__class_group", "teaching_group__subject", "addressed_to__user", "asked_by"
        )
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        logger.info("Question %s is gone (withdrawn): no notice sent.", question_id)
        return False
    if question.status != Question.Status.OPEN:
        logger.info("Question %s is already %s: no notice sent.", question_id, question.status)
        return False
    teacher = question.addressed_to.user
    if not teacher.email:
        logger.info("Teacher %s has no e-mail address: no notice for question %s.", teacher.pk, question_id)
        return False
    school = question.cycle.school
    language = teacher.language or school.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(school.timezone):
        context = {
            "teacher": teacher,
            "question": question,
            "student": question.student,
            "group": question.teaching_group,
            "mentor": question.asked_by,
            "cycle": question.cycle,
            "question_url": settings.SITE_URL + reverse("mentoring:question", args=[question.pk]),
            "inbox_url": settings.SITE_URL + reverse("mentoring:inbox"),
        }
        subject = " ".join(render_to_string("mentoring/email/question_notice_subject.txt", context).split())
        body = render_to_string("mentoring/email/question_notice.txt", context)
    mentor = question.asked_by
    reply_to = [mentor.email] if mentor is not None and mentor.email else []
    EmailMessage(subject=subject, body=body, to=[teacher.email], reply_to=reply_to).send()
    return True


# --- speed-date rounds ---------------------------------------------------------------------------------


def speed_date_start(*, cycle: ReviewCycle, department: Department, actor: User, minutes: int) -> SpeedDate:
    """The department's team leader starts a timeboxed round now; a round still running is ended by it."""
    if not policies.can_lead_department(actor, department):
        raise PermissionDenied
    if not cycle.departments.filter(pk=department.pk).exists():
        raise PermissionDenied
    if cycle.is_closed:
        raise ValidationError(_("This round is closed: no speed-date can start any more."), code="closed")
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not SPEED_DATE_MIN_MINUTES <= minutes <= SPEED_DATE_MAX_MINUTES:
        raise ValidationError(
            {
                "minutes": ValidationError(
                    _("A speed-date round lasts from %(min)s to %(max)s minutes."),
                    params={"min": SPEED_DATE_MIN_MINUTES, "max": SPEED_DATE_MAX_MINUTES},
                    code="range",
                )
            }
        )
    now = timezone.now()
    with transaction.atomic():
        running = SpeedDate.objects.filter(cycle=cycle, department=department, ends_at__gt=now)
        # A round started this very instant (a double click) cannot end before it began: it is replaced.
        running.filter(starts_at__gte=now).delete()
        running.filter(starts_at__lt=now).update(ends_at=now)
        speed_date = SpeedDate(
            cycle=cycle,
            department=department,
            starts_at=now,
            ends_at=now + datetime.timedelta(minutes=minutes),
            started_by=actor,
        )
        speed_date.full_clean()
        speed_date.save()
    return speed_date
