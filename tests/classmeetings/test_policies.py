"""Who sees and does what around the open class meeting, for every role and its near miss (DESIGN §4)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from classmeetings import policies
from classmeetings.models import ItemDecision, PreparedInput
from classmeetings.services import meeting_mode, preparation
from mentoring.models import Agreement, GuardianSharing, Reflection
from tests.rounds import this_round

# Everyone in the tests, by how the fixtures name them (see `people`).
ROLES = (
    "chair",
    "klasleider",
    "student",
    "other_student",
    "mentor_of_another_class",
    "team_leader",
    "other_team_leader",
    "teacher_of_the_class",
    "other_teacher",
    "guardian",
    "other_guardian",
    "coach",
    "school_admin",
    "care_coordinator",
    "another_school",
)


@pytest.fixture
def people(world, representative, coach) -> dict:
    return {
        "chair": world.mentor,
        "klasleider": representative,
        "student": world.student_user,
        "other_student": world.other_student_user,
        "mentor_of_another_class": world.other_mentor,
        "team_leader": world.team_leader,
        "other_team_leader": world.other_team_leader,
        "teacher_of_the_class": world.teacher,
        "other_teacher": world.other_teacher,
        "guardian": world.guardian,
        "other_guardian": world.other_guardian,
        "coach": coach,
        "school_admin": world.admin,
        "care_coordinator": world.care_coordinator,
        "another_school": world.outsider,
    }


def who(people, predicate) -> set[str]:
    return {role for role in ROLES if predicate(people[role])}


def test_who_may_create_a_meeting_for_the_class(world, people):
    assert who(people, lambda user: policies.can_create_meeting(user, world.class_group)) == {
        "chair",
        "klasleider",
        "team_leader",
    }


def test_the_classes_someone_may_chair_are_those_can_create_meeting_allows(world, people):
    for user in people.values():
        listed = set(policies.classes_chairable_by(user))
        allowed = {
            group for group in (world.class_group, world.other_class_group) if policies.can_create_meeting(user, group)
        }
        assert listed == allowed
    assert set(policies.classes_chairable_by(people["chair"])) == {world.class_group}


def test_the_class_representative_of_another_class_may_not_create_one_for_this_class(world, people):
    assert not policies.can_create_meeting(people["klasleider"], world.other_class_group)


def test_only_the_classs_mentor_appoints_the_representative(world, people):
    assert who(people, lambda user: policies.can_appoint_representative(user, world.class_group)) == {"chair"}


def test_who_follows_the_meeting_others_get_404(world, people, a_meeting):
    visible = {"chair", "klasleider", "student", "team_leader", "teacher_of_the_class"}
    readers = {"school_admin", "care_coordinator"}
    assert who(people, lambda user: policies.can_view_meeting(user, a_meeting)) == visible | readers
    for role in set(ROLES) - visible - readers:
        with pytest.raises(Http404):
            policies.meeting_get_for_user(people[role], a_meeting.pk)
    assert policies.meeting_get_for_user(people["student"], a_meeting.pk) == a_meeting


def test_an_invited_extra_teacher_follows_and_takes_part(world, people, a_meeting):
    a_meeting.extra_teachers.add(world.other_teacher.staff)
    assert policies.can_view_meeting(people["other_teacher"], a_meeting)
    meeting_mode.meeting_start(meeting=a_meeting, actor=world.mentor)
    assert policies.can_take_part(people["other_teacher"], a_meeting)


def test_who_chairs_and_who_keeps_the_minutes(world, people, a_meeting):
    assert who(people, lambda user: policies.can_chair(user, a_meeting)) == {"chair", "klasleider", "team_leader"}
    assert who(people, lambda user: policies.can_keep_minutes(user, a_meeting)) == {"chair", "team_leader"}


def test_who_takes_part_in_a_running_meeting(world, people, a_running_meeting):
    assert who(people, lambda user: policies.can_take_part(user, a_running_meeting)) == {
        "chair",
        "klasleider",
        "student",
        "team_leader",
        "teacher_of_the_class",
    }


def test_nobody_takes_part_before_the_start_or_chairs_after_the_close(world, people, a_meeting):
    assert who(people, lambda user: policies.can_take_part(user, a_meeting)) == set()
    a_meeting.status, a_meeting.closed_at = "closed", timezone.now()
    assert who(people, lambda user: policies.can_chair(user, a_meeting)) == set()


def test_an_excused_student_still_follows_the_screen_but_writes_no_input(world, people, a_meeting):
    preparation.meeting_excuse(meeting=a_meeting, actor=world.student_user)
    assert policies.can_view_meeting(people["student"], a_meeting)
    assert not policies.can_write_prepared_input(people["student"], a_meeting, world.student)


def test_only_the_student_excuses_themselves(world, people, a_meeting):
    assert who(people, lambda user: policies.can_excuse(user, a_meeting, world.student)) == {"student"}


def test_a_draft_input_is_the_students_own(world, people, a_meeting):
    draft = PreparedInput.objects.create(meeting=a_meeting, student=world.student, went_well="Wiskunde")
    assert who(people, lambda user: policies.can_view_prepared_input(user, draft)) == {"student"}


def test_who_reads_a_submitted_input_never_another_student(world, people, a_meeting):
    submitted = PreparedInput.objects.create(
        meeting=a_meeting, student=world.student, status="submitted", submitted_at=timezone.now()
    )
    assert who(people, lambda user: policies.can_view_prepared_input(user, submitted)) == {
        "student",
        "chair",
        "team_leader",
        "teacher_of_the_class",
        "school_admin",
        "care_coordinator",
        "coach",
    }
    with pytest.raises(Http404):
        policies.prepared_input_get_for_user(people["klasleider"], submitted.pk)


def test_who_reads_an_items_notes_points_and_decision(world, people, an_open_item):
    assert who(people, lambda user: policies.can_view_item_notes(user, an_open_item)) == {
        "student",
        "chair",
        "team_leader",
        "teacher_of_the_class",
        "school_admin",
        "care_coordinator",
    }


def test_who_reads_the_student_friendly_summary(world, people, an_open_item):
    ItemDecision.objects.create(item=an_open_item, tips="Plan je huiswerk.")
    assert who(people, lambda user: policies.can_view_item_summary(user, an_open_item)) == {
        "student",
        "guardian",
        "coach",
        "chair",
        "team_leader",
        "teacher_of_the_class",
        "school_admin",
        "care_coordinator",
    }
    with pytest.raises(Http404):
        policies.item_summary_get_for_user(people["other_guardian"], an_open_item.pk)


def test_a_guardian_of_an_adult_student_reads_the_summary_only_when_shared(world, people, an_open_item):
    world.student.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 19)
    world.student.save(update_fields=["date_of_birth"])
    assert not policies.can_view_item_summary(people["guardian"], an_open_item)
    GuardianSharing.objects.create(student=world.student, guardians_may_see=True)
    assert policies.can_view_item_summary(people["guardian"], an_open_item)


def test_the_personal_coach_reads_submitted_reflections_and_all_agreements(world, people, an_open_item):
    cycle = this_round(world, phase="mentor_talks", departments=[world.department])
    reflection = Reflection.objects.create(cycle=cycle, student=world.student, went_well="x")
    agreement = Agreement.objects.create(
        student=world.student, class_item=an_open_item, text="t", owner="student", due_on=timezone.localdate()
    )
    assert not policies.coached_reflections_visible_to(people["coach"]).exists()  # a draft is the student's own
    reflection.status, reflection.submitted_at = "submitted", timezone.now()
    reflection.save()
    assert list(policies.coached_reflections_visible_to(people["coach"])) == [reflection]
    assert list(policies.coached_agreements_visible_to(people["coach"])) == [agreement]
    for role in ("other_teacher", "teacher_of_the_class", "student", "guardian", "another_school"):
        assert not policies.coached_reflections_visible_to(people[role]).exists()
        assert not policies.coached_agreements_visible_to(people[role]).exists()


def test_an_ended_coach_reads_nothing_more(world, people):
    world.student.coaches.update(ended_at=timezone.now())
    assert not policies.is_coach_of(people["coach"], world.student)


def test_only_the_student_chooses_their_coach(world, people):
    assert who(people, lambda user: policies.can_choose_coach(user, world.student)) == {"student"}


def test_a_student_who_sees_the_meeting_but_may_not_run_it_gets_403(world, a_running_meeting):
    item = a_running_meeting.items.get(student=world.student)
    assert policies.meeting_get_for_user(world.student_user, a_running_meeting.pk)  # they know it exists
    with pytest.raises(PermissionDenied):
        meeting_mode.item_open(item=item, actor=world.student_user)
