"""Publishing a round's feedback and an adult student's choice about their guardians: the services' rules."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mentoring.models import GuardianSharing, Publication
from mentoring.services.portal import cycle_publish, guardian_sharing_set
from reviews.models import Phase

ADULT_BIRTHDAY = datetime.date(2000, 1, 1)


def test_the_team_leader_publishes_once_the_entry_phase_is_over(world, a_cycle_in_speed_date):
    publication = cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=world.team_leader)

    assert publication.created is True
    assert publication.published_by == world.team_leader
    assert list(Publication.objects.values_list("cycle_id", "department_id")) == [
        (a_cycle_in_speed_date.pk, world.department.pk)
    ]


@pytest.mark.parametrize("phase", [Phase.SPEED_DATE, Phase.DEPARTMENT_MEETING, Phase.MENTOR_TALKS])
def test_every_phase_after_entry_and_before_closing_may_publish(world, a_cycle_in_speed_date, phase):
    a_cycle_in_speed_date.phase = phase
    a_cycle_in_speed_date.save()

    assert cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=world.team_leader).created


def test_publishing_twice_keeps_the_first_publication_and_says_so(world, a_cycle_in_speed_date):
    first = cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=world.team_leader)
    world.department.team_leaders.add(world.mentor.staff)

    again = cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=world.mentor)

    assert again.created is False
    assert again.pk == first.pk
    assert again.published_by == world.team_leader  # the first author and date stay
    assert again.published_at == first.published_at
    assert Publication.objects.count() == 1


def test_the_entry_phase_is_refused_with_a_clear_message(world, a_cycle_in_speed_date):
    a_cycle_in_speed_date.phase = Phase.ENTRY
    a_cycle_in_speed_date.save()

    with translation.override("en"), pytest.raises(ValidationError) as error:
        cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=world.team_leader)

    assert error.value.code == "entry_phase"
    assert "once the round has moved on to the speed-date" in " ".join(error.value.messages)
    assert not Publication.objects.exists()


def test_a_closed_round_is_refused_with_a_clear_message(world, a_cycle_in_speed_date):
    a_cycle_in_speed_date.phase = Phase.CLOSED
    a_cycle_in_speed_date.save()

    with translation.override("en"), pytest.raises(ValidationError) as error:
        cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=world.team_leader)

    assert error.value.code == "closed"
    assert "This round is closed" in " ".join(error.value.messages)
    assert not Publication.objects.exists()


@pytest.mark.parametrize(
    "who",
    ["admin", "care_coordinator", "other_team_leader", "mentor", "teacher", "student_user", "guardian", "outsider"],
)
def test_only_the_departments_team_leader_publishes(world, a_cycle_in_speed_date, who):
    with pytest.raises(PermissionDenied):
        cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=getattr(world, who))

    assert not Publication.objects.exists()


def test_someone_else_on_a_closed_round_is_refused_without_learning_more(world, a_cycle_in_speed_date):
    a_cycle_in_speed_date.phase = Phase.CLOSED
    a_cycle_in_speed_date.save()

    with pytest.raises(PermissionDenied):
        cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=world.admin)


def test_a_department_outside_the_round_is_refused(world, a_cycle_in_speed_date):
    a_cycle_in_speed_date.departments.set([world.other_department])

    with pytest.raises(PermissionDenied):
        cycle_publish(cycle=a_cycle_in_speed_date, department=world.department, actor=world.team_leader)


# --- an adult student's choice -------------------------------------------------------------------------


@pytest.fixture
def adult(world):
    world.student.date_of_birth = ADULT_BIRTHDAY
    world.student.save()
    return world.student


def test_an_adult_student_chooses_and_changes_their_mind(world, adult):
    sharing = guardian_sharing_set(student=adult, actor=world.student_user, guardians_may_see=True)
    assert sharing.guardians_may_see is True

    guardian_sharing_set(student=adult, actor=world.student_user, guardians_may_see=False)

    assert GuardianSharing.objects.get(student=adult).guardians_may_see is False
    assert GuardianSharing.objects.count() == 1


def test_a_student_under_18_does_not_choose(world):
    with pytest.raises(PermissionDenied):
        guardian_sharing_set(student=world.student, actor=world.student_user, guardians_may_see=False)

    assert not GuardianSharing.objects.exists()


@pytest.mark.parametrize("who", ["guardian", "mentor", "admin", "other_student_user"])
def test_nobody_else_chooses_for_the_student(world, adult, who):
    with pytest.raises(PermissionDenied):
        guardian_sharing_set(student=adult, actor=getattr(world, who), guardians_may_see=True)

    assert not GuardianSharing.objects.exists()
