"""Reads for questions to subject teachers and the speed-date (issue 4, step 2).

Each function returns what one page shows, in a fixed number of queries however
many questions there are: related rows come with select_related, and the entries
(light, grade, advice) of all questions on a page in one query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from reviews.models import Entry, LightScheme, ReviewCycle
from reviews.selectors import light_scheme_for
from school.models import ClassGroup, Department, Staff, Student, TeachingGroup, User
from school.policies import roles_of

from .. import policies
from ..models import Question, SpeedDate

Anyone = User | AnonymousUser

# --- shared pieces ---------------------------------------------------------------------------------

STATUS_RANK = Case(
    When(status=Question.Status.OPEN, then=Value(0)),
    When(status=Question.Status.ANSWERED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _with_entries(cycle_ids: set[int], questions: list[Question]) -> None:
    """Put each question's entry (light, grade, advice) on it as `.entry`, in one query (None: no entry)."""
    entries: dict[tuple[int, int, int], Entry] = {}
    if questions:
        wanted = Entry.objects.filter(
            cycle_id__in=cycle_ids,
            student_id__in={question.student_id for question in questions},
            teaching_group_id__in={question.teaching_group_id for question in questions},
        ).only("cycle_id", "student_id", "teaching_group_id", "grade", "light", "advice")
        entries = {(entry.cycle_id, entry.student_id, entry.teaching_group_id): entry for entry in wanted}
    for question in questions:
        question.entry = entries.get((question.cycle_id, question.student_id, question.teaching_group_id))


# --- the inbox ------------------------------------------------------------------------------------------


@dataclass
class CycleQuestions:
    """The questions of one review round, as the inbox lists them."""

    cycle: ReviewCycle
    questions: list[Question]


@dataclass
class Inbox:
    status: str  # the filter: "" for all, or a Question.Status
    counts: dict[str, int]  # questions addressed to the user, per status (unfiltered)
    received: list[CycleQuestions] = field(default_factory=list)
    asked: list[CycleQuestions] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def open_count(self) -> int:
        return self.counts.get(Question.Status.OPEN, 0)


def _by_cycle(questions: QuerySet[Question]) -> list[CycleQuestions]:
    return [
        CycleQuestions(cycle=cycle, questions=list(rows))
        for cycle, rows in groupby(questions, key=lambda question: question.cycle)
    ]


def inbox_for(user: Anyone, *, status: str = "") -> Inbox:
    """A teacher's questions (open first, then answered, then closed) and the questions they asked, per round.

    Three queries: the counts, the questions received and the questions asked.
    """
    if status not in Question.Status.values:
        status = ""
    received = policies.questions_addressed_to(user)
    counts = dict(received.order_by().values_list("status").annotate(n=Count("pk")))
    asked = policies.questions_visible_to(user).filter(asked_by_id=user.pk) if user.is_authenticated else None
    if status:
        received = received.filter(status=status)
        asked = asked.filter(status=status) if asked is not None else None
    order = ["-cycle__entry_deadline", "cycle_id", STATUS_RANK, "-asked_at", "-pk"]
    inbox = Inbox(status=status, counts=counts)
    inbox.received = _by_cycle(
        received.select_related("cycle", "student__class_group", "teaching_group__subject", "asked_by").order_by(
            *order
        )
    )
    if asked is not None:
        inbox.asked = _by_cycle(
            asked.select_related(
                "cycle", "student__class_group", "teaching_group__subject", "addressed_to__user"
            ).order_by(*order)
        )
    return inbox


# --- one question's thread --------------------------------------------------------------------------------


@dataclass
class QuestionThread:
    question: Question
    entry: Entry | None
    scheme: LightScheme
    can_answer: bool
    can_close: bool

    @property
    def light_label(self) -> str:
        light = self.entry.light if self.entry else ""
        return getattr(self.scheme, light, "") if light else ""


def question_thread(*, question: Question, user: Anyone) -> QuestionThread:
    """The question (from policies.question_get_for_user), its entry and what the user may do with it."""
    _with_entries({question.cycle_id}, [question])
    return QuestionThread(
        question=question,
        entry=question.entry,
        scheme=light_scheme_for(question.cycle.school_id),
        can_answer=question.status == Question.Status.OPEN and policies.can_answer_question(user, question),
        can_close=question.status != Question.Status.CLOSED and policies.can_close_question(user, question),
    )


# --- a student's questions (for the student page) ------------------------------------------------------------


def student_questions(*, cycle: ReviewCycle, student: Student, user: Anyone) -> list[Question]:
    """The questions about one student in one round that the user may read, open first (one query)."""
    return list(
        policies.questions_visible_to(user)
        .filter(cycle=cycle, student=student)
        .select_related("teaching_group__subject", "addressed_to__user", "asked_by")
        .order_by(STATUS_RANK, "teaching_group__subject__name", "-asked_at", "-pk")
    )


# --- asking -------------------------------------------------------------------------------------------------


def group_teachers(teaching_group: TeachingGroup) -> list[Staff]:
    """The group's active teachers by name: those a question about its entries may go to."""
    return list(
        teaching_group.teachers.filter(is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def default_teacher(
    *, cycle: ReviewCycle, student: Student, teaching_group: TeachingGroup, teachers: list[Staff], asker: User
) -> Staff | None:
    """Who a question goes to unless the mentor chooses: the teacher who last saved the entry, else the first by name.

    The asking mentor is never their own default (a mentor who also teaches the group asks a co-teacher).
    """
    candidates = [teacher for teacher in teachers if teacher.user_id != asker.pk]
    if not candidates:
        return None
    last_saved_by = (
        Entry.objects.filter(cycle=cycle, teaching_group=teaching_group, student=student)
        .values_list("updated_by_id", flat=True)
        .first()
    )
    for teacher in candidates:
        if last_saved_by is not None and teacher.user_id == last_saved_by:
            return teacher
    return candidates[0]


@dataclass
class AskPage:
    cycle: ReviewCycle
    student: Student
    group: TeachingGroup
    entry: Entry | None
    scheme: LightScheme
    teachers: list[Staff]  # those the question may go to (never the asker)
    default: Staff | None
    earlier: list[Question]  # questions about this entry in this round already

    @property
    def light_label(self) -> str:
        light = self.entry.light if self.entry else ""
        return getattr(self.scheme, light, "") if light else ""


def ask_page(*, cycle: ReviewCycle, student: Student, group: TeachingGroup, user: User) -> AskPage:
    """The entry a mentor asks about, who the question can go to, and what was asked about it before."""
    teachers = group_teachers(group)
    entry = (
        Entry.objects.filter(cycle=cycle, teaching_group=group, student=student)
        .only("grade", "light", "advice", "updated_by_id")
        .first()
    )
    default = default_teacher(cycle=cycle, student=student, teaching_group=group, teachers=teachers, asker=user)
    earlier = list(
        Question.objects.filter(cycle=cycle, student=student, teaching_group=group)
        .select_related("addressed_to__user")
        .order_by("-asked_at", "-pk")
    )
    return AskPage(
        cycle=cycle,
        student=student,
        group=group,
        entry=entry,
        scheme=light_scheme_for(cycle.school_id),
        teachers=[teacher for teacher in teachers if teacher.user_id != user.pk],
        default=default,
        earlier=earlier,
    )


# --- the speed-date -------------------------------------------------------------------------------------------


# A round that is over still shows ("time is up") for a while, then leaves the page.
ROUND_SHOWN_AFTER_END = datetime.timedelta(hours=1)


@dataclass
class Round:
    """The latest speed-date round of one department, running or just over."""

    speed_date: SpeedDate
    now: datetime.datetime

    @property
    def department(self) -> Department:
        return self.speed_date.department

    @property
    def is_running(self) -> bool:
        return self.speed_date.starts_at <= self.now < self.speed_date.ends_at

    @property
    def ends_at_iso(self) -> str:
        return self.speed_date.ends_at.isoformat(timespec="seconds")

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.speed_date.ends_at - self.now).total_seconds()))


@dataclass
class MentorQuestions:
    """A teacher's open questions from one mentor: they talk to each mentor in turn."""

    mentor: User | None
    questions: list[Question]


@dataclass
class DepartmentQuestions:
    """How far the questions about a department's students are, for its team leader."""

    department: Department
    open: int = 0
    answered: int = 0
    closed: int = 0

    @property
    def total(self) -> int:
        return self.open + self.answered + self.closed


@dataclass
class SpeedDateBoard:
    cycle: ReviewCycle
    now: datetime.datetime
    rounds: list[Round] = field(default_factory=list)
    to_answer: list[MentorQuestions] = field(default_factory=list)  # open, addressed to the user, per mentor
    answered: list[Question] = field(default_factory=list)  # addressed to the user, answered or closed
    asked: list[Question] = field(default_factory=list)  # asked by the user in this round, open first
    lead_departments: list[Department] = field(default_factory=list)  # where the user may start a round
    departments: list[DepartmentQuestions] = field(default_factory=list)  # the team leader's overview
    is_teacher: bool = False
    is_mentor: bool = False

    @property
    def open_count(self) -> int:
        return sum(len(group.questions) for group in self.to_answer)

    @property
    def asked_open_count(self) -> int:
        return sum(question.status == Question.Status.OPEN for question in self.asked)

    @property
    def asked_answered_count(self) -> int:
        return sum(question.status != Question.Status.OPEN for question in self.asked)

    @property
    def running(self) -> list[Round]:
        return [round_ for round_ in self.rounds if round_.is_running]

    @property
    def now_iso(self) -> str:
        return self.now.isoformat(timespec="seconds")

    @property
    def polls(self) -> bool:
        """Refresh every few seconds while the round is open; a closed round does not change."""
        return not self.cycle.is_closed


def _mentor_key(question: Question) -> tuple[str, str, int]:
    mentor = question.asked_by
    if mentor is None:
        return ("\uffff", "", 0)  # a mentor who has left: last
    return (mentor.last_name.lower(), mentor.first_name.lower(), mentor.pk)


def speed_date_board(*, cycle: ReviewCycle, user: User) -> SpeedDateBoard:
    """What one user sees on the cycle's speed-date page, in at most six queries whatever the numbers.

    A teacher: their open questions grouped by mentor, with each student's light and advice, and
    those already answered. A mentor: the questions they asked, with their status. Everyone: the
    latest round of each department they teach, mentor or lead in, for the countdown; a team
    leader also the departments where they may start a round, and how far each one's questions are.
    """
    roles = roles_of(user)
    now = timezone.now()
    board = SpeedDateBoard(cycle=cycle, now=now)
    received: list[Question] = []
    if roles.is_staff_member:
        received = list(
            policies.questions_addressed_to(user)
            .filter(cycle=cycle)
            .select_related("student__class_group", "teaching_group__subject", "asked_by")
            .order_by(STATUS_RANK, "asked_at", "pk")
        )
    asked: list[Question] = []
    if roles.mentor_class_ids:
        asked = list(
            policies.questions_visible_to(user)
            .filter(cycle=cycle, asked_by_id=user.pk)
            .select_related("student__class_group", "teaching_group__subject", "addressed_to__user")
            .order_by(STATUS_RANK, "student__last_name", "student__first_name", "asked_at", "pk")
        )
    _with_entries({cycle.pk}, received + asked)

    open_received = sorted((q for q in received if q.status == Question.Status.OPEN), key=_mentor_key)
    board.to_answer = [
        MentorQuestions(mentor=rows[0].asked_by, questions=rows)
        for rows in (list(group) for _key, group in groupby(open_received, key=_mentor_key))
    ]
    board.answered = sorted(
        (q for q in received if q.status != Question.Status.OPEN),
        key=lambda q: q.answered_at or q.asked_at,
        reverse=True,
    )
    board.asked = asked
    board.is_teacher = bool(roles.teaching_group_ids) or bool(received)
    board.is_mentor = bool(roles.mentor_class_ids)

    # The rounds that concern the user: departments they lead or mentor in, of the students they
    # teach, and of the students their questions are about.
    student_departments = {
        q.student.class_group.department_id for q in received + asked if q.student.class_group_id is not None
    }
    relevant = Q(department_id__in=roles.led_department_ids | student_departments)
    if roles.mentor_class_ids:
        relevant |= Q(
            department_id__in=ClassGroup.objects.filter(pk__in=roles.mentor_class_ids).values("department_id")
        )
    if roles.teaching_group_ids:
        relevant |= Q(
            department_id__in=Student.objects.filter(
                enrollments__teaching_group_id__in=roles.teaching_group_ids, class_group__isnull=False
            ).values("class_group__department_id")
        )
    latest: dict[int, SpeedDate] = {}
    for speed_date in (
        SpeedDate.objects.filter(relevant, cycle=cycle, ends_at__gt=now - ROUND_SHOWN_AFTER_END)
        .select_related("department")
        .order_by("-starts_at", "-pk")
    ):
        latest.setdefault(speed_date.department_id, speed_date)
    board.rounds = sorted(
        (Round(speed_date=speed_date, now=now) for speed_date in latest.values()),
        key=lambda round_: (not round_.is_running, round_.speed_date.ends_at, round_.department.name),
    )
    if roles.led_department_ids:
        led = list(cycle.departments.filter(pk__in=roles.led_department_ids).order_by("name"))
        if not cycle.is_closed:
            board.lead_departments = led
        board.departments = _department_questions(cycle, led)
    return board


def _department_questions(cycle: ReviewCycle, departments: list[Department]) -> list[DepartmentQuestions]:
    """Questions per status about the students of each department (one query)."""
    overview = {department.pk: DepartmentQuestions(department=department) for department in departments}
    if not overview:
        return []
    counts = (
        Question.objects.filter(cycle=cycle, student__class_group__department_id__in=list(overview))
        .order_by()
        .values_list("student__class_group__department_id", "status")
        .annotate(n=Count("pk"))
    )
    for department_id, status, number in counts:
        setattr(overview[department_id], status, number)
    return list(overview.values())
