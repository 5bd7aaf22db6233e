"""A student with a record in most corners of the system, and a classmate whose records must stay."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from boards.models import CareConsent, CareMeeting, ProgressCard
from boards.services import care as care_services
from mentoring.models import Agreement, Goal, PrepSheet, Question, Reflection
from reviews.models import Phase, ReviewCycle
from school.models import Student
from tests.conftest import SchoolWorld
from tests.rounds import this_round

# A one-pixel PNG.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
REFLECTION_TEXT = "Wiskunde ging goed doordat ik elke dag oefende."
QUESTION_TEXT = "Mag ik de toets herkansen?"
CONSENT_NAME = "Petra Ouder"


@dataclass
class Records:
    world: SchoolWorld
    cycle: ReviewCycle
    care_meeting: CareMeeting
    prep_sheet: PrepSheet


def _question(world: SchoolWorld, cycle: ReviewCycle, student: Student, text: str) -> Question:
    return Question.objects.create(
        cycle=cycle,
        student=student,
        teaching_group=world.teaching_group,
        addressed_to=world.teacher.staff,
        asked_by=student.user,
        text=text,
    )


@pytest.fixture
def records(world, settings, tmp_path) -> Records:
    settings.MEDIA_ROOT = tmp_path / "media"
    student = world.student
    cycle = this_round(world, phase=Phase.CLOSED, departments=[world.department])
    _question(world, cycle, student, QUESTION_TEXT)
    _question(world, cycle, world.other_student, "Vraag van een klasgenoot")
    reflection = Reflection.objects.create(cycle=cycle, student=student, went_well=REFLECTION_TEXT)
    Goal.objects.create(reflection=reflection, position=1, goal="Elke dag plannen")
    Agreement.objects.create(
        student=student,
        text="Huiswerk in de planner",
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2026, 12, 1),
        created_by=world.mentor,
    )
    care_meeting = care_services.care_meeting_create(
        school=world.school,
        actor=world.care_coordinator,
        title="Zorgoverleg",
        held_on=datetime.date(2026, 11, 20),
        child_ids=[student.pk, world.other_student.pk],
        participant_ids=[world.mentor.staff.pk],
    )
    CareConsent.objects.create(
        meeting=care_meeting,
        student=student,
        given_by=CareConsent.GivenBy.GUARDIAN,
        given_by_name=CONSENT_NAME,
        given_on=datetime.date(2026, 11, 1),
        recorded_by=world.care_coordinator,
    )
    ProgressCard.objects.create(student=student, notable="Vaak te laat", updated_at=timezone.now())
    prep_sheet = PrepSheet(cycle=cycle, student=student, language="nl")
    prep_sheet.file.save("sheet.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    student.photo.save("photo.png", ContentFile(PNG), save=True)
    return Records(world=world, cycle=cycle, care_meeting=care_meeting, prep_sheet=prep_sheet)


def left(student: Student, *, days_ago: int) -> Student:
    student.is_active = False
    student.left_at = timezone.now() - datetime.timedelta(days=days_ago)
    student.save(update_fields=["is_active", "left_at"])
    return student
