"""Reads for the mentor talk: the mentor's talk list, the booking page, the talk page, open agreements.

Open agreements come back by themselves: an agreement stays open until the mentor
marks it met / partly / not met, and `open_agreements_for` finds those made in the
talks of earlier rounds, at department-meeting decisions (up to this round) and at open
class meetings, for the talk page and the mentor dashboard. Every page costs a fixed number of queries,
whatever the number of students, slots or agreements.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from reviews import policies as review_policies
from reviews.models import ReviewCycle
from school.models import ClassGroup, Student

from ..models import Agreement, Goal, MentorTalk, Reflection, TalkSlot

# --- open agreements ---------------------------------------------------------------------------------------


def _from_earlier(cycle: ReviewCycle) -> Q:
    """Agreements that come back at this round: from the talks of earlier rounds, and from decisions up to it."""
    earlier_talk = Q(talk__cycle__school_id=cycle.school_id, talk__cycle__entry_deadline__lt=cycle.entry_deadline)
    decision = Q(talk__isnull=True, decision__item__meeting__cycle__entry_deadline__lte=cycle.entry_deadline)
    elsewhere = Q(talk__isnull=True, decision__isnull=True)  # made at an open class meeting (class_item)
    return earlier_talk | decision | elsewhere


def open_agreements_for(student_ids: Iterable[int], before_cycle: ReviewCycle) -> QuerySet[Agreement]:
    """Open agreements about these students that come back at `before_cycle` (see _from_earlier)."""
    return Agreement.objects.filter(
        _from_earlier(before_cycle), student_id__in=list(student_ids), status=Agreement.Status.OPEN
    )


def open_agreements_by_student(cycle: ReviewCycle, student_ids: Iterable[int]) -> dict[int, int]:
    """How many open agreements from earlier each student has (one query; students without any are left out)."""
    rows = (
        open_agreements_for(student_ids, cycle)
        .order_by()
        .values("student_id")
        .annotate(count=Count("pk"))
        .values_list("student_id", "count")
    )
    return dict(rows)


def _round_started(cycle: ReviewCycle) -> datetime.datetime:
    """From the deadline for the lights on, a check of an agreement belongs to this round's talk."""
    return timezone.make_aware(datetime.datetime.combine(cycle.entry_deadline, datetime.time.min))


# --- the mentor's talk list ---------------------------------------------------------------------------------


@dataclass
class TalkRow:
    student: Student
    talk: MentorTalk | None
    reflection_status: str  # "", "draft" or "submitted"
    open_agreements: int

    @property
    def slot(self) -> TalkSlot | None:
        return self.talk.slot if self.talk is not None else None

    @property
    def held(self) -> bool:
        return self.talk is not None and self.talk.held_at is not None


@dataclass
class TalkList:
    cycle: ReviewCycle
    class_group: ClassGroup
    rows: list[TalkRow]
    slots: list[TalkSlot]  # each with `.booking`: the talk booked in it, or None

    @property
    def booked_count(self) -> int:
        return sum(1 for row in self.rows if row.slot is not None)

    @property
    def held_count(self) -> int:
        return sum(1 for row in self.rows if row.held)

    @property
    def submitted_count(self) -> int:
        return sum(1 for row in self.rows if row.reflection_status == Reflection.Status.SUBMITTED)

    @property
    def free_count(self) -> int:
        return sum(1 for slot in self.slots if slot.booking is None)


def talk_list(*, cycle: ReviewCycle, class_group: ClassGroup) -> TalkList:
    """Every student of the class in the round with their time, talk, reflection and open agreements,
    and the class's slots with who booked them (five queries)."""
    students = list(
        review_policies.cycle_students(cycle).filter(class_group=class_group).order_by("last_name", "first_name", "pk")
    )
    ids = [student.pk for student in students]
    talks = {
        talk.student_id: talk
        for talk in MentorTalk.objects.filter(cycle=cycle, student_id__in=ids).select_related("slot")
    }
    reflections = dict(Reflection.objects.filter(cycle=cycle, student_id__in=ids).values_list("student_id", "status"))
    agreements = open_agreements_by_student(cycle, ids)
    rows = [
        TalkRow(
            student=student,
            talk=talks.get(student.pk),
            reflection_status=reflections.get(student.pk, ""),
            open_agreements=agreements.get(student.pk, 0),
        )
        for student in students
    ]
    slots = list(
        TalkSlot.objects.filter(cycle=cycle, class_group=class_group)
        .select_related("mentor__user", "talk__student")
        .order_by("starts_at", "pk")
    )
    for slot in slots:
        slot.booking = getattr(slot, "talk", None)  # select_related leaves a missing talk as "does not exist"
    return TalkList(cycle=cycle, class_group=class_group, rows=rows, slots=slots)


# --- the booking page --------------------------------------------------------------------------------------------


@dataclass
class SlotDay:
    day: datetime.date
    slots: list[TalkSlot]


@dataclass
class BookingPage:
    cycle: ReviewCycle
    student: Student
    talk: MentorTalk | None
    days: list[SlotDay] = field(default_factory=list)  # free times to come, by day (in the school's time zone)

    @property
    def booked_slot(self) -> TalkSlot | None:
        return self.talk.slot if self.talk is not None else None

    @property
    def free_count(self) -> int:
        return sum(len(day.slots) for day in self.days)


def booking_page(*, cycle: ReviewCycle, student: Student, tz: datetime.tzinfo | None = None) -> BookingPage:
    """The student's booking in this round and the free times the class's mentors offer (two queries)."""
    talk = (
        MentorTalk.objects.filter(cycle=cycle, student=student)
        .select_related("slot__mentor__user", "booked_by")
        .first()
    )
    free = (
        TalkSlot.objects.filter(
            cycle=cycle, class_group_id=student.class_group_id, talk__isnull=True, starts_at__gt=timezone.now()
        )
        .select_related("mentor__user")
        .order_by("starts_at", "pk")
        if student.class_group_id is not None
        else TalkSlot.objects.none()
    )
    days: list[SlotDay] = []
    for slot in free:
        day = timezone.localtime(slot.starts_at, tz).date()
        if not days or days[-1].day != day:
            days.append(SlotDay(day=day, slots=[]))
        days[-1].slots.append(slot)
    return BookingPage(cycle=cycle, student=student, talk=talk, days=days)


# --- the talk page ----------------------------------------------------------------------------------------------


@dataclass
class TalkPage:
    talk: MentorTalk
    earlier: list[Agreement]  # from earlier talks and decisions: open ones, and those checked this round
    reflection: Reflection | None
    goals: list[Goal]
    agreements: list[Agreement]  # made in this talk

    @property
    def open_earlier(self) -> list[Agreement]:
        return [agreement for agreement in self.earlier if agreement.status == Agreement.Status.OPEN]

    @property
    def reflection_submitted(self) -> bool:
        return self.reflection is not None and self.reflection.is_submitted


# Where an agreement was made (a department meeting's decision, a talk, or an open class meeting), and who owns it.
AGREEMENT_SOURCE = (
    "decision__item__meeting__cycle",
    "decision__item__meeting__department",
    "talk__cycle",
    "class_item__meeting__class_group",
    "owner_staff__user",
)


def earlier_agreements(*, cycle: ReviewCycle, student: Student) -> QuerySet[Agreement]:
    """The agreements to check at the start of this round's talk: open ones first, then those checked this round."""
    return (
        Agreement.objects.filter(_from_earlier(cycle), student=student)
        .filter(Q(status=Agreement.Status.OPEN) | Q(checked_at__gte=_round_started(cycle)))
        .select_related(*AGREEMENT_SOURCE)
        .order_by("checked_at", "due_on", "pk")
    )


def talk_page(*, talk: MentorTalk) -> TalkPage:
    """The talk page: earlier agreements, the student's reflection and goals, this talk's agreements (four queries)."""
    cycle, student = talk.cycle, talk.student
    earlier = list(earlier_agreements(cycle=cycle, student=student))
    earlier.sort(key=lambda agreement: agreement.status != Agreement.Status.OPEN)  # open first; stable otherwise
    reflection = (
        Reflection.objects.filter(cycle=cycle, student=student)
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("position")))
        .first()
    )
    goals = list(reflection.goals.all()) if reflection is not None and reflection.is_submitted else []
    agreements = list(talk.agreements.select_related("owner_staff__user").order_by("due_on", "pk"))
    return TalkPage(talk=talk, earlier=earlier, reflection=reflection, goals=goals, agreements=agreements)


def agreement_for_row(pk: int) -> Agreement:
    """One agreement with where it was made, for its row on the talk page after it was checked."""
    return Agreement.objects.select_related(*AGREEMENT_SOURCE).get(pk=pk)
