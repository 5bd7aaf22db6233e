"""Who may see or do what with review cycles and traffic-light entries (DESIGN §4).

Built on school.policies.roles_of. Every rule has its queryset twin, every
query is scoped to the user's school; `*_get_for_user` gives 404 out of scope.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from school.models import ClassGroup, Department, Student, TeachingGroup, User
from school.policies import roles_of

from .models import AdvicePhrase, Entry, ReviewCycle


def cycles_visible_to(user: User | AnonymousUser) -> QuerySet[ReviewCycle]:
    """Cycles of the user's school, for its staff: a cycle itself holds nothing about students."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return ReviewCycle.objects.none()
    return ReviewCycle.objects.filter(school_id=roles.school_id)


def can_view_cycles(user: User | AnonymousUser) -> bool:
    """The cycle pages are the staff's; students and parents see their feedback elsewhere."""
    return roles_of(user).is_staff_member


def cycle_get_for_user(user: User | AnonymousUser, pk: int) -> ReviewCycle:
    return get_object_or_404(cycles_visible_to(user).select_related("period"), pk=pk)


def can_create_cycle(user: User | AnonymousUser) -> bool:
    roles = roles_of(user)
    return roles.is_school_admin or roles.is_team_leader


def cycles_managed_by(user: User | AnonymousUser) -> QuerySet[ReviewCycle]:
    """Cycles the user runs: the school admin all, a team leader those of their departments."""
    roles = roles_of(user)
    qs = cycles_visible_to(user)
    if roles.is_school_admin:
        return qs
    if not roles.led_department_ids:
        return qs.none()
    return qs.filter(departments__in=roles.led_department_ids).distinct()


def can_manage_cycle(user: User | AnonymousUser, cycle: ReviewCycle) -> bool:
    return cycles_managed_by(user).filter(pk=cycle.pk).exists()


def department_choices_for(user: User | AnonymousUser) -> QuerySet[Department]:
    """The departments a user may put in a cycle they create."""
    roles = roles_of(user)
    qs = Department.objects.filter(school_id=roles.school_id)
    if roles.is_school_admin:
        return qs
    return qs.filter(pk__in=roles.led_department_ids)


# --- teaching groups and students in a cycle ---------------------------------------------------


def cycle_students(cycle: ReviewCycle) -> QuerySet[Student]:
    """The active students a cycle covers: those in class groups of its departments."""
    return Student.objects.filter(
        school_id=cycle.school_id,
        is_active=True,
        class_group__department__in=cycle.departments.all(),
        class_group__school_year_id=cycle.period.school_year_id,
    )


def cycle_teaching_groups(cycle: ReviewCycle) -> QuerySet[TeachingGroup]:
    """The teaching groups a cycle covers: those of its school year with a student it covers."""
    return TeachingGroup.objects.filter(
        school_id=cycle.school_id,
        school_year_id=cycle.period.school_year_id,
        pk__in=TeachingGroup.students.through.objects.filter(student__in=cycle_students(cycle)).values(
            "teaching_group_id"
        ),
    )


def cycle_covers_class_group(cycle: ReviewCycle, class_group: ClassGroup) -> bool:
    """The cycle reviews this class: its department takes part, and it is a class of the cycle's school year."""
    return (
        class_group.school_id == cycle.school_id
        and class_group.school_year_id == cycle.period.school_year_id
        and cycle.departments.filter(pk=class_group.department_id).exists()
    )


def cycle_covers_department(cycle: ReviewCycle, department: Department) -> bool:
    return department.school_id == cycle.school_id and cycle.departments.filter(pk=department.pk).exists()


def cycle_covers_student(cycle: ReviewCycle, student: Student) -> bool:
    return cycle_students(cycle).filter(pk=student.pk).exists()


def grid_groups_visible_to(user: User | AnonymousUser, cycle: ReviewCycle) -> QuerySet[TeachingGroup]:
    """Teaching groups whose entry grid the user may open in this cycle.

    Their teachers (to enter), the team leaders of the departments their students are in, and
    the school admin (to follow progress). Mentors read through their dashboard.
    """
    roles = roles_of(user)
    groups = cycle_teaching_groups(cycle)
    if roles.school_id != cycle.school_id or not roles.is_staff_member:
        return groups.none()
    if roles.is_school_admin:
        return groups
    own = Q(pk__in=roles.teaching_group_ids)
    if roles.led_department_ids:
        # A team leader follows the groups with a student of their own departments (DESIGN §4), not every
        # group of the cycle: a cycle may span departments.
        own |= Q(
            pk__in=TeachingGroup.objects.filter(
                students__class_group__department_id__in=roles.led_department_ids
            ).values("pk")
        )
    return groups.filter(own)


def grid_group_get_for_user(user: User | AnonymousUser, cycle: ReviewCycle, pk: int) -> TeachingGroup:
    return get_object_or_404(grid_groups_visible_to(user, cycle), pk=pk)


def can_edit_entries(user: User | AnonymousUser, cycle: ReviewCycle, group: TeachingGroup) -> bool:
    """Only the group's own teachers write its entries, and never in a closed cycle."""
    roles = roles_of(user)
    return (
        not cycle.is_closed
        and roles.school_id == cycle.school_id
        and roles.is_staff_member
        and group.pk in roles.teaching_group_ids
    )


def entries_visible_to(user: User | AnonymousUser) -> QuerySet[Entry]:
    """Entries the user may read: of the groups they teach, the classes they mentor,
    the departments they lead, or the whole school for the admin and care coordinator."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return Entry.objects.none()
    qs = Entry.objects.filter(cycle__school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    scope = Q(teaching_group_id__in=roles.teaching_group_ids)
    if roles.mentor_class_ids:
        scope |= Q(student__class_group_id__in=roles.mentor_class_ids)
    if roles.led_department_ids:
        scope |= Q(student__class_group__department_id__in=roles.led_department_ids)
    return qs.filter(scope)


def can_view_entry(user: User | AnonymousUser, entry: Entry) -> bool:
    return entries_visible_to(user).filter(pk=entry.pk).exists()


# --- a teacher's own phrase bank ---------------------------------------------------------------


def can_keep_phrases(user: User | AnonymousUser) -> bool:
    """Every member of staff may keep advice phrases; they are theirs alone."""
    return roles_of(user).is_staff_member


def advice_phrases_of(user: User | AnonymousUser) -> QuerySet[AdvicePhrase]:
    if not can_keep_phrases(user):
        return AdvicePhrase.objects.none()
    return AdvicePhrase.objects.filter(owner=user)


def advice_phrase_get_for_user(user: User | AnonymousUser, pk: int) -> AdvicePhrase:
    """One of the user's own phrases; another's is 404, as if it did not exist."""
    return get_object_or_404(advice_phrases_of(user), pk=pk)


# --- the school's traffic-light words (issue 3) --------------------------------------------------


def can_manage_light_scheme(user: User | AnonymousUser) -> bool:
    """The labels and colours of the lights are a school setting: the school admin's."""
    return roles_of(user).is_school_admin
