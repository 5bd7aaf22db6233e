"""Erasure: students who left longer than STUDENT_RETENTION_DAYS ago are anonymised, everything about them goes."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from boards.models import CareConsent, CareMeeting, ProgressCard
from mentoring.models import Agreement, Escalation, Goal, PrepSheet, Question, Reflection
from privacy import services
from privacy.tasks import erase_left_students_task
from reviews.models import Entry
from school.models import Enrollment, Guardian, Student, User
from tests.factories import GuardianFactory

from .conftest import left

pytestmark = pytest.mark.django_db

RETENTION = 365


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.STUDENT_RETENTION_DAYS = RETENTION


def test_only_students_past_the_retention_period_are_due(world):
    left(world.student, days_ago=RETENTION + 1)
    left(world.other_student, days_ago=RETENTION - 1)
    assert list(services.students_due_for_erasure()) == [world.student]


def test_erasure_anonymises_the_student_and_deletes_their_records(records, django_capture_on_commit_callbacks):
    world = records.world
    student = left(world.student, days_ago=RETENTION + 1)
    photo, sheet = student.photo.name, records.prep_sheet.file.name
    user_pk = student.user_id
    with django_capture_on_commit_callbacks(execute=True):
        erasure = services.student_erase(student=student)

    student.refresh_from_db()
    assert student.full_name == f"Oud-leerling #{student.pk}"
    assert (student.number, student.date_of_birth, student.photo.name, student.source_id) == (
        f"oud-{student.pk}",
        None,
        "",
        "",
    )
    assert student.class_group is None
    assert student.erased_at is not None
    account = User.objects.get(pk=user_pk)
    assert (account.first_name, account.last_name, account.email, account.is_active) == ("", "", "", False)
    assert not account.has_usable_password()
    assert account.username == f"oud-leerling-{user_pk}"
    for model in (Entry, Question, Reflection, Goal, Agreement, CareConsent, ProgressCard, PrepSheet, Enrollment):
        path = "reflection__student" if model is Goal else "student"
        assert not model.objects.filter(**{path: student}).exists(), model
    assert not CareMeeting.objects.filter(children=student).exists()
    assert not Guardian.objects.filter(students=student).exists()
    assert not default_storage.exists(photo)
    assert not default_storage.exists(sheet)
    assert erasure.deleted["questions"] == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.STUDENT_ERASURE, student=student).count() == 1


def test_erasure_leaves_others_alone(records):
    world = records.world
    services.student_erase(student=left(world.student, days_ago=RETENTION + 1))
    other = Student.objects.get(pk=world.other_student.pk)
    assert other.full_name == world.other_student.full_name
    assert Question.objects.filter(student=other).count() == 1
    # The care meeting is shared: only the link to the erased child goes.
    assert list(CareMeeting.objects.get(pk=records.care_meeting.pk).children.all()) == [other]
    assert User.objects.get(pk=world.mentor.pk).is_active


def test_a_guardian_without_other_children_is_anonymised_one_with_other_children_is_not(records):
    world = records.world
    sibling_guardian = GuardianFactory(school=world.school, students=[world.student, world.other_student])
    services.student_erase(student=left(world.student, days_ago=RETENTION + 1))
    only_child_parent = User.objects.get(pk=world.guardian.pk)
    assert (only_child_parent.is_active, only_child_parent.email, only_child_parent.last_name) == (False, "", "")
    sibling_parent = User.objects.get(pk=sibling_guardian.user.pk)
    assert sibling_parent.is_active
    assert sibling_parent.last_name == sibling_guardian.user.last_name


def test_an_active_student_is_never_erased(records):
    assert services.student_erase(student=records.world.student) is None
    assert Question.objects.filter(student=records.world.student).exists()


def test_erasure_is_idempotent(records):
    student = left(records.world.student, days_ago=RETENTION + 1)
    assert services.student_erase(student=student) is not None
    assert services.student_erase(student=student) is None
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.STUDENT_ERASURE).count() == 1


def test_a_failure_rolls_back_the_whole_student(records, monkeypatch):
    student = left(records.world.student, days_ago=RETENTION + 1)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_anonymise_user", broken)
    with pytest.raises(RuntimeError):
        services.student_erase(student=student)
    student.refresh_from_db()
    assert student.erased_at is None
    assert student.last_name == records.world.student.last_name
    assert Question.objects.filter(student=student).exists()
    assert default_storage.exists(student.photo.name)


def test_the_command_dry_run_changes_nothing(records):
    student = left(records.world.student, days_ago=RETENTION + 1)
    out = io.StringIO()
    call_command("privacy_erase", "--dry-run", stdout=out)
    assert "1 student(s)" in out.getvalue()
    assert f"#{student.pk}" in out.getvalue()
    student.refresh_from_db()
    assert student.erased_at is None


def test_the_command_erases(records):
    student = left(records.world.student, days_ago=RETENTION + 1)
    out = io.StringIO()
    call_command("privacy_erase", stdout=out)
    assert "Anonymised 1 student(s)" in out.getvalue()
    student.refresh_from_db()
    assert student.erased_at is not None


def test_an_inactive_student_without_a_leaving_date_starts_counting_now(world):
    Student.objects.filter(pk=world.student.pk).update(is_active=False, left_at=None)
    result = erase_left_students_task()
    assert result == {"due": 0, "erased": 0, "stamped": 1}
    student = Student.objects.get(pk=world.student.pk)
    assert student.left_at is not None
    later = timezone.now() + datetime.timedelta(days=RETENTION + 1)
    assert services.erase_left_students(now=later).erased == [student.pk]


def test_the_beat_schedule_runs_the_erasure_and_the_audit_purge(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"privacy.tasks.erase_left_students_task", "audit.tasks.audit_purge_task"} <= tasks
    from config.celery import app

    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


def test_merged_escalations_go_together(records):
    """A duplicate points at the escalation it was merged into (same student): both go, no constraint trips."""
    world = records.world

    def escalation(**kwargs):
        return Escalation.objects.create(
            cycle=records.cycle,
            student=world.student,
            department=world.department,
            category="other",
            question="Moet hij blijven zitten?",
            raised_by=world.mentor,
            **kwargs,
        )

    target = escalation()
    escalation(status=Escalation.Status.MERGED, merged_into=target)
    erasure = services.student_erase(student=left(world.student, days_ago=RETENTION + 1))
    assert erasure.deleted["escalations"] == 2
    assert not Escalation.objects.filter(student=world.student).exists()
