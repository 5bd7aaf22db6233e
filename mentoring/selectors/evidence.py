"""A student's evidence in one cycle: lights, grades and advice per subject, and the trend.

The trend compares each subject with the previous cycle (the latest earlier cycle
of the school that shares a department with this one), by subject, because
teaching groups change every school year. The same rules serve the matrices
(mentor dashboard, department overview), which compute them in bulk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils import timezone

from reviews.models import Entry, ReviewCycle
from school.models import Student

# How worrying a light is: a trend is a change in this rank.
LIGHT_RANK = {"green": 0, "orange": 1, "red": 2}


class Trend:
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


def trend_between(before: str | None, after: str | None) -> str | None:
    """better / same / worse for one subject's light, or None when either side has no light."""
    if before not in LIGHT_RANK or after not in LIGHT_RANK:
        return None
    change = LIGHT_RANK[after] - LIGHT_RANK[before]
    return Trend.BETTER if change < 0 else Trend.WORSE if change > 0 else Trend.SAME


def light_score(lights: list[str]) -> int:
    """A student's weight of concern over all subjects: two for a red, one for an orange."""
    return sum(LIGHT_RANK.get(light, 0) for light in lights)


def overall_trend(cells: list[EvidenceCell]) -> str | None:
    """The student's trend: the score over the subjects that have a light in both cycles."""
    pairs = [(cell.previous_light, cell.light) for cell in cells if trend_between(cell.previous_light, cell.light)]
    if not pairs:
        return None
    return trend_between_scores(
        light_score([before for before, _ in pairs]), light_score([after for _, after in pairs])
    )


def trend_between_scores(before: int, after: int) -> str:
    return Trend.BETTER if after < before else Trend.WORSE if after > before else Trend.SAME


def previous_cycle(cycle: ReviewCycle) -> ReviewCycle | None:
    """The latest earlier cycle of the school sharing a department with `cycle` (one query)."""
    return (
        ReviewCycle.objects.filter(
            school_id=cycle.school_id,
            entry_deadline__lt=cycle.entry_deadline,
            departments__in=cycle.departments.values("pk"),
        )
        .order_by("-entry_deadline", "-pk")
        .first()
    )


@dataclass
class EvidenceCell:
    subject_id: int
    subject: str
    subject_code: str
    teaching_group: str
    teaching_group_id: int
    grade: Decimal | None
    light: str
    advice: str
    previous_light: str | None = None

    @property
    def trend(self) -> str | None:
        return trend_between(self.previous_light, self.light)


@dataclass
class Evidence:
    """What a mentor, team leader or meeting sees about one student in one cycle."""

    cycle: ReviewCycle
    student: Student
    cells: list[EvidenceCell] = field(default_factory=list)
    previous: ReviewCycle | None = None

    def count(self, light: str) -> int:
        return sum(cell.light == light for cell in self.cells)

    @property
    def red(self) -> int:
        return self.count("red")

    @property
    def orange(self) -> int:
        return self.count("orange")

    @property
    def green(self) -> int:
        return self.count("green")

    @property
    def trend(self) -> str | None:
        return overall_trend(self.cells)

    def as_snapshot(self, *, student_view: str = "") -> dict:
        """A JSON-ready copy that stays as it was, whatever happens to the entries later."""
        return {
            "captured_at": timezone.now().isoformat(),
            "cycle": self.cycle.name,
            "previous_cycle": self.previous.name if self.previous else None,
            "counts": {"green": self.green, "orange": self.orange, "red": self.red},
            "trend": self.trend,
            "student_view": student_view,
            "subjects": [
                {
                    **{key: value for key, value in asdict(cell).items() if key != "grade"},
                    "grade": str(cell.grade) if cell.grade is not None else None,
                    "trend": cell.trend,
                }
                for cell in self.cells
            ],
        }


def student_evidence(*, cycle: ReviewCycle, student: Student) -> Evidence:
    """Lights, grades and advice of one student per subject, with the previous cycle's light (three queries)."""
    previous = previous_cycle(cycle)
    entries = (
        Entry.objects.filter(cycle=cycle, student=student)
        .select_related("teaching_group__subject")
        .order_by("teaching_group__subject__name", "teaching_group__name")
    )
    before: dict[int, str] = {}
    if previous is not None:
        before = dict(
            Entry.objects.filter(cycle=previous, student=student)
            .exclude(light="")
            .values_list("teaching_group__subject_id", "light")
        )
    cells = [
        EvidenceCell(
            subject_id=entry.teaching_group.subject_id,
            subject=entry.teaching_group.subject.name,
            subject_code=entry.teaching_group.subject.code,
            teaching_group=entry.teaching_group.name,
            teaching_group_id=entry.teaching_group_id,
            grade=entry.grade,
            light=entry.light,
            advice=entry.advice,
            previous_light=before.get(entry.teaching_group.subject_id),
        )
        for entry in entries
    ]
    return Evidence(cycle=cycle, student=student, cells=cells, previous=previous)
