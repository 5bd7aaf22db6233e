"""Small template helpers for the shared UI: roles in the header, and policy answers a page needs.

The tags ask `school.policies`; they never decide access themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import pgettext_lazy

from school import policies
from school.models import ClassGroup, Student, User
from school.policies import Roles

register = template.Library()

# In the order a header lists them: the school-wide roles first.
ROLE_LABELS = {
    "school_admin": pgettext_lazy("role", "School admin"),
    "care_coordinator": pgettext_lazy("role", "Care coordinator"),
    "team_leader": pgettext_lazy("role", "Team leader"),
    "mentor": pgettext_lazy("role", "Mentor"),
    "subject_teacher": pgettext_lazy("role", "Subject teacher"),
    "student": pgettext_lazy("role", "Student"),
    "guardian": pgettext_lazy("role", "Guardian"),
}


@register.simple_tag
def roles_for(user: User | AnonymousUser) -> Roles:
    """`{% roles_for user as roles %}`: the user's roles (cached for the request, no extra queries)."""
    return policies.roles_of(user)


@register.simple_tag
def role_badges(roles: Roles) -> list[tuple[str, str]]:
    """`{% role_badges roles as badges %}`: (code, label) for every role held, for `components/role_badge.html`."""
    return [(code, label) for code, label in ROLE_LABELS.items() if getattr(roles, f"is_{code}")]


@register.simple_tag
def can_view_class_group(user: User | AnonymousUser, class_group: ClassGroup | None) -> bool:
    """`{% can_view_class_group user class_group as show_link %}`: link to a class only for who may open it."""
    return class_group is not None and policies.can_view_class_group(user, class_group)


@register.simple_tag
def visible_student_ids(user: User | AnonymousUser, students: Iterable[Student]) -> set[int]:
    """`{% visible_student_ids user students as visible %}`: which of these students the user may open (one query)."""
    pks = [student.pk for student in students]
    if not pks:
        return set()
    return set(policies.students_visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))
