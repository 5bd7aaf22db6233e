"""Reads for the minutes of an open class meeting and for a student's own summary, in a fixed number of queries.

- `minutes_job_for`, `minutes_can_be_made`: the minutes page's state.
- `minutes_for_pdf`: everything the PDF shows: the meeting (date, class, chairs), who came and
  who was excused, last time's agreements with how they were checked, and per item the student,
  the notes, the points (the balance), and the decision's tips and agreements.
- `item_summary`: one student's own item in plain words (what went well, what to work on,
  the tips, the agreements) and when the agreements are checked next.
- `my_meetings`: a student's (or a guardian's, per child) meetings with their summary's state.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from mentoring import policies as mentoring_policies
from mentoring.models import Agreement
from school.models import Staff, Student, User
from school.policies import roles_of

from ..models import (
    ClassRepresentative,
    ItemDecision,
    ItemPoint,
    MeetingItem,
    MeetingStudent,
    MinutesJob,
    OpenClassMeeting,
    PreparedInput,
)
from .meeting import previous_agreements

# A job still "waiting" or "being made" after this long was lost (a worker killed by its hard
# time limit, a message dropped): asking again starts it afresh.
MINUTES_STALE_AFTER = datetime.timedelta(minutes=30)


# --- the minutes' state -------------------------------------------------------------------------------------


def minutes_job_for(*, meeting: OpenClassMeeting) -> MinutesJob | None:
    """The meeting's minutes job, if the minutes were ever asked for (one query)."""
    return MinutesJob.objects.filter(meeting=meeting).select_related("requested_by").first()


def minutes_can_be_made(*, meeting: OpenClassMeeting) -> bool:
    """Minutes record decisions: the meeting is closed, or it runs with a decision at least (one query at most)."""
    if meeting.status == OpenClassMeeting.Status.CLOSED:
        return True
    if meeting.status != OpenClassMeeting.Status.RUNNING:
        return False
    return ItemDecision.objects.filter(item__meeting=meeting).exists()


# --- the minutes' content -----------------------------------------------------------------------------------


def _staff_name(staff: Staff | None) -> str:
    if staff is None:
        return ""
    return staff.user.get_full_name() or staff.user.get_username()


@dataclass
class MinutesAgreement:
    pk: int
    student: str
    text: str
    owner: str  # the role, in words
    owner_name: str  # the member of staff, where one was named
    due_on: datetime.date
    status: str  # the value: open, met, partly, not_met
    status_label: str
    checked_at: datetime.datetime | None = None


def _agreement(agreement: Agreement) -> MinutesAgreement:
    return MinutesAgreement(
        pk=agreement.pk,
        student=agreement.student.full_name,
        text=agreement.text,
        owner=agreement.get_owner_display(),
        owner_name=_staff_name(agreement.owner_staff),
        due_on=agreement.due_on,
        status=agreement.status,
        status_label=agreement.get_status_display(),
        checked_at=agreement.checked_at,
    )


@dataclass
class MinutesItem:
    number: int
    student: str
    status: str
    status_label: str
    planned_minutes: int
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    notes: str
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    is_decided: bool = False
    tips: str = ""
    decided_at: datetime.datetime | None = None
    agreements: list[MinutesAgreement] = field(default_factory=list)


@dataclass
class ClassMinutes:
    meeting: OpenClassMeeting
    school: str
    class_group: str
    date: datetime.datetime
    location: str
    status: str
    chairs: list[str]  # the class's mentors
    representative: str  # the class representative, who co-chairs
    attending: list[str]
    excused: list[str]
    not_discussed: list[str]
    extra_teachers: list[str]
    previous_agreements: list[MinutesAgreement]
    items: list[MinutesItem]
    made_at: datetime.datetime

    @property
    def decided_count(self) -> int:
        return sum(item.is_decided for item in self.items)


def minutes_for_pdf(*, meeting_id: int) -> ClassMinutes:
    """Everything the minutes show, read fresh from the database (nine queries, whatever the class's size)."""
    meeting = OpenClassMeeting.objects.select_related("school", "class_group").get(pk=meeting_id)
    class_group = meeting.class_group
    mentors = list(class_group.mentors.select_related("user").order_by("user__last_name", "user__first_name", "pk"))
    representative = ClassRepresentative.objects.filter(class_group=class_group).select_related("student").first()
    programme = list(
        MeetingStudent.objects.filter(meeting=meeting, invited=True)
        .select_related("student")
        .order_by("position", "student__last_name", "student__first_name", "pk")
    )
    extra_teachers = list(
        meeting.extra_teachers.select_related("user").order_by("user__last_name", "user__first_name", "pk")
    )
    items = list(
        MeetingItem.objects.filter(meeting=meeting)
        .select_related("student", "decision")
        .prefetch_related(
            Prefetch("points", queryset=ItemPoint.objects.order_by("noted_at", "pk")),
            Prefetch(
                "agreements",
                queryset=Agreement.objects.select_related("student", "owner_staff__user").order_by("due_on", "pk"),
            ),
        )
        .order_by("position", "pk")
    )
    earlier = previous_agreements(meeting)
    return ClassMinutes(
        meeting=meeting,
        school=meeting.school.name,
        class_group=class_group.name,
        date=meeting.started_at or meeting.starts_at,
        location=meeting.location,
        status=meeting.get_status_display(),
        chairs=[_staff_name(staff) for staff in mentors],
        representative=representative.student.full_name if representative else "",
        attending=[row.student.full_name for row in programme if row.attends],
        excused=[row.student.full_name for row in programme if row.excused],
        not_discussed=[row.student.full_name for row in programme if row.attends and not row.discussed],
        extra_teachers=[_staff_name(staff) for staff in extra_teachers],
        previous_agreements=[_agreement(agreement) for agreement in earlier],
        items=[_item(number, item) for number, item in enumerate(items, start=1)],
        made_at=timezone.now(),
    )


def _item(number: int, item: MeetingItem) -> MinutesItem:
    points = list(item.points.all())
    line = MinutesItem(
        number=number,
        student=item.student.full_name,
        status=item.status,
        status_label=item.get_status_display(),
        planned_minutes=item.planned_minutes,
        opened_at=item.opened_at,
        closed_at=item.closed_at,
        notes=item.notes,
        positive=[point.text for point in points if point.kind == ItemPoint.Kind.POSITIVE],
        negative=[point.text for point in points if point.kind == ItemPoint.Kind.NEGATIVE],
    )
    decision = getattr(item, "decision", None)
    if decision is not None:
        line.is_decided = True
        line.tips = decision.tips
        line.decided_at = decision.decided_at
        line.agreements = [_agreement(agreement) for agreement in item.agreements.all()]
    return line


# --- a student's own summary --------------------------------------------------------------------------------


@dataclass
class SummaryAgreement:
    text: str
    owner: str  # Agreement.Owner value
    owner_label: str
    owner_name: str
    due_on: datetime.date
    status: str
    status_label: str


@dataclass
class NextCheck:
    """The class's next open meeting, where this item's agreements are checked first."""

    meeting_id: int
    starts_at: datetime.datetime
    location: str


@dataclass
class ItemSummary:
    item: MeetingItem
    meeting: OpenClassMeeting
    student: Student
    is_ready: bool
    went_well: list[str] = field(default_factory=list)
    to_work_on: list[str] = field(default_factory=list)
    tips: str = ""
    agreements: list[SummaryAgreement] = field(default_factory=list)
    next_check: NextCheck | None = None

    @property
    def first_due(self) -> datetime.date | None:
        return min((agreement.due_on for agreement in self.agreements), default=None)


def summary_is_ready(item: MeetingItem, decision: ItemDecision | None) -> bool:
    """A summary is shown for a closed item with its decision, of a meeting that runs or is closed."""
    return (
        decision is not None
        and item.status == MeetingItem.Status.CLOSED
        and item.meeting.status in (OpenClassMeeting.Status.RUNNING, OpenClassMeeting.Status.CLOSED)
    )


def item_summary(item: MeetingItem) -> ItemSummary:
    """One student's item in plain words: four queries when it is ready, one when it is not.

    `item` comes from policies.item_summary_get_for_user (with its meeting, class and student).
    """
    decision = ItemDecision.objects.filter(item=item).first()
    summary = ItemSummary(
        item=item, meeting=item.meeting, student=item.student, is_ready=summary_is_ready(item, decision)
    )
    if not summary.is_ready:
        return summary
    points = list(ItemPoint.objects.filter(item=item).order_by("noted_at", "pk"))
    summary.went_well = [point.text for point in points if point.kind == ItemPoint.Kind.POSITIVE]
    summary.to_work_on = [point.text for point in points if point.kind == ItemPoint.Kind.NEGATIVE]
    summary.tips = decision.tips
    summary.agreements = [
        SummaryAgreement(
            text=agreement.text,
            owner=agreement.owner,
            owner_label=agreement.get_owner_display(),
            owner_name=_staff_name(agreement.owner_staff),
            due_on=agreement.due_on,
            status=agreement.status,
            status_label=agreement.get_status_display(),
        )
        for agreement in Agreement.objects.filter(class_item=item)
        .select_related("owner_staff__user")
        .order_by("due_on", "pk")
    ]
    following = (
        OpenClassMeeting.objects.filter(
            class_group_id=item.meeting.class_group_id,
            starts_at__gt=item.meeting.starts_at,
        )
        .exclude(status=OpenClassMeeting.Status.CLOSED)
        .order_by("starts_at", "pk")
        .only("pk", "starts_at", "location")
        .first()
    )
    if following is not None:
        summary.next_check = NextCheck(
            meeting_id=following.pk, starts_at=following.starts_at, location=following.location
        )
    return summary


# --- my meetings --------------------------------------------------------------------------------------------


@dataclass
class MyMeeting:
    meeting: OpenClassMeeting
    row: MeetingStudent
    item: MeetingItem | None
    summary_ready: bool
    prepared: PreparedInput | None  # the student's own input (the student only)


@dataclass
class MyStudent:
    student: Student
    is_self: bool
    meetings: list[MyMeeting] = field(default_factory=list)


def my_meetings(user: User) -> list[MyStudent]:
    """The user's own meetings (a student), or each child's (a guardian, as on the portal): four queries.

    Only the meetings the student was invited to; a summary is offered when the item is closed with its decision.
    """
    roles = roles_of(user)
    students = list(
        mentoring_policies.portal_students_for(user).select_related("class_group").order_by("last_name", "first_name")
    )
    if not students:
        return []
    student_ids = [student.pk for student in students]
    rows = list(
        MeetingStudent.objects.filter(student_id__in=student_ids, invited=True, meeting__school_id=roles.school_id)
        .select_related("meeting__class_group")
        .order_by("-meeting__starts_at", "-meeting_id")
    )
    items = {
        (item.meeting_id, item.student_id): item
        for item in MeetingItem.objects.filter(
            student_id__in=student_ids, meeting__school_id=roles.school_id
        ).select_related("decision")
    }
    own_id = roles.student.pk if roles.student is not None else None
    prepared: dict[int, PreparedInput] = {}
    if own_id is not None:
        prepared = {
            row.meeting_id: row
            for row in PreparedInput.objects.filter(student_id=own_id).only("pk", "meeting_id", "student_id", "status")
        }
    by_student = {student.pk: MyStudent(student=student, is_self=student.pk == own_id) for student in students}
    for row in rows:
        item = items.get((row.meeting_id, row.student_id))
        if item is not None:
            item.meeting = row.meeting  # the meeting came with the row
        by_student[row.student_id].meetings.append(
            MyMeeting(
                meeting=row.meeting,
                row=row,
                item=item,
                summary_ready=item is not None and summary_is_ready(item, getattr(item, "decision", None)),
                prepared=prepared.get(row.meeting_id) if row.student_id == own_id else None,
            )
        )
    ordered = list(by_student.values())
    ordered.sort(key=lambda entry: not entry.is_self)  # the student's own first, then the children
    return ordered
