"""Reads for the roster screens, each shaped for one page with a fixed query count."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from .importers import Issue
from .importers.roster import ENTITIES
from .models import ClassGroup, Department, RosterImport, SchoolYear, Staff, Student, TeachingGroup, User
from .policies import Roles, roles_of, teaching_groups_visible_to

ACTIVE_STUDENTS = Q(students__is_active=True)


@dataclass
class SchoolFigures:
    students: int
    staff: int
    class_groups: int
    teaching_groups: int
    last_import: RosterImport | None


@dataclass(frozen=True)
class HomeSection:
    """A part of the home page that another app adds: a template and what it needs.

    `covers` names the roles (as in Roles: "subject_teacher", "team_leader", …)
    whose "nothing to do yet" hint this section makes untrue, so the page leaves it out.
    """

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    covers: frozenset[str] = frozenset()


# Apps above `school` (reviews, mentoring, boards) add their part of the home page
# here from their AppConfig.ready(), so school never imports them: apps depend one way.
# A provider gets the user and their roles and returns its sections (usually none or one),
# in a number of queries that does not grow with the school.
HomeSectionProvider = Callable[[User, Roles], Iterable[HomeSection]]
_home_section_providers: list[HomeSectionProvider] = []


def home_section_provider_register(provider: HomeSectionProvider) -> HomeSectionProvider:
    """Add a provider of home-page sections (once, however often ready() runs); usable as a decorator."""
    if provider not in _home_section_providers:
        _home_section_providers.append(provider)
    return provider


@dataclass
class Home:
    """What one user has to do now, per role they hold ("my work")."""

    roles: Roles
    sections: list[HomeSection] = field(default_factory=list)
    school_figures: SchoolFigures | None = None
    departments: list[Department] = field(default_factory=list)
    mentor_classes: list[ClassGroup] = field(default_factory=list)
    teaching_groups: list[TeachingGroup] = field(default_factory=list)
    own_student: Student | None = None
    children: list[Student] = field(default_factory=list)

    @property
    def covered(self) -> frozenset[str]:
        """The roles whose work the added sections show."""
        return frozenset().union(*(section.covers for section in self.sections))


def _class_groups_with_counts() -> QuerySet[ClassGroup]:
    return ClassGroup.objects.select_related("department").annotate(
        student_count=Count("students", filter=ACTIVE_STUDENTS)
    )


def school_figures(*, school_id: int) -> SchoolFigures:
    # Groups of the newest school year: last year's stay in the database for their history.
    newest_year = SchoolYear.objects.filter(school_id=school_id).order_by("-start_date").values("pk")[:1]
    return SchoolFigures(
        students=Student.objects.filter(school_id=school_id, is_active=True).count(),
        staff=Staff.objects.filter(school_id=school_id, is_active=True).count(),
        class_groups=ClassGroup.objects.filter(school_id=school_id, school_year__in=newest_year).count(),
        teaching_groups=TeachingGroup.objects.filter(school_id=school_id, school_year__in=newest_year).count(),
        last_import=RosterImport.objects.filter(school_id=school_id).first(),
    )


def home_for(user: User) -> Home:
    roles = roles_of(user)
    home = Home(roles=roles)
    if roles.school_id is None:
        return home
    if roles.sees_whole_school:
        home.school_figures = school_figures(school_id=roles.school_id)
    if roles.led_department_ids:
        home.departments = list(
            Department.objects.filter(pk__in=roles.led_department_ids).annotate(
                class_group_count=Count("class_groups", distinct=True),
                student_count=Count(
                    "class_groups__students", filter=Q(class_groups__students__is_active=True), distinct=True
                ),
            )
        )
    if roles.mentor_class_ids:
        home.mentor_classes = list(_class_groups_with_counts().filter(pk__in=roles.mentor_class_ids))
    if roles.teaching_group_ids:
        home.teaching_groups = list(
            TeachingGroup.objects.filter(pk__in=roles.teaching_group_ids)
            .select_related("subject")
            .annotate(student_count=Count("students", filter=ACTIVE_STUDENTS))
        )
    if roles.student is not None:
        home.own_student = (
            Student.objects.select_related("class_group")
            .prefetch_related(Prefetch("class_group__mentors", queryset=Staff.objects.select_related("user")))
            .get(pk=roles.student.pk)
        )
    if roles.child_ids:
        home.children = list(
            Student.objects.filter(pk__in=roles.child_ids)
            .select_related("class_group")
            .prefetch_related(Prefetch("class_group__mentors", queryset=Staff.objects.select_related("user")))
        )
    home.sections = [section for provider in _home_section_providers for section in provider(user, roles)]
    return home


def class_group_page(class_group: ClassGroup) -> ClassGroup:
    """A class group with its mentors and active students, ready to render."""
    return (
        ClassGroup.objects.select_related("department", "school_year")
        .prefetch_related(
            Prefetch("mentors", queryset=Staff.objects.select_related("user")),
            Prefetch("students", queryset=Student.objects.filter(is_active=True), to_attr="active_students"),
        )
        .get(pk=class_group.pk)
    )


def teaching_group_page(group: TeachingGroup) -> TeachingGroup:
    return (
        TeachingGroup.objects.select_related("subject", "school_year")
        .prefetch_related(
            Prefetch("teachers", queryset=Staff.objects.select_related("user")),
            Prefetch(
                "students",
                queryset=Student.objects.filter(is_active=True).select_related("class_group"),
                to_attr="active_students",
            ),
        )
        .get(pk=group.pk)
    )


def student_page(student: Student, *, viewer: User) -> Student:
    """A student's roster page. Teaching groups are listed only as far as the viewer may see them."""
    return (
        Student.objects.select_related("class_group__department")
        .prefetch_related(
            Prefetch("class_group__mentors", queryset=Staff.objects.select_related("user")),
            Prefetch(
                "teaching_groups",
                queryset=teaching_groups_visible_to(viewer).select_related("subject"),
                to_attr="visible_teaching_groups",
            ),
        )
        .get(pk=student.pk)
    )


# --- roster import ------------------------------------------------------------------


@dataclass
class ImportLine:
    label: str
    created: int
    updated: int
    deactivated: int


@dataclass
class RosterImportReport:
    """One import job shaped for its page: the counts per kind of row, and the errors."""

    job: RosterImport
    lines: list[ImportLine]
    errors: list[Issue]

    @property
    def changes(self) -> int:
        return sum(line.created + line.updated + line.deactivated for line in self.lines)


def roster_import_report(job: RosterImport) -> RosterImportReport:
    lines = [
        ImportLine(
            label=str(label), **{key: job.summary[name].get(key, 0) for key in ("created", "updated", "deactivated")}
        )
        for name, label in ENTITIES.items()
        if name in job.summary
    ]
    return RosterImportReport(job=job, lines=lines, errors=[Issue.from_dict(data) for data in job.errors])


def roster_imports_recent(*, school_id: int, limit: int = 10) -> list[RosterImport]:
    return list(
        RosterImport.objects.filter(school_id=school_id)
        .select_related("started_by", "applied_by")
        .order_by("-created_at")[:limit]
    )
