"""Reads for the review screens, each shaped for one page with a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from school.models import Department, Enrollment, Staff, Student, TeachingGroup, User
from school.policies import roles_of

from . import policies
from .models import (
    ENTRY_COMPLETE,
    PHASE_ORDER,
    AdvicePhrase,
    Entry,
    EntryChange,
    LightScheme,
    Palette,
    Phase,
    ReminderJob,
    ReviewCycle,
)

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
        # The cycle's students only, as `expected` counts them: never more complete than expected.
        Entry.objects.filter(
            ENTRY_COMPLETE, cycle=cycle, teaching_group=OuterRef("pk"), student__in=policies.cycle_students(cycle)
        )
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


# --- the entry grid's light options (issue 3) ------------------------------------------------------


def light_styles(scheme: LightScheme) -> list[LightStyle]:
    """The three lights as the grid offers them: the school's words, a letter and the keys that set it."""
    return [
        LightStyle("green", pgettext("traffic light letter for green", "G"), scheme.green, "G / 1"),
        LightStyle("orange", pgettext("traffic light letter for orange", "O"), scheme.orange, "O / 2"),
        LightStyle("red", pgettext("traffic light letter for red", "R"), scheme.red, "R / 3"),
    ]


# --- cycle management: the list, a cycle's page, the home page (issue 3) ------------------------------


def cycles_for_list(user: User) -> list[ReviewCycle]:
    """The cycles of the user's school, newest first, ready to list (two queries)."""
    return list(
        policies.cycles_visible_to(user)
        .select_related("period__school_year")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("name")))
    )


def cycle_page(cycle: ReviewCycle) -> ReviewCycle:
    """One cycle with its period and departments, for its page."""
    return (
        ReviewCycle.objects.select_related("period__school_year", "created_by")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("name")))
        .get(pk=cycle.pk)
    )


@dataclass(frozen=True)
class PhaseStep:
    phase: str
    label: str
    date: datetime.date | None
    state: str  # done, current, upcoming


def phase_timeline(cycle: ReviewCycle) -> list[PhaseStep]:
    """The five phases in order, each with its date and whether it is done, running or still to come."""
    dates = {
        Phase.ENTRY: cycle.entry_deadline,
        Phase.SPEED_DATE: cycle.speed_date_on,
        Phase.DEPARTMENT_MEETING: cycle.meeting_on,
        Phase.MENTOR_TALKS: cycle.talks_until,
        Phase.CLOSED: None,
    }
    current = PHASE_ORDER.index(Phase(cycle.phase))
    return [
        PhaseStep(
            phase=phase.value,
            label=str(phase.label),
            date=dates[phase],
            state="done" if index < current else "current" if index == current else "upcoming",
        )
        for index, phase in enumerate(PHASE_ORDER)
    ]


@dataclass
class GroupProgress:
    """One teaching group in one cycle: how many of its students' entries are complete."""

    group: TeachingGroup
    expected: int
    complete: int

    @property
    def missing(self) -> int:
        return max(self.expected - self.complete, 0)

    @property
    def is_complete(self) -> bool:
        return self.missing == 0

    @property
    def percent(self) -> int:
        return 100 if not self.expected else round(100 * self.complete / self.expected)


def teacher_groups_in_cycle(*, cycle: ReviewCycle, user: User) -> list[GroupProgress]:
    """The teaching groups the user teaches in this cycle, with their completion (one query)."""
    roles = roles_of(user)
    if not roles.teaching_group_ids or roles.school_id != cycle.school_id:
        return []
    groups = policies.cycle_teaching_groups(cycle).filter(pk__in=roles.teaching_group_ids)
    return [
        GroupProgress(group=group, expected=group.expected, complete=group.complete)
        for group in groups_with_completion(cycle=cycle, groups=groups)
    ]


def incomplete_entry_count(*, cycle: ReviewCycle) -> int:
    """How many entries of the cycle are still missing or unfinished: what leaving the entry phase leaves open."""
    completion = cycle_completion(cycle=cycle)
    return max(completion.expected - completion.complete, 0)


# --- reminders ---------------------------------------------------------------------------------------


@dataclass
class ReminderLetter:
    """What one teacher behind is reminded of: their groups with entries still open."""

    staff: Staff
    groups: list[GroupProgress]

    @property
    def missing(self) -> int:
        return sum(progress.missing for progress in self.groups)


def reminder_letters(*, cycle: ReviewCycle) -> list[ReminderLetter]:
    """One letter per active teacher with an e-mail address who has incomplete groups in the cycle.

    Two queries whatever the cycle's size: the groups with their completion, and their teachers.
    """
    incomplete = {
        group.pk: GroupProgress(group=group, expected=group.expected, complete=group.complete)
        for group in groups_with_completion(cycle=cycle, groups=policies.cycle_teaching_groups(cycle))
        if group.complete < group.expected
    }
    if not incomplete:
        return []
    links = (
        TeachingGroup.teachers.through.objects.filter(
            teachinggroup_id__in=list(incomplete), staff__is_active=True, staff__user__is_active=True
        )
        .exclude(staff__user__email="")
        .select_related("staff__user")
        .order_by("staff__user__last_name", "staff__user__first_name", "staff_id")
    )
    letters: dict[int, ReminderLetter] = {}
    for link in links:
        letter = letters.setdefault(link.staff_id, ReminderLetter(staff=link.staff, groups=[]))
        letter.groups.append(incomplete[link.teachinggroup_id])
    for letter in letters.values():
        letter.groups.sort(key=lambda progress: progress.group.name)
    return list(letters.values())


def reminder_job_latest(*, cycle: ReviewCycle) -> ReminderJob | None:
    return ReminderJob.objects.filter(cycle=cycle).select_related("requested_by").first()


# --- an entry's history ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass
class HistoryLine:
    change: EntryChange
    fields: list[FieldChange]


def entry_history(*, cycle: ReviewCycle, group: TeachingGroup, student: Student) -> list[HistoryLine]:
    """Every change of one student's entry in one group and cycle, newest first (one query)."""
    labels = {"grade": _("Grade"), "light": _("Traffic light"), "advice": _("Advice")}
    changes = EntryChange.objects.filter(
        entry__cycle=cycle, entry__teaching_group=group, entry__student=student
    ).select_related("changed_by")
    return [
        HistoryLine(
            change=change,
            fields=[
                FieldChange(
                    field=name,
                    label=labels[name],
                    before=str(change.before.get(name, "")),
                    after=str(change.after.get(name, "")),
                )
                for name in labels
                if name in change.after or name in change.before
            ],
        )
        for change in changes
    ]


# --- the home page ("Mijn werk") ----------------------------------------------------------------------


@dataclass
class CycleProgress:
    """An open cycle as the home page shows it: overall completion, or the viewer's own groups."""

    cycle: ReviewCycle
    expected: int = 0
    complete: int = 0
    groups: list[GroupProgress] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(self.expected - self.complete, 0)

    @property
    def percent(self) -> int:
        return 100 if not self.expected else round(100 * self.complete / self.expected)

    @property
    def incomplete_groups(self) -> list[GroupProgress]:
        return [progress for progress in self.groups if not progress.is_complete]

    @property
    def complete_groups(self) -> int:
        return sum(progress.is_complete for progress in self.groups)


@dataclass
class HomeCycles:
    teaching: list[CycleProgress] = field(default_factory=list)  # open cycles with groups the user teaches
    managed: list[CycleProgress] = field(default_factory=list)  # open cycles the user runs


def home_cycles(user: User) -> HomeCycles:
    """The open cycles on the user's home page, in at most six queries whatever the school's size.

    The same counts as `groups_with_completion` and `cycle_completion`, computed for
    every open cycle at once: enrolments and complete entries are counted in the
    database per (group or cycle, department, school year of the class), and
    matched to each cycle's departments and school year here.
    """
    roles = roles_of(user)
    home = HomeCycles()
    if not roles.is_staff_member:
        return home
    cycles = list(
        policies.cycles_visible_to(user)
        .exclude(phase=Phase.CLOSED)
        .select_related("period")
        .order_by("entry_deadline")
    )
    if not cycles:
        return home
    departments: dict[int, set[int]] = {cycle.pk: set() for cycle in cycles}
    for cycle_id, department_id in ReviewCycle.departments.through.objects.filter(
        reviewcycle_id__in=list(departments)
    ).values_list("reviewcycle_id", "department_id"):
        departments[cycle_id].add(department_id)

    def covers(cycle: ReviewCycle, department_id: int | None, year_id: int | None) -> bool:
        return department_id in departments[cycle.pk] and year_id == cycle.period.school_year_id

    if roles.teaching_group_ids:
        home.teaching = _home_teaching(roles, cycles, covers)
    managed = [cycle for cycle in cycles if roles.is_school_admin or departments[cycle.pk] & roles.led_department_ids]
    if managed:
        home.managed = _home_managed(roles, managed, departments, covers)
    return home


# Counted per department and school year of the student's class: what decides whether a cycle covers them.
CLASS_DEPARTMENT = "student__class_group__department_id"
CLASS_YEAR = "student__class_group__school_year_id"


def _home_teaching(roles, cycles: list[ReviewCycle], covers) -> list[CycleProgress]:
    years = {cycle.period.school_year_id for cycle in cycles}
    groups = list(
        TeachingGroup.objects.filter(pk__in=roles.teaching_group_ids, school_year_id__in=years)
        .select_related("subject")
        .order_by("name")
    )
    if not groups:
        return []
    group_ids = [group.pk for group in groups]
    enrolled = (
        Enrollment.objects.filter(
            teaching_group_id__in=group_ids, student__school_id=roles.school_id, student__is_active=True
        )
        .values_list("teaching_group_id", CLASS_DEPARTMENT, CLASS_YEAR)
        .annotate(n=Count("pk"))
        .order_by()
    )
    done = (
        Entry.objects.filter(
            ENTRY_COMPLETE,
            cycle_id__in=[cycle.pk for cycle in cycles],
            teaching_group_id__in=group_ids,
            student__school_id=roles.school_id,
            student__is_active=True,
        )
        .values_list("cycle_id", "teaching_group_id", CLASS_DEPARTMENT, CLASS_YEAR)
        .annotate(n=Count("pk"))
        .order_by()
    )
    enrolled, done = list(enrolled), list(done)
    result = []
    for cycle in cycles:
        progress = []
        for group in groups:
            if group.school_year_id != cycle.period.school_year_id:
                continue
            expected = sum(n for g, d, y, n in enrolled if g == group.pk and covers(cycle, d, y))
            if not expected:
                continue  # the group has no student in this cycle
            complete = sum(n for c, g, d, y, n in done if c == cycle.pk and g == group.pk and covers(cycle, d, y))
            progress.append(GroupProgress(group=group, expected=expected, complete=min(complete, expected)))
        if progress:
            result.append(
                CycleProgress(
                    cycle=cycle,
                    expected=sum(p.expected for p in progress),
                    complete=sum(p.complete for p in progress),
                    groups=progress,
                )
            )
    return result


def _home_managed(roles, cycles: list[ReviewCycle], departments: dict[int, set[int]], covers) -> list[CycleProgress]:
    department_ids = set().union(*(departments[cycle.pk] for cycle in cycles))
    enrolled = list(
        Enrollment.objects.filter(
            student__school_id=roles.school_id,
            student__is_active=True,
            student__class_group__department_id__in=department_ids,
            student__class_group__school_year_id__in={cycle.period.school_year_id for cycle in cycles},
            # A cycle covers the teaching groups of its own school year only.
            teaching_group__school_year_id=F("student__class_group__school_year_id"),
        )
        .values_list(CLASS_DEPARTMENT, CLASS_YEAR)
        .annotate(n=Count("pk"))
        .order_by()
    )
    done = list(
        Entry.objects.filter(
            ENTRY_COMPLETE,
            cycle_id__in=[cycle.pk for cycle in cycles],
            student__school_id=roles.school_id,
            student__is_active=True,
        )
        .values_list("cycle_id", CLASS_DEPARTMENT, CLASS_YEAR)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        CycleProgress(
            cycle=cycle,
            expected=sum(n for d, y, n in enrolled if covers(cycle, d, y)),
            complete=sum(n for c, d, y, n in done if c == cycle.pk and covers(cycle, d, y)),
        )
        for cycle in cycles
    ]
