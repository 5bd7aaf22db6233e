"""Insight for a team leader: where many students of a department struggle, in this round and over rounds.

Every count is made in the database (GROUP BY), so the page runs the same number of
queries for 40 students or 400. A "cell" is one student in one subject (an enrolment
in one of the round's teaching groups); its light is the entry's, or none yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext as _

from reviews.models import Entry, LightScheme, ReviewCycle
from reviews.policies import cycle_students, cycle_teaching_groups
from reviews.selectors import light_scheme_for, light_styles
from school.models import Department, Enrollment, Student

from ..charts import BarChart, Column, ColumnChart, LightCounts, stacked_bars, stacked_columns

HISTORY_LENGTH = 6  # this round and up to five before it


@dataclass
class InsightRow:
    """A subject or a class group with its lights."""

    pk: int
    label: str
    counts: LightCounts = field(default_factory=LightCounts)


@dataclass
class SubjectHistory:
    """One subject's lights per round, in the order of Insight.cycles (empty counts where it had none)."""

    pk: int
    label: str
    rounds: list[LightCounts]

    @property
    def chart_id(self) -> str:
        return f"chart-subject-{self.pk}"

    @property
    def has_lights(self) -> bool:
        return any(counts.given for counts in self.rounds)


@dataclass
class Insight:
    cycle: ReviewCycle
    department: Department
    scheme: LightScheme
    letters: dict[str, str]
    student_count: int
    total: LightCounts
    subjects: list[InsightRow]
    class_groups: list[InsightRow]
    cycles: list[ReviewCycle]
    department_history: list[LightCounts]
    subject_history: list[SubjectHistory]

    @property
    def words(self) -> dict[str, str]:
        return {"red": self.scheme.red, "orange": self.scheme.orange, "green": self.scheme.green}


def _by_concern(rows: list[InsightRow]) -> list[InsightRow]:
    """Where many struggle on top: the share of red and orange, then of red, then the name."""
    return sorted(rows, key=lambda row: (-row.counts.concern_share, -row.counts.red_share, row.label.lower()))


def _history_cycles(cycle: ReviewCycle, department: Department) -> list[ReviewCycle]:
    """This round and the ones before it that include the department, oldest first (one query)."""
    earlier = list(
        ReviewCycle.objects.filter(school_id=cycle.school_id, departments=department)
        .filter(entry_deadline__lt=cycle.entry_deadline)
        .exclude(pk=cycle.pk)
        .order_by("-entry_deadline", "-pk")[: HISTORY_LENGTH - 1]
    )
    return [*reversed(earlier), cycle]


def department_insight(*, cycle: ReviewCycle, department: Department) -> Insight:
    """The lights of a department's students per subject and per class group, and per round (five queries)."""
    scheme = light_scheme_for(cycle.school_id)
    students = cycle_students(cycle).filter(class_group__department=department)
    student_count = students.count()

    # This round: every cell (enrolment) with its light, counted per subject, class group and light.
    light = Entry.objects.filter(
        cycle=cycle, teaching_group_id=OuterRef("teaching_group_id"), student_id=OuterRef("student_id")
    ).values("light")[:1]
    cells = (
        Enrollment.objects.filter(student__in=students, teaching_group__in=cycle_teaching_groups(cycle))
        .annotate(light=Subquery(light))
        .values(
            "teaching_group__subject_id",
            "teaching_group__subject__name",
            "student__class_group_id",
            "student__class_group__name",
            "light",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    subjects: dict[int, InsightRow] = {}
    class_groups: dict[int, InsightRow] = {}
    total = LightCounts()
    for row in cells:
        subject_id, class_id = row["teaching_group__subject_id"], row["student__class_group_id"]
        subjects.setdefault(subject_id, InsightRow(subject_id, row["teaching_group__subject__name"]))
        class_groups.setdefault(class_id, InsightRow(class_id, row["student__class_group__name"]))
        for target in (subjects[subject_id].counts, class_groups[class_id].counts, total):
            target.add(row["light"] or "", row["n"])

    # Over rounds: the lights given to the department's students, per round and subject.
    # Students change class groups between school years; the department's students now are followed back.
    cycles = _history_cycles(cycle, department)
    index = {c.pk: i for i, c in enumerate(cycles)}
    history_rows = (
        Entry.objects.filter(
            cycle_id__in=list(index),
            student__in=Student.objects.filter(
                school_id=cycle.school_id, is_active=True, class_group__department=department
            ),
        )
        .exclude(light="")
        .values("cycle_id", "teaching_group__subject_id", "teaching_group__subject__name", "light")
        .annotate(n=Count("pk"))
        .order_by()
    )
    department_history = [LightCounts() for _ in cycles]
    by_subject: dict[int, SubjectHistory] = {}
    for row in history_rows:
        position = index[row["cycle_id"]]
        subject_id = row["teaching_group__subject_id"]
        history = by_subject.setdefault(
            subject_id,
            SubjectHistory(subject_id, row["teaching_group__subject__name"], [LightCounts() for _ in cycles]),
        )
        history.rounds[position].add(row["light"], row["n"])
        department_history[position].add(row["light"], row["n"])

    ordered_subjects = _by_concern(list(subjects.values()))
    # The small multiples follow the same order as this round's bars, then subjects only seen before.
    order = {row.pk: i for i, row in enumerate(ordered_subjects)}
    subject_history = sorted(
        (history for history in by_subject.values() if history.has_lights),
        key=lambda history: (order.get(history.pk, len(order)), history.label.lower()),
    )
    return Insight(
        cycle=cycle,
        department=department,
        scheme=scheme,
        letters={style.value: style.letter for style in light_styles(scheme)},
        student_count=student_count,
        total=total,
        subjects=ordered_subjects,
        class_groups=_by_concern(list(class_groups.values())),
        cycles=cycles,
        department_history=department_history,
        subject_history=subject_history,
    )


@dataclass
class InsightCharts:
    subjects: BarChart
    class_groups: BarChart
    department_history: ColumnChart
    subject_history: list[tuple[SubjectHistory, ColumnChart]]
    cycles: list[ReviewCycle]

    @property
    def history_rows(self) -> list[tuple[ReviewCycle, Column]]:
        """Each round with its column, for the table beside the chart."""
        return list(zip(self.cycles, self.department_history.columns, strict=True))


def insight_charts(insight: Insight) -> InsightCharts:
    """The shapes of the page's charts (no queries)."""
    letters = {**insight.letters, "missing": "\u2013"}  # an en dash, as components/traffic_light.html shows "none"
    words = {**insight.words, "missing": _("no light yet")}
    names = [c.name for c in insight.cycles]
    numbers = [str(i) for i in range(1, len(insight.cycles) + 1)]
    return InsightCharts(
        subjects=stacked_bars([(row.label, row.counts) for row in insight.subjects], letters=letters, words=words),
        class_groups=stacked_bars(
            [(row.label, row.counts) for row in insight.class_groups], letters=letters, words=words
        ),
        department_history=stacked_columns(
            list(zip(names, insight.department_history, strict=True)), letters=letters, words=words
        ),
        # Small multiples: the rounds are numbered, with the key above them.
        subject_history=[
            (
                history,
                stacked_columns(
                    list(zip(numbers, history.rounds, strict=True)),
                    letters=letters,
                    words=words,
                    width=220,
                    height=130,
                    axis_width=4,
                    label_height=20,
                    top_height=18,
                    label_limit=3,
                    wide=999,  # too small for letters: counts only
                    narrow=16,
                    gridlines=False,
                ),
            )
            for history in insight.subject_history
        ],
        cycles=insight.cycles,
    )
