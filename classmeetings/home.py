"""The open class meeting's part of the home page ("Mijn werk"), added through school's home-section hook.

- A student invited to a coming (or running) meeting: prepare your input, or say you cannot come;
  while it runs, the way to ask for the floor.
- The chairs (mentor, team leader, klasleider): the meeting to prepare, with how many of last
  time's agreements are still to check; while it runs, the shared screen.
- Staff who follow a running meeting without chairing it: the way to ask for the floor.

At most three queries, whatever the number of meetings, students or agreements.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from mentoring.models import Agreement
from school.models import User
from school.policies import Roles
from school.selectors import HomeSection

from . import policies
from .models import MeetingStudent, OpenClassMeeting, PreparedInput

ACTIVE = (OpenClassMeeting.Status.PREPARING, OpenClassMeeting.Status.RUNNING)
SHOWN = 5  # meetings per list: a class has one or two a term


def _open_previous_agreements_count() -> Coalesce:
    """Per meeting: its class's agreements from earlier meetings still open (selectors.open_previous_agreements)."""
    still_open = (
        Agreement.objects.filter(
            class_item__meeting__class_group_id=OuterRef("class_group_id"),
            class_item__meeting__starts_at__lt=OuterRef("starts_at"),
            status=Agreement.Status.OPEN,
        )
        .exclude(class_item__meeting_id=OuterRef("pk"))
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(still_open, output_field=IntegerField()), Value(0))


def invitations_for(roles: Roles) -> list[MeetingStudent]:
    """The student's places in meetings being prepared or running, with their input's status (`input_status`)."""
    if roles.student is None:
        return []
    input_status = PreparedInput.objects.filter(
        meeting_id=OuterRef("meeting_id"), student_id=OuterRef("student_id")
    ).values("status")[:1]
    return list(
        MeetingStudent.objects.filter(
            student_id=roles.student.pk,
            invited=True,
            meeting__status__in=ACTIVE,
            meeting__school_id=roles.school_id,
        )
        .select_related("meeting__class_group")
        .annotate(input_status=Subquery(input_status))
        .order_by("meeting__starts_at", "pk")[:SHOWN]
    )


def chaired_meetings_for(user: User, roles: Roles) -> list[OpenClassMeeting]:
    """Meetings being prepared or running that the user chairs, with `open_previous` (last time's, unchecked)."""
    if not roles.is_staff_member and not policies.represented_class_ids(user):
        return []
    return list(
        OpenClassMeeting.objects.filter(class_group__in=policies.classes_chairable_by(user), status__in=ACTIVE)
        .select_related("class_group")
        .annotate(open_previous=_open_previous_agreements_count())
        .order_by("starts_at", "pk")[:SHOWN]
    )


def followed_running_meetings_for(user: User, roles: Roles) -> list[OpenClassMeeting]:
    """Running meetings a member of staff takes part in without chairing them (teachers of the class, invited).

    The school-wide roles read every meeting but take part only where they are invited.
    """
    if not roles.is_staff_member:
        return []
    running = (
        policies.meetings_visible_to(user)
        .filter(status=OpenClassMeeting.Status.RUNNING)
        .exclude(class_group__in=policies.classes_chairable_by(user))
    )
    if roles.sees_whole_school:
        running = running.filter(extra_teachers=roles.staff.pk)
    return list(running.select_related("class_group").order_by("starts_at", "pk")[:SHOWN])


def classmeetings_home_sections(user: User, roles: Roles) -> list[HomeSection]:
    invitations = invitations_for(roles)
    chaired = chaired_meetings_for(user, roles)
    followed = followed_running_meetings_for(user, roles)
    if not (invitations or chaired or followed):
        return []
    # A coming meeting to prepare for is a student's work now: the "nothing to do yet" hint would say otherwise.
    covers = frozenset({"student"}) if invitations else frozenset()
    return [
        HomeSection(
            "classmeetings/home/meetings.html",
            {"invitations": invitations, "chaired": chaired, "followed": followed},
            covers=covers,
        )
    ]
