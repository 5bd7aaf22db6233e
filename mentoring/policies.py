"""Who may see or do what in the speed-date and the department meeting (DESIGN §4).

Built on school.policies.roles_of, like reviews.policies. Every rule has its
queryset twin; every query is scoped to the user's school. `*_get_for_user`
gives 404 out of scope; a page the user can see but may not use is 403 (views
raise PermissionDenied when the `can_*` predicate says no).

- Mentors follow the students of their class groups: dashboard, student page,
  verdicts, questions and escalations.
- Team leaders follow their departments' students, handle their escalations and
  run their meetings. The school admin and care coordinator read everything.
- A subject teacher answers only the questions addressed to them.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from reviews import policies as review_policies
from reviews.models import ReviewCycle
from school.models import ClassGroup, Department, Student, User
from school.policies import Roles, roles_of

from .models import (
    AgendaItem,
    Agreement,
    DepartmentMeeting,
    Escalation,
    MentorTalk,
    Publication,
    Question,
    Reflection,
    TalkSlot,
)

Anyone = User | AnonymousUser


def _follow_scope(roles: Roles, prefix: str = "") -> Q | None:
    """Students someone follows as mentor, team leader or school-wide reader, as a filter on `prefix`."""
    if roles.school_id is None or not roles.is_staff_member:
        return None
    if roles.sees_whole_school:
        return Q()
    scope = Q(**{f"{prefix}pk__in": []})
    if roles.mentor_class_ids:
        scope |= Q(**{f"{prefix}class_group_id__in": roles.mentor_class_ids})
    if roles.led_department_ids:
        scope |= Q(**{f"{prefix}class_group__department_id__in": roles.led_department_ids})
    return scope


# --- following students: dashboards and student pages ------------------------------------------


def students_followed_by(user: Anyone) -> QuerySet[Student]:
    """Students whose lights, questions, escalations and decisions the user reads in full."""
    roles = roles_of(user)
    scope = _follow_scope(roles)
    if scope is None:
        return Student.objects.none()
    return Student.objects.filter(scope, school_id=roles.school_id, is_active=True)


def can_follow_student(user: Anyone, student: Student) -> bool:
    return students_followed_by(user).filter(pk=student.pk).exists()


def followed_student_get_for_user(user: Anyone, pk: int) -> Student:
    return get_object_or_404(students_followed_by(user).select_related("class_group__department"), pk=pk)


def class_groups_followed_by(user: Anyone) -> QuerySet[ClassGroup]:
    """Class groups whose mentor dashboard the user may open."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return ClassGroup.objects.none()
    qs = ClassGroup.objects.filter(school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    return qs.filter(Q(pk__in=roles.mentor_class_ids) | Q(department_id__in=roles.led_department_ids))


def can_view_dashboards(user: Anyone) -> bool:
    """The dashboards list is the staff's; students and parents read their feedback in the portal."""
    return roles_of(user).is_staff_member


def class_group_followed_get_for_user(user: Anyone, pk: int) -> ClassGroup:
    return get_object_or_404(class_groups_followed_by(user).select_related("department"), pk=pk)


def is_mentor_of(user: Anyone, student: Student) -> bool:
    """The student's own mentor: who marks them, asks about them and escalates them."""
    roles = roles_of(user)
    return (
        roles.is_staff_member
        and roles.school_id == student.school_id
        and student.class_group_id is not None
        and student.class_group_id in roles.mentor_class_ids
    )


def can_mentor_in_cycle(user: Anyone, cycle: ReviewCycle, student: Student) -> bool:
    """Mark, ask and escalate: the student's mentor, while the cycle is open."""
    return not cycle.is_closed and roles_of(user).school_id == cycle.school_id and is_mentor_of(user, student)


# --- departments: overview, insight, escalations and meetings ------------------------------------


def departments_led_by(user: Anyone) -> QuerySet[Department]:
    """Departments whose overview, insight, escalations and meeting the user runs."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return Department.objects.none()
    return Department.objects.filter(school_id=roles.school_id, pk__in=roles.led_department_ids)


def departments_overseen_by(user: Anyone) -> QuerySet[Department]:
    """Departments whose overview and insight the user may read: those they lead, or all for school-wide roles."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return Department.objects.none()
    qs = Department.objects.filter(school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    return qs.filter(pk__in=roles.led_department_ids)


def department_overseen_get_for_user(user: Anyone, pk: int) -> Department:
    return get_object_or_404(departments_overseen_by(user), pk=pk)


def can_lead_department(user: Anyone, department: Department) -> bool:
    """Handle its escalations and run its meeting: the department's own team leaders only."""
    roles = roles_of(user)
    return (
        roles.is_staff_member and roles.school_id == department.school_id and department.pk in roles.led_department_ids
    )


# --- questions to subject teachers ---------------------------------------------------------------


def questions_visible_to(user: Anyone) -> QuerySet[Question]:
    """Questions about students the user follows, and questions addressed to them."""
    roles = roles_of(user)
    scope = _follow_scope(roles, prefix="student__")
    if scope is None:
        return Question.objects.none()
    qs = Question.objects.filter(cycle__school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs  # (an empty Q() OR-ed with a filter would narrow it to that filter)
    return qs.filter(scope | Q(addressed_to_id=roles.staff.pk))


def question_get_for_user(user: Anyone, pk: int) -> Question:
    return get_object_or_404(
        questions_visible_to(user).select_related(
            "cycle", "student__class_group", "teaching_group__subject", "addressed_to__user", "asked_by"
        ),
        pk=pk,
    )


def can_answer_question(user: Anyone, question: Question) -> bool:
    """Only the teacher it is addressed to answers, while the cycle is open."""
    roles = roles_of(user)
    return (
        roles.is_staff_member
        and roles.staff.pk == question.addressed_to_id
        and roles.school_id == question.cycle.school_id
        and not question.cycle.is_closed
    )


def can_close_question(user: Anyone, question: Question) -> bool:
    """The student's mentor closes the thread when the answer is clear."""
    return can_mentor_in_cycle(user, question.cycle, question.student)


def questions_addressed_to(user: Anyone) -> QuerySet[Question]:
    """A teacher's inbox."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return Question.objects.none()
    return Question.objects.filter(addressed_to_id=roles.staff.pk, cycle__school_id=roles.school_id)


def can_receive_questions(user: Anyone) -> bool:
    """The question inbox is the staff's: every member of staff may be asked, or ask, a question."""
    return roles_of(user).is_staff_member


def can_join_speed_date(user: Anyone, cycle: ReviewCycle) -> bool:
    """The speed-date page of a cycle: staff who teach, mentor or lead in it."""
    roles = roles_of(user)
    if not roles.is_staff_member or roles.school_id != cycle.school_id:
        return False
    department_ids = set(cycle.departments.values_list("pk", flat=True))
    if roles.led_department_ids & department_ids:
        return True
    if (
        roles.mentor_class_ids
        and ClassGroup.objects.filter(
            pk__in=roles.mentor_class_ids,
            department_id__in=department_ids,
            school_year_id=cycle.period.school_year_id,
        ).exists()
    ):
        return True
    return bool(
        roles.teaching_group_ids
        and review_policies.cycle_teaching_groups(cycle).filter(pk__in=roles.teaching_group_ids).exists()
    )


# --- escalations -----------------------------------------------------------------------------------


def escalations_visible_to(user: Anyone) -> QuerySet[Escalation]:
    """Escalations about students the user follows (the mentor who raised it, the team leader, school-wide roles)."""
    roles = roles_of(user)
    scope = _follow_scope(roles, prefix="student__")
    if scope is None:
        return Escalation.objects.none()
    qs = Escalation.objects.filter(cycle__school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    if roles.led_department_ids:
        scope |= Q(department_id__in=roles.led_department_ids)
    return qs.filter(scope)


def can_list_own_escalations(user: Anyone) -> bool:
    """A mentor's own list of the escalations about their mentees."""
    return roles_of(user).is_mentor


def escalation_get_for_user(user: Anyone, pk: int) -> Escalation:
    return get_object_or_404(
        escalations_visible_to(user).select_related("cycle", "student__class_group", "department", "raised_by"),
        pk=pk,
    )


def can_handle_escalation(user: Anyone, escalation: Escalation) -> bool:
    """Accept, merge or send back: the team leader of the escalation's department, while the cycle is open."""
    return not escalation.cycle.is_closed and can_lead_department(user, escalation.department)


# --- department meetings ------------------------------------------------------------------------------


def meetings_visible_to(user: Anyone) -> QuerySet[DepartmentMeeting]:
    """Meetings the user may follow: of departments they lead, school-wide roles, and the meeting's attendees."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return DepartmentMeeting.objects.none()
    qs = DepartmentMeeting.objects.filter(cycle__school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    return qs.filter(
        Q(department_id__in=roles.led_department_ids)
        | Q(
            pk__in=DepartmentMeeting.attendees.through.objects.filter(staff_id=roles.staff.pk).values(
                "departmentmeeting_id"
            )
        )
    )


def meeting_get_for_user(user: Anyone, pk: int) -> DepartmentMeeting:
    return get_object_or_404(meetings_visible_to(user).select_related("cycle__period", "department"), pk=pk)


def can_run_meeting(user: Anyone, meeting: DepartmentMeeting) -> bool:
    """Build the agenda, run meeting mode and record decisions: the department's team leader, cycle open."""
    return not meeting.cycle.is_closed and can_lead_department(user, meeting.department)


def is_attendee(user: Anyone, meeting: DepartmentMeeting) -> bool:
    """Marked present at the meeting: who may cast a silent vote on its items (one query)."""
    roles = roles_of(user)
    return (
        roles.is_staff_member
        and roles.school_id == meeting.department.school_id
        and meeting.attendees.filter(pk=roles.staff.pk).exists()
    )


def can_vote(user: Anyone, item: AgendaItem) -> bool:
    """Vote silently on an item while its vote is open: an attendee marked present."""
    roles = roles_of(user)
    return (
        roles.is_staff_member
        and item.status == AgendaItem.Status.VOTING
        and item.meeting.attendees.filter(pk=roles.staff.pk).exists()
    )


# --- step 4: published feedback, the student's voice, mentor talks and prep sheets ---------------------

ADULT_AGE = 18


def adult_birth_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Born on or before this date: 18 or older today."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ADULT_AGE, day=28)


def is_adult(student: Student, today: datetime.date | None = None) -> bool:
    return student.date_of_birth is not None and student.date_of_birth <= adult_birth_cutoff(today)


def portal_students_for(user: Anyone) -> QuerySet[Student]:
    """Whose published feedback (and, once submitted, goals) the user reads: themselves, or their children.

    A guardian sees a child under 18; a child of 18 or older only if they said yes (GuardianSharing).
    """
    roles = roles_of(user)
    if roles.school_id is None or not (roles.is_student or roles.is_guardian):
        return Student.objects.none()
    scope = Q(pk__in=[])
    if roles.student is not None:
        scope |= Q(pk=roles.student.pk)
    if roles.child_ids:
        shared = (
            Q(date_of_birth__isnull=True)
            | Q(date_of_birth__gt=adult_birth_cutoff())
            | Q(guardian_sharing__guardians_may_see=True)
        )
        scope |= Q(pk__in=roles.child_ids) & shared
    return Student.objects.filter(scope, school_id=roles.school_id, is_active=True)


def can_use_portal(user: Anyone) -> bool:
    """The portal is for students and guardians; staff read students through their own pages."""
    roles = roles_of(user)
    return roles.is_student or roles.is_guardian


def portal_student_get_for_user(user: Anyone, pk: int) -> Student:
    return get_object_or_404(portal_students_for(user).select_related("class_group__department"), pk=pk)


def published_cycles_for(student: Student) -> QuerySet[ReviewCycle]:
    """Cycles whose feedback the team leader published to the student's department."""
    if student.class_group_id is None:
        return ReviewCycle.objects.none()
    return ReviewCycle.objects.filter(
        school_id=student.school_id,
        publications__department_id=student.class_group.department_id,
        departments=student.class_group.department_id,
    ).distinct()


def is_published(cycle: ReviewCycle, student: Student) -> bool:
    return (
        student.class_group_id is not None
        and Publication.objects.filter(cycle=cycle, department_id=student.class_group.department_id).exists()
    )


def can_read_published(user: Anyone, cycle: ReviewCycle, student: Student) -> bool:
    """A student or guardian reads a cycle's feedback about the student only once it is published."""
    return portal_students_for(user).filter(pk=student.pk).exists() and is_published(cycle, student)


def can_publish(user: Anyone, cycle: ReviewCycle, department: Department) -> bool:
    """Publishing a cycle's feedback to a department's students and guardians: its team leader, cycle open."""
    return (
        not cycle.is_closed
        and can_lead_department(user, department)
        and cycle.departments.filter(pk=department.pk).exists()
    )


def can_write_reflection(user: Anyone, cycle: ReviewCycle, student: Student) -> bool:
    """The student themselves, once the feedback is published, while the cycle is open."""
    roles = roles_of(user)
    return (
        not cycle.is_closed
        and roles.student is not None
        and roles.student.pk == student.pk
        and is_published(cycle, student)
    )


def can_read_reflection(user: Anyone, reflection: Reflection) -> bool:
    """The student always; their mentor, team leader and school-wide roles once it is submitted.

    Guardians read the goals (not the reflection) once submitted: see can_read_goals.
    """
    roles = roles_of(user)
    if roles.student is not None and roles.student.pk == reflection.student_id:
        return True
    return reflection.is_submitted and can_follow_student(user, reflection.student)


def reflections_visible_to(user: Anyone) -> QuerySet[Reflection]:
    """The student's own reflections (drafts too); submitted ones of the students the user follows.

    A draft is the student's own: their mentor, team leader and school-wide roles see it
    only once it is submitted. Guardians read goals on the portal page, not here.
    """
    roles = roles_of(user)
    if roles.school_id is None:
        return Reflection.objects.none()
    scope = Q(pk__in=[])
    if roles.student is not None:
        scope |= Q(student_id=roles.student.pk)
    if roles.is_staff_member:
        scope |= Q(status=Reflection.Status.SUBMITTED, student__in=students_followed_by(user))
    return Reflection.objects.filter(scope, cycle__school_id=roles.school_id)


def reflection_get_for_user(user: Anyone, pk: int) -> Reflection:
    """One reflection the user may read (can_read_reflection); 404 for missing and forbidden alike."""
    return get_object_or_404(
        reflections_visible_to(user).select_related(
            "cycle__period", "student__class_group__department", "commented_by"
        ),
        pk=pk,
    )


def can_reopen_reflection(user: Anyone, reflection: Reflection) -> bool:
    """Send a submitted reflection back to the student as a draft: the rule of commenting on it.

    The student's mentor, while the cycle is open (can_comment_reflection).
    """
    return can_comment_reflection(user, reflection)


def can_read_goals(user: Anyone, reflection: Reflection) -> bool:
    """Goals: as the reflection, and the guardians who may see the student, once submitted."""
    if can_read_reflection(user, reflection):
        return True
    return reflection.is_submitted and portal_students_for(user).filter(pk=reflection.student_id).exists()


def can_comment_reflection(user: Anyone, reflection: Reflection) -> bool:
    return reflection.is_submitted and can_mentor_in_cycle(user, reflection.cycle, reflection.student)


def can_manage_talks(user: Anyone, cycle: ReviewCycle, class_group: ClassGroup) -> bool:
    """Offer slots, keep the talk list, write notes and agreements: the class's mentor, while the cycle is open."""
    roles = roles_of(user)
    return (
        not cycle.is_closed
        and roles.is_staff_member
        and roles.school_id == cycle.school_id
        and class_group.pk in roles.mentor_class_ids
    )


def can_book_talk(user: Anyone, cycle: ReviewCycle, student: Student) -> bool:
    """Choose a talk slot: a guardian who may see the student (or the student's mentor), once published."""
    if cycle.is_closed:
        return False
    if is_mentor_of(user, student):
        return True
    roles = roles_of(user)
    return (
        student.pk in roles.child_ids
        and portal_students_for(user).filter(pk=student.pk).exists()
        and is_published(cycle, student)
    )


def can_make_prep_sheets(user: Anyone, cycle: ReviewCycle, class_group: ClassGroup) -> bool:
    """Generate a class's prep sheets: its mentor (the cycle may be closed: sheets are for reading)."""
    roles = roles_of(user)
    return roles.is_staff_member and roles.school_id == cycle.school_id and class_group.pk in roles.mentor_class_ids


def can_download_prep_sheet(user: Anyone, cycle: ReviewCycle, student: Student) -> bool:
    """One student's prep sheet: the student and guardians once published, and those who follow the student."""
    return can_follow_student(user, student) or can_read_published(user, cycle, student)


# --- mentor talks, slots and agreements ---------------------------------------------------------------


def talks_visible_to(user: Anyone) -> QuerySet[MentorTalk]:
    """Talks about students the user follows: the mentor (who edits), the team leader, school-wide roles."""
    return MentorTalk.objects.filter(student__in=students_followed_by(user))


def talk_get_for_user(user: Anyone, pk: int) -> MentorTalk:
    return get_object_or_404(
        talks_visible_to(user).select_related(
            "cycle__period", "student__class_group__department", "slot__mentor__user", "booked_by"
        ),
        pk=pk,
    )


def can_edit_talk(user: Anyone, talk: MentorTalk) -> bool:
    """Notes, agreements and "held": the mentor of the student's class, while the round is open."""
    class_group = talk.student.class_group
    return class_group is not None and can_manage_talks(user, talk.cycle, class_group)


def talk_slots_visible_to(user: Anyone) -> QuerySet[TalkSlot]:
    return TalkSlot.objects.filter(class_group__in=class_groups_followed_by(user))


def talk_slot_get_for_user(user: Anyone, pk: int) -> TalkSlot:
    return get_object_or_404(talk_slots_visible_to(user).select_related("cycle", "class_group"), pk=pk)


def agreements_visible_to(user: Anyone) -> QuerySet[Agreement]:
    return Agreement.objects.filter(student__in=students_followed_by(user))


def agreement_get_for_user(user: Anyone, pk: int) -> Agreement:
    return get_object_or_404(agreements_visible_to(user).select_related("student"), pk=pk)


def can_check_agreement(user: Anyone, agreement: Agreement) -> bool:
    """Mark an agreement met / partly / not met: the student's own mentor (in any round: agreements outlive them)."""
    return is_mentor_of(user, agreement.student)


def can_view_booking(user: Anyone, cycle: ReviewCycle, student: Student) -> bool:
    """The booking page: the student's mentor; the student and the guardians who may see them, once published.

    Booking itself is can_book_talk (guardians and the mentor; the student reads only).
    """
    return is_mentor_of(user, student) or can_read_published(user, cycle, student)


def booking_get_for_user(user: Anyone, cycle_pk: int, student_pk: int) -> tuple[ReviewCycle, Student]:
    """The round and student of a booking page: 404 out of scope; 403 for staff who follow the student
    (team leader, school admin) but do not book: they know the student exists."""
    roles = roles_of(user)
    if roles.school_id is None:
        raise Http404
    cycle = get_object_or_404(ReviewCycle.objects.select_related("period"), pk=cycle_pk, school_id=roles.school_id)
    related = ("class_group__department",)
    student = students_followed_by(user).select_related(*related).filter(pk=student_pk).first()
    followed = student is not None
    if student is None:
        student = portal_students_for(user).select_related(*related).filter(pk=student_pk).first()
    if student is None or not review_policies.cycle_covers_student(cycle, student):
        raise Http404
    if not can_view_booking(user, cycle, student):
        if followed:
            raise PermissionDenied
        raise Http404  # not published yet: for the student and guardians the round does not exist
    return cycle, student


def prep_sheet_student_get_for_user(user: Anyone, *, cycle_pk: int, student_pk: int) -> tuple[ReviewCycle, Student]:
    """The round and the student of a sheet the user may read; 404 (Http404) for everything else.

    The student themselves and their guardians once the round is published to them, and the
    staff who follow the student (mentor, team leader, school-wide roles). A student or parent
    cannot tell an unpublished round from one that does not exist.
    """
    roles = roles_of(user)
    if roles.school_id is None:
        raise Http404
    students = (students_followed_by(user) | portal_students_for(user)).distinct()
    student = students.select_related("class_group__department", "user").filter(pk=student_pk).first()
    cycle = (
        ReviewCycle.objects.select_related("school", "period").filter(pk=cycle_pk, school_id=roles.school_id).first()
    )
    if student is None or cycle is None:
        raise Http404
    if not review_policies.cycle_covers_student(cycle, student):
        raise Http404
    if not can_download_prep_sheet(user, cycle, student):
        raise Http404
    return cycle, student
