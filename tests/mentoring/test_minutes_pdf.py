"""The minutes of a department meeting: a PDF made by a Celery task, one job row per meeting, idempotent.

With the test settings Celery runs eagerly, so the task runs when the request's
transaction commits (django_capture_on_commit_callbacks(execute=True)).
"""

import datetime
import io

import pytest
import weasyprint
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from mentoring import tasks
from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    MinutesJob,
)
from mentoring.selectors.evidence import student_evidence
from mentoring.selectors.minutes import minutes_for_pdf
from mentoring.services import minutes as service
from school import pdf
from tests.factories import StudentFactory

DECISION = "Sam stroomt na periode 2 af naar vmbo-t."
RATIONALE = "Drie vakken rood, en Sam wil het zelf ook."
AGREEMENT = "De mentor plant een gesprek met Sam en de ouders."


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test writes its PDFs into a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def decide(meeting, escalation, *, actor, text=DECISION, position=1, agreement=AGREEMENT):
    """An item that the meeting decided: rows written directly, as the meeting service would leave them."""
    escalation.status = Escalation.Status.DECIDED
    escalation.save()
    item = AgendaItem.objects.create(
        meeting=meeting,
        escalation=escalation,
        position=position,
        status=AgendaItem.Status.DECIDED,
        notes="Ouders zijn vooraf gebeld.",
        closed_at=timezone.now(),
    )
    decision = Decision.objects.create(
        item=item,
        student=escalation.student,
        text=text,
        rationale=RATIONALE if escalation.is_high_stakes else "",
        evidence=student_evidence(cycle=meeting.cycle, student=escalation.student).as_snapshot(
            student_view="Ik wil het zelf ook."
        ),
        votes={"agree": 3, "disagree": 1, "abstain": 0},
        decided_by=actor,
    )
    if agreement:
        Agreement.objects.create(
            student=escalation.student,
            decision=decision,
            text=agreement,
            owner=Agreement.Owner.MENTOR,
            owner_staff=escalation.raised_by.staff if escalation.raised_by else None,
            due_on=datetime.date(2026, 12, 4),
            created_by=actor,
        )
    return decision


@pytest.fixture
def a_decided_meeting(world, a_meeting, an_escalation) -> DepartmentMeeting:
    """The havo meeting decided about world.student (promotion: high stakes); other_teacher was there."""
    decide(a_meeting, an_escalation, actor=world.team_leader)
    a_meeting.status = DepartmentMeeting.Status.RUNNING
    a_meeting.save()
    a_meeting.attendees.set([world.team_leader.staff, world.other_teacher.staff])
    return a_meeting


def pdf_text(job: MinutesJob) -> str:
    with job.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def make(meeting, actor, capture):
    with capture(execute=True) as callbacks:
        job = service.minutes_job_request(meeting=meeting, actor=actor)
    job.refresh_from_db()
    return job, callbacks


# --- the PDF ---------------------------------------------------------------------------------------------


def test_the_pdf_holds_the_decision_the_student_and_the_agreement(
    world, a_decided_meeting, django_capture_on_commit_callbacks
):
    job, callbacks = make(a_decided_meeting, world.team_leader, django_capture_on_commit_callbacks)

    assert len(callbacks) == 1
    assert job.status == MinutesJob.Status.DONE
    assert (job.attempts, job.error, job.requested_by) == (1, "", world.team_leader)
    assert job.finished_at is not None
    assert job.file.name.startswith("minutes/")
    text = " ".join(pdf_text(job).split())
    assert DECISION in text
    assert world.student.full_name in text
    assert RATIONALE in text
    assert AGREEMENT in text
    assert "Kan Sam beter naar vmbo-t?" in text  # the question
    assert "Nederlands" in text  # the evidence snapshot's subject
    assert "4,8" in text  # its grade, the Dutch way
    assert world.other_teacher.get_full_name() in text  # present


def test_the_minutes_are_in_the_schools_language(world, a_decided_meeting):
    world.school.language = "en"
    world.school.save()
    job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)

    job = service.minutes_job_run(job_id=job.pk)

    text = " ".join(pdf_text(job).split())
    assert "Minutes of the department meeting" in text
    assert "Agreements" in text


def test_the_pdf_html_escapes_what_users_wrote(world, a_meeting, an_escalation):
    decide(a_meeting, an_escalation, actor=world.team_leader, text='<img src="https://example.com/x.png"> & co')

    html = service.minutes_pdf_html(meeting_id=a_meeting.pk)

    assert "&lt;img src=&quot;https://example.com/x.png&quot;&gt; &amp; co" in html
    assert '<img src="https://example.com' not in html


def test_undecided_items_are_listed_without_a_decision(world, a_meeting, an_escalation):
    AgendaItem.objects.create(meeting=a_meeting, escalation=an_escalation, position=1)

    minutes = minutes_for_pdf(meeting_id=a_meeting.pk)

    [item] = minutes.items
    assert (item.student, item.is_decided, item.agreements, item.evidence) == (
        world.student.full_name,
        False,
        [],
        None,
    )
    assert minutes.decided_count == 0


def test_the_vote_tally_and_evidence_are_read_for_high_stakes_items(world, a_decided_meeting):
    [item] = minutes_for_pdf(meeting_id=a_decided_meeting.pk).items

    assert [(vote.choice, vote.count) for vote in item.votes] == [("agree", 3), ("disagree", 1), ("abstain", 0)]
    assert item.vote_total == 4
    assert (item.evidence.red, item.evidence.trend) == (1, "worse")
    [subject] = item.evidence.subjects
    assert (subject.subject, subject.light.value, subject.light.letter, subject.grade) == (
        "Nederlands",
        "red",
        "R",
        "4.8",
    )
    assert item.evidence.student_view == "Ik wil het zelf ook."


def test_a_care_item_shows_no_evidence_snapshot(world, a_meeting, an_escalation):
    an_escalation.category = Category.CARE
    decide(a_meeting, an_escalation, actor=world.team_leader)

    [item] = minutes_for_pdf(meeting_id=a_meeting.pk).items

    assert item.is_high_stakes is False
    assert item.evidence is None


def test_the_minutes_data_take_the_same_queries_for_a_long_agenda(
    world, a_decided_meeting, a_cycle_in_speed_date, django_assert_num_queries
):
    with django_assert_num_queries(6):
        minutes_for_pdf(meeting_id=a_decided_meeting.pk)

    for position in range(2, 6):
        student = StudentFactory(school=world.school, class_group=world.class_group)
        escalation = Escalation.objects.create(
            cycle=a_cycle_in_speed_date,
            student=student,
            department=world.department,
            category=Category.REPEATING,
            question="Doubleren?",
            raised_by=world.mentor,
        )
        decide(a_decided_meeting, escalation, actor=world.team_leader, position=position)

    with django_assert_num_queries(6):
        minutes = minutes_for_pdf(meeting_id=a_decided_meeting.pk)
    assert [item.number for item in minutes.items] == [1, 2, 3, 4, 5]
    assert all(item.agreements for item in minutes.items)


# --- the job: who may ask, when, and only one at a time -----------------------------------------------------


def test_no_minutes_before_a_decision(world, a_meeting, an_escalation, django_capture_on_commit_callbacks):
    AgendaItem.objects.create(meeting=a_meeting, escalation=an_escalation)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as error:
        service.minutes_job_request(meeting=a_meeting, actor=world.team_leader)

    assert error.value.code == "nothing_to_record"
    assert callbacks == []
    assert not MinutesJob.objects.exists()


def test_a_finished_meeting_has_minutes_even_without_decisions(world, a_meeting, django_capture_on_commit_callbacks):
    a_meeting.status = DepartmentMeeting.Status.FINISHED
    a_meeting.save()

    job, _ = make(a_meeting, world.team_leader, django_capture_on_commit_callbacks)

    assert job.status == MinutesJob.Status.DONE
    assert pdf_text(job)


@pytest.mark.parametrize("who", ["teacher", "mentor", "other_team_leader", "student_user", "outsider"])
def test_only_who_follows_the_meeting_may_ask(world, a_decided_meeting, who):
    with pytest.raises(PermissionDenied):
        service.minutes_job_request(meeting=a_decided_meeting, actor=getattr(world, who))
    assert not MinutesJob.objects.exists()


def test_asking_again_while_it_is_being_made_queues_nothing(
    world, a_decided_meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first:
        job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    with django_capture_on_commit_callbacks() as second:
        again = service.minutes_job_request(meeting=a_decided_meeting, actor=world.admin)

    assert (len(first), len(second)) == (1, 0)
    assert again.pk == job.pk
    assert again.requested_by == world.team_leader
    assert MinutesJob.objects.get().status == MinutesJob.Status.PENDING


def test_a_lost_job_is_started_afresh(world, a_decided_meeting, django_capture_on_commit_callbacks):
    job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    MinutesJob.objects.filter(pk=job.pk).update(
        status=MinutesJob.Status.RUNNING, requested_at=timezone.now() - datetime.timedelta(hours=1)
    )

    job, callbacks = make(a_decided_meeting, world.admin, django_capture_on_commit_callbacks)

    assert len(callbacks) == 1
    assert (job.status, job.requested_by) == (MinutesJob.Status.DONE, world.admin)


def test_a_message_delivered_twice_renders_once(world, a_decided_meeting, monkeypatch):
    job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    renders = []
    real_render = service.minutes_pdf_render
    monkeypatch.setattr(service, "minutes_pdf_render", lambda **kw: renders.append(kw) or real_render(**kw))

    tasks.minutes_render_task(job.pk)
    job.refresh_from_db()
    first_file = job.file.name
    tasks.minutes_render_task(job.pk)  # redelivered after it was done

    job.refresh_from_db()
    assert len(renders) == 1
    assert (job.status, job.attempts, job.file.name) == (MinutesJob.Status.DONE, 1, first_file)


def test_a_running_job_is_not_claimed_twice(world, a_decided_meeting):
    job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)

    assert service.minutes_job_claim(job_id=job.pk) is not None
    assert service.minutes_job_claim(job_id=job.pk) is None
    assert service.minutes_job_run(job_id=job.pk) is None  # a redelivery while the first worker renders

    job.refresh_from_db()
    assert (job.status, job.attempts, job.file.name) == (MinutesJob.Status.RUNNING, 1, "")


def test_making_them_again_replaces_the_file(world, a_decided_meeting, django_capture_on_commit_callbacks):
    job, _ = make(a_decided_meeting, world.team_leader, django_capture_on_commit_callbacks)
    old_name = job.file.name
    assert default_storage.exists(old_name)
    decision = Decision.objects.get()
    decision.text = "Sam blijft op de havo, met extra begeleiding."
    decision.save()

    job, callbacks = make(a_decided_meeting, world.team_leader, django_capture_on_commit_callbacks)

    assert len(callbacks) == 1
    assert MinutesJob.objects.count() == 1
    assert job.status == MinutesJob.Status.DONE
    assert job.file.name != old_name
    assert not default_storage.exists(old_name)
    assert default_storage.exists(job.file.name)
    text = " ".join(pdf_text(job).split())
    assert "Sam blijft op de havo, met extra begeleiding." in text
    assert DECISION not in text


# --- failures -------------------------------------------------------------------------------------------------


def failing_write_pdf(monkeypatch, *errors):
    """WeasyPrint's write_pdf raises each of `errors` in turn, then renders for real."""
    calls = []
    real = weasyprint.HTML.write_pdf

    def write_pdf(self, *args, **kwargs):
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", write_pdf)
    return calls


def test_a_transient_error_is_retried_three_times_then_fails_with_a_message(
    world, a_decided_meeting, monkeypatch, django_capture_on_commit_callbacks
):
    calls = failing_write_pdf(monkeypatch, *[OSError("No space left on device")] * 4)

    job, _ = make(a_decided_meeting, world.team_leader, django_capture_on_commit_callbacks)

    assert len(calls) == 4  # the first try and three retries
    assert job.status == MinutesJob.Status.FAILED
    assert job.attempts == 4
    assert job.error == "OSError: No space left on device"
    assert job.finished_at is not None
    assert not job.file


def test_a_transient_error_that_passes_ends_well(
    world, a_decided_meeting, monkeypatch, django_capture_on_commit_callbacks
):
    calls = failing_write_pdf(monkeypatch, OSError("Resource temporarily unavailable"))

    job, _ = make(a_decided_meeting, world.team_leader, django_capture_on_commit_callbacks)

    assert len(calls) == 2
    assert (job.status, job.attempts, job.error) == (MinutesJob.Status.DONE, 2, "")
    assert DECISION in " ".join(pdf_text(job).split())


def test_a_bug_is_not_retried(world, a_decided_meeting, monkeypatch, django_capture_on_commit_callbacks):
    calls = failing_write_pdf(monkeypatch, ValueError("bad layout"))

    job, _ = make(a_decided_meeting, world.team_leader, django_capture_on_commit_callbacks)

    assert len(calls) == 1
    assert (job.status, job.attempts, job.error) == (MinutesJob.Status.FAILED, 1, "ValueError: bad layout")


def test_a_failed_job_can_be_asked_for_again(
    world, a_decided_meeting, monkeypatch, django_capture_on_commit_callbacks
):
    failing_write_pdf(monkeypatch, ValueError("bad layout"))
    make(a_decided_meeting, world.team_leader, django_capture_on_commit_callbacks)

    job, callbacks = make(a_decided_meeting, world.team_leader, django_capture_on_commit_callbacks)

    assert len(callbacks) == 1
    assert (job.status, job.error, job.attempts) == (MinutesJob.Status.DONE, "", 1)


# --- what WeasyPrint may fetch ----------------------------------------------------------------------------------


def test_the_fetcher_serves_our_static_files_from_disk():
    path = pdf.static_file_for_url(pdf.pdf_static_url("css/pdf.css"))

    assert path is not None
    assert path.read_text().startswith("/*")
    response = pdf.static_files_fetcher_class()().fetch(pdf.pdf_static_url("css/pdf.css"))
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    response.close()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/static/css/pdf.css",
        "http://leerlingbespreking.invalid/static/css/pdf.css",
        "file:///etc/passwd",
        "https://leerlingbespreking.invalid/static/../../../../etc/passwd",
        "https://leerlingbespreking.invalid/static/css/%2e%2e/%2e%2e/config/settings/base.py",
        "https://leerlingbespreking.invalid/static//etc/passwd",
        "https://leerlingbespreking.invalid/media/minutes/x.pdf",
        "https://leerlingbespreking.invalid/static/css/nothing-here.css",
        "data:text/css,body{}",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    assert pdf.static_file_for_url(url) is None
    with pytest.raises(ValueError, match="Refused"):
        pdf.static_files_fetcher_class()().fetch(url)
