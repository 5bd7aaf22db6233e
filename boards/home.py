"""The boards' part of the home page ("Mijn werk"), added through school's home-section hook."""

from __future__ import annotations

from django.utils import timezone

from school.models import User
from school.policies import Roles
from school.selectors import HomeSection

from . import policies

UPCOMING_CARE_MEETINGS = 5


def boards_home_sections(user: User, roles: Roles) -> list[HomeSection]:
    """The user's boards, their classes' progress boards and their coming care meetings (at most three queries)."""
    if not roles.is_staff_member:
        return []
    boards = list(policies.boards_visible_to(user).filter(owner_id=roles.staff.pk)[:10])
    progress = list(policies.progress_boards_visible_to(user).filter(pk__in=roles.mentor_class_ids).order_by("name"))
    care = list(
        policies.care_meetings_visible_to(user)
        .filter(held_on__gte=timezone.localdate())
        .order_by("held_on")[:UPCOMING_CARE_MEETINGS]
    )
    if not (boards or progress or care):
        return []
    return [HomeSection("boards/home/boards.html", {"boards": boards, "progress": progress, "care": care})]
