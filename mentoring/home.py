"""The mentoring part of the home page ("Mijn werk"), added through school's home-section hook."""

from __future__ import annotations

from school.models import User
from school.policies import Roles
from school.selectors import HomeSection

from .selectors.home import mentoring_home


def mentoring_home_sections(user: User, roles: Roles) -> list[HomeSection]:
    """Mentor classes to read, questions to answer, escalations to handle (at most seven queries)."""
    if not roles.is_staff_member:
        return []
    home = mentoring_home(user, roles)
    sections = []
    if home.questions_open:
        sections.append(HomeSection("mentoring/home/questions.html", {"open": home.questions_open}))
    if home.classes:
        sections.append(
            HomeSection("mentoring/home/classes.html", {"classes": home.classes}, covers=frozenset({"mentor"}))
        )
    if home.departments:
        sections.append(
            HomeSection(
                "mentoring/home/departments.html", {"departments": home.departments}, covers=frozenset({"team_leader"})
            )
        )
    return sections
