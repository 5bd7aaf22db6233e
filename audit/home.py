"""The audit log's place on the school admin's home page ("Mijn werk"), through school's home-section hook."""

from __future__ import annotations

from school.models import User
from school.policies import Roles
from school.selectors import HomeSection


def audit_home_sections(user: User, roles: Roles) -> list[HomeSection]:
    """A link to the audit log, for the school admin only (no query: the roles are read already)."""
    if not roles.is_school_admin:
        return []
    return [HomeSection("audit/home.html")]
