"""Writes for the people around the open class meeting: the class representative and personal coaches."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import ClassGroup, Staff, Student, User

from .. import policies
from ..models import ClassRepresentative, PersonalCoach


def representative_set(*, class_group: ClassGroup, student: Student, actor: User) -> ClassRepresentative:
    """The class's mentor makes one of its active students the class representative ("klasleider").

    A class has one: setting another replaces the first.
    """
    if not policies.can_appoint_representative(actor, class_group):
        raise PermissionDenied
    if student.class_group_id != class_group.pk or not student.is_active or student.school_id != class_group.school_id:
        raise ValidationError(
            {"student": _("The class representative is a student of this class.")}, code="not_in_class"
        )
    with transaction.atomic():
        representative, _created = ClassRepresentative.objects.update_or_create(
            class_group=class_group, defaults={"student": student, "appointed_by": actor}
        )
    return representative


def representative_clear(*, class_group: ClassGroup, actor: User) -> None:
    """The class has no class representative for now."""
    if not policies.can_appoint_representative(actor, class_group):
        raise PermissionDenied
    ClassRepresentative.objects.filter(class_group=class_group).delete()


def coach_choose(*, student: Student, coach: Staff, actor: User) -> PersonalCoach:
    """The student chooses a member of staff of their school as personal coach; an earlier choice ends."""
    if not policies.can_choose_coach(actor, student):
        raise PermissionDenied
    if coach.school_id != student.school_id or not coach.is_active:
        raise ValidationError({"coach": _("A personal coach is a member of staff of your school.")}, code="not_staff")
    with transaction.atomic():
        # The student's row first: two choices at once wait for each other (one active coach per student).
        Student.objects.select_for_update().filter(pk=student.pk).first()
        current = PersonalCoach.objects.filter(student=student, ended_at__isnull=True).first()
        if current is not None and current.coach_id == coach.pk:
            return current
        if current is not None:
            current.ended_at = timezone.now()
            current.save(update_fields=["ended_at"])
        return PersonalCoach.objects.create(student=student, coach=coach)


def coach_end(*, student: Student, actor: User) -> PersonalCoach | None:
    """The student stops with their personal coach; the coach no longer reads their reflections and agreements."""
    if not policies.can_choose_coach(actor, student):
        raise PermissionDenied
    with transaction.atomic():
        current = PersonalCoach.objects.select_for_update().filter(student=student, ended_at__isnull=True).first()
        if current is None:
            return None
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
    return current
