"""More reads of pages about one student leave one audit event per page load (issue 8).

Logged: the escalation form (it shows the student's lights as evidence), one item of the department
meeting on the shared screen and an attendee's silent-vote page (one student's escalation), the mentor
talk page, a question's thread about one entry, the history of one entry, a personal coach's page of a
coached student's reflections, and one student's summary of an open class meeting (read by anyone but the
student and their guardians). Not logged: refused requests (403/404), posts that write (they have their
own events or none), htmx fragments and polls, and the group pages: the class's reflection and talk lists
(status per student, no text), the entry grid, the dashboard and the department overview.
"""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from classmeetings.models import PersonalCoach
from classmeetings.services import meeting_mode, preparation
from mentoring.models import (
    AgendaItem,
    Category,
    DepartmentMeeting,
    Escalation,
    MentorTalk,
    Publication,
    Question,
    Reflection,
)
from mentoring.selectors.evidence import student_evidence
from reviews import services as review_services
from reviews.models import Entry, Phase, ReviewCycle
from tests.audit.events import only_event
from tests.factories import StaffFactory, StudentFactory, UserFactory
from tests.rounds import last_round, this_round

Action, Kind = AuditEvent.Action, AuditEvent.Kind
ADDRESS = {"REMOTE_ADDR": "192.0.2.45", "HTTP_USER_AGENT": "TestBrowser/2.0"}
HX = {"HTTP_HX_REQUEST": "true"}
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.READ))


@pytest.fixture
def cycle(world) -> ReviewCycle:
    """This round in its speed-date phase (world.student red in Nederlands), after last round."""
    last_round(world, departments=[world.department, world.other_department])
    return this_round(world, phase=Phase.SPEED_DATE, departments=[world.department, world.other_department])


# --- the escalation form ---------------------------------------------------------------------------------------


def escalate_url(cycle, student) -> str:
    return reverse("mentoring:escalation_create", args=[cycle.pk, student.pk])


def test_opening_the_escalation_form_is_a_read_of_the_students_lights(client, world, cycle):
    client.force_login(world.mentor)
    url = escalate_url(cycle, world.student)

    assert client.get(url, **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (world.mentor, Action.READ, Kind.ESCALATION)
    assert (event.student, event.object_id, event.school, event.path) == (world.student, None, world.school, url)
    assert (event.ip_address, event.user_agent) == ("192.0.2.45", "TestBrowser/2.0")


def test_sending_the_escalation_form_writes_its_own_event_and_no_second_read(client, world, cycle):
    client.force_login(world.mentor)
    url = escalate_url(cycle, world.student)

    refused = client.post(url, {"category": "", "question": ""})
    assert refused.status_code == 200  # the form again, with its errors: the same look
    assert not AuditEvent.objects.exists()

    sent = client.post(url, {"category": Category.CARE, "question": "Heeft Sam extra hulp nodig?"})
    assert sent.status_code == 302
    event = only_event()
    assert (event.action, event.kind, event.student) == (Action.CREATE, Kind.ESCALATION, world.student)


@pytest.mark.parametrize("who", ["team_leader", "admin"])
def test_the_escalation_form_refused_with_403_leaves_no_event(client, world, cycle, who):
    client.force_login(getattr(world, who))
    assert client.get(escalate_url(cycle, world.student)).status_code == 403
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["other_mentor", "teacher", "student_user", "guardian", "outsider"])
def test_the_escalation_form_refused_with_404_leaves_no_event(client, world, cycle, who):
    client.force_login(getattr(world, who))
    assert client.get(escalate_url(cycle, world.student)).status_code == 404
    assert not AuditEvent.objects.exists()


# --- the department meeting: one item on the shared screen, an attendee's silent vote ------------------------


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
        status=Escalation.Status.ACCEPTED,
    )


@pytest.fixture
def item(world, cycle, escalation) -> AgendaItem:
    """The havo meeting, running, with world.student's escalation under discussion; the teacher attends."""
    meeting = DepartmentMeeting.objects.create(
        cycle=cycle,
        department=world.department,
        status=DepartmentMeeting.Status.RUNNING,
        starts_at=timezone.now() + datetime.timedelta(days=1),
    )
    meeting.attendees.set([world.teacher.staff, world.mentor.staff])
    return AgendaItem.objects.create(
        meeting=meeting,
        escalation=escalation,
        position=1,
        status=AgendaItem.Status.DISCUSSING,
        opened_at=timezone.now(),
    )


def item_url(item) -> str:
    return reverse("mentoring:meeting_item", args=[item.meeting_id, item.pk])


@pytest.mark.parametrize("who", ["team_leader", "admin", "teacher"])
def test_reading_an_item_of_the_department_meeting_is_a_read_of_its_escalation(client, world, item, who):
    reader = getattr(world, who)
    client.force_login(reader)

    assert client.get(item_url(item), **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (reader, Action.READ, Kind.ESCALATION)
    assert (event.object_id, event.student, event.path) == (item.escalation_id, world.student, item_url(item))


# --- the lists that show several students' escalation texts: one event per page load ----------------------


def test_the_team_leaders_triage_list_is_a_read_of_the_departments_escalations(client, world, cycle, escalation):
    client.force_login(world.team_leader)
    url = reverse("mentoring:escalations", args=[cycle.pk, world.department.pk])

    assert client.get(url, **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (world.team_leader, Action.READ, Kind.ESCALATION)
    assert (event.object_id, event.student, event.school, event.path) == (world.department.pk, None, world.school, url)


def test_the_triage_list_refused_leaves_no_event(client, world, cycle, escalation):
    client.force_login(world.mentor)

    assert client.get(reverse("mentoring:escalations", args=[cycle.pk, world.department.pk])).status_code in (403, 404)

    assert not AuditEvent.objects.exists()


def test_the_mentors_own_escalations_list_is_a_read(client, world, cycle, escalation):
    client.force_login(world.mentor)
    url = reverse("mentoring:escalations_mine", args=[cycle.pk])

    response = client.get(url, **ADDRESS)

    assert response.status_code == 200
    assert "Kan Sam beter naar vmbo-t?" in response.content.decode()
    event = only_event()
    assert (event.actor, event.action, event.kind, event.object_id) == (
        world.mentor,
        Action.READ,
        Kind.ESCALATION,
        None,
    )


def test_the_mentors_own_list_refused_leaves_no_event(client, world, cycle):
    client.force_login(world.student_user)

    assert client.get(reverse("mentoring:escalations_mine", args=[cycle.pk])).status_code in (403, 404)

    assert not AuditEvent.objects.exists()


def test_the_department_meetings_agenda_page_is_a_read_of_its_escalations(client, world, item):
    client.force_login(world.team_leader)
    url = reverse("mentoring:meeting", args=[item.meeting.cycle_id, world.department.pk])

    assert client.get(url, **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (world.team_leader, Action.READ, Kind.ESCALATION)
    assert (event.object_id, event.student, event.path) == (item.meeting_id, None, url)


def test_the_agenda_page_refused_leaves_no_event(client, world, item):
    client.force_login(world.teacher)

    assert client.get(reverse("mentoring:meeting", args=[item.meeting.cycle_id, world.department.pk])).status_code in (
        403,
        404,
    )

    assert not AuditEvent.objects.exists()


def test_the_meeting_modes_redirect_and_its_notes_are_no_reads(client, world, item):
    client.force_login(world.team_leader)
    mode = client.get(reverse("mentoring:meeting_mode", args=[item.meeting_id]))
    assert mode.status_code == 302
    assert not AuditEvent.objects.exists()

    notes = client.post(
        reverse("mentoring:meeting_item_notes", args=[item.meeting_id, item.pk]), {"notes": "Ouders bellen."}, **HX
    )
    assert notes.status_code == 200
    assert not reads()  # the save has its own event (item notes, an update)


def test_the_vote_count_poll_records_nothing(client, world, item):
    AgendaItem.objects.filter(pk=item.pk).update(status=AgendaItem.Status.VOTING)
    client.force_login(world.team_leader)
    poll = reverse("mentoring:meeting_vote_status", args=[item.meeting_id, item.pk])
    assert client.get(poll, **HX).status_code == 200
    client.force_login(world.teacher)  # an attendee's vote page, waiting for the vote to open
    AgendaItem.objects.filter(pk=item.pk).update(status=AgendaItem.Status.DISCUSSING)
    assert client.get(poll, {"waiting": "1"}, **HX).status_code == 204
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["other_team_leader", "other_mentor", "student_user", "guardian", "outsider"])
def test_a_refused_item_leaves_no_event(client, world, item, who):
    client.force_login(getattr(world, who))
    assert client.get(item_url(item)).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_missing_item_of_a_visible_meeting_leaves_no_event(client, world, item):
    client.force_login(world.team_leader)
    assert client.get(reverse("mentoring:meeting_item", args=[item.meeting_id, 999999])).status_code == 404
    assert not AuditEvent.objects.exists()


def vote_url(item) -> str:
    return reverse("mentoring:vote", args=[item.meeting_id, item.pk])


def test_an_attendees_vote_page_is_a_read_of_the_escalation_and_the_vote_itself_is_not(client, world, item):
    AgendaItem.objects.filter(pk=item.pk).update(status=AgendaItem.Status.VOTING)
    client.force_login(world.teacher)

    assert client.get(vote_url(item), **ADDRESS).status_code == 200
    event = only_event()
    assert (event.actor, event.kind, event.object_id, event.student) == (
        world.teacher,
        Kind.ESCALATION,
        item.escalation_id,
        world.student,
    )

    assert client.post(vote_url(item), {"choice": "agree"}).status_code == 302
    assert len(reads()) == 1  # casting the vote is no read of its own


def test_the_vote_page_refused_leaves_no_event(client, world, item):
    client.force_login(world.team_leader)  # sees the meeting, does not attend: 403
    assert client.get(vote_url(item)).status_code == 403
    client.force_login(world.other_mentor)
    assert client.get(vote_url(item)).status_code == 404
    assert not AuditEvent.objects.exists()


# --- the mentor talk ---------------------------------------------------------------------------------------------


@pytest.fixture
def talk(world, cycle) -> MentorTalk:
    cycle.phase = Phase.MENTOR_TALKS
    cycle.save(update_fields=["phase"])
    Publication.objects.create(cycle=cycle, department=world.department, published_by=world.team_leader)
    return MentorTalk.objects.create(cycle=cycle, student=world.student, notes="Thuis is het onrustig.")


def talk_url(talk) -> str:
    return reverse("mentoring:talk", args=[talk.pk])


@pytest.mark.parametrize("who", ["mentor", "team_leader", "admin"])
def test_reading_a_mentor_talk_is_audited(client, world, talk, who):
    reader = getattr(world, who)
    client.force_login(reader)

    assert client.get(talk_url(talk), **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (reader, Action.READ, Kind.MENTOR_TALK)
    assert (event.object_id, event.student, event.school, event.path) == (
        talk.pk,
        world.student,
        world.school,
        talk_url(talk),
    )
    assert event.ip_address == "192.0.2.45"


def test_saving_the_talks_notes_while_typing_records_no_read(client, world, talk):
    client.force_login(world.mentor)
    response = client.post(reverse("mentoring:talk_notes", args=[talk.pk]), {"notes": "Aangepast."}, **HX)
    assert response.status_code == 200
    assert not reads()


def test_the_class_talk_list_and_the_booking_page_are_no_logged_reads(client, world, talk):
    """Times, status and counts per student; no notes, no reflection text."""
    client.force_login(world.mentor)
    assert client.get(reverse("mentoring:talks", args=[talk.cycle_id, world.class_group.pk])).status_code == 200
    assert client.get(reverse("mentoring:talk_book", args=[talk.cycle_id, world.student.pk])).status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "who", ["other_mentor", "other_team_leader", "teacher", "student_user", "guardian", "outsider"]
)
def test_a_refused_talk_leaves_no_event(client, world, talk, who):
    client.force_login(getattr(world, who))
    assert client.get(talk_url(talk)).status_code == 404
    assert not AuditEvent.objects.exists()


def test_the_class_reflection_list_is_no_logged_read(client, world, talk):
    """Per student only not started / draft / submitted and a count of goals; reading one is logged."""
    reflection = Reflection.objects.create(
        cycle=talk.cycle,
        student=world.student,
        went_well="Geschiedenis.",
        status=Reflection.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    client.force_login(world.mentor)
    assert client.get(reverse("mentoring:reflections", args=[talk.cycle_id, world.class_group.pk])).status_code == 200
    assert not AuditEvent.objects.exists()
    assert client.get(reverse("mentoring:reflection_view", args=[reflection.pk])).status_code == 200
    assert only_event().kind == Kind.REFLECTION


# --- a question about one entry ------------------------------------------------------------------------------------


@pytest.fixture
def question(world, cycle) -> Question:
    return Question.objects.create(
        cycle=cycle,
        student=world.student,
        teaching_group=world.teaching_group,
        addressed_to=world.teacher.staff,
        asked_by=world.mentor,
        text="Hoe gaat het met de woordjes?",
    )


def question_url(question) -> str:
    return reverse("mentoring:question", args=[question.pk])


@pytest.mark.parametrize("who", ["mentor", "teacher", "team_leader", "admin"])
def test_reading_a_questions_thread_is_audited(client, world, question, who):
    reader = getattr(world, who)
    client.force_login(reader)

    assert client.get(question_url(question), **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (reader, Action.READ, Kind.QUESTION)
    assert (event.object_id, event.student, event.path) == (question.pk, world.student, question_url(question))


def test_answering_in_the_thread_records_no_read(client, world, question):
    client.force_login(world.teacher)
    response = client.post(
        reverse("mentoring:question_answer", args=[question.pk]), {"answer": "Het gaat beter."}, **HX
    )
    assert response.status_code == 200
    assert not reads()


def test_the_inbox_and_the_speed_date_board_are_no_logged_reads(client, world, question):
    client.force_login(world.teacher)
    assert client.get(reverse("mentoring:inbox")).status_code == 200
    assert client.get(reverse("mentoring:speed_date", args=[question.cycle_id])).status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["other_mentor", "other_teacher", "student_user", "guardian", "outsider"])
def test_a_refused_question_leaves_no_event(client, world, question, who):
    client.force_login(getattr(world, who))
    assert client.get(question_url(question)).status_code == 404
    assert not AuditEvent.objects.exists()


# --- the history of one entry -----------------------------------------------------------------------------------


@pytest.fixture
def entry_cycle(world) -> ReviewCycle:
    """A round in its entry phase: world.student red in Nederlands, then the teacher changes it to orange."""
    cycle = this_round(world, phase=Phase.ENTRY, departments=[world.department])
    review_services.entry_save(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        actor=world.teacher,
        values={"light": "orange", "advice": "Plan je huiswerk per dag."},
        version=Entry.objects.get(cycle=cycle, student=world.student).version,
    )
    return cycle


def history_url(world, cycle) -> str:
    return reverse("reviews:entry_history", args=[cycle.pk, world.teaching_group.pk, world.student.pk])


@pytest.mark.parametrize("who", ["teacher", "team_leader", "admin"])
def test_reading_an_entrys_history_is_audited(client, world, entry_cycle, who):
    reader = getattr(world, who)
    client.force_login(reader)
    url = history_url(world, entry_cycle)

    assert client.get(url, **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (reader, Action.READ, Kind.ENTRY_HISTORY)
    assert (event.student, event.object_id, event.school, event.path) == (world.student, None, world.school, url)


def test_the_entry_grid_is_a_group_overview_and_no_logged_read(client, world, entry_cycle):
    client.force_login(world.teacher)
    grid = reverse("reviews:grid", args=[entry_cycle.pk, world.teaching_group.pk])
    assert client.get(grid).status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["other_teacher", "other_team_leader", "student_user", "guardian", "outsider"])
def test_a_refused_entry_history_leaves_no_event(client, world, entry_cycle, who):
    client.force_login(getattr(world, who))
    assert client.get(history_url(world, entry_cycle)).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_student_outside_the_group_leaves_no_event(client, world, entry_cycle):
    stranger = StudentFactory(school=world.school, class_group=world.class_group)
    client.force_login(world.teacher)
    url = reverse("reviews:entry_history", args=[entry_cycle.pk, world.teaching_group.pk, stranger.pk])
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.exists()


# --- the personal coach's page of a coached student --------------------------------------------------------------


@pytest.fixture
def coach(world):
    staff = StaffFactory(school=world.school)
    PersonalCoach.objects.create(student=world.student, coach=staff)
    return staff.user


def coached_url(student) -> str:
    return reverse("classmeetings:coached_student", args=[student.pk])


def test_the_coach_reading_a_coached_students_reflections_is_audited(client, world, coach):
    client.force_login(coach)

    assert client.get(coached_url(world.student), **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (coach, Action.READ, Kind.REFLECTION)
    assert (event.student, event.object_id, event.path) == (world.student, None, coached_url(world.student))


def test_the_coachs_list_of_students_is_no_logged_read(client, world, coach):
    client.force_login(coach)
    assert client.get(reverse("classmeetings:coached")).status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["mentor", "admin", "student_user", "guardian", "outsider"])
def test_anyone_but_the_coach_is_refused_and_leaves_no_event(client, world, coach, who):
    client.force_login(getattr(world, who))
    assert client.get(coached_url(world.student)).status_code == 404
    assert not AuditEvent.objects.exists()


# --- one student's summary of an open class meeting -------------------------------------------------------------


@pytest.fixture
def summary_item(world):
    """4H1's open meeting (world.student and a classmate), running; world.student's item decided and closed."""
    StudentFactory(school=world.school, class_group=world.class_group, user=UserFactory(school=world.school))
    day = timezone.localdate() + datetime.timedelta(days=7)
    meeting = preparation.meeting_create(
        class_group=world.class_group,
        actor=world.mentor,
        starts_at=datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=AMSTERDAM),
        minutes_per_student=5,
    )
    meeting = meeting_mode.meeting_start(meeting=meeting, actor=world.mentor)
    item = meeting.items.get(student=world.student)
    meeting_mode.item_open(item=item, actor=world.mentor)
    meeting_mode.decision_record(item=item, actor=world.mentor, tips="Elke dag tien minuten.", agreements=[])
    meeting_mode.item_close(item=item, actor=world.mentor)
    return item


def summary_url(item) -> str:
    return reverse("classmeetings:summary", args=[item.pk])


def test_staff_reading_a_students_summary_is_audited(client, world, summary_item):
    client.force_login(world.mentor)

    assert client.get(summary_url(summary_item), **ADDRESS).status_code == 200

    event = only_event()
    assert (event.actor, event.action, event.kind) == (world.mentor, Action.READ, Kind.MEETING_SUMMARY)
    assert (event.object_id, event.student, event.path) == (summary_item.pk, world.student, summary_url(summary_item))


def test_the_personal_coach_reading_the_summary_is_audited(client, world, coach, summary_item):
    client.force_login(coach)
    assert client.get(summary_url(summary_item)).status_code == 200
    event = only_event()
    assert (event.actor, event.kind, event.student) == (coach, Kind.MEETING_SUMMARY, world.student)


@pytest.mark.parametrize("who", ["student_user", "guardian"])
def test_the_student_and_guardians_reading_their_own_summary_are_not_logged(client, world, summary_item, who):
    client.force_login(getattr(world, who))
    assert client.get(summary_url(summary_item)).status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["other_student_user", "other_guardian", "other_mentor", "outsider"])
def test_a_refused_summary_leaves_no_event(client, world, summary_item, who):
    client.force_login(getattr(world, who))
    assert client.get(summary_url(summary_item)).status_code == 404
    assert not AuditEvent.objects.exists()


# --- group overviews stay unlogged ------------------------------------------------------------------------------


def test_the_dashboard_and_the_department_overview_are_no_logged_reads(client, world, cycle):
    client.force_login(world.team_leader)
    assert client.get(reverse("mentoring:dashboard", args=[cycle.pk, world.class_group.pk])).status_code == 200
    overview = reverse("mentoring:department_overview", args=[cycle.pk, world.department.pk])
    assert client.get(overview).status_code == 200
    assert not AuditEvent.objects.exists()


# --- the audit log page shows and filters the new kinds ----------------------------------------------------------


def test_the_admins_audit_page_filters_on_the_new_kinds(client, world, talk, question, summary_item, login):
    client.force_login(world.mentor)
    client.get(talk_url(talk))
    client.get(question_url(question))
    client.get(summary_url(summary_item))
    client.force_login(world.teacher)
    client.get(reverse("reviews:entry_history", args=[talk.cycle_id, world.teaching_group.pk, world.student.pk]))

    login(world.admin)
    everything = client.get(reverse("audit:events")).content.decode()
    for label in ("mentor talk", "question about an entry", "class meeting summary", "entry history"):
        assert label in everything
    for kind, summary in (
        (Kind.MENTOR_TALK, "Mentor talk read"),
        (Kind.QUESTION, "Question about a student&#x27;s entry read"),
        (Kind.MEETING_SUMMARY, "Student&#x27;s summary of an open class meeting read"),
        (Kind.ENTRY_HISTORY, "Student&#x27;s entry history read"),
    ):
        response = client.get(reverse("audit:events"), {"kind": kind})
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 1
        assert summary in response.content.decode()
