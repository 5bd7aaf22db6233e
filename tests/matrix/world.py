"""The permission matrix's world: one school with every role of the issue, and an object for every URL parameter.

Built once per test module (it is big) inside a transaction that is rolled back at the end; each test runs in a
savepoint of its own, so a POST that is allowed changes nothing for the next test.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone

from boards.models import (
    BoardComment,
    BoardItem,
    BoardPrintJob,
    BoardSession,
    CareConsent,
    CareGuest,
    CareMeeting,
    ImprovementBoard,
)
from classmeetings.models import ClassRepresentative, FloorRequest, OpenClassMeeting, PersonalCoach
from classmeetings.models import MinutesJob as ClassMinutesJob
from classmeetings.services import meeting_mode, preparation
from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    DepartmentMeeting,
    Escalation,
    MentorTalk,
    MinutesJob,
    PrepSheetJob,
    Publication,
    Question,
    Reflection,
    TalkSlot,
)
from privacy.models import StudentExportJob
from reviews.models import Phase, ReminderJob
from school.models import RosterImport, User
from tests.conftest import SchoolWorld, build_school_world
from tests.factories import StaffFactory, StudentFactory, UserFactory
from tests.rounds import last_round, this_round

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
# A 1x1 transparent PNG: world.student's photo.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

# Every role of the issue, by the name the expectations use ("anonymous" is nobody signed in).
ROLES = (
    "admin",
    "team_leader",  # of world.student's department
    "other_team_leader",  # of the other department
    "mentor",  # of world.student's class
    "other_mentor",  # of a class in the other department
    "teacher",  # teaches world.student
    "other_teacher",  # teaches only the other student
    "care_coordinator",
    "student",
    "other_student",
    "guardian",  # of world.student
    "other_guardian",  # of the other student only
    "guest",  # a care-meeting guest whose access still holds
    "expired_guest",  # a guest of the same care meeting whose access expired yesterday
    "outsider",  # the school admin of another school
    "anonymous",
)


@dataclass
class MatrixWorld:
    base: SchoolWorld
    users: dict[str, User | None]
    objects: dict[str, object]
    sessions: dict[str, str] = field(default_factory=dict)  # role: session key (conftest signs each role in once)

    def __getattr__(self, name: str):
        objects = self.__dict__.get("objects", {})
        if name in objects:
            return objects[name]
        if "base" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["base"], name)


def _at(days: int, hour: int = 16) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=AMSTERDAM)


def build_matrix_world() -> MatrixWorld:
    w = build_school_world()
    school, student = w.school, w.student
    mentor, care = w.mentor.staff, w.care_coordinator.staff

    # --- review cycles: a closed one, and this one published to world.student's department (mentor talks) ---
    last_round(w, departments=[w.department, w.other_department])
    cycle = this_round(w, phase=Phase.MENTOR_TALKS, departments=[w.department, w.other_department])
    Publication.objects.create(cycle=cycle, department=w.department, published_by=w.team_leader)
    reminder = ReminderJob.objects.create(cycle=cycle, requested_by=w.admin)
    roster_import = RosterImport.objects.create(school=school, started_by=w.admin)

    # --- mentoring: a question, an escalation on the agenda of the department meeting, a reflection, a talk ---
    question = Question.objects.create(
        cycle=cycle,
        student=student,
        teaching_group=w.teaching_group,
        addressed_to=w.teacher.staff,
        asked_by=w.mentor,
        text="Hoe gaat het met de woordjes?",
    )
    escalation = Escalation.objects.create(
        cycle=cycle,
        student=student,
        department=w.department,
        category=Category.PROMOTION,
        question="Kan Sam beter naar vmbo-t?",
        raised_by=w.mentor,
        status=Escalation.Status.ACCEPTED,
    )
    department_meeting = DepartmentMeeting.objects.create(cycle=cycle, department=w.department)
    agenda_item = AgendaItem.objects.create(meeting=department_meeting, escalation=escalation)
    reflection = Reflection.objects.create(
        cycle=cycle,
        student=student,
        went_well="Geschiedenis.",
        status=Reflection.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    slot = TalkSlot.objects.create(
        cycle=cycle,
        mentor=mentor,
        class_group=w.class_group,
        starts_at=_at(14),
        ends_at=_at(14) + datetime.timedelta(minutes=15),
    )
    talk = MentorTalk.objects.create(cycle=cycle, student=student, slot=slot, booked_by=w.student_user)
    agreement = Agreement.objects.create(
        student=student, talk=talk, text="Elke dag woordjes.", owner=Agreement.Owner.STUDENT, due_on=_at(28).date()
    )

    # --- boards: a class board of 4H1 (the mentor owns it), a session, a comment; a care meeting with guests ---
    board = ImprovementBoard.objects.create(
        school=school, title="4H1", scope=ImprovementBoard.Scope.CLASS_GROUP, class_group=w.class_group, owner=mentor
    )
    board_item = BoardItem.objects.create(board=board, section=BoardItem.Section.CONCERN, text="Veel te laat.")
    board_session = BoardSession.objects.create(board=board, held_on=timezone.localdate(), created_by=w.mentor)
    board_comment = BoardComment.objects.create(board=board, author=w.team_leader, text="Hoe gaat het?")
    care_meeting = CareMeeting.objects.create(
        school=school, title="Zorg 4H1", held_on=timezone.localdate(), coordinator=care
    )
    care_meeting.children.set([student])
    care_meeting.participants.set([mentor])
    CareConsent.objects.create(
        meeting=care_meeting,
        student=student,
        given_by=CareConsent.GivenBy.GUARDIAN,
        given_by_name="Ouder",
        given_on=timezone.localdate(),
        recorded_by=w.care_coordinator,
    )
    guest, expired_guest = UserFactory(school=school), UserFactory(school=school)
    care_guest = CareGuest.objects.create(
        meeting=care_meeting,
        user=guest,
        organisation=CareGuest.Organisation.YOUTH_CARE,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        invited_by=w.care_coordinator,
    )
    CareGuest.objects.create(
        meeting=care_meeting,
        user=expired_guest,
        organisation=CareGuest.Organisation.ATTENDANCE,
        expires_at=timezone.now() - datetime.timedelta(days=1),
        invited_by=w.care_coordinator,
    )

    # --- the open class meeting of 4H1: running, world.student's item open, a classmate asks for the floor ---
    classmate = StudentFactory(school=school, class_group=w.class_group, user=UserFactory(school=school))
    ClassRepresentative.objects.create(class_group=w.class_group, student=classmate, appointed_by=w.mentor)
    PersonalCoach.objects.create(student=student, coach=StaffFactory(school=school))
    class_meeting: OpenClassMeeting = preparation.meeting_create(
        class_group=w.class_group, actor=w.mentor, starts_at=_at(7, 10), minutes_per_student=5
    )
    class_meeting = meeting_mode.meeting_start(meeting=class_meeting, actor=w.mentor)
    class_item = meeting_mode.item_open(item=class_meeting.items.get(student=student), actor=w.mentor)
    floor_request = FloorRequest.objects.create(item=class_item, user=classmate.user)

    # --- ready PDFs (files under the test MEDIA_ROOT; conftest deletes them): the downloads have something to send ---
    done = {"status": "done", "finished_at": timezone.now(), "requested_by": w.admin}
    jobs = [
        MinutesJob(meeting=department_meeting, **done),
        PrepSheetJob(cycle=cycle, class_group=w.class_group, **done),
        BoardPrintJob(school=school, kind=BoardPrintJob.Kind.CARE, care_meeting=care_meeting, **done),
        ClassMinutesJob(meeting=class_meeting, **done),
        StudentExportJob(student=student, **done),
    ]
    for job in jobs:
        job.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix test"), save=True)
    student.photo.save("matrix.png", ContentFile(_PNG), save=True)

    users = {role: getattr(w, role) for role in ROLES if hasattr(w, role)}
    users.update(
        student=w.student_user,
        other_student=w.other_student_user,
        guest=guest,
        expired_guest=expired_guest,
        anonymous=None,
    )
    assert set(users) == set(ROLES)
    objects = {
        "cycle": cycle,
        "reminder": reminder,
        "roster_import": roster_import,
        "question": question,
        "escalation": escalation,
        "department_meeting": department_meeting,
        "agenda_item": agenda_item,
        "reflection": reflection,
        "slot": slot,
        "talk": talk,
        "agreement": agreement,
        "board": board,
        "board_item": board_item,
        "board_session": board_session,
        "board_comment": board_comment,
        "care_meeting": care_meeting,
        "care_guest": care_guest,
        "class_meeting": class_meeting,
        "class_item": class_item,
        "floor_request": floor_request,
        "classmate": classmate,
        "student": student,  # with a photo
    }
    objects.update({f"job_{type(job).__module__.split('.')[0]}_{type(job).__name__}": job for job in jobs})
    return MatrixWorld(base=w, users=users, objects=objects)
