"""Who may see or do what in the roster: the access policy core.

Each rule comes with its queryset twin (`can_view_student` /
`students_visible_to`), and every query is scoped to the user's school.
Views and selectors go through these functions; they never test roles inline.
Out of scope is 404 (`*_get_for_user`), so nobody can probe which records
exist; a page the user knows exists but may not use is 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet, Value
from django.shortcuts import get_object_or_404

from .models import ClassGroup, Department, Guardian, RosterImport, Staff, Student, TeachingGroup, User


@dataclass(frozen=True)
class Roles:
    """The roles one user holds, read once per request in a fixed number of queries."""

    school_id: int | None = None
    staff: Staff | None = None
    student: Student | None = None
    guardian: Guardian | None = None
    led_department_ids: frozenset[int] = field(default_factory=frozenset)
    mentor_class_ids: frozenset[int] = field(default_factory=frozenset)
    teaching_group_ids: frozenset[int] = field(default_factory=frozenset)
    child_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_school_admin(self) -> bool:
        return bool(self.staff and self.staff.is_active and self.staff.is_school_admin)

    @property
    def is_care_coordinator(self) -> bool:
        return bool(self.staff and self.staff.is_active and self.staff.is_care_coordinator)

    @property
    def is_team_leader(self) -> bool:
        return bool(self.led_department_ids)

    @property
    def is_mentor(self) -> bool:
        return bool(self.mentor_class_ids)

    @property
    def is_subject_teacher(self) -> bool:
        return bool(self.teaching_group_ids)

    @property
    def is_student(self) -> bool:
        return self.student is not None

    @property
    def is_guardian(self) -> bool:
        return self.guardian is not None

    def is_family_of(self, student_id: int) -> bool:
        """The student themselves or one of their guardians: what they read about the student is their own."""
        return (self.student is not None and self.student.pk == student_id) or student_id in self.child_ids

    @property
    def is_staff_member(self) -> bool:
        return bool(self.staff and self.staff.is_active)

    @property
    def sees_whole_school(self) -> bool:
        return self.is_school_admin or self.is_care_coordinator


NO_ROLES = Roles()


def roles_of(user: User | AnonymousUser) -> Roles:
    """The user's roles, cached on the user object for the rest of the request."""
    if not user.is_authenticated or not user.is_active or user.school_id is None:
        return NO_ROLES
    cached = getattr(user, "_roles_cache", None)
    if cached is not None:
        return cached
    # One query for the three records a user can have, one for the groups they hold (at most two).
    holder = User.objects.select_related("staff", "student", "guardian").get(pk=user.pk)
    staff = _own(getattr(holder, "staff", None), user, active=True)
    student = _own(getattr(holder, "student", None), user, active=True)
    guardian = _own(getattr(holder, "guardian", None), user, active=False)
    led, mentor, teaching, children = _held_ids(staff, guardian)
    roles = Roles(
        school_id=user.school_id,
        staff=staff,
        student=student,
        guardian=guardian,
        led_department_ids=led,
        mentor_class_ids=mentor,
        teaching_group_ids=teaching,
        child_ids=children,
    )
    user._roles_cache = roles
    return roles


def _own(record, user: User, *, active: bool):
    """A staff, student or guardian record that counts: of the user's own school (and active, where it can be)."""
    if record is None or record.school_id != user.school_id or (active and not record.is_active):
        return None
    return record


def _held_ids(staff: Staff | None, guardian: Guardian | None) -> tuple[frozenset[int], ...]:
    """The departments led, classes mentored, groups taught and active children, in one UNION query."""
    parts = []
    if staff is not None:
        parts += [
            Department.team_leaders.through.objects.filter(staff_id=staff.pk).values_list(
                Value("led"), "department_id"
            ),
            ClassGroup.mentors.through.objects.filter(staff_id=staff.pk).values_list(Value("mentor"), "classgroup_id"),
            TeachingGroup.teachers.through.objects.filter(staff_id=staff.pk).values_list(
                Value("teaching"), "teachinggroup_id"
            ),
        ]
    if guardian is not None:
        parts.append(
            Guardian.students.through.objects.filter(guardian_id=guardian.pk, student__is_active=True).values_list(
                Value("child"), "student_id"
            )
        )
    held: dict[str, set[int]] = {"led": set(), "mentor": set(), "teaching": set(), "child": set()}
    if parts:
        first, *rest = parts
        for kind, pk in first.union(*rest, all=True).order_by():
            held[kind].add(pk)
    return tuple(frozenset(held[kind]) for kind in ("led", "mentor", "teaching", "child"))


# --- students ---------------------------------------------------------------


def _student_scope(roles: Roles) -> Q | None:
    """The students a user may read roster data of, as a filter (None: nobody)."""
    if roles.sees_whole_school:
        return Q()
    scope = Q(pk__in=[])
    if roles.led_department_ids:
        scope |= Q(class_group__department_id__in=roles.led_department_ids)
    if roles.mentor_class_ids:
        scope |= Q(class_group_id__in=roles.mentor_class_ids)
    if roles.teaching_group_ids:
        scope |= Q(pk__in=Student.objects.filter(teaching_groups__in=roles.teaching_group_ids).values("pk"))
    if roles.student is not None:
        scope |= Q(pk=roles.student.pk)
    if roles.child_ids:
        scope |= Q(pk__in=roles.child_ids)
    return scope


def can_oversee_department(user: User | AnonymousUser, department: Department) -> bool:
    """A department as a whole (overview, agenda, insight, its board): its team leaders and school-wide roles."""
    roles = roles_of(user)
    return (
        roles.is_staff_member
        and roles.school_id == department.school_id
        and (roles.sees_whole_school or department.pk in roles.led_department_ids)
    )


def students_visible_to(user: User | AnonymousUser) -> QuerySet[Student]:
    roles = roles_of(user)
    if roles.school_id is None:
        return Student.objects.none()
    return Student.objects.filter(_student_scope(roles), school_id=roles.school_id, is_active=True)


def can_view_student(user: User | AnonymousUser, student: Student) -> bool:
    return students_visible_to(user).filter(pk=student.pk).exists()


def student_get_for_user(user: User | AnonymousUser, pk: int) -> Student:
    """The student if the user may see them; 404 for missing and forbidden alike."""
    return get_object_or_404(students_visible_to(user), pk=pk)


# --- class groups -------------------------------------------------------------


def class_groups_visible_to(user: User | AnonymousUser) -> QuerySet[ClassGroup]:
    """Class groups whose page (the list of students) the user may open: staff only."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return ClassGroup.objects.none()
    qs = ClassGroup.objects.filter(school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    return qs.filter(Q(department_id__in=roles.led_department_ids) | Q(pk__in=roles.mentor_class_ids))


def can_view_class_group(user: User | AnonymousUser, class_group: ClassGroup) -> bool:
    return class_groups_visible_to(user).filter(pk=class_group.pk).exists()


def class_group_get_for_user(user: User | AnonymousUser, pk: int) -> ClassGroup:
    return get_object_or_404(class_groups_visible_to(user), pk=pk)


# --- teaching groups ----------------------------------------------------------


def teaching_groups_visible_to(user: User | AnonymousUser) -> QuerySet[TeachingGroup]:
    """Teaching groups the user may open: their own, or any in their department or school."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return TeachingGroup.objects.none()
    qs = TeachingGroup.objects.filter(school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    scope = Q(pk__in=roles.teaching_group_ids)
    if roles.led_department_ids:
        scope |= Q(
            pk__in=TeachingGroup.objects.filter(
                students__class_group__department_id__in=roles.led_department_ids
            ).values("pk")
        )
    return qs.filter(scope)


def can_view_teaching_group(user: User | AnonymousUser, group: TeachingGroup) -> bool:
    return teaching_groups_visible_to(user).filter(pk=group.pk).exists()


def teaching_group_get_for_user(user: User | AnonymousUser, pk: int) -> TeachingGroup:
    return get_object_or_404(teaching_groups_visible_to(user), pk=pk)


# --- school administration --------------------------------------------------------


def can_manage_roster(user: User | AnonymousUser) -> bool:
    """Import the roster and manage users: the school admin only."""
    return roles_of(user).is_school_admin


def roster_imports_visible_to(user: User | AnonymousUser) -> QuerySet[RosterImport]:
    """The import jobs of the user's school, for its school admin."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_school_admin:
        return RosterImport.objects.none()
    return RosterImport.objects.filter(school_id=roles.school_id)


def roster_import_get_for_user(user: User | AnonymousUser, pk: int) -> RosterImport:
    """An import job of the user's school; 404 for another school's and for missing alike."""
    return get_object_or_404(roster_imports_visible_to(user), pk=pk)
