"""Who may export a student's data: the school admin, for every student of their school (also those who left).

Out of scope is 404; a member of staff who may see the student but is not the admin gets 403.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from school.models import Student, User
from school.policies import can_manage_roster, roles_of, students_visible_to


def can_use_privacy_tools(user: User | AnonymousUser) -> bool:
    """The export and the erasure overview: the school admin only (the school is the controller)."""
    return can_manage_roster(user)


def students_exportable_by(user: User | AnonymousUser) -> QuerySet[Student]:
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_school_admin:
        return Student.objects.none()
    return Student.objects.filter(school_id=roles.school_id)


def student_export_get_for_user(user: User | AnonymousUser, pk: int) -> Student:
    """The student whose data the user may export; 403 for staff who see the student, 404 for the rest."""
    student = students_exportable_by(user).filter(pk=pk).first()
    if student is not None:
        return student
    if students_visible_to(user).filter(pk=pk).exists() and roles_of(user).is_staff_member:
        raise PermissionDenied
    raise Http404
