"""Reads for the prep sheets: one student's sheet for the mentor talk, and a class's batch of them.

A prep sheet ("voorbereidingsblad") holds what the talk is about: the lights, grades and
advice per subject with the trend against the previous round, the department meeting's
decisions about the student (the decision and its agreements: never votes, notes or the
escalation's text), the student's reflection and goals once submitted (a draft is the
student's own), and last time's agreements with what came of them. Built in a fixed number
of queries, however many subjects, decisions or agreements there are.

Which language a sheet is in: a guardian reads it in their preferred language, a student in
theirs, staff in the school's; the class batch makes each student's sheet in the family's
language (the first guardian with a preferred language, else the school's).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from reviews import policies as review_policies
from reviews.models import LightScheme, ReviewCycle
from reviews.selectors import light_scheme_for, light_styles
from school.models import ClassGroup, Guardian, School, Student, User
from school.policies import roles_of

from .. import policies
from ..models import Agreement, Decision, PrepSheetJob, Reflection
from .evidence import Evidence, student_evidence

# A job still "waiting" or "being made" after this long was lost (a worker killed by its hard
# time limit, a message dropped): asking again starts it afresh. A batch of 30 takes seconds.
PREP_SHEETS_STALE_AFTER = datetime.timedelta(minutes=30)


# --- languages ------------------------------------------------------------------------------------------


def supported_language(code: str | None) -> str | None:
    """`code` when the site has a translation for it (settings.LANGUAGES), else None."""
    if not code:
        return None
    available = {language for language, _name in settings.LANGUAGES}
    if code in available:
        return code
    base = code.split("-")[0].lower()
    return base if base in available else None


def school_language(school: School) -> str:
    return supported_language(school.language) or settings.LANGUAGE_CODE


def family_language(*, student: Student, school: School, guardians: list[Guardian] | None = None) -> str:
    """The language of the sheet sent home: the first guardian's preferred language, else the school's.

    An adult student whose guardians may not see their feedback reads it alone: their own language.
    `guardians` (with `user`) may be passed prefetched, in order; otherwise they are read (one query).
    """
    if guardians is None:
        guardians = list(student.guardians.select_related("user").order_by("pk"))
    if guardians and policies.is_adult(student):
        sharing = getattr(student, "guardian_sharing", None)
        if sharing is None or not sharing.guardians_may_see:
            guardians = []
    if not guardians and student.user is not None:
        return supported_language(student.user.language) or school_language(school)
    for guardian in guardians:
        language = supported_language(guardian.user.language)
        if language:
            return language
    return school_language(school)


def reader_language(*, user: User, student: Student, school: School) -> str:
    """The language of the sheet for the person reading it now.

    The student and their guardians read it in their own preferred language; the school's staff in the school's.
    """
    roles = roles_of(user)
    if roles.is_family_of(student.pk):
        return supported_language(user.language) or school_language(school)
    return school_language(school)


# --- one student's sheet --------------------------------------------------------------------------------


@dataclass
class SheetLight:
    """A light as the sheet prints it: colour, the letter and the school's word (never colour alone)."""

    value: str
    letter: str
    word: str


@dataclass
class SheetSubject:
    subject: str
    light: SheetLight | None
    grade: Decimal | None
    advice: str
    trend: str | None


@dataclass
class SheetAgreement:
    text: str
    owner: str  # the role, in words
    owner_name: str  # the member of staff, where one was named
    due_on: datetime.date
    status: str  # the value (open, met, ...)
    status_label: str


@dataclass
class SheetDecision:
    text: str
    decided_at: datetime.datetime
    agreements: list[SheetAgreement] = field(default_factory=list)


@dataclass
class SheetAnswer:
    prompt: str
    answer: str


@dataclass
class SheetGoal:
    position: int
    goal: str
    action: str
    measure: str


@dataclass
class PrepSheetData:
    """Everything one prep sheet shows. Labels are lazy: render it inside the reader's language."""

    school: str
    cycle: ReviewCycle
    period: str
    student: Student
    class_group: str
    mentors: list[str]
    scheme: LightScheme
    previous_cycle: str
    subjects: list[SheetSubject]
    red: int
    orange: int
    green: int
    trend: str | None
    decisions: list[SheetDecision]
    reflection_submitted: bool
    reflection_submitted_at: datetime.datetime | None
    answers: list[SheetAnswer]
    goals: list[SheetGoal]
    earlier_agreements: list[SheetAgreement]
    made_at: datetime.datetime


def _staff_name(staff) -> str:
    if staff is None:
        return ""
    return staff.user.get_full_name() or staff.user.get_username()


def _agreement(agreement: Agreement) -> SheetAgreement:
    return SheetAgreement(
        text=agreement.text,
        owner=str(agreement.get_owner_display()),
        owner_name=_staff_name(agreement.owner_staff),
        due_on=agreement.due_on,
        status=agreement.status,
        status_label=str(agreement.get_status_display()),
    )


def _agreements_prefetch() -> Prefetch:
    return Prefetch(
        "agreements", queryset=Agreement.objects.select_related("owner_staff__user").order_by("due_on", "pk")
    )


def sheet_decisions(*, cycle: ReviewCycle, student: Student) -> QuerySet[Decision]:
    """The department meeting's decisions about the student this round, with their agreements (two queries).

    Only the decision and its agreements: the votes, the evidence snapshot, the rationale, the item's
    notes and the escalation's text are the staff's and are not even loaded.
    """
    return (
        Decision.objects.filter(student=student, item__meeting__cycle=cycle)
        .only("pk", "text", "decided_at", "student_id")
        .prefetch_related(_agreements_prefetch())
        .order_by("decided_at", "pk")
    )


def earlier_agreements(*, cycle: ReviewCycle, student: Student, previous: ReviewCycle | None) -> QuerySet[Agreement]:
    """Last time's agreements: all made in the previous round, and those of earlier rounds still open (one query).

    Made at a department meeting or in a mentor talk of a round before this one, or elsewhere (an open
    class meeting) and still open: the same agreements the talk page asks to check.
    """
    earlier = (
        Q(decision__item__meeting__cycle__entry_deadline__lt=cycle.entry_deadline)
        | Q(talk__cycle__entry_deadline__lt=cycle.entry_deadline)
        | Q(talk__isnull=True, decision__isnull=True)
    )
    last_time = Q(status=Agreement.Status.OPEN)
    if previous is not None:
        last_time |= Q(decision__item__meeting__cycle=previous) | Q(talk__cycle=previous)
    return (
        Agreement.objects.filter(earlier, last_time, student=student)
        .exclude(decision__item__meeting__cycle=cycle)
        .exclude(talk__cycle=cycle)
        .select_related("owner_staff__user")
        .order_by("due_on", "pk")
    )


def _submitted_reflection(*, cycle: ReviewCycle, student: Student) -> Reflection | None:
    """The student's reflection with its goals, only once submitted: a draft is theirs alone (two queries)."""
    return (
        Reflection.objects.filter(cycle=cycle, student=student, status=Reflection.Status.SUBMITTED)
        .prefetch_related("goals")
        .first()
    )


def prep_sheet_data(*, cycle: ReviewCycle, student: Student) -> PrepSheetData:
    """One student's prep sheet, read fresh (twelve queries at most, whatever the number of subjects or agreements)."""
    cycle = ReviewCycle.objects.select_related("school", "period__school_year").get(pk=cycle.pk)
    student = Student.objects.select_related("class_group").get(pk=student.pk)
    school = cycle.school
    evidence: Evidence = student_evidence(cycle=cycle, student=student)  # three queries
    scheme = light_scheme_for(cycle.school_id)
    lights = {style.value: SheetLight(style.value, style.letter, style.label) for style in light_styles(scheme)}
    class_group = student.class_group
    mentors = list(class_group.mentors.select_related("user").order_by("user__last_name")) if class_group else []
    decisions = list(sheet_decisions(cycle=cycle, student=student))
    reflection = _submitted_reflection(cycle=cycle, student=student)
    answers: list[SheetAnswer] = []
    goals: list[SheetGoal] = []
    if reflection is not None:
        answers = [
            SheetAnswer(prompt=str(Reflection._meta.get_field(name).verbose_name), answer=getattr(reflection, name))
            for name in Reflection.PROMPT_FIELDS
        ]
        goals = [
            SheetGoal(position=goal.position, goal=goal.goal, action=goal.action, measure=goal.measure)
            for goal in reflection.goals.all()
        ]
    return PrepSheetData(
        school=school.name,
        cycle=cycle,
        period=str(cycle.period),
        student=student,
        class_group=class_group.name if class_group else "",
        mentors=[_staff_name(mentor) for mentor in mentors],
        scheme=scheme,
        previous_cycle=evidence.previous.name if evidence.previous else "",
        subjects=[
            SheetSubject(
                subject=cell.subject,
                light=lights.get(cell.light),
                grade=cell.grade,
                advice=cell.advice,
                trend=cell.trend,
            )
            for cell in evidence.cells
        ],
        red=evidence.red,
        orange=evidence.orange,
        green=evidence.green,
        trend=evidence.trend,
        decisions=[
            SheetDecision(
                text=decision.text,
                decided_at=decision.decided_at,
                agreements=[_agreement(agreement) for agreement in decision.agreements.all()],
            )
            for decision in decisions
        ],
        reflection_submitted=reflection is not None,
        reflection_submitted_at=reflection.submitted_at if reflection is not None else None,
        answers=answers,
        goals=goals,
        earlier_agreements=[
            _agreement(agreement)
            for agreement in earlier_agreements(cycle=cycle, student=student, previous=evidence.previous)
        ],
        made_at=timezone.now(),
    )


# --- a class's batch ------------------------------------------------------------------------------------


def prep_sheet_job_for(*, cycle: ReviewCycle, class_group: ClassGroup) -> PrepSheetJob | None:
    """The class's prep-sheet job this round, if the sheets were ever asked for (one query)."""
    return PrepSheetJob.objects.filter(cycle=cycle, class_group=class_group).select_related("requested_by").first()


def class_students(*, cycle: ReviewCycle, class_group: ClassGroup) -> QuerySet[Student]:
    """The class's students this round, in class order (by last name), as the merged PDF has them."""
    return (
        review_policies.cycle_students(cycle)
        .filter(class_group=class_group)
        .select_related("class_group", "user", "guardian_sharing")
        .order_by("last_name", "first_name", "infix", "pk")
    )


def class_students_with_guardians(*, cycle: ReviewCycle, class_group: ClassGroup) -> list[Student]:
    """The class's students with their guardians (and the guardians' users), in two queries."""
    return list(
        class_students(cycle=cycle, class_group=class_group).prefetch_related(
            Prefetch("guardians", queryset=Guardian.objects.select_related("user").order_by("pk"))
        )
    )


@dataclass
class PrepSheetRow:
    """One student on the batch page: whether the reflection is in, and the language their sheet goes home in."""

    student: Student
    reflection_status: str  # "", "draft" or "submitted"
    language: str
    language_name: str

    @property
    def reflection_submitted(self) -> bool:
        return self.reflection_status == Reflection.Status.SUBMITTED


@dataclass
class PrepSheetsPage:
    cycle: ReviewCycle
    class_group: ClassGroup
    job: PrepSheetJob | None
    rows: list[PrepSheetRow]
    can_make: bool

    @property
    def submitted(self) -> int:
        return sum(row.reflection_submitted for row in self.rows)


def prep_sheets_page(*, cycle: ReviewCycle, class_group: ClassGroup, user: User) -> PrepSheetsPage:
    """The batch page: the job and the class's students (five queries, whatever the class's size)."""
    from django.utils.translation import get_language_info

    school = cycle.school
    students = class_students_with_guardians(cycle=cycle, class_group=class_group)
    statuses = dict(
        Reflection.objects.filter(cycle=cycle, student__in=[student.pk for student in students]).values_list(
            "student_id", "status"
        )
    )
    rows = []
    for student in students:
        language = family_language(student=student, school=school, guardians=list(student.guardians.all()))
        rows.append(
            PrepSheetRow(
                student=student,
                reflection_status=statuses.get(student.pk, ""),
                language=language,
                language_name=get_language_info(language)["name_translated"],
            )
        )
    return PrepSheetsPage(
        cycle=cycle,
        class_group=class_group,
        job=prep_sheet_job_for(cycle=cycle, class_group=class_group),
        rows=rows,
        can_make=policies.can_make_prep_sheets(user, cycle, class_group),
    )
