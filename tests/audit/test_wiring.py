"""Every read and write of sensitive data leaves an audit event: who, what, about whom, from where."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from boards.models import CareMeeting, CareReadLog
from boards.services.improvement import board_create
from classmeetings.models import MinutesJob as ClassMinutesJob
from classmeetings.services import meeting_mode, preparation
from mentoring.models import (
    AgendaItem,
    Category,
    DepartmentMeeting,
    Escalation,
    Goal,
    MinutesJob,
    PrepSheetJob,
    Publication,
    Reflection,
)
from mentoring.selectors.evidence import student_evidence
from mentoring.services import meetings as meeting_services
from reviews.models import Phase
from tests.audit.events import only_event
from tests.factories import ClassGroupFactory, StaffFactory, StudentFactory, UserFactory
from tests.rounds import last_round, this_round

Action, Kind = AuditEvent.Action, AuditEvent.Kind
ADDRESS = {"REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "TestBrowser/1.0"}
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


# --- care meetings and the care-board session ----------------------------------------------------------------


@pytest.fixture
def care_meeting(world) -> CareMeeting:
    meeting = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg",
        held_on=datetime.date(2026, 11, 20),
        coordinator=world.care_coordinator.staff,
    )
    meeting.children.add(world.student)
    meeting.participants.add(world.mentor.staff)
    return meeting


def test_reading_a_care_meeting_is_audited_beside_its_read_log(client, world, care_meeting):
    client.force_login(world.mentor)

    assert client.get(reverse("boards:care_meeting", args=[care_meeting.pk]), **ADDRESS).status_code == 200

    event = only_event(kind=Kind.CARE_MEETING, action=Action.READ)
    assert (event.actor, event.object_id, event.school) == (world.mentor, care_meeting.pk, world.school)
    assert (event.ip_address, event.user_agent) == ("192.0.2.44", "TestBrowser/1.0")
    assert event.path == reverse("boards:care_meeting", args=[care_meeting.pk])
    assert CareReadLog.objects.filter(meeting=care_meeting, user=world.mentor).count() == 1


def test_an_unchanged_poll_of_a_care_meeting_is_no_read(client, world, care_meeting):
    client.force_login(world.mentor)
    since = care_meeting.updated_at.isoformat()
    response = client.get(
        reverse("boards:care_meeting", args=[care_meeting.pk]), {"since": since}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert not AuditEvent.objects.exists()


def test_someone_refused_leaves_no_event(client, world, care_meeting):
    client.force_login(world.other_mentor)
    assert client.get(reverse("boards:care_meeting", args=[care_meeting.pk])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_writing_on_a_care_meeting_is_audited_with_the_child(client, world, care_meeting):
    client.force_login(world.care_coordinator)
    response = client.post(
        reverse("boards:care_entry", args=[care_meeting.pk]),
        {"student": world.student.pk, "kind": "check_in", "mood": "great", "version": 0},
    )
    assert response.status_code == 302

    event = only_event(action=Action.UPDATE)
    assert (event.kind, event.actor, event.student, event.object_id) == (
        "care_meeting",
        world.care_coordinator,
        world.student,
        care_meeting.pk,
    )
    assert "great" not in event.summary  # what happened, never the content


def test_planning_a_care_meeting_is_audited(client, world):
    client.force_login(world.care_coordinator)
    response = client.post(
        reverse("boards:care_meetings"),
        {
            "title": "Overleg",
            "held_on": TOMORROW.isoformat(),
            "children": [world.student.pk],
            "participants": [world.mentor.staff.pk],
        },
    )
    assert response.status_code == 302
    meeting = CareMeeting.objects.get(title="Overleg")
    assert only_event(action=Action.CREATE).object_id == meeting.pk


def test_reading_a_class_board_in_the_care_board_session_is_audited(client, world):
    mentor = StaffFactory(school=world.school)
    class_group = ClassGroupFactory(
        school=world.school, school_year=world.class_group.school_year, department=world.department, mentors=[mentor]
    )
    board = board_create(
        school=world.school, actor=mentor.user, title="Verbeterbord", scope="class_group", class_group=class_group
    )
    client.force_login(world.team_leader)

    assert client.get(reverse("boards:care_session", args=[world.department.pk])).status_code == 200

    event = only_event(kind=Kind.CARE_BOARD)
    assert (event.action, event.actor, event.object_id) == ("read", world.team_leader, board.pk)


# --- escalations and the department meeting's decisions ---------------------------------------------------------


@pytest.fixture
def cycle(world):
    last_round(world, departments=[world.department, world.other_department])
    return this_round(world, phase=Phase.SPEED_DATE, departments=[world.department, world.other_department])


@pytest.fixture
def escalation(world, cycle) -> Escalation:
    return Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.PROMOTION,
        question="Kan Sam beter naar vmbo-t?",
        proposal="Overstappen na periode 2.",
        evidence=student_evidence(cycle=cycle, student=world.student).as_snapshot(),
        raised_by=world.mentor,
    )


def test_raising_an_escalation_is_audited(client, world, cycle):
    client.force_login(world.mentor)
    response = client.post(
        reverse("mentoring:escalation_create", args=[cycle.pk, world.student.pk]),
        {"category": Category.CARE, "question": "Gaat het thuis goed?", "proposal": "", "student_view": ""},
    )
    assert response.status_code == 302
    raised = Escalation.objects.get()
    event = only_event(kind=Kind.ESCALATION)
    assert (event.action, event.object_id, event.student, event.actor) == (
        "create",
        raised.pk,
        world.student,
        world.mentor,
    )
    assert "thuis" not in event.summary


def test_reading_an_escalation_is_audited(client, world, escalation):
    client.force_login(world.team_leader)
    assert client.get(reverse("mentoring:escalation", args=[escalation.pk])).status_code == 200
    event = only_event(kind=Kind.ESCALATION)
    assert (event.action, event.object_id, event.student) == ("read", escalation.pk, world.student)


def test_accepting_an_escalation_is_audited(client, world, escalation):
    DepartmentMeeting.objects.create(cycle=escalation.cycle, department=world.department)
    client.force_login(world.team_leader)
    client.post(reverse("mentoring:escalation_accept", args=[escalation.pk]), {"timebox_minutes": 10})
    assert Escalation.objects.get(pk=escalation.pk).status == Escalation.Status.ACCEPTED
    event = only_event(kind=Kind.ESCALATION, action=Action.UPDATE)
    assert (event.object_id, event.student, event.actor) == (escalation.pk, world.student, world.team_leader)


def test_returning_an_escalation_is_audited(client, world, escalation):
    client.force_login(world.team_leader)
    client.post(reverse("mentoring:escalation_return", args=[escalation.pk]), {"response": "Eerst thuis bellen."})
    assert Escalation.objects.get(pk=escalation.pk).status == Escalation.Status.RETURNED
    assert only_event(kind=Kind.ESCALATION, action=Action.UPDATE).object_id == escalation.pk


def test_a_refused_accept_leaves_no_event(client, world, escalation):
    client.force_login(world.admin)  # sees the escalation, does not handle it
    assert client.post(reverse("mentoring:escalation_accept", args=[escalation.pk]), {}).status_code == 403
    assert not AuditEvent.objects.exists()


def _decision_data() -> dict:
    data = {
        "text": "Sam blijft op havo.",
        "rationale": "Alleen Nederlands is rood.",
        "agreements-TOTAL_FORMS": "1",
        "agreements-INITIAL_FORMS": "0",
        "agreements-MIN_NUM_FORMS": "0",
        "agreements-MAX_NUM_FORMS": "12",
        "agreements-0-text": "Bijles Nederlands",
        "agreements-0-owner": "mentor",
        "agreements-0-owner_staff": "",
        "agreements-0-due_on": TOMORROW.isoformat(),
    }
    return data


@pytest.fixture
def discussed_item(world, escalation) -> AgendaItem:
    meeting = DepartmentMeeting.objects.create(
        cycle=escalation.cycle,
        department=world.department,
        status=DepartmentMeeting.Status.RUNNING,
        started_at=timezone.now(),
    )
    meeting.attendees.set([world.teacher.staff, world.mentor.staff])
    escalation.status = Escalation.Status.ACCEPTED
    escalation.save(update_fields=["status"])
    item = AgendaItem.objects.create(meeting=meeting, escalation=escalation, position=1)
    item = AgendaItem.objects.select_related("meeting__cycle", "meeting__department", "escalation__student").get(
        pk=item.pk
    )
    return meeting_services.item_open(item=item, actor=world.team_leader)


def test_recording_a_decision_is_audited(client, world, discussed_item, django_capture_on_commit_callbacks):
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_decision", args=[discussed_item.meeting_id, discussed_item.pk])
    with django_capture_on_commit_callbacks():
        assert client.post(url, _decision_data()).status_code == 302
    event = only_event(kind=Kind.DECISION)
    decision = discussed_item.escalation.student.decisions.get()
    assert (event.action, event.object_id, event.student, event.actor) == (
        "create",
        decision.pk,
        world.student,
        world.team_leader,
    )


def test_saving_the_meetings_notes_is_audited(client, world, discussed_item):
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting_item_notes", args=[discussed_item.meeting_id, discussed_item.pk])
    assert client.post(url, {"notes": "Moeder belt morgen."}).status_code == 302
    event = only_event(kind=Kind.ITEM_NOTES)
    assert (event.action, event.object_id, event.student) == ("update", discussed_item.pk, world.student)
    assert "Moeder" not in event.summary


def test_downloading_the_department_minutes_is_audited(client, world, escalation):
    meeting = DepartmentMeeting.objects.create(cycle=escalation.cycle, department=world.department)
    MinutesJob.objects.create(
        meeting=meeting, status=MinutesJob.Status.DONE, file=ContentFile(b"%PDF-1.7", name="minutes.pdf")
    )
    client.force_login(world.team_leader)
    response = client.get(reverse("mentoring:minutes_download", args=[meeting.pk]))
    assert response.status_code == 200
    event = only_event(kind=Kind.MINUTES)
    assert (event.action, event.object_id, event.actor) == ("download", meeting.pk, world.team_leader)


# --- reflections and prep sheets ----------------------------------------------------------------------------------


@pytest.fixture
def published(world, cycle):
    cycle.phase = Phase.MENTOR_TALKS
    cycle.save(update_fields=["phase"])
    Publication.objects.create(cycle=cycle, department=world.department, published_by=world.team_leader)
    return cycle


@pytest.fixture
def reflection(world, published) -> Reflection:
    reflection = Reflection.objects.create(
        cycle=published, student=world.student, went_well="Samenvattingen.", went_less_well="Woordjes."
    )
    Goal.objects.create(
        reflection=reflection, position=1, goal="Een zes", action="Elke dag leren", measure="De volgende toets"
    )
    return reflection


def test_submitting_a_reflection_is_audited(client, world, reflection):
    client.force_login(world.student_user)
    assert client.post(reverse("mentoring:reflection_submit", args=[reflection.cycle_id])).status_code == 302
    reflection.refresh_from_db()
    assert reflection.is_submitted
    event = only_event(kind=Kind.REFLECTION)
    assert (event.action, event.object_id, event.student, event.actor) == (
        "update",
        reflection.pk,
        world.student,
        world.student_user,
    )


def test_the_mentor_reading_and_reopening_a_reflection_is_audited(client, world, reflection):
    from mentoring.services.reflection import reflection_submit

    reflection_submit(reflection=reflection, actor=world.student_user)
    client.force_login(world.mentor)

    assert client.get(reverse("mentoring:reflection_view", args=[reflection.pk])).status_code == 200
    read = only_event(kind=Kind.REFLECTION, action=Action.READ)
    assert (read.object_id, read.student, read.actor) == (reflection.pk, world.student, world.mentor)

    assert client.post(reverse("mentoring:reflection_reopen", args=[reflection.pk])).status_code == 302
    reopened = only_event(kind=Kind.REFLECTION, action=Action.UPDATE)
    assert (reopened.object_id, reopened.actor) == (reflection.pk, world.mentor)


def test_the_student_reading_their_own_draft_is_no_staff_read(client, world, reflection):
    client.force_login(world.student_user)
    assert client.get(reverse("mentoring:reflection", args=[reflection.cycle_id])).status_code == 200
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


def test_downloading_a_students_prep_sheet_is_audited(client, world, published):
    client.force_login(world.mentor)
    response = client.get(reverse("mentoring:prep_sheet", args=[published.pk, world.student.pk]))
    assert response.status_code == 200
    event = only_event(kind=Kind.PREP_SHEET)
    assert (event.action, event.student, event.actor) == ("download", world.student, world.mentor)
    assert event.object_id == world.student.prep_sheets.get().pk


def test_downloading_a_classes_prep_sheets_is_audited(client, world, published):
    job = PrepSheetJob.objects.create(
        cycle=published,
        class_group=world.class_group,
        status=PrepSheetJob.Status.DONE,
        file=ContentFile(b"%PDF-1.7", name="sheets.pdf"),
    )
    client.force_login(world.mentor)
    url = reverse("mentoring:prep_sheets_download", args=[published.pk, world.class_group.pk])
    assert client.get(url).status_code == 200
    event = only_event(kind=Kind.PREP_SHEET)
    assert (event.action, event.object_id, event.student) == ("download", job.pk, None)


# --- the open class meeting ----------------------------------------------------------------------------------------


@pytest.fixture
def class_meeting(world):
    classmate = StudentFactory(
        school=world.school, class_group=world.class_group, user=UserFactory(school=world.school), last_name="Aalders"
    )
    day = timezone.localdate() + datetime.timedelta(days=7)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    meeting = preparation.meeting_create(
        class_group=world.class_group, actor=world.mentor, starts_at=starts, minutes_per_student=5
    )
    assert classmate.pk
    preparation.prepared_input_save(
        meeting=meeting,
        actor=world.student_user,
        values={"went_well": "Elke dag oefenen", "went_less_well": "Frans"},
        version=1,
    )
    preparation.prepared_input_submit(meeting=meeting, actor=world.student_user)
    meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
    meeting_mode.item_open(item=meeting.items.get(student=world.student), actor=world.mentor)
    return meeting


def test_staff_reading_a_students_prepared_input_is_audited(client, world, class_meeting):
    client.force_login(world.mentor)
    html = client.get(reverse("classmeetings:mode", args=[class_meeting.pk])).content.decode()
    assert "Elke dag oefenen" in html
    event = only_event(kind=Kind.PREPARED_INPUT)
    prepared = world.student.prepared_inputs.get()
    assert (event.action, event.object_id, event.student, event.actor) == (
        "read",
        prepared.pk,
        world.student,
        world.mentor,
    )


def test_the_student_reading_their_own_input_in_the_meeting_is_not_logged(client, world, class_meeting):
    client.force_login(world.student_user)
    assert client.get(reverse("classmeetings:mode", args=[class_meeting.pk])).status_code == 200
    assert not AuditEvent.objects.filter(kind=Kind.PREPARED_INPUT).exists()


def test_downloading_class_meeting_minutes_is_audited(client, world, class_meeting):
    ClassMinutesJob.objects.create(
        meeting=class_meeting, status=ClassMinutesJob.Status.DONE, file=ContentFile(b"%PDF-1.7", name="m.pdf")
    )
    client.force_login(world.mentor)
    assert client.get(reverse("classmeetings:minutes_download", args=[class_meeting.pk])).status_code == 200
    event = only_event(kind=Kind.MINUTES)
    assert (event.action, event.object_id, event.actor) == ("download", class_meeting.pk, world.mentor)
