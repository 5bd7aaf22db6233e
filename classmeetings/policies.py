"""Who may see or do what around the open class meeting (DESIGN §1.2, §4).

Built on school.policies.roles_of, like mentoring.policies. Every rule has its
queryset twin where a list needs one; every query is scoped to the user's school.
`*_get_for_user` gives 404 out of scope; a meeting the user can see but may not run
is 403 (services raise PermissionDenied when the `can_*` predicate says no).

- Chairs: the class's mentor (the class teacher) and the class representative
  ("klasleider", a student) co-chair; the department's team leader (the grade
  coordinator) may create and chair too. The school admin and care coordinator read.
  What is private to a student (notes, decisions, last time's agreements) is written by
  the staff chairs only (can_keep_minutes).
- Participants: the class's students (invited), its mentors, the teachers of its
  students, the extra teachers invited, and the chairs. They see the shared screen
  and may ask for the floor.
- Private: a student's prepared input is theirs and the staff's who run or follow the
  meeting; never another student's, not even the class representative's.
  An item's notes, points and decision: the staff participants and the item's own student.
- A guardian reads only their child's student-friendly summary (the decision and agreements).
- A personal coach reads the coached student's submitted reflections and their agreements.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from mentoring import policies as mentoring_policies
from mentoring.models import Agreement, Reflection
from school.models import ClassGroup, Student, TeachingGroup, User
from school.policies import Roles, roles_of

from .models import ClassRepresentative, MeetingItem, OpenClassMeeting, PreparedInput

Anyone = User | AnonymousUser


# --- who someone is around a class --------------------------------------------------------------------------


def represented_class_ids(user: Anyone) -> frozenset[int]:
    """The classes the user represents as klasleider (a student: at most one; cached on the user)."""
    roles = roles_of(user)
    if roles.student is None:
        return frozenset()
    cached = getattr(user, "_represented_class_ids", None)
    if cached is None:
        cached = frozenset(
            ClassRepresentative.objects.filter(
                student_id=roles.student.pk, class_group_id=roles.student.class_group_id
            ).values_list("class_group_id", flat=True)
        )
        user._represented_class_ids = cached
    return cached


def is_class_representative(user: Anyone, class_group: ClassGroup) -> bool:
    return class_group.pk in represented_class_ids(user)


def _leads_class(roles: Roles, class_group: ClassGroup) -> bool:
    """The class's own mentor or its department's team leader (staff, same school)."""
    return (
        roles.is_staff_member
        and roles.school_id == class_group.school_id
        and (class_group.pk in roles.mentor_class_ids or class_group.department_id in roles.led_department_ids)
    )


def can_appoint_representative(user: Anyone, class_group: ClassGroup) -> bool:
    """Set the class representative: the class's mentor."""
    roles = roles_of(user)
    return (
        roles.is_staff_member and roles.school_id == class_group.school_id and class_group.pk in roles.mentor_class_ids
    )


def can_create_meeting(user: Anyone, class_group: ClassGroup) -> bool:
    """Draw up an open class meeting: the class's mentor, its team leader, or its class representative."""
    return _leads_class(roles_of(user), class_group) or is_class_representative(user, class_group)


def classes_chairable_by(user: Anyone) -> QuerySet[ClassGroup]:
    """The classes whose open class meetings the user may draw up (the queryset form of can_create_meeting)."""
    roles = roles_of(user)
    if roles.school_id is None:
        return ClassGroup.objects.none()
    scope = Q(pk__in=represented_class_ids(user))
    if roles.is_staff_member:
        scope |= Q(pk__in=roles.mentor_class_ids) | Q(department_id__in=roles.led_department_ids)
    return ClassGroup.objects.filter(scope, school_id=roles.school_id)


def class_group_get_for_user(user: Anyone, pk: int) -> ClassGroup:
    """A class of the user's own school (404 for another school's): whether they may chair it is asked next (403)."""
    return get_object_or_404(
        ClassGroup.objects.select_related("department"), pk=pk, school_id=roles_of(user).school_id or -1
    )


def can_chair(user: Anyone, meeting: OpenClassMeeting) -> bool:
    """Run the programme and meeting mode (grant the floor, note points, record decisions): the chairs.

    A closed meeting is read-only for everyone.
    """
    if meeting.is_closed:
        return False
    return can_create_meeting(user, meeting.class_group)


def can_keep_minutes(user: Anyone, meeting: OpenClassMeeting) -> bool:
    """Write what is private to a student: item notes, decisions, checking last time's agreements.

    The staff chairs (mentor, team leader) only: the class representative co-chairs the
    room (programme, items, floor, points) but reads no other student's private notes.
    """
    return not meeting.is_closed and _leads_class(roles_of(user), meeting.class_group)


# --- meetings -----------------------------------------------------------------------------------------------


def _teaching_class_ids(roles: Roles) -> QuerySet:
    """Classes with a student in one of the user's teaching groups (a subquery)."""
    return Student.objects.filter(
        teaching_groups__in=TeachingGroup.objects.filter(pk__in=roles.teaching_group_ids), class_group__isnull=False
    ).values("class_group_id")


def _staff_scope(user: Anyone, roles: Roles) -> Q:
    """Meetings a member of staff follows: of classes they mentor, lead or teach, or were invited to."""
    scope = Q(extra_teachers=roles.staff.pk)
    if roles.mentor_class_ids:
        scope |= Q(class_group_id__in=roles.mentor_class_ids)
    if roles.led_department_ids:
        scope |= Q(class_group__department_id__in=roles.led_department_ids)
    if roles.teaching_group_ids:
        scope |= Q(class_group_id__in=_teaching_class_ids(roles))
    return scope


def meetings_visible_to(user: Anyone) -> QuerySet[OpenClassMeeting]:
    """Meetings whose shared screen the user may follow: staff who follow the class, and its invited students.

    Guardians and personal coaches do not follow the meeting itself (see item_summaries_visible_to).
    """
    roles = roles_of(user)
    if roles.school_id is None:
        return OpenClassMeeting.objects.none()
    qs = OpenClassMeeting.objects.filter(school_id=roles.school_id)
    if roles.is_staff_member and roles.sees_whole_school:
        return qs
    scope = Q(pk__in=[])
    if roles.is_staff_member:
        scope |= Q(pk__in=OpenClassMeeting.objects.filter(_staff_scope(user, roles)).values("pk"))
    if roles.student is not None:
        scope |= Q(students__student_id=roles.student.pk, students__invited=True)
    return qs.filter(scope).distinct()


def meeting_get_for_user(user: Anyone, pk: int) -> OpenClassMeeting:
    """A meeting the user may follow; 404 for missing and forbidden alike."""
    return get_object_or_404(
        meetings_visible_to(user).select_related("class_group__department", "period", "school"), pk=pk
    )


def can_view_meeting(user: Anyone, meeting: OpenClassMeeting) -> bool:
    return meetings_visible_to(user).filter(pk=meeting.pk).exists()


def is_staff_participant(user: Anyone, meeting: OpenClassMeeting) -> bool:
    """A member of staff who takes part or reads: mentor, team leader, teachers of the class, extra teachers,
    and the school-wide roles."""
    roles = roles_of(user)
    return roles.is_staff_member and roles.school_id == meeting.school_id and can_view_meeting(user, meeting)


def can_take_part(user: Anyone, meeting: OpenClassMeeting) -> bool:
    """Ask for the floor while the meeting runs: the chairs, staff who follow the class, its invited students.

    The school-wide roles read but do not take part unless they are invited.
    """
    if meeting.status != OpenClassMeeting.Status.RUNNING:
        return False
    roles = roles_of(user)
    if roles.school_id != meeting.school_id:
        return False
    if can_chair(user, meeting):
        return True
    if roles.is_staff_member:
        return OpenClassMeeting.objects.filter(_staff_scope(user, roles), pk=meeting.pk).exists()
    if roles.student is not None:
        return meeting.students.filter(student_id=roles.student.pk, invited=True).exists()
    return False


def can_excuse(user: Anyone, meeting: OpenClassMeeting, student: Student) -> bool:
    """Say "I cannot come" (or undo it): the student themselves, while the meeting is being prepared."""
    roles = roles_of(user)
    return (
        meeting.status == OpenClassMeeting.Status.PREPARING
        and roles.student is not None
        and roles.student.pk == student.pk
        and meeting.students.filter(student_id=student.pk, invited=True).exists()
    )


# --- prepared input -----------------------------------------------------------------------------------------


def can_write_prepared_input(user: Anyone, meeting: OpenClassMeeting, student: Student) -> bool:
    """The attending student themselves, until the meeting closes."""
    roles = roles_of(user)
    return (
        not meeting.is_closed
        and roles.student is not None
        and roles.student.pk == student.pk
        and meeting.students.filter(student_id=student.pk, invited=True, excused=False).exists()
    )


def prepared_inputs_visible_to(user: Anyone) -> QuerySet[PreparedInput]:
    """The student's own input (drafts too); submitted inputs for staff who follow the meeting and for the coach.

    Never another student's: the class representative chairs, but reads only their own.
    """
    roles = roles_of(user)
    if roles.school_id is None:
        return PreparedInput.objects.none()
    scope = Q(pk__in=[])
    if roles.student is not None:
        scope |= Q(student_id=roles.student.pk)
    if roles.is_staff_member:
        staff_meetings = meetings_visible_to(user).values("pk")
        scope |= Q(status=PreparedInput.Status.SUBMITTED, meeting_id__in=staff_meetings)
        scope |= Q(status=PreparedInput.Status.SUBMITTED, student__in=students_coached_by(user))
    return PreparedInput.objects.filter(scope, meeting__school_id=roles.school_id)


def can_view_prepared_input(user: Anyone, prepared: PreparedInput) -> bool:
    return prepared_inputs_visible_to(user).filter(pk=prepared.pk).exists()


def prepared_input_get_for_user(user: Anyone, pk: int) -> PreparedInput:
    return get_object_or_404(prepared_inputs_visible_to(user).select_related("meeting", "student"), pk=pk)


# --- items: notes, points, decision, and the student-friendly summary ---------------------------------------


def can_view_item_notes(user: Anyone, item: MeetingItem) -> bool:
    """An item's notes, points and decision: the staff who follow the meeting, and the item's own student."""
    roles = roles_of(user)
    if roles.school_id != item.meeting.school_id:
        return False
    if roles.student is not None and roles.student.pk == item.student_id:
        return True
    return is_staff_participant(user, item.meeting)


def item_summaries_visible_to(user: Anyone) -> QuerySet[MeetingItem]:
    """Items whose student-friendly summary (decision and agreements) the user reads.

    The student themselves; their guardians as on the portal (an adult student decides);
    their personal coach; the staff who follow the meeting.
    """
    roles = roles_of(user)
    if roles.school_id is None:
        return MeetingItem.objects.none()
    scope = Q(pk__in=[])
    if roles.student is not None:
        scope |= Q(student_id=roles.student.pk)
    if roles.child_ids:
        scope |= Q(student__in=mentoring_policies.portal_students_for(user))
    if roles.is_staff_member:
        scope |= Q(student__in=students_coached_by(user))
        scope |= Q(meeting__in=meetings_visible_to(user).values("pk"))
    return MeetingItem.objects.filter(scope, meeting__school_id=roles.school_id)


def can_view_item_summary(user: Anyone, item: MeetingItem) -> bool:
    return item_summaries_visible_to(user).filter(pk=item.pk).exists()


def item_summary_get_for_user(user: Anyone, pk: int) -> MeetingItem:
    return get_object_or_404(item_summaries_visible_to(user).select_related("meeting__class_group", "student"), pk=pk)


# --- personal coaches ---------------------------------------------------------------------------------------


def students_coached_by(user: Anyone) -> QuerySet[Student]:
    """The active students who chose the user as their personal coach (now)."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return Student.objects.none()
    return Student.objects.filter(
        school_id=roles.school_id,
        is_active=True,
        coaches__coach_id=roles.staff.pk,
        coaches__ended_at__isnull=True,
    )


def is_coach_of(user: Anyone, student: Student) -> bool:
    return students_coached_by(user).filter(pk=student.pk).exists()


def can_choose_coach(user: Anyone, student: Student) -> bool:
    """Choose (or stop with) a personal coach: the student themselves."""
    roles = roles_of(user)
    return roles.student is not None and roles.student.pk == student.pk


def coached_reflections_visible_to(user: Anyone) -> QuerySet[Reflection]:
    """The submitted reflections of the students the user coaches (a draft stays the student's own)."""
    return Reflection.objects.filter(status=Reflection.Status.SUBMITTED, student__in=students_coached_by(user))


def coached_agreements_visible_to(user: Anyone) -> QuerySet[Agreement]:
    """Every agreement about the students the user coaches, from talks, decisions and class meetings."""
    return Agreement.objects.filter(student__in=students_coached_by(user))


# --- one student's agreements in one timeline ------------------------------------------------------------------


def timeline_students_visible_to(user: Anyone) -> QuerySet[Student]:
    """Students whose agreements timeline the user reads.

    The student themselves and their guardians (as on the portal: an adult student decides);
    the staff who follow the student (mentor, team leader, school-wide roles); their personal coach.
    """
    roles = roles_of(user)
    if roles.school_id is None:
        return Student.objects.none()
    scope = Q(pk__in=mentoring_policies.portal_students_for(user).values("pk"))
    if roles.is_staff_member:
        scope |= Q(pk__in=mentoring_policies.students_followed_by(user).values("pk"))
        scope |= Q(pk__in=students_coached_by(user).values("pk"))
    return Student.objects.filter(scope, school_id=roles.school_id, is_active=True)


def can_view_timeline(user: Anyone, student: Student) -> bool:
    return timeline_students_visible_to(user).filter(pk=student.pk).exists()


def timeline_student_get_for_user(user: Anyone, pk: int) -> Student:
    """A student whose timeline the user reads; 404 for missing and forbidden alike."""
    return get_object_or_404(timeline_students_visible_to(user).select_related("class_group__department"), pk=pk)


def timeline_shows_everything(user: Anyone, student: Student) -> bool:
    """Staff who follow or coach the student read every agreement; the student and guardians what is published."""
    if not roles_of(user).is_staff_member:
        return False
    followed = Q(pk__in=mentoring_policies.students_followed_by(user).values("pk"))
    coached = Q(pk__in=students_coached_by(user).values("pk"))
    return Student.objects.filter(followed | coached, pk=student.pk).exists()


def coached_student_get_for_user(user: Anyone, pk: int) -> Student:
    """A student who chose the user as personal coach (the coach's page about them); 404 otherwise."""
    return get_object_or_404(students_coached_by(user).select_related("class_group"), pk=pk)
