"""Writes for the portal: the team leader publishes a round's feedback; an adult student chooses about guardians.

Publishing is per department and once: before it, students and guardians see nothing
of the round (DESIGN §3, §4). A student of 18 or older decides whether their guardians
still see their feedback and goals.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reviews.models import Phase, ReviewCycle
from school.models import Department, Student, User
from school.policies import roles_of

from .. import policies
from ..models import GuardianSharing, Publication


def cycle_publish(*, cycle: ReviewCycle, department: Department, actor: User) -> Publication:
    """Publish the round's lights, advice, trend and decisions to the department's students and guardians.

    Only the department's team leader, once the entry phase is over and before the round
    is closed. Idempotent: publishing again keeps the first publication (its date and
    author); the returned row's `created` says whether this call published it.
    """
    if not policies.can_publish(actor, cycle, department):
        if cycle.is_closed and policies.can_lead_department(actor, department):
            raise ValidationError(_("This round is closed: its feedback can no longer be published."), code="closed")
        raise PermissionDenied
    if cycle.phase == Phase.ENTRY:
        raise ValidationError(
            _(
                "The teachers are still entering traffic lights and advice. "
                "You can publish the feedback once the round has moved on to the speed-date."
            ),
            code="entry_phase",
        )
    with transaction.atomic():
        publication, created = Publication.objects.get_or_create(
            cycle=cycle, department=department, defaults={"published_by": actor}
        )
    publication.created = created
    return publication


def guardian_sharing_set(*, student: Student, actor: User, guardians_may_see: bool) -> GuardianSharing:
    """An adult student's choice whether their guardians see their published feedback and goals.

    Only the student themselves, and only from 18: before that, guardians see what is published.
    """
    roles = roles_of(actor)
    if roles.student is None or roles.student.pk != student.pk or not policies.is_adult(student):
        raise PermissionDenied
    with transaction.atomic():
        sharing, _created = GuardianSharing.objects.update_or_create(
            student=student, defaults={"guardians_may_see": bool(guardians_may_see)}
        )
    return sharing
