"""Reads for the review screens, each shaped for one page with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from school.models import Enrollment, Staff, Student, TeachingGroup, User
from school.policies import roles_of

from . import policies
from .models import ENTRY_COMPLETE, AdvicePhrase, Entry, LightScheme, Palette, ReviewCycle

# --- light labels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LightStyle:
    value: str
    letter: str
    label: str
    key_hint: str


def light_scheme_for(school_id: int) -> LightScheme:
    """The school's labels and colours, or the defaults (unsaved) when it has chosen none."""
    scheme = LightScheme.objects.filter(school_id=school_id).first()
    if scheme is None:
        scheme = LightScheme(
            school_id=school_id, green=_("green"), orange=_("orange"), red=_("red"), palette=Palette.CLASSIC
        )
    return scheme


# --- the entry grid ------------------------------------------------------------------------------


@dataclass
class GridRow:
    student: Student
    entry: Entry | None

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def is_complete(self) -> bool:
        return self.entry is not None and self.entry.is_complete


@dataclass
class Grid:
    cycle: ReviewCycle
    group: TeachingGroup
    rows: list[GridRow]
    scheme: LightScheme
    phrases: list[AdvicePhrase] = field(default_factory=list)
    can_edit: bool = False

    @property
    def complete_count(self) -> int:
        return sum(row.is_complete for row in self.rows)


def entries_for_grid(*, cycle: ReviewCycle, group: TeachingGroup, viewer: User) -> Grid:
    students = list(
        policies.cycle_students(cycle)
        .filter(enrollments__teaching_group=group)
        .select_related("class_group")
        .order_by("last_name", "first_name", "pk")
    )
    entries = {e.student_id: e for e in Entry.objects.filter(cycle=cycle, teaching_group=group)}
    return Grid(
        cycle=cycle,
        group=group,
        rows=[GridRow(student=s, entry=entries.get(s.pk)) for s in students],
        scheme=light_scheme_for(cycle.school_id),
        phrases=list(AdvicePhrase.objects.filter(owner=viewer)),
        can_edit=policies.can_edit_entries(viewer, cycle, group),
    )


# --- completion overviews -------------------------------------------------------------------------


def _cycle_enrollments(cycle: ReviewCycle) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(
        student__in=policies.cycle_students(cycle), teaching_group__in=policies.cycle_teaching_groups(cycle)
    )


def groups_with_completion(*, cycle: ReviewCycle, groups: QuerySet[TeachingGroup]) -> list[TeachingGroup]:
    """Teaching groups annotated with `expected` (students) and `complete` (finished entries)."""
    expected = (
        _cycle_enrollments(cycle)
        .filter(teaching_group=OuterRef("pk"))
        .values("teaching_group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    complete = (
        Entry.objects.filter(ENTRY_COMPLETE, cycle=cycle, teaching_group=OuterRef("pk"), student__is_active=True)
        .values("teaching_group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        groups.select_related("subject")
        .annotate(
            expected=Coalesce(Subquery(expected, output_field=IntegerField()), Value(0)),
            complete=Coalesce(Subquery(complete, output_field=IntegerField()), Value(0)),
        )
        .order_by("name")
    )


@dataclass
class CompletionLine:
    label: str
    expected: int
    complete: int
    staff: Staff | None = None
    group_id: int | None = None

    @property
    def missing(self) -> int:
        return max(self.expected - self.complete, 0)

    @property
    def percent(self) -> int:
        return 100 if not self.expected else round(100 * self.complete / self.expected)


@dataclass
class CycleCompletion:
    per_teacher: list[CompletionLine]
    per_class: list[CompletionLine]

    @property
    def expected(self) -> int:
        return sum(line.expected for line in self.per_class)

    @property
    def complete(self) -> int:
        return sum(line.complete for line in self.per_class)

    @property
    def percent(self) -> int:
        return 100 if not self.expected else round(100 * self.complete / self.expected)


def cycle_completion(*, cycle: ReviewCycle) -> CycleCompletion:
    """Completion per teacher and per class group, in five queries whatever the school's size."""
    enrollments = _cycle_enrollments(cycle)
    done = Entry.objects.filter(ENTRY_COMPLETE, cycle=cycle, student__in=policies.cycle_students(cycle))

    expected_by_teacher = dict(
        enrollments.values_list("teaching_group__teachers")
        .annotate(n=Count("pk"))
        .values_list("teaching_group__teachers", "n")
    )
    done_by_teacher = dict(
        done.values("teaching_group__teachers").annotate(n=Count("pk")).values_list("teaching_group__teachers", "n")
    )
    staff = Staff.objects.filter(pk__in=[pk for pk in expected_by_teacher if pk]).select_related("user")
    per_teacher = [
        CompletionLine(
            label=str(member.user),
            staff=member,
            expected=expected_by_teacher[member.pk],
            complete=done_by_teacher.get(member.pk, 0),
        )
        for member in staff
    ]
    per_teacher.sort(key=lambda line: (-line.missing, line.label))

    expected_by_class = {
        row["student__class_group"]: row
        for row in enrollments.values("student__class_group", "student__class_group__name").annotate(n=Count("pk"))
    }
    done_by_class = dict(
        done.values("student__class_group").annotate(n=Count("pk")).values_list("student__class_group", "n")
    )
    per_class = sorted(
        (
            CompletionLine(
                label=row["student__class_group__name"],
                group_id=pk,
                expected=row["n"],
                complete=done_by_class.get(pk, 0),
            )
            for pk, row in expected_by_class.items()
        ),
        key=lambda line: line.label,
    )
    return CycleCompletion(per_teacher=per_teacher, per_class=per_class)


def teachers_behind(*, cycle: ReviewCycle) -> list[Staff]:
    """Teachers with entries still missing in this cycle: who gets the reminder."""
    return [line.staff for line in cycle_completion(cycle=cycle).per_teacher if line.missing and line.staff]


def my_cycles(user: User) -> list[ReviewCycle]:
    """Open cycles in which the user has something to enter or to run (home page)."""
    roles = roles_of(user)
    if not roles.is_staff_member:
        return []
    return list(policies.cycles_visible_to(user).exclude(phase="closed").select_related("period"))
