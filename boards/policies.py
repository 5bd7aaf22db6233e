"""Who may see or do what with boards (DESIGN §4), on school.policies.roles_of.

- Improvement boards: their owner and members; for a class's board also its mentors and the
  team leaders of its department; for a department's board its team leaders; school-wide
  roles read all. Whoever sees a board may work on it ("update together"); ownership stays
  with the owner, who answers the care-board session's questions.
- Care meetings: only the care coordinator, the meeting's participants from school, and its
  guests while their access lasts and once consent is recorded for every child. Not the
  school admin. Every read is logged (boards.services, with the screens).
- Progress boards: the class's mentors (who update the cards), the team leaders of its
  department and school-wide roles.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from school.models import ClassGroup, Department, Enrollment, Student, User
from school.policies import can_oversee_department, roles_of

from .models import (
    BoardComment,
    BoardItem,
    BoardPrintJob,
    BoardSession,
    CareConsent,
    CareGuest,
    CareMeeting,
    ImprovementBoard,
)

Anyone = User | AnonymousUser


# --- improvement boards -------------------------------------------------------------------------------


def boards_visible_to(user: Anyone) -> QuerySet[ImprovementBoard]:
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return ImprovementBoard.objects.none()
    qs = ImprovementBoard.objects.filter(school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    staff_id = roles.staff.pk
    scope = Q(owner_id=staff_id) | Q(
        pk__in=ImprovementBoard.members.through.objects.filter(staff_id=staff_id).values("improvementboard_id")
    )
    if roles.mentor_class_ids:
        scope |= Q(class_group_id__in=roles.mentor_class_ids)
    if roles.led_department_ids:
        scope |= Q(department_id__in=roles.led_department_ids) | Q(
            class_group__department_id__in=roles.led_department_ids
        )
    return qs.filter(scope)


def can_keep_boards(user: Anyone) -> bool:
    """Improvement boards are the staff's: any member of staff may keep one and check in at its sessions."""
    return roles_of(user).is_staff_member


def can_make_class_board(user: Anyone, class_group: ClassGroup) -> bool:
    """A class's board: its mentor, the team leader of its department, or a school-wide role."""
    roles = roles_of(user)
    return (
        roles.is_staff_member
        and roles.school_id == class_group.school_id
        and (
            roles.sees_whole_school
            or class_group.pk in roles.mentor_class_ids
            or class_group.department_id in roles.led_department_ids
        )
    )


def can_make_department_board(user: Anyone, department) -> bool:
    """A department's board: its team leader, or a school-wide role."""
    return can_oversee_department(user, department)


def board_get_for_user(user: Anyone, pk: int) -> ImprovementBoard:
    return get_object_or_404(boards_visible_to(user).select_related("owner__user", "class_group", "department"), pk=pk)


def board_item_get_for_user(user: Anyone, pk: int) -> BoardItem:
    """A card of a board the user sees; 404 otherwise."""
    return get_object_or_404(
        BoardItem.objects.select_related("board").filter(board__in=boards_visible_to(user)), pk=pk
    )


def board_session_get_for_user(user: Anyone, pk: int) -> BoardSession:
    """A stand-up session of a board the user sees; 404 otherwise."""
    return get_object_or_404(
        BoardSession.objects.select_related("board").filter(board__in=boards_visible_to(user)), pk=pk
    )


def can_answer_board_comments(user: Anyone, board: ImprovementBoard) -> bool:
    """Ownership stays with the board's owner: they answer the colleagues' questions."""
    roles = roles_of(user)
    return roles.is_staff_member and roles.staff.pk == board.owner_id


# --- board comments and the care-board session ("zorgbordsessie") ----------------------------------------


def care_session_departments_for(user: Anyone) -> QuerySet[Department]:
    """Departments whose care-board session the user may join (one query, with subqueries).

    Its team leaders, school-wide roles, and the staff who mentor a class of the department or
    teach one of its students (a teaching group reaches a department through its students' classes).
    """
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return Department.objects.none()
    qs = Department.objects.filter(school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    scope = Q(pk__in=roles.led_department_ids)
    if roles.mentor_class_ids:
        scope |= Q(pk__in=ClassGroup.objects.filter(pk__in=roles.mentor_class_ids).values("department_id"))
    if roles.teaching_group_ids:
        scope |= Q(
            pk__in=Enrollment.objects.filter(
                teaching_group_id__in=roles.teaching_group_ids,
                student__is_active=True,
                student__class_group__isnull=False,
            ).values("student__class_group__department_id")
        )
    return qs.filter(scope)


def can_join_care_board_session(user: Anyone, department: Department) -> bool:
    return care_session_departments_for(user).filter(pk=department.pk).exists()


def can_view_board(user: Anyone, board: ImprovementBoard) -> bool:
    """The board's own page (a session's participant may read a board in the session without it)."""
    return boards_visible_to(user).filter(pk=board.pk).exists()


def care_session_department_get_for_user(user: Anyone, pk: int) -> Department:
    """The department if the user may join its care-board session; 404 for missing and forbidden alike."""
    return get_object_or_404(care_session_departments_for(user), pk=pk)


def care_session_boards_visible_to(user: Anyone) -> QuerySet[ImprovementBoard]:
    """The class boards of the departments whose session the user may join: read in the session, not members."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return ImprovementBoard.objects.none()
    return ImprovementBoard.objects.filter(
        school_id=roles.school_id,
        scope=ImprovementBoard.Scope.CLASS_GROUP,
        class_group__department_id__in=care_session_departments_for(user).values("pk"),
    )


def boards_commentable_by(user: Anyone) -> QuerySet[ImprovementBoard]:
    """Boards whose comments the user reads and may add to: the boards they see, and their sessions' boards."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return ImprovementBoard.objects.none()
    return ImprovementBoard.objects.filter(
        Q(pk__in=boards_visible_to(user).values("pk")) | Q(pk__in=care_session_boards_visible_to(user).values("pk")),
        school_id=roles.school_id,
    )


def board_commentable_get_for_user(user: Anyone, pk: int) -> ImprovementBoard:
    return get_object_or_404(boards_commentable_by(user).select_related("owner__user", "class_group"), pk=pk)


def can_comment_on_board(user: Anyone, board: ImprovementBoard) -> bool:
    """A deepening question or feedback: anyone who reads the board, except its owner (who answers)."""
    roles = roles_of(user)
    return (
        roles.is_staff_member
        and roles.staff.pk != board.owner_id
        and boards_commentable_by(user).filter(pk=board.pk).exists()
    )


def board_comment_get_for_user(user: Anyone, pk: int) -> BoardComment:
    """A comment on a board the user may read in one of these ways; 404 otherwise."""
    return get_object_or_404(
        BoardComment.objects.select_related("board", "author").filter(board__in=boards_commentable_by(user)), pk=pk
    )


# --- care meetings --------------------------------------------------------------------------------------


def _valid_guest_access(user: Anyone) -> QuerySet[CareGuest]:
    """The user's guest access that still holds: not expired, not revoked."""
    return CareGuest.objects.filter(user_id=user.pk, revoked_at__isnull=True, expires_at__gt=timezone.now())


def care_meetings_visible_to(user: Anyone) -> QuerySet[CareMeeting]:
    """The care coordinator's, the participants', and a guest's one meeting once every child has consent."""
    if not user.is_authenticated or not user.is_active or user.school_id is None:
        return CareMeeting.objects.none()
    roles = roles_of(user)
    qs = CareMeeting.objects.filter(school_id=user.school_id)
    if roles.is_care_coordinator:
        return qs
    scope = Q(pk__in=[])
    if roles.is_staff_member:
        scope |= Q(coordinator_id=roles.staff.pk) | Q(
            pk__in=CareMeeting.participants.through.objects.filter(staff_id=roles.staff.pk).values("caremeeting_id")
        )
    scope |= Q(pk__in=_valid_guest_access(user).values("meeting_id")) & Q(pk__in=_consented_meetings())
    return qs.filter(scope)


def _consented_meetings() -> QuerySet:
    """Meetings with at least one child, every one of whom has consent recorded for this meeting."""
    children = CareMeeting.children.through.objects.filter(caremeeting_id=OuterRef("pk"))
    without_consent = children.exclude(
        Exists(CareConsent.objects.filter(meeting_id=OuterRef("caremeeting_id"), student_id=OuterRef("student_id")))
    )
    return CareMeeting.objects.filter(Exists(children), ~Exists(without_consent)).values("pk")


def can_plan_care_meetings(user: Anyone) -> bool:
    """Planning a care meeting (and writing on its board): the care coordinator."""
    return roles_of(user).is_care_coordinator


def care_meeting_get_for_user(user: Anyone, pk: int) -> CareMeeting:
    return get_object_or_404(care_meetings_visible_to(user).select_related("coordinator__user"), pk=pk)


def care_guest_get_for_user(user: Anyone, pk: int) -> CareGuest:
    """A guest's access to a meeting the user sees; 404 otherwise."""
    return get_object_or_404(
        CareGuest.objects.select_related("meeting", "user"), pk=pk, meeting__in=care_meetings_visible_to(user)
    )


def can_write_care_meeting(user: Anyone, meeting: CareMeeting) -> bool:
    """The care coordinator writes on the board (participants and guests take part, and read)."""
    return roles_of(user).school_id == meeting.school_id and can_plan_care_meetings(user)


def consent_missing(meeting: CareMeeting) -> bool:
    """True while a child of the meeting has no consent recorded: guests then see nothing."""
    return meeting.children.exclude(
        Exists(CareConsent.objects.filter(meeting=meeting, student=OuterRef("pk")))
    ).exists()


# --- progress boards ----------------------------------------------------------------------------------


def progress_boards_visible_to(user: Anyone) -> QuerySet[ClassGroup]:
    """Class groups whose progress board the user may open."""
    roles = roles_of(user)
    if roles.school_id is None or not roles.is_staff_member:
        return ClassGroup.objects.none()
    qs = ClassGroup.objects.filter(school_id=roles.school_id)
    if roles.sees_whole_school:
        return qs
    return qs.filter(Q(pk__in=roles.mentor_class_ids) | Q(department_id__in=roles.led_department_ids))


def progress_board_get_for_user(user: Anyone, pk: int) -> ClassGroup:
    return get_object_or_404(progress_boards_visible_to(user).select_related("department"), pk=pk)


def progress_card_student_get_for_user(user: Anyone, pk: int) -> Student:
    """An active student on a progress board the user may open (the card's owner); 404 otherwise."""
    return get_object_or_404(
        Student.objects.filter(is_active=True, class_group__in=progress_boards_visible_to(user)).select_related(
            "class_group"
        ),
        pk=pk,
    )


def can_update_progress_cards(user: Anyone, class_group: ClassGroup) -> bool:
    """The class's mentors update the cards weekly."""
    roles = roles_of(user)
    return (
        roles.is_staff_member and roles.school_id == class_group.school_id and class_group.pk in roles.mentor_class_ids
    )


# --- wall prints (an A3 PDF of a board) ------------------------------------------------------------------


def print_target_get_for_user(user: Anyone, kind: str, pk: int) -> ImprovementBoard | ClassGroup | CareMeeting:
    """The board of this kind to print, fetched with that board's own rule: 404 for who may not see it."""
    if kind == BoardPrintJob.Kind.IMPROVEMENT:
        return board_get_for_user(user, pk)
    if kind == BoardPrintJob.Kind.PROGRESS:
        return progress_board_get_for_user(user, pk)
    if kind == BoardPrintJob.Kind.CARE:
        return care_meeting_get_for_user(user, pk)
    raise Http404


def can_print(user: Anyone, kind: str, target: ImprovementBoard | ClassGroup | CareMeeting) -> bool:
    """Whoever sees an improvement or progress board may print it. A care meeting on paper leaves the logged
    screen: only the care coordinator, never participants or guests."""
    if kind == BoardPrintJob.Kind.IMPROVEMENT and isinstance(target, ImprovementBoard):
        return can_view_board(user, target)
    if kind == BoardPrintJob.Kind.PROGRESS and isinstance(target, ClassGroup):
        return progress_boards_visible_to(user).filter(pk=target.pk).exists()
    if kind == BoardPrintJob.Kind.CARE and isinstance(target, CareMeeting):
        return can_write_care_meeting(user, target)
    return False
