"""One student's agreements in one timeline: department meetings, mentor talks and open class meetings.

Who reads it: the student, their guardians (as on the portal), the staff who follow the student
and their personal coach; everyone else 404. The student and guardians read a round's
department-meeting and talk agreements once the round is published; class-meeting ones always.
A fixed number of queries however many agreements there are.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from classmeetings.models import OpenClassMeeting
from classmeetings.selectors.timeline import Source, student_timeline
from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    GuardianSharing,
    MentorTalk,
    Publication,
)
from reviews.models import Phase
from tests.rounds import this_round

from .conftest import AMSTERDAM


def a_class_meeting_agreement(world, *, days_ago: int, text: str = "Elke week plannen") -> Agreement:
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    meeting = OpenClassMeeting.objects.create(
        school=world.school,
        class_group=world.class_group,
        starts_at=starts,
        status="closed",
        agreements_checked_at=starts,
        started_at=starts,
        closed_at=starts,
    )
    item = meeting.items.create(
        student=world.student, position=1, planned_minutes=5, status="closed", opened_at=starts, closed_at=starts
    )
    return Agreement.objects.create(
        student=world.student,
        class_item=item,
        text=text,
        owner="teacher",
        owner_staff=world.teacher.staff,
        due_on=timezone.localdate() + datetime.timedelta(days=14),
    )


def a_decision_agreement(world, cycle, *, text: str = "Bijles Nederlands volgen") -> Agreement:
    meeting, _ = DepartmentMeeting.objects.get_or_create(cycle=cycle, department=world.department)
    escalation = Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.PROMOTION,
        question="Blijft Sam op havo?",
        status=Escalation.Status.DECIDED,
        raised_by=world.mentor,
    )
    item = AgendaItem.objects.create(meeting=meeting, escalation=escalation, position=meeting.items.count() + 1)
    decision = Decision.objects.create(item=item, student=world.student, text="Ja.", decided_by=world.team_leader)
    return Agreement.objects.create(
        student=world.student,
        decision=decision,
        text=text,
        owner="mentor",
        owner_staff=world.mentor.staff,
        due_on=timezone.localdate(),
    )


def a_talk_agreement(world, cycle, *, text: str = "Elke dag woordjes leren") -> Agreement:
    talk, _ = MentorTalk.objects.get_or_create(
        cycle=cycle, student=world.student, defaults={"held_at": timezone.now() - datetime.timedelta(days=3)}
    )
    return Agreement.objects.create(
        student=world.student, talk=talk, text=text, owner="student", due_on=timezone.localdate()
    )


@pytest.fixture
def a_round(world):
    """This round, in its mentor-talk phase, not (yet) published to world.student's department."""
    return this_round(world, phase=Phase.MENTOR_TALKS, departments=[world.department, world.other_department])


@pytest.fixture
def every_source(world, a_round) -> dict[str, Agreement]:
    return {
        Source.CLASS_MEETING: a_class_meeting_agreement(world, days_ago=1),
        Source.DEPARTMENT_MEETING: a_decision_agreement(world, a_round),
        Source.MENTOR_TALK: a_talk_agreement(world, a_round),
    }


TALK_PAGE_QUERIES = 10  # the talk page as mentoring measures it (with the audit event), whatever the agreements


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def publish(world, cycle) -> None:
    Publication.objects.create(cycle=cycle, department=world.department, published_by=world.team_leader)


def url(student) -> str:
    return reverse("classmeetings:timeline", args=[student.pk])


def shown(html: str) -> dict[int, str]:
    return {
        int(pk): source for pk, source in re.findall(r'data-timeline-agreement="(\d+)" data-source="([a-z_]+)"', html)
    }


class TestAccess:
    def test_anonymous_goes_to_login(self, client, world):
        response = client.get(url(world.student))
        assert response.status_code == 302
        assert reverse("login") in response.url

    @pytest.mark.parametrize(
        "who", ["outsider", "other_student_user", "other_mentor", "other_team_leader", "teacher", "other_guardian"]
    )
    def test_who_does_not_follow_the_student_gets_404(self, client, world, every_source, who):
        client.force_login(getattr(world, who))
        assert client.get(url(world.student)).status_code == 404

    def test_a_missing_student_is_404(self, client, world):
        client.force_login(world.admin)
        assert client.get(reverse("classmeetings:timeline", args=[999999])).status_code == 404

    @pytest.mark.parametrize("who", ["student_user", "guardian", "mentor", "team_leader", "admin", "care_coordinator"])
    def test_the_student_guardians_and_the_staff_who_follow_get_in(self, client, world, every_source, who):
        client.force_login(getattr(world, who))
        response = client.get(url(world.student))
        assert response.status_code == 200
        assert every_source[Source.CLASS_MEETING].pk in shown(response.content.decode())

    def test_the_personal_coach_gets_in_until_the_student_stops(self, client, world, every_source, coach):
        client.force_login(coach)
        assert set(shown(client.get(url(world.student)).content.decode())) == {a.pk for a in every_source.values()}
        world.student.coaches.update(ended_at=timezone.now())
        assert client.get(url(world.student)).status_code == 404

    def test_a_guardian_of_an_adult_who_does_not_share_gets_404(self, client, world, every_source):
        world.student.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 19)
        world.student.save(update_fields=["date_of_birth"])
        client.force_login(world.guardian)
        assert client.get(url(world.student)).status_code == 404
        GuardianSharing.objects.create(student=world.student, guardians_may_see=True)
        assert client.get(url(world.student)).status_code == 200


class TestWhatEachReads:
    def test_staff_read_every_source(self, client, world, every_source):
        client.force_login(world.mentor)
        html = client.get(url(world.student)).content.decode()
        assert shown(html) == {agreement.pk: source for source, agreement in every_source.items()}
        summary = reverse("classmeetings:summary", args=[every_source[Source.CLASS_MEETING].class_item_id])
        assert summary in html  # a class meeting's agreement links to that item's summary
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=", html)

    @pytest.mark.parametrize("who", ["student_user", "guardian"])
    def test_the_portal_reads_a_rounds_agreements_once_it_is_published(
        self, client, world, a_round, every_source, who
    ):
        client.force_login(getattr(world, who))
        assert set(shown(client.get(url(world.student)).content.decode())) == {every_source[Source.CLASS_MEETING].pk}
        publish(world, a_round)
        assert set(shown(client.get(url(world.student)).content.decode())) == {a.pk for a in every_source.values()}

    def test_another_students_agreements_are_not_in_it(self, client, world, classmate, every_source):
        Agreement.objects.create(
            student=classmate,
            class_item=every_source[Source.CLASS_MEETING].class_item.meeting.items.create(
                student=classmate, position=2, planned_minutes=5
            ),
            text="Van een ander",
            owner="student",
            due_on=timezone.localdate(),
        )
        client.force_login(world.mentor)
        assert "Van een ander" not in client.get(url(world.student)).content.decode()

    def test_each_source_is_named_in_words(self, client, world, a_round, every_source):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(world.mentor)
        html = client.get(url(world.student)).content.decode()
        assert "Open class meeting 4H1, " in html
        assert f"Department meeting {world.department.name}, {a_round.name}" in html
        assert f"Mentor talk, {a_round.name}" in html
        assert "Teacher (" in html or "teacher (" in html  # the owner with their name

    def test_newest_first_grouped_by_period_or_month(self, world, a_round):
        older = a_class_meeting_agreement(world, days_ago=70, text="Ouder")
        newer = a_class_meeting_agreement(world, days_ago=2, text="Nieuwer")
        talk = a_talk_agreement(world, a_round)
        timeline = student_timeline(student=world.student, everything=True)
        order = [entry.agreement.pk for group in timeline.groups for entry in group.entries]
        assert order.index(newer.pk) < order.index(older.pk)
        assert talk.pk in order
        labels = [group.label for group in timeline.groups]
        assert any(a_round.period.name in label for label in labels)  # the talk is grouped by its round's period
        assert len(labels) == len(set(labels))
        assert timeline.count == 3
        assert timeline.open_count == 3


class TestMyTimeline:
    def test_anonymous_goes_to_login(self, client, db):
        response = client.get(reverse("classmeetings:my_timeline"))
        assert response.status_code == 302
        assert reverse("login") in response.url

    def test_a_student_goes_to_their_own(self, client, world):
        client.force_login(world.student_user)
        response = client.get(reverse("classmeetings:my_timeline"))
        assert response.status_code == 302
        assert response.url == url(world.student)
        assert client.get(response.url).status_code == 200

    @pytest.mark.parametrize("who", ["mentor", "guardian", "admin"])
    def test_it_is_a_students_own_page(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get(reverse("classmeetings:my_timeline")).status_code == 404


class TestLinks:
    def test_the_portal_links_the_student_and_the_guardian_to_it(self, client, world, a_round):
        publish(world, a_round)
        client.force_login(world.student_user)
        html = client.get(reverse("mentoring:portal")).content.decode()
        assert reverse("classmeetings:my_timeline") in html
        assert reverse("classmeetings:coach") in html
        client.force_login(world.guardian)
        assert url(world.student) in client.get(reverse("mentoring:portal")).content.decode()

    def test_the_staff_student_page_links_to_it(self, client, world, a_round):
        client.force_login(world.mentor)
        html = client.get(reverse("mentoring:student", args=[a_round.pk, world.student.pk])).content.decode()
        assert f'data-timeline-link="{world.student.pk}"' in html


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize("who", ["mentor", "student_user"])
def test_the_timeline_costs_the_same_for_any_number_of_agreements(
    client, world, a_round, django_assert_num_queries, size, who
):
    publish(world, a_round)
    for number in range(size):
        a_class_meeting_agreement(world, days_ago=number * 20 + 1, text=f"Klas {number}")
        a_decision_agreement(world, a_round, text=f"Besluit {number}")
    a_talk_agreement(world, a_round)
    client.force_login(getattr(world, who))
    client.get(url(world.student))  # warm the session
    # The mentor's read also writes its audit event; the student's own read does not.
    with django_assert_num_queries(8 if who == "mentor" else 5):
        response = client.get(url(world.student))
    assert response.status_code == 200
    assert len(shown(response.content.decode())) == 2 * size + 1


def test_a_meeting_time_in_the_schools_zone_is_its_date(world):
    """The class meeting's date names the source, in the school's time zone."""
    agreement = a_class_meeting_agreement(world, days_ago=0)
    meeting = agreement.class_item.meeting
    OpenClassMeeting.objects.filter(pk=meeting.pk).update(
        starts_at=datetime.datetime(2026, 11, 12, 9, 0, tzinfo=AMSTERDAM)
    )
    (group,) = student_timeline(student=world.student, everything=True).groups
    assert "12" in group.entries[0].source_label


class TestTheMentorTalkNamesAClassMeetingSource:
    def test_earlier_agreements_on_the_talk_page_say_which_class_meeting(
        self, client, world, a_round, django_assert_num_queries
    ):
        publish(world, a_round)
        talk = MentorTalk.objects.create(cycle=a_round, student=world.student)
        made = a_class_meeting_agreement(world, days_ago=10, text="KLAS-afspraak")
        client.force_login(world.mentor)
        english(client)
        html = client.get(reverse("mentoring:talk", args=[talk.pk])).content.decode()
        assert "KLAS-afspraak" in html
        assert "open class meeting 4H1, " in html
        # The row after a check names it too (the source comes along in the same query).
        response = client.post(
            reverse("mentoring:agreement_check", args=[made.pk]), {"status": "met"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert "open class meeting 4H1, " in response.content.decode()

    @pytest.mark.parametrize("size", [1, 5])
    def test_the_talk_page_costs_the_same_with_class_meeting_agreements(
        self, client, world, a_round, django_assert_num_queries, size
    ):
        publish(world, a_round)
        talk = MentorTalk.objects.create(cycle=a_round, student=world.student)
        for number in range(size):
            a_class_meeting_agreement(world, days_ago=number + 1, text=f"KLAS-{number}")
        client.force_login(world.mentor)
        client.get(reverse("mentoring:talk", args=[talk.pk]))
        with django_assert_num_queries(TALK_PAGE_QUERIES):
            html = client.get(reverse("mentoring:talk", args=[talk.pk])).content.decode()
        assert html.count("KLAS-") == size
