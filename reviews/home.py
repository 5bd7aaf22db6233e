"""The review cycle's part of the home page ("Mijn werk"), added through school's home-section hook."""

from __future__ import annotations

from school.models import User
from school.policies import Roles
from school.selectors import HomeSection

from . import policies, selectors


def cycles_home_sections(user: User, roles: Roles) -> list[HomeSection]:
    """Open cycles: overall completion for whoever runs them, their own open groups for teachers.

    At most six queries, whatever the size of the school (selectors.home_cycles).
    """
    if not roles.is_staff_member:
        return []
    overview = selectors.home_cycles(user)
    sections = []
    if overview.managed:
        sections.append(
            HomeSection("reviews/home/managed.html", {"cycles": overview.managed}, covers=frozenset({"team_leader"}))
        )
    elif policies.can_create_cycle(user):
        sections.append(HomeSection("reviews/home/start.html"))
    if overview.teaching:
        sections.append(
            HomeSection(
                "reviews/home/teaching.html", {"cycles": overview.teaching}, covers=frozenset({"subject_teacher"})
            )
        )
    return sections
