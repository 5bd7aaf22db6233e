"""One student's agreements in ONE timeline: department-meeting decisions, mentor talks and open class meetings.

Newest first, grouped by the period they were made in (or the month, where no period is
known), each with where it was made in words. One query whatever the number of agreements:
every source comes along through select_related.

Who reads which agreements is the policy's (classmeetings.policies.timeline_*): staff who
follow the student and their personal coach read every agreement; the student and their
guardians read class-meeting agreements always, and those of department meetings and mentor
talks once that round's feedback is published to them (as the portal does).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mentoring import policies as mentoring_policies
from mentoring.models import Agreement
from school.models import Period, Student

# Where an agreement was made, and who owns it: every source in the one query.
TIMELINE_SOURCE = (
    "class_item__meeting__class_group",
    "class_item__meeting__period__school_year",
    "decision__item__meeting__department",
    "decision__item__meeting__cycle__period__school_year",
    "talk__cycle__period__school_year",
    "talk__slot",
    "owner_staff__user",
)


class Source:
    CLASS_MEETING = "class_meeting"
    MENTOR_TALK = "mentor_talk"
    DEPARTMENT_MEETING = "department_meeting"
    OTHER = "other"


@dataclass
class TimelineEntry:
    agreement: Agreement
    source: str  # one of Source
    source_label: str  # "Open class meeting 4H1, 12 Nov 2026"
    made_at: datetime.datetime

    @property
    def owner_label(self) -> str:
        label = self.agreement.get_owner_display()
        staff = self.agreement.owner_staff
        if staff is not None:
            name = staff.user.get_full_name() or str(staff)
            return f"{label} ({name})"
        return label

    @property
    def is_open(self) -> bool:
        return self.agreement.status == Agreement.Status.OPEN

    @property
    def overdue(self) -> bool:
        return self.is_open and self.agreement.due_on < timezone.localdate()


@dataclass
class TimelineGroup:
    key: str
    label: str
    entries: list[TimelineEntry] = field(default_factory=list)


@dataclass
class Timeline:
    student: Student
    groups: list[TimelineGroup]

    @property
    def count(self) -> int:
        return sum(len(group.entries) for group in self.groups)

    @property
    def open_count(self) -> int:
        return sum(1 for group in self.groups for entry in group.entries if entry.is_open)


def _published_only(student: Student) -> Q:
    """What a student or guardian reads: class-meeting agreements, and those of rounds published to the student."""
    published = mentoring_policies.published_cycles_for(student).values("pk")
    return Q(class_item__isnull=False) | Q(decision__item__meeting__cycle__in=published) | Q(talk__cycle__in=published)


def timeline_agreements(*, student: Student, everything: bool) -> QuerySet[Agreement]:
    """The student's agreements with every source loaded; `everything` False keeps to what the portal shows."""
    qs = Agreement.objects.filter(student=student)
    if not everything:
        qs = qs.filter(_published_only(student))
    return qs.select_related(*TIMELINE_SOURCE)


def _short_date(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def _entry(agreement: Agreement) -> tuple[TimelineEntry, Period | None]:
    """The agreement with its source in words, when it was made and the period that was."""
    if agreement.class_item_id is not None:
        meeting = agreement.class_item.meeting
        label = _("Open class meeting %(class)s, %(date)s") % {
            "class": meeting.class_group.name,
            "date": _short_date(meeting.starts_at),
        }
        return TimelineEntry(agreement, Source.CLASS_MEETING, label, meeting.starts_at), meeting.period
    if agreement.decision_id is not None:
        meeting = agreement.decision.item.meeting
        label = _("Department meeting %(department)s, %(round)s") % {
            "department": meeting.department.name,
            "round": meeting.cycle.name,
        }
        made = agreement.decision.decided_at
        return TimelineEntry(agreement, Source.DEPARTMENT_MEETING, label, made), meeting.cycle.period
    if agreement.talk_id is not None:
        talk = agreement.talk
        label = _("Mentor talk, %(round)s") % {"round": talk.cycle.name}
        made = talk.held_at or (talk.slot.starts_at if talk.slot is not None else None) or agreement.created_at
        return TimelineEntry(agreement, Source.MENTOR_TALK, label, made), talk.cycle.period
    label = _("Made on %(date)s") % {"date": _short_date(agreement.created_at)}
    return TimelineEntry(agreement, Source.OTHER, label, agreement.created_at), None


def _group_of(entry: TimelineEntry, period: Period | None) -> tuple[str, str]:
    """The period it was made in ("Periode 1 · 2026-2027") or, without one, its month ("november 2026")."""
    if period is not None:
        return f"period-{period.pk}", f"{period.name} · {period.school_year.name}"
    local = timezone.localtime(entry.made_at)
    return f"month-{local:%Y-%m}", date_format(local, "F Y")


def student_timeline(*, student: Student, everything: bool) -> Timeline:
    """Every agreement of the student, newest first, grouped by period or month (one query)."""
    made = []
    for agreement in timeline_agreements(student=student, everything=everything):
        entry, period = _entry(agreement)
        made.append((entry, period))
    made.sort(key=lambda pair: (pair[0].made_at, pair[0].agreement.pk), reverse=True)
    groups: dict[str, TimelineGroup] = {}
    for entry, period in made:
        key, label = _group_of(entry, period)
        groups.setdefault(key, TimelineGroup(key=key, label=label)).entries.append(entry)
    return Timeline(student=student, groups=list(groups.values()))
