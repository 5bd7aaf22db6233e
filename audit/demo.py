"""The audit log in the demo school (seed_demo, make run): three weeks of reads and writes.

Registered with school.demo's extension hook (AuditConfig.ready), last: it points at the demo's
own records (the care meeting, the escalations, Lina's reflection and mentor talk, 4H1's progress
board), as the views would have written them. So `beheerder` finds a log worth filtering at
/audit/: `zorg` reading the care meeting, `teamleider` reading and accepting escalations, `mentor`
reading 4H1's progress board, `mentor.vwo` reading 5V1's reflections and mentor talks, `docent`
as Lina's personal coach. Deterministic by the seed: the same times, addresses and browsers every run.
"""

from __future__ import annotations

import datetime
import random

from django.urls import reverse
from django.utils import timezone

from boards.models import CareMeeting
from mentoring.models import Escalation, MentorTalk, Reflection
from school.demo import CARE_COORDINATOR, MENTOR, MENTOR_VWO, STUDENT, TEACHER, TEAM_LEADER_HAVO, DemoSchool
from school.models import User

from .models import AuditEvent

DAYS = 21  # how far back the demo's events go
# The school's network and the browsers staff use (Dutch schools: Chromebooks, Windows laptops, iPads).
ADDRESSES = ("10.12.0.23", "10.12.0.41", "10.12.1.7", "10.12.1.88", "192.168.20.14")
BROWSERS = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1",
)

Action, Kind = AuditEvent.Action, AuditEvent.Kind


def demo_audit_create(demo_school: DemoSchool, seed: int) -> str | None:
    """Some forty events of the last three weeks, by the demo logins; None when they are missing."""
    logins = demo_school.logins
    if not all(name in logins for name in (CARE_COORDINATOR, MENTOR, MENTOR_VWO, STUDENT, TEACHER, TEAM_LEADER_HAVO)):
        return None
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    now = timezone.now()
    school = demo_school.school
    lina = logins[STUDENT].student
    events: list[AuditEvent] = []

    def event(actor: User, action: str, kind: str, path: str, summary: str, *, obj=None, student=None) -> None:
        at = now - datetime.timedelta(days=rng.uniform(0, DAYS))
        # Reads happen in school hours: move the moment to between 8:00 and 17:00 of its day.
        at = at.replace(hour=rng.randint(8, 16), minute=rng.randint(0, 59), second=rng.randint(0, 59))
        events.append(
            AuditEvent(
                school=school,
                actor=actor,
                actor_name=actor.get_full_name() or actor.get_username(),
                action=action,
                kind=kind,
                object_id=obj.pk if obj is not None else None,
                student=student if student is not None else getattr(obj, "student", None),
                summary=summary,
                path=path,
                ip_address=rng.choice(ADDRESSES),
                user_agent=rng.choice(BROWSERS),
                at=min(at, now),
            )
        )

    for meeting in CareMeeting.objects.filter(school=school).order_by("pk")[:2]:
        path = reverse("boards:care_meeting", args=[meeting.pk])
        for _ in range(4):
            event(logins[CARE_COORDINATOR], Action.READ, Kind.CARE_MEETING, path, "Care meeting read", obj=meeting)
        event(logins[MENTOR], Action.READ, Kind.CARE_MEETING, path, "Care meeting read", obj=meeting)

    for escalation in Escalation.objects.filter(cycle__school=school).order_by("pk")[:6]:
        path = reverse("mentoring:escalation", args=[escalation.pk])
        event(logins[TEAM_LEADER_HAVO], Action.READ, Kind.ESCALATION, path, "Escalation read", obj=escalation)
        if escalation.status != Escalation.Status.PENDING:
            event(
                logins[TEAM_LEADER_HAVO],
                Action.UPDATE,
                Kind.ESCALATION,
                reverse("mentoring:escalation_accept", args=[escalation.pk]),
                "Escalation accepted onto the agenda",
                obj=escalation,
            )

    # The vwo round is at its mentor talks: 5V1's mentor reads handed-in reflections and the talks.
    mentor_vwo = logins[MENTOR_VWO]
    handed_in = Reflection.objects.filter(
        cycle__school=school, student__class_group__mentors__user=mentor_vwo, status=Reflection.Status.SUBMITTED
    )
    for reflection in handed_in.order_by("pk")[:4]:
        path = reverse("mentoring:reflection_view", args=[reflection.pk])
        event(mentor_vwo, Action.READ, Kind.REFLECTION, path, "Student's reflection read by staff", obj=reflection)
    for talk in MentorTalk.objects.filter(
        cycle__school=school, student__class_group__mentors__user=mentor_vwo
    ).order_by("pk")[:3]:
        path = reverse("mentoring:talk", args=[talk.pk])
        event(mentor_vwo, Action.READ, Kind.MENTOR_TALK, path, "Mentor talk read", obj=talk)
    # Lina chose `docent` as her personal coach.
    event(
        logins[TEACHER],
        Action.READ,
        Kind.REFLECTION,
        reverse("classmeetings:coached_student", args=[lina.pk]),
        "Coached student's reflections read by their personal coach",
        student=lina,
    )

    if lina.class_group_id is not None:
        path = reverse("boards:progress", args=[lina.class_group_id])
        for _ in range(6):
            event(
                logins[MENTOR],
                Action.READ,
                Kind.PROGRESS_BOARD,
                path,
                "Class's progress board read",
                obj=lina.class_group,
                student=None,
            )

    AuditEvent.objects.bulk_create(sorted(events, key=lambda e: e.at))
    return f"Audit log: {len(events)} events of the last {DAYS} days (beheerder: /audit/)"
