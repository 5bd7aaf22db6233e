"""Erasure leaves nothing of the student behind: not their name in the audit log, not their page in a PDF about
several students; all in the student's one transaction, with the files deleted only once it has committed."""

import datetime
import io
from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from audit.services import audit_record
from boards.models import BoardPrintJob, ImprovementBoard
from boards.services.print import board_print_request
from classmeetings.models import MeetingStudent, OpenClassMeeting
from classmeetings.models import MinutesJob as ClassMinutesJob
from mentoring.models import AgendaItem, DepartmentMeeting, Escalation, PrepSheetJob
from mentoring.models import MinutesJob as DepartmentMinutesJob
from privacy import services
from school.models import Student, User
from tests.factories import GuardianFactory

from .conftest import left

pytestmark = pytest.mark.django_db

RETENTION = 365
Action, Kind = AuditEvent.Action, AuditEvent.Kind


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.STUDENT_RETENTION_DAYS = RETENTION


def _read_by(user, student: Student, address: str = "10.0.0.1") -> AuditEvent:
    request = RequestFactory().get("/mentoring/reflection/", REMOTE_ADDR=address, HTTP_USER_AGENT="Safari/18")
    request.user = user
    return audit_record(request_or_actor=request, action=Action.READ, kind=Kind.REFLECTION, student=student)


# --- the audit log ------------------------------------------------------------------------------------------


def test_the_students_own_events_lose_their_name_and_address_staff_events_keep_the_staff_name(records):
    world = records.world
    student = world.student
    own = _read_by(world.student_user, student, "10.0.0.1")
    by_mentor = _read_by(world.mentor, student, "10.0.0.2")
    assert own.actor_name == world.student_user.get_full_name()

    services.student_erase(student=left(student, days_ago=RETENTION + 1))

    own.refresh_from_db()
    label = f"oud-leerling-{world.student_user.pk}"
    assert User.objects.get(pk=world.student_user.pk).username == label  # the same name as the account
    assert (own.actor_name, own.ip_address, own.user_agent) == (label, None, "")
    assert (own.kind, own.action, own.student_id, own.at) == (Kind.REFLECTION, Action.READ, student.pk, own.at)
    by_mentor.refresh_from_db()
    assert by_mentor.actor_name == world.mentor.get_full_name()  # the staff member's accountability
    assert (by_mentor.ip_address, by_mentor.user_agent) == ("10.0.0.2", "Safari/18")
    assert by_mentor.student_id == student.pk  # now the anonymised row
    names = set(AuditEvent.objects.values_list("actor_name", flat=True))
    assert world.student_user.get_full_name() not in names


def test_an_anonymised_guardians_events_lose_their_name_a_guardian_with_other_children_keeps_it(records):
    world = records.world
    sibling_guardian = GuardianFactory(school=world.school, students=[world.student, world.other_student])
    only_child = _read_by(world.guardian, world.student)
    sibling = _read_by(sibling_guardian.user, world.student)

    services.student_erase(student=left(world.student, days_ago=RETENTION + 1))

    only_child.refresh_from_db()
    assert (only_child.actor_name, only_child.ip_address) == (f"oud-ouder-{world.guardian.pk}", None)
    sibling.refresh_from_db()
    assert sibling.actor_name == sibling_guardian.user.get_full_name()
    assert sibling.ip_address == "10.0.0.1"


# --- PDFs about several students ----------------------------------------------------------------------------


@dataclass
class Jobs:
    about: list  # jobs whose file shows the student: forgotten
    others: list  # jobs of another class, meeting or board: untouched


def _with_file(job):
    job.status = job.Status.DONE
    job.file.save(f"{type(job).__name__.lower()}.pdf", ContentFile(b"%PDF-1.4 several students"), save=True)
    return job


def _department_meeting(records, department, student) -> DepartmentMeeting:
    meeting = DepartmentMeeting.objects.create(cycle=records.cycle, department=department)
    escalation = Escalation.objects.create(
        cycle=records.cycle,
        student=student,
        department=department,
        category="other",
        question="Kan zij naar het vwo?",
        raised_by=records.world.mentor,
    )
    AgendaItem.objects.create(meeting=meeting, escalation=escalation)
    return meeting


def _class_meeting(world, class_group, *students) -> OpenClassMeeting:
    meeting = OpenClassMeeting.objects.create(
        school=world.school, class_group=class_group, starts_at=timezone.now() - datetime.timedelta(days=400)
    )
    for student in students:
        MeetingStudent.objects.create(meeting=meeting, student=student)
    return meeting


@pytest.fixture
def jobs(records) -> Jobs:
    world = records.world
    # The student was once on the programme of another class's meeting (before changing class).
    visited = _class_meeting(world, world.other_class_group, world.student, world.other_student)
    improvement = ImprovementBoard.objects.create(
        school=world.school,
        title="Rust in de klas",
        scope=ImprovementBoard.Scope.CLASS_GROUP,
        class_group=world.class_group,
        owner=world.mentor.staff,
    )
    about = [
        _with_file(DepartmentMinutesJob(meeting=_department_meeting(records, world.department, world.student))),
        _with_file(ClassMinutesJob(meeting=_class_meeting(world, world.class_group, world.student))),
        _with_file(ClassMinutesJob(meeting=visited)),
        _with_file(PrepSheetJob(cycle=records.cycle, class_group=world.class_group, total=1, done=1)),
        _with_file(
            BoardPrintJob(school=world.school, kind=BoardPrintJob.Kind.PROGRESS, class_group=world.class_group)
        ),
        _with_file(
            BoardPrintJob(school=world.school, kind=BoardPrintJob.Kind.CARE, care_meeting=records.care_meeting)
        ),
    ]
    others = [
        _with_file(
            DepartmentMinutesJob(meeting=_department_meeting(records, world.other_department, world.other_student))
        ),
        _with_file(ClassMinutesJob(meeting=_class_meeting(world, world.other_class_group, world.other_student))),
        _with_file(PrepSheetJob(cycle=records.cycle, class_group=world.other_class_group)),
        _with_file(
            BoardPrintJob(school=world.school, kind=BoardPrintJob.Kind.PROGRESS, class_group=world.other_class_group)
        ),
        # An improvement board is staff work: no card per student.
        _with_file(
            BoardPrintJob(school=world.school, kind=BoardPrintJob.Kind.IMPROVEMENT, improvement_board=improvement)
        ),
    ]
    return Jobs(about=about, others=others)


def _exists(job) -> bool:
    return type(job).objects.filter(pk=job.pk).exists()


def test_the_pdfs_that_show_the_student_are_forgotten_files_and_all_others_stay(
    records, jobs, django_capture_on_commit_callbacks
):
    student = left(records.world.student, days_ago=RETENTION + 1)
    files = {(type(job), job.pk): job.file.name for job in jobs.about + jobs.others}

    with django_capture_on_commit_callbacks(execute=True):
        erasure = services.student_erase(student=student)

    for job in jobs.about:
        assert not _exists(job), job
        assert not default_storage.exists(files[type(job), job.pk]), job
    for job in jobs.others:
        assert _exists(job), job
        assert type(job).objects.get(pk=job.pk).status == job.Status.DONE
        assert default_storage.exists(files[type(job), job.pk]), job
    assert erasure.jobs == {
        "mentoring.MinutesJob": 1,
        "classmeetings.MinutesJob": 2,
        "mentoring.PrepSheetJob": 1,
        "boards.BoardPrintJob": 2,
    }


def test_the_files_go_only_after_the_transaction_commits(records, jobs, django_capture_on_commit_callbacks):
    student = left(records.world.student, days_ago=RETENTION + 1)
    names = [job.file.name for job in jobs.about]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.student_erase(student=student)
        # Rows gone inside the transaction; the files still there until it commits.
        assert not any(_exists(job) for job in jobs.about)
        assert all(default_storage.exists(name) for name in names)
    assert len(callbacks) == 1
    callbacks[0]()
    assert not any(default_storage.exists(name) for name in names)


def test_a_failure_late_in_the_erasure_leaves_everything_as_it_was(records, jobs, monkeypatch):
    """One transaction: the jobs, the audit names, the records and the files all stay when the last step fails."""
    world = records.world
    student = left(world.student, days_ago=RETENTION + 1)
    own = _read_by(world.student_user, student)
    only_child = _read_by(world.guardian, student)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", broken)  # the erasure's very last write
    with pytest.raises(RuntimeError):
        services.student_erase(student=student)

    for job in jobs.about:
        assert _exists(job), job
        assert default_storage.exists(job.file.name), job
    own.refresh_from_db()
    only_child.refresh_from_db()
    assert (own.actor_name, own.ip_address) == (world.student_user.get_full_name(), "10.0.0.1")
    assert only_child.actor_name == world.guardian.get_full_name()
    student.refresh_from_db()
    assert (student.erased_at, student.full_name) == (None, world.student.full_name)
    assert User.objects.get(pk=world.student_user.pk).is_active
    assert default_storage.exists(student.photo.name)


def test_a_job_model_that_cannot_say_which_jobs_concern_the_student_stops_the_erasure(records, jobs, monkeypatch):
    student = left(records.world.student, days_ago=RETENTION + 1)
    monkeypatch.delattr(BoardPrintJob, "concerning_student")
    with pytest.raises(ImproperlyConfigured, match=r"boards\.BoardPrintJob"):
        services.student_erase(student=student)
    student.refresh_from_db()
    assert student.erased_at is None
    assert all(_exists(job) for job in jobs.about)


def _pdf_text(job) -> str:
    with job.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_print_asked_for_after_the_erasure_is_made_afresh_without_the_student(
    records, django_capture_on_commit_callbacks
):
    world = records.world
    name, classmate = world.student.full_name, world.other_student.full_name
    with django_capture_on_commit_callbacks(execute=True):
        job = board_print_request(kind="care", target=records.care_meeting, actor=world.care_coordinator)
    job.refresh_from_db()
    assert job.status == job.Status.DONE, job.error
    assert name in _pdf_text(job)
    old_file = job.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.student_erase(student=left(world.student, days_ago=RETENTION + 1))
    assert not BoardPrintJob.objects.filter(pk=job.pk).exists()
    assert not default_storage.exists(old_file)

    with django_capture_on_commit_callbacks(execute=True):
        again = board_print_request(kind="care", target=records.care_meeting, actor=world.care_coordinator)
    again.refresh_from_db()
    assert again.status == again.Status.DONE, again.error
    text = _pdf_text(again)
    assert classmate in text
    assert name not in text
