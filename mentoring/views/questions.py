"""Questions to subject teachers and the speed-date (issue 4, step 2).

Thin: policy → selector or service → render. Out of scope is 404 (another
school's question, a question about a student the user does not follow and not
addressed to them); a page the user can see but may not use is 403 (the mentor
pressing "answer", the teacher pressing "close", a team leader asking about a
student who is not their mentee).

HTMX: the speed-date page refreshes its board every 10 seconds (the same URL
gives the board's fragment), and a teacher answers there inline: the answer
comes back as the new board (200), or the board with the form's errors (422).
An answer on the question's own page comes back as the thread's fragment. Every
form also posts normally and is redirected (post/redirect/get).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.models import AuditEvent
from audit.services import audit_record
from reviews import policies as review_policies
from reviews.models import ReviewCycle
from school.forms import add_service_errors
from school.models import Student
from school.web import safe_next_url

from .. import policies
from ..forms_questions import AnswerForm, QuestionForm, SpeedDateStartForm, staff_label
from ..models import Question
from ..selectors import questions as selectors
from ..services import questions as services

BOARD_ID = "speed-date-board"
THREAD_ID = "question-thread"


def _student_url(cycle: ReviewCycle, student: Student) -> str | None:
    try:
        return reverse("mentoring:student", args=[cycle.pk, student.pk])
    except NoReverseMatch:  # the student page is another part of the app
        return None


# --- asking ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def question_ask(request: HttpRequest, cycle_pk: int, student_pk: int, group_pk: int) -> HttpResponse:
    """Ask the teacher of one entry a question: the entry, who it goes to, the question."""
    cycle = review_policies.cycle_get_for_user(request.user, cycle_pk)
    student = policies.followed_student_get_for_user(request.user, student_pk)
    if not review_policies.cycle_students(cycle).filter(pk=student.pk).exists():
        raise Http404
    group = get_object_or_404(
        review_policies.cycle_teaching_groups(cycle).filter(enrollments__student=student).select_related("subject"),
        pk=group_pk,
    )
    if not policies.can_mentor_in_cycle(request.user, cycle, student):
        raise PermissionDenied  # they follow the student (a team leader), or the round is closed
    page = selectors.ask_page(cycle=cycle, student=student, group=group, user=request.user)
    data = request.POST if request.method == "POST" else None
    form = QuestionForm(data, teachers=page.teachers, default=page.default)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_ask(
                cycle=cycle,
                student=student,
                teaching_group=group,
                actor=request.user,
                text=form.cleaned_data["text"],
                addressed_to=form.cleaned_data.get("addressed_to"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return render(request, "mentoring/questions/partials/ask_done.html", {"question": question})
            messages.success(
                request, _("Your question went to %(name)s.") % {"name": staff_label(question.addressed_to)}
            )
            return redirect(
                safe_next_url(request)
                or _student_url(cycle, student)
                or reverse("mentoring:question", args=[question.pk])
            )
    context = {
        "page": page,
        "form": form,
        "next": safe_next_url(request) or "",
        "back_url": safe_next_url(request) or _student_url(cycle, student),
    }
    if request.htmx:  # the form embedded in another page, or its errors (422)
        status = 422 if request.method == "POST" else 200
        return render(request, "mentoring/questions/partials/ask_form.html", context, status=status)
    return render(request, "mentoring/questions/ask.html", context)


# --- the inbox and one thread -----------------------------------------------------------------------------


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The questions addressed to the user, open first, and the questions they asked."""
    if not policies.can_receive_questions(request.user):
        raise PermissionDenied  # students and parents know the product has questions, not theirs
    data = selectors.inbox_for(request.user, status=request.GET.get("status", ""))
    filters = [
        ("", _("All"), data.total),
        (Question.Status.OPEN, _("To answer"), data.counts.get(Question.Status.OPEN, 0)),
        (Question.Status.ANSWERED, _("Answered"), data.counts.get(Question.Status.ANSWERED, 0)),
        (Question.Status.CLOSED, _("Closed"), data.counts.get(Question.Status.CLOSED, 0)),
    ]
    return render(request, "mentoring/questions/inbox.html", {"inbox": data, "filters": filters})


def _thread_context(request: HttpRequest, question: Question, *, answer_form: AnswerForm | None = None) -> dict:
    thread = selectors.question_thread(question=question, user=request.user)
    return {
        "thread": thread,
        "question": question,
        "answer_form": answer_form or AnswerForm(),
        "student_url": _student_url(question.cycle, question.student)
        if policies.can_follow_student(request.user, question.student)
        else None,
    }


@require_GET
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = policies.question_get_for_user(request.user, pk)
    # The thread shows one student's entry (light and advice) and what was asked about it: a read per page load.
    audit_record(
        request_or_actor=request,
        action=AuditEvent.Action.READ,
        kind=AuditEvent.Kind.QUESTION,
        obj=question,
        summary=gettext_noop("Question about a student's entry read"),
    )
    return render(request, "mentoring/questions/detail.html", _thread_context(request, question))


@require_POST
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The addressed teacher answers in writing, or marks that they answered face to face."""
    question = policies.question_get_for_user(request.user, pk)
    if not policies.can_answer_question(request.user, question):
        raise PermissionDenied
    on_board = request.htmx and request.htmx.target == BOARD_ID
    form = AnswerForm(request.POST, question_pk=question.pk if on_board else None)
    if form.is_valid():
        try:
            services.question_answer(
                question=question,
                actor=request.user,
                text=form.cleaned_data["answer"],
                in_person=form.cleaned_data["in_person"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        if on_board:
            return _board_response(request, question.cycle, errors={question.pk: form}, status=422)
        context = _thread_context(request, question, answer_form=form)
        if request.htmx:
            return render(request, "mentoring/questions/partials/thread.html", context, status=422)
        return render(request, "mentoring/questions/detail.html", context, status=422)

    done = _("Answer sent about %(student)s. The mentor sees it now.") % {"student": question.student.full_name}
    if on_board:
        return _board_response(request, question.cycle, announce=done)
    if request.htmx:
        context = {**_thread_context(request, question), "announce": done}
        return render(request, "mentoring/questions/partials/thread.html", context)
    messages.success(request, done)
    return redirect(safe_next_url(request) or reverse("mentoring:question", args=[question.pk]))


@require_POST
def question_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The mentor closes an answered question, or withdraws an open one that is no longer needed."""
    question = policies.question_get_for_user(request.user, pk)
    if not policies.can_close_question(request.user, question):
        raise PermissionDenied
    cycle, student = question.cycle, question.student
    services.question_close(question=question, actor=request.user)
    if question.pk is None:
        messages.success(request, _("Your question is withdrawn: the teacher no longer sees it."))
        url = safe_next_url(request) or _student_url(cycle, student) or reverse("mentoring:inbox")
    else:
        messages.success(request, _("The question is closed."))
        url = safe_next_url(request) or reverse("mentoring:question", args=[question.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


# --- the speed-date ------------------------------------------------------------------------------------------


def _speed_date_cycle(request: HttpRequest, cycle_pk: int) -> ReviewCycle:
    cycle = review_policies.cycle_get_for_user(request.user, cycle_pk)  # 404 for students, parents, other schools
    if not policies.can_join_speed_date(request.user, cycle):
        raise PermissionDenied
    return cycle


def _board_context(request: HttpRequest, cycle: ReviewCycle, *, errors: dict | None = None, announce: str = ""):
    board = selectors.speed_date_board(cycle=cycle, user=request.user)
    errors = errors or {}
    for mentor_group in board.to_answer:
        for question in mentor_group.questions:
            form = errors.get(question.pk) or AnswerForm(question_pk=question.pk)
            # Many answer boxes on one page: each label names its student.
            form.fields["answer"].label = _("Your answer about %(name)s") % {"name": question.student.full_name}
            question.answer_form = form
    return {
        "cycle": cycle,
        "board": board,
        "board_id": BOARD_ID,
        "announce": announce,
        "start_forms": [
            (department, SpeedDateStartForm(department_pk=department.pk)) for department in board.lead_departments
        ],
    }


def _board_response(request: HttpRequest, cycle: ReviewCycle, *, status: int = 200, **kwargs) -> HttpResponse:
    context = _board_context(request, cycle, **kwargs)
    return render(request, "mentoring/questions/partials/speed_date_board.html", context, status=status)


@require_GET
def speed_date(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    """Teachers: open questions per mentor with the round's countdown; mentors: their questions' status."""
    cycle = _speed_date_cycle(request, cycle_pk)
    if request.htmx:  # the page's own refresh every 10 seconds
        return _board_response(request, cycle)
    return render(request, "mentoring/questions/speed_date.html", _board_context(request, cycle))


@require_POST
def speed_date_start(request: HttpRequest, cycle_pk: int, department_pk: int) -> HttpResponse:
    """The team leader starts a timeboxed round for their department; a running one ends."""
    cycle = review_policies.cycle_get_for_user(request.user, cycle_pk)
    department = get_object_or_404(cycle.departments.all(), pk=department_pk)
    if not policies.can_lead_department(request.user, department):
        raise PermissionDenied
    form = SpeedDateStartForm(request.POST, department_pk=department.pk)
    if form.is_valid():
        try:
            round_ = services.speed_date_start(
                cycle=cycle, department=department, actor=request.user, minutes=form.cleaned_data["minutes"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The speed-date round for %(department)s has started; it ends at %(time)s.")
                % {"department": department.name, "time": _local_time(round_.ends_at)},
            )
    if form.errors:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return redirect("mentoring:speed_date", cycle_pk=cycle.pk)


def _local_time(moment) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")


urlpatterns = [
    path(
        "cycles/<int:cycle_pk>/students/<int:student_pk>/groups/<int:group_pk>/ask/",
        question_ask,
        name="question_ask",
    ),
    path("questions/", inbox, name="inbox"),
    path("questions/<int:pk>/", question_detail, name="question"),
    path("questions/<int:pk>/answer/", question_answer, name="question_answer"),
    path("questions/<int:pk>/close/", question_close, name="question_close"),
    path("cycles/<int:cycle_pk>/speed-date/", speed_date, name="speed_date"),
    path(
        "cycles/<int:cycle_pk>/departments/<int:department_pk>/speed-date/start/",
        speed_date_start,
        name="speed_date_start",
    ),
]
