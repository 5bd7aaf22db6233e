"""The mentor dashboard and the department overview: students by subjects of lights in one cycle.

One builder serves both matrices (a class group, or a whole department) with a
fixed number of queries, whatever the number of students: the students, the
cycle's entries, the previous cycle's lights, the subjects, the verdicts, the
questions and the escalations, each fetched once as plain values. The trend
follows the rules of `mentoring.selectors.evidence` (per subject against the
previous cycle; a student's trend is the light score over the subjects with a
light in both cycles), computed in bulk here.

The dashboards list (`dashboards_for`) is the way in: per open cycle, the class
groups the user follows with how many students have a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from reviews import policies as review_policies
from reviews.models import Entry, LightScheme, Phase, ReviewCycle
from reviews.selectors import light_scheme_for
from school.models import ClassGroup, Department, Student, Subject, User
from school.policies import roles_of

from .. import policies
from ..models import Escalation, MentorReview, Question
from .evidence import LIGHT_RANK, Trend, previous_cycle, trend_between, trend_between_scores
from .talks import open_agreements_by_student

# --- sorting and filtering ------------------------------------------------------------------------------

SORTS: dict[str, str] = {
    "name": _("name"),
    "red": _("most red first"),
    "orange": _("most orange first"),
    "trend": _("worse first"),
}
# The department overview also sorts by class group (its default).
DEPARTMENT_SORTS: dict[str, str] = {"class": _("class"), **SORTS}

FILTERS: dict[str, str] = {
    "": _("all students"),
    "red2": _("2+ red"),
    "concern": _("orange or red"),
    "worse": _("worse than last round"),
    "unreviewed": _("not yet reviewed"),
    "attention": _("needs attention"),
}

GRADE = Cast("grade", CharField())

# Worse first, then no change, then better; no comparison at all last.
TREND_ORDER = {Trend.WORSE: 0, Trend.SAME: 1, Trend.BETTER: 2, None: 3}


# --- the matrix ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A subject that occurs in the cycle for the students shown."""

    subject_id: int
    name: str
    code: str


@dataclass(slots=True)
class Cell:
    """One student's light in one subject: the entry of this cycle, with the trend against the previous one."""

    subject_id: int
    group_id: int
    light: str
    grade: str | None  # as the database gives it ("4.8", or "7" for 7.0 in SQLite): for display only
    advice: str
    previous_light: str | None = None

    @property
    def trend(self) -> str | None:
        return trend_between(self.previous_light, self.light)


@dataclass(slots=True)
class MatrixRow:
    student_id: int
    first_name: str
    infix: str
    last_name: str
    class_id: int | None
    class_name: str
    cells: dict[int, Cell] = field(default_factory=dict)  # subject id → cell
    red: int = 0
    orange: int = 0
    green: int = 0
    trend: str | None = None
    verdict: str = ""  # "", clear, needs_attention
    note: str = ""
    questions_open: int = 0
    questions_answered: int = 0
    agreements_open: int = 0  # open agreements from earlier rounds and decisions: to check in the mentor talk
    escalation: str = ""  # the status of the latest escalation (merged ones left out), or ""
    can_mark: bool = False  # the viewer is this student's mentor and the cycle is open
    html: str = ""  # the rendered row (set by the view; precomputed for speed)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.infix, self.last_name) if part)

    @property
    def score(self) -> int:
        return 2 * self.red + self.orange

    @property
    def is_reviewed(self) -> bool:
        return bool(self.verdict)

    def matches(self, filter_key: str) -> bool:
        if filter_key == "red2":
            return self.red >= 2
        if filter_key == "concern":
            return self.red + self.orange >= 1
        if filter_key == "worse":
            return self.trend == Trend.WORSE
        if filter_key == "unreviewed":
            return not self.verdict
        if filter_key == "attention":
            return self.verdict == MentorReview.Verdict.NEEDS_ATTENTION
        return True


def _name_key(row: MatrixRow) -> tuple:
    return (row.last_name.casefold(), row.first_name.casefold(), row.infix.casefold(), row.student_id)


SORT_KEYS = {
    "name": _name_key,
    "class": lambda row: (row.class_name, *_name_key(row)),
    "red": lambda row: (-row.red, -row.orange, *_name_key(row)),
    "orange": lambda row: (-row.orange, -row.red, *_name_key(row)),
    "trend": lambda row: (TREND_ORDER[row.trend], -row.score, *_name_key(row)),
}


@dataclass
class FilterOption:
    key: str
    label: str
    count: int
    selected: bool


@dataclass
class Matrix:
    cycle: ReviewCycle
    previous: ReviewCycle | None
    scheme: LightScheme
    columns: list[Column]
    rows: list[MatrixRow]  # filtered and sorted
    all_rows: list[MatrixRow]  # every student, for the counts
    sort: str
    filter: str
    sorts: dict[str, str]
    can_mark_any: bool = False

    @property
    def total(self) -> int:
        return len(self.all_rows)

    @property
    def reviewed(self) -> int:
        return sum(1 for row in self.all_rows if row.verdict)

    @property
    def needs_attention(self) -> int:
        return sum(1 for row in self.all_rows if row.verdict == MentorReview.Verdict.NEEDS_ATTENTION)

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.reviewed / self.total)

    @property
    def filter_options(self) -> list[FilterOption]:
        return [
            FilterOption(
                key=key,
                label=str(label),
                count=sum(1 for row in self.all_rows if row.matches(key)),
                selected=key == self.filter,
            )
            for key, label in FILTERS.items()
        ]

    @property
    def sort_options(self) -> list[tuple[str, str, bool]]:
        return [(key, str(label), key == self.sort) for key, label in self.sorts.items()]


@dataclass
class ClassSummary:
    """One class group in the department overview: its students, marked, and those that stand out."""

    class_id: int | None
    name: str
    students: int = 0
    reviewed: int = 0
    needs_attention: int = 0
    red2: int = 0
    worse: int = 0


def class_summaries(matrix: Matrix) -> list[ClassSummary]:
    """Per class group of the matrix (no query: counted from its rows)."""
    summaries: dict[int | None, ClassSummary] = {}
    for row in matrix.all_rows:
        summary = summaries.get(row.class_id)
        if summary is None:
            summary = summaries[row.class_id] = ClassSummary(class_id=row.class_id, name=row.class_name)
        summary.students += 1
        summary.reviewed += bool(row.verdict)
        summary.needs_attention += row.verdict == MentorReview.Verdict.NEEDS_ATTENTION
        summary.red2 += row.red >= 2
        summary.worse += row.trend == Trend.WORSE
    return sorted(summaries.values(), key=lambda summary: summary.name)


def _clean(value: str, allowed: Iterable[str], default: str) -> str:
    return value if value in allowed else default


def class_matrix(
    *, cycle: ReviewCycle, class_group: ClassGroup, viewer: User, sort: str = "name", filter: str = ""
) -> Matrix:
    """The mentor dashboard of one class group (a fixed number of queries)."""
    students = review_policies.cycle_students(cycle).filter(class_group=class_group)
    return _matrix(cycle, students, viewer, sort=_clean(sort, SORTS, "name"), filter=filter, sorts=SORTS)


def department_matrix(
    *, cycle: ReviewCycle, department: Department, viewer: User, sort: str = "class", filter: str = ""
) -> Matrix:
    """The department overview: every student of the department in the cycle (a fixed number of queries)."""
    students = review_policies.cycle_students(cycle).filter(class_group__department=department)
    return _matrix(
        cycle, students, viewer, sort=_clean(sort, DEPARTMENT_SORTS, "class"), filter=filter, sorts=DEPARTMENT_SORTS
    )


def student_matrix(*, cycle: ReviewCycle, student: Student, viewer: User) -> Matrix:
    """One student's row, with the progress of their class group: what the verdict's HTMX answer shows."""
    students = review_policies.cycle_students(cycle).filter(class_group_id=student.class_group_id)
    matrix = _matrix(cycle, students, viewer, sort="name", filter="", sorts=SORTS)
    matrix.rows = [row for row in matrix.all_rows if row.student_id == student.pk]
    return matrix


def _matrix(
    cycle: ReviewCycle, students: QuerySet[Student], viewer: User, *, sort: str, filter: str, sorts: dict
) -> Matrix:
    roles = roles_of(viewer)
    # The student's mentor marks and asks, while the cycle is open (policies.can_mentor_in_cycle, in bulk).
    mentor_of = roles.mentor_class_ids if roles.school_id == cycle.school_id and not cycle.is_closed else frozenset()

    rows: dict[int, MatrixRow] = {}
    for pk, first_name, infix, last_name, class_id, class_name in students.values_list(
        "pk", "first_name", "infix", "last_name", "class_group_id", "class_group__name"
    ).order_by():
        rows[pk] = MatrixRow(
            student_id=pk,
            first_name=first_name,
            infix=infix,
            last_name=last_name,
            class_id=class_id,
            class_name=class_name or "",
            can_mark=class_id in mentor_of,
        )
    # The students again as a subquery: cheaper for the database than hundreds of ids as parameters.
    ids = students.values("pk")
    previous = previous_cycle(cycle)
    scheme = light_scheme_for(cycle.school_id)
    columns: list[Column] = []
    if rows:
        columns = _fill_cells(cycle, previous, rows, ids)
        _fill_verdicts(cycle, rows, ids)
        _fill_questions(cycle, rows, ids)
        _fill_escalations(cycle, rows, ids)
        for student_id, count in open_agreements_by_student(cycle, list(rows)).items():
            rows[student_id].agreements_open = count

    all_rows = sorted(rows.values(), key=SORT_KEYS[sort])
    filter = _clean(filter, FILTERS, "")
    return Matrix(
        cycle=cycle,
        previous=previous,
        scheme=scheme,
        columns=columns,
        rows=[row for row in all_rows if row.matches(filter)] if filter else all_rows,
        all_rows=all_rows,
        sort=sort,
        filter=filter,
        sorts=sorts,
        can_mark_any=any(row.can_mark for row in all_rows),
    )


def _fill_cells(
    cycle: ReviewCycle, previous: ReviewCycle | None, rows: dict[int, MatrixRow], ids: QuerySet
) -> list[Column]:
    """The cycle's entries as cells (one per subject), their trend, the counts and the student's trend."""
    before: dict[tuple[int, int], str] = {}
    if previous is not None:
        for student_id, subject_id, light in (
            Entry.objects.filter(cycle=previous, student_id__in=ids)
            .exclude(light="")
            .values_list("student_id", "teaching_group__subject_id", "light")
            .order_by()
        ):
            before[student_id, subject_id] = light

    subject_ids: set[int] = set()
    rank = LIGHT_RANK.get
    for student_id, group_id, subject_id, light, grade, advice in (
        Entry.objects.filter(cycle=cycle, student_id__in=ids)
        # The grade as text, as the database has it: a column without a converter is read much
        # faster (the matrix only shows it), and the overview reads 5,600 of them.
        .values_list("student_id", "teaching_group_id", "teaching_group__subject_id", "light", GRADE, "advice")
        .order_by()
    ):
        cells = rows[student_id].cells
        current = cells.get(subject_id)
        # Two groups of one subject (rare): the matrix shows the more worrying light (then the first group).
        if current is not None and (rank(current.light, -1), -current.group_id) >= (rank(light, -1), -group_id):
            continue
        cells[subject_id] = Cell(subject_id, group_id, light, grade, advice, before.get((student_id, subject_id)))
        subject_ids.add(subject_id)

    for row in rows.values():
        red = orange = green = was = now = compared = 0
        for cell in row.cells.values():
            light = cell.light
            if light == "red":
                red += 1
            elif light == "orange":
                orange += 1
            elif light == "green":
                green += 1
            else:
                continue
            before_light = cell.previous_light
            if before_light in LIGHT_RANK:
                # evidence.overall_trend, summed as we go: light_score over the subjects with a light in both.
                compared += 1
                was += LIGHT_RANK[before_light]
                now += LIGHT_RANK[light]
        row.red, row.orange, row.green = red, orange, green
        if compared:
            row.trend = trend_between_scores(was, now)

    if not subject_ids:
        return []
    return [
        Column(subject_id=pk, name=name, code=code)
        for pk, name, code in Subject.objects.filter(pk__in=subject_ids)
        .values_list("pk", "name", "code")
        .order_by("name", "pk")
    ]


def _fill_verdicts(cycle: ReviewCycle, rows: dict[int, MatrixRow], ids: QuerySet) -> None:
    for student_id, verdict, note in MentorReview.objects.filter(cycle=cycle, student_id__in=ids).values_list(
        "student_id", "verdict", "note"
    ):
        rows[student_id].verdict = verdict
        rows[student_id].note = note


def _fill_questions(cycle: ReviewCycle, rows: dict[int, MatrixRow], ids: QuerySet) -> None:
    for student_id, status, count in (
        Question.objects.filter(
            cycle=cycle, student_id__in=ids, status__in=[Question.Status.OPEN, Question.Status.ANSWERED]
        )
        .values_list("student_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if status == Question.Status.OPEN:
            rows[student_id].questions_open = count
        else:
            rows[student_id].questions_answered = count


def _fill_escalations(cycle: ReviewCycle, rows: dict[int, MatrixRow], ids: QuerySet) -> None:
    for student_id, status in (
        Escalation.objects.filter(cycle=cycle, student_id__in=ids)
        .exclude(status=Escalation.Status.MERGED)
        .values_list("student_id", "status")
        .order_by("raised_at", "pk")
    ):
        rows[student_id].escalation = status  # the latest wins


# --- the way in: the user's dashboards per open cycle ----------------------------------------------------


@dataclass
class ClassProgress:
    class_group: ClassGroup
    students: int
    reviewed: int
    needs_attention: int
    is_mentor: bool

    @property
    def percent(self) -> int:
        return 100 if not self.students else round(100 * self.reviewed / self.students)


@dataclass
class CycleDashboards:
    cycle: ReviewCycle
    classes: list[ClassProgress] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)  # whose overview the user may open

    @property
    def reviewed(self) -> int:
        return sum(progress.reviewed for progress in self.classes)

    @property
    def students(self) -> int:
        return sum(progress.students for progress in self.classes)


def dashboards_for(user: User) -> list[CycleDashboards]:
    """Per open cycle, the class groups the user follows that it covers, with progress (five queries at most)."""
    roles = roles_of(user)
    if not roles.is_staff_member:
        return []
    cycles = list(
        review_policies.cycles_visible_to(user)
        .exclude(phase=Phase.CLOSED)
        .select_related("period")
        .order_by("entry_deadline", "pk")
    )
    if not cycles:
        return []
    departments_of: dict[int, set[int]] = {cycle.pk: set() for cycle in cycles}
    for cycle_id, department_id in ReviewCycle.departments.through.objects.filter(
        reviewcycle_id__in=list(departments_of)
    ).values_list("reviewcycle_id", "department_id"):
        departments_of[cycle_id].add(department_id)
    department_ids = set().union(*departments_of.values())
    years = {cycle.period.school_year_id for cycle in cycles}

    classes = list(
        policies.class_groups_followed_by(user)
        .filter(department_id__in=department_ids, school_year_id__in=years)
        .annotate(active=Count("students", filter=Q(students__is_active=True)))
        .order_by("name", "pk")
    )
    counts: dict[tuple[int, int], dict[str, int]] = {}
    if classes:
        for cycle_id, class_id, verdict, n in (
            MentorReview.objects.filter(
                cycle_id__in=[cycle.pk for cycle in cycles],
                student__class_group_id__in=[class_group.pk for class_group in classes],
                student__is_active=True,
            )
            .values_list("cycle_id", "student__class_group_id", "verdict")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts.setdefault((cycle_id, class_id), {})[verdict] = n
    overseen = list(policies.departments_overseen_by(user).filter(pk__in=department_ids).order_by("name"))

    result = []
    for cycle in cycles:
        covered = departments_of[cycle.pk]
        entry = CycleDashboards(
            cycle=cycle, departments=[department for department in overseen if department.pk in covered]
        )
        for class_group in classes:
            if class_group.department_id not in covered or class_group.school_year_id != cycle.period.school_year_id:
                continue
            verdicts = counts.get((cycle.pk, class_group.pk), {})
            entry.classes.append(
                ClassProgress(
                    class_group=class_group,
                    students=class_group.active,
                    reviewed=min(sum(verdicts.values()), class_group.active),
                    needs_attention=verdicts.get(MentorReview.Verdict.NEEDS_ATTENTION, 0),
                    is_mentor=class_group.pk in roles.mentor_class_ids,
                )
            )
        # The user's own classes first, then the others (a team leader's department, the whole school).
        entry.classes.sort(key=lambda progress: (not progress.is_mentor, progress.class_group.name))
        if entry.classes or entry.departments:
            result.append(entry)
    return result
