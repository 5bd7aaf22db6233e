"""Escalation pages: the mentor's form, the team leader's triage list and actions (htmx and plain), the detail page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from mentoring.models import AgendaItem, Category, DepartmentMeeting, Escalation
from mentoring.selectors.escalations import escalations_for_triage
from mentoring.selectors.evidence import student_evidence
from mentoring.services.escalations import escalation_accept
from reviews.models import Entry, Light
from tests.factories import StudentFactory


@pytest.fixture
def english(world):
    """Our users read English, so the assertions do not depend on the Dutch catalogue being compiled."""
    for user in world.users().values():
        user.language = "en"
        user.save(update_fields=["language"])


def escalation_about(world, cycle, student, category=Category.CARE, **extra) -> Escalation:
    return Escalation.objects.create(
        cycle=cycle,
        student=student,
        department=world.department,
        category=category,
        question=extra.pop("question", f"Wat is er met {student.first_name}?"),
        evidence=student_evidence(cycle=cycle, student=student).as_snapshot(),
        raised_by=world.mentor,
        **extra,
    )


# --- the mentor's form ---------------------------------------------------------------------------------


class TestCreatePage:
    def url(self, world, cycle):
        return reverse("mentoring:escalation_create", args=[cycle.pk, world.student.pk])

    def test_the_form_shows_the_evidence_that_goes_with_it(self, client, world, a_cycle_in_speed_date, english):
        client.force_login(world.mentor)

        html = client.get(self.url(world, a_cycle_in_speed_date)).content.decode()

        assert 'name="category"' in html
        assert 'name="question"' in html
        assert "Woordjes elke dag herhalen." in html
        assert "4.8" in html
        assert "light--red" in html

    def test_posting_raises_it_and_returns_to_the_student_page(self, client, world, a_cycle_in_speed_date):
        client.force_login(world.mentor)

        response = client.post(
            self.url(world, a_cycle_in_speed_date),
            {"category": "repeating", "question": "Moet Sam doubleren?", "proposal": "Nee, bijspijkeren."},
        )

        escalation = Escalation.objects.get()
        assert (escalation.category, escalation.question, escalation.proposal) == (
            "repeating",
            "Moet Sam doubleren?",
            "Nee, bijspijkeren.",
        )
        assert escalation.evidence["counts"]["red"] == 1
        student_url = reverse("mentoring:student", args=[a_cycle_in_speed_date.pk, world.student.pk])
        assert response.status_code == 302
        assert response.url == student_url + "#escalations"

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"category": "care", "question": ""}, "question", "Write the question"),
            ({"category": "nonsense", "question": "?"}, "category", "Choose one of the categories"),
            ({"category": "promotion", "question": "Naar vwo?"}, "proposal", "needs your proposal"),
        ],
    )
    def test_bad_input_comes_back_with_a_message(
        self, client, world, a_cycle_in_speed_date, english, data, field, message
    ):
        client.force_login(world.mentor)

        response = client.post(self.url(world, a_cycle_in_speed_date), data)

        assert response.status_code == 200
        assert message in response.content.decode()
        assert field in response.context["form"].errors
        assert not Escalation.objects.exists()

    def test_every_missing_field_is_named_at_once(self, client, world, a_cycle_in_speed_date, english):
        client.force_login(world.mentor)

        response = client.post(self.url(world, a_cycle_in_speed_date), {"category": "promotion", "question": " "})

        assert set(response.context["form"].errors) == {"question", "proposal"}
        assert not Escalation.objects.exists()

    def test_a_duplicate_is_refused_and_the_open_one_shown(self, client, world, an_escalation, english):
        client.force_login(world.mentor)

        response = client.post(
            self.url(world, an_escalation.cycle),
            {"category": "promotion", "question": "Toch naar vmbo-t?", "proposal": "Ja."},
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "already been escalated" in html
        assert reverse("mentoring:escalation", args=[an_escalation.pk]) in html
        assert Escalation.objects.count() == 1


# --- the triage list -------------------------------------------------------------------------------------


class TestTriage:
    def url(self, world, cycle):
        return reverse("mentoring:escalations", args=[cycle.pk, world.department.pk])

    def test_pending_first_then_the_agenda_in_order(self, client, world, an_escalation, english):
        cycle = an_escalation.cycle
        classmate = StudentFactory(school=world.school, class_group=world.class_group, first_name="Bo")
        accepted_late = escalation_about(world, cycle, classmate, question="Bo: hulp bij plannen?")
        accepted_early = escalation_about(
            world, cycle, world.student, category=Category.OTHER, question="Sam: te laat"
        )
        escalation_accept(escalation=accepted_early, actor=world.team_leader)
        escalation_accept(escalation=accepted_late, actor=world.team_leader)
        returned = escalation_about(
            world,
            cycle,
            classmate,
            category=Category.OTHER,
            question="Bo: rapport?",
            status="returned",
            response="Ja.",
        )

        triage = escalations_for_triage(cycle=cycle, department=world.department)

        order = [row.escalation.pk for group in triage.groups for row in group.rows]
        assert order == [an_escalation.pk, accepted_early.pk, accepted_late.pk, returned.pk]
        assert [row.position for row in triage.groups[1].rows] == [1, 2]
        [pending_row] = triage.groups[0].rows
        assert pending_row.candidates == [accepted_early]  # the other open one about the same student
        assert pending_row.summary == {"red": 1, "orange": 0, "green": 0, "trend": "worse"}

        client.force_login(world.team_leader)
        html = client.get(self.url(world, cycle)).content.decode()
        assert html.index("Kan Sam beter naar vmbo-t?") < html.index("Sam: te laat") < html.index("Bo: rapport?")
        assert "item 1 on the agenda, 10 min" in html
        assert 'name="into"' in html

    def test_readers_see_no_actions(self, client, world, an_escalation, english):
        client.force_login(world.admin)

        html = client.get(self.url(world, an_escalation.cycle)).content.decode()

        assert "Kan Sam beter naar vmbo-t?" in html
        assert "Put on the agenda" not in html
        assert reverse("mentoring:escalation_accept", args=[an_escalation.pk]) not in html

    def test_an_empty_list_says_so(self, client, world, a_cycle_in_speed_date, english):
        client.force_login(world.team_leader)

        html = client.get(self.url(world, a_cycle_in_speed_date)).content.decode()

        assert "No escalations yet" in html

    def test_query_count_does_not_grow_with_escalations(
        self, client, world, a_cycle_in_speed_date, django_assert_num_queries
    ):
        cycle = a_cycle_in_speed_date
        client.force_login(world.team_leader)
        client.get(self.url(world, cycle))  # session and roles warmed up like any later request

        def add(count: int) -> None:
            for _ in range(count):
                student = StudentFactory(school=world.school, class_group=world.class_group)
                first = escalation_about(world, cycle, student)
                escalation_about(world, cycle, student, category=Category.OTHER)
                escalation_accept(escalation=first, actor=world.team_leader)

        add(2)
        with django_assert_num_queries(QUERIES_TRIAGE):
            assert client.get(self.url(world, cycle)).status_code == 200
        add(6)
        with django_assert_num_queries(QUERIES_TRIAGE):
            assert client.get(self.url(world, cycle)).status_code == 200


# User, roles (2) (the session is cached), cycle, department, the cycle has it, escalations, meeting, the school.
QUERIES_TRIAGE = 10  # with the audit event of the read


# --- the team leader's actions ---------------------------------------------------------------------------


class TestActions:
    def test_accept_through_htmx_returns_the_card(self, client, world, an_escalation, english):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("mentoring:escalation_accept", args=[an_escalation.pk]),
            {"timebox_minutes": "15"},
            headers={"HX-Request": "true"},
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith("<article")
        assert f'id="escalation-{an_escalation.pk}"' in html
        assert "item 1 on the agenda, 15 min" in html
        assert 'hx-swap-oob="beforeend"' in html
        assert "is on the agenda of the department meeting" in html
        assert "<html" not in html
        assert AgendaItem.objects.get().timebox_minutes == 15

    def test_accept_as_a_plain_form_goes_back_to_the_list(self, client, world, an_escalation):
        client.force_login(world.team_leader)

        response = client.post(reverse("mentoring:escalation_accept", args=[an_escalation.pk]), {})

        triage = reverse("mentoring:escalations", args=[an_escalation.cycle.pk, world.department.pk])
        assert response.status_code == 302
        assert response.url == f"{triage}#escalation-{an_escalation.pk}"
        assert AgendaItem.objects.get().timebox_minutes == 10  # the default

    def test_a_double_accept_tells_why_and_keeps_one_item(self, client, world, an_escalation, english):
        client.force_login(world.team_leader)
        url = reverse("mentoring:escalation_accept", args=[an_escalation.pk])
        client.post(url, {"timebox_minutes": "10"}, headers={"HX-Request": "true"})

        response = client.post(url, {"timebox_minutes": "10"}, headers={"HX-Request": "true"})

        html = response.content.decode()
        assert response.status_code == 200
        assert "already on the agenda" in html
        assert AgendaItem.objects.count() == 1

    def test_a_bad_timebox_is_refused_with_a_message(self, client, world, an_escalation, english):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("mentoring:escalation_accept", args=[an_escalation.pk]), {"timebox_minutes": "500"}, follow=True
        )

        assert "120" in response.content.decode()
        assert not AgendaItem.objects.exists()

    def test_return_needs_an_answer(self, client, world, an_escalation, english):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("mentoring:escalation_return", args=[an_escalation.pk]),
            {"response": ""},
            headers={"HX-Request": "true"},
        )

        assert "Write your answer to the mentor." in response.content.decode()
        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.PENDING

    def test_return_with_an_answer(self, client, world, an_escalation, english):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("mentoring:escalation_return", args=[an_escalation.pk]),
            {"response": "Eerst een gesprek met ouders."},
            headers={"HX-Request": "true"},
        )

        html = response.content.decode()
        assert "Eerst een gesprek met ouders." in html
        assert "Put on the agenda" not in html  # nothing left to do
        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.RETURNED

    def test_merge_from_the_detail_page_returns_there(self, client, world, an_escalation):
        duplicate = escalation_about(world, an_escalation.cycle, world.student)
        client.force_login(world.team_leader)
        detail = reverse("mentoring:escalation", args=[duplicate.pk])

        response = client.post(
            reverse("mentoring:escalation_merge", args=[duplicate.pk]), {"into": an_escalation.pk, "next": detail}
        )

        assert response.status_code == 302
        assert response.url == detail
        duplicate.refresh_from_db()
        assert duplicate.merged_into == an_escalation

    def test_merge_into_another_student_is_refused(self, client, world, an_escalation, english):
        classmate = StudentFactory(school=world.school, class_group=world.class_group)
        theirs = escalation_about(world, an_escalation.cycle, classmate)
        client.force_login(world.team_leader)

        response = client.post(
            reverse("mentoring:escalation_merge", args=[an_escalation.pk]), {"into": theirs.pk}, follow=True
        )

        assert "same student" in response.content.decode()
        an_escalation.refresh_from_db()
        assert an_escalation.status == Escalation.Status.PENDING

    def test_an_unsafe_next_is_ignored(self, client, world, an_escalation):
        client.force_login(world.team_leader)

        response = client.post(
            reverse("mentoring:escalation_accept", args=[an_escalation.pk]), {"next": "https://evil.example/"}
        )

        assert response.url.startswith(
            reverse("mentoring:escalations", args=[an_escalation.cycle.pk, world.department.pk])
        )


# --- one escalation's page ----------------------------------------------------------------------------------


class TestDetail:
    def test_the_evidence_snapshot_as_a_table(self, client, world, an_escalation, english):
        # The entry changes after the escalation was raised: the page keeps what it was.
        Entry.objects.filter(cycle=an_escalation.cycle).update(light=Light.GREEN, grade=Decimal("8.0"))
        client.force_login(world.mentor)

        html = client.get(reverse("mentoring:escalation", args=[an_escalation.pk])).content.decode()

        assert "Kan Sam beter naar vmbo-t?" in html
        assert "Overstappen na periode 2." in html
        assert "Woordjes elke dag herhalen." in html
        assert "4.8" in html
        assert "8.0" not in html
        assert "light--red" in html
        assert "Put on the agenda" not in html  # the mentor reads, the team leader acts

    def test_the_team_leader_gets_the_actions_and_a_link_to_the_meeting(self, client, world, an_escalation, english):
        escalation_about(world, an_escalation.cycle, world.student)
        client.force_login(world.team_leader)
        url = reverse("mentoring:escalation", args=[an_escalation.pk])

        html = client.get(url).content.decode()

        assert "Put on the agenda" in html
        assert 'name="into"' in html
        assert f'name="next" value="{url}"' in html
        assert "hx-post" not in html  # plain forms on this page

        client.post(reverse("mentoring:escalation_accept", args=[an_escalation.pk]), {"timebox_minutes": 10})
        html = client.get(url).content.decode()
        assert "item 1 on the agenda, 10 min" in html
        assert reverse("mentoring:escalations", args=[an_escalation.cycle.pk, world.department.pk]) in html

    def test_a_merged_one_points_at_its_target(self, client, world, an_escalation, english):
        duplicate = escalation_about(
            world, an_escalation.cycle, world.student, status="merged", merged_into=an_escalation
        )
        client.force_login(world.mentor)

        html = client.get(reverse("mentoring:escalation", args=[duplicate.pk])).content.decode()
        target_html = client.get(reverse("mentoring:escalation", args=[an_escalation.pk])).content.decode()

        assert reverse("mentoring:escalation", args=[an_escalation.pk]) in html
        assert reverse("mentoring:escalation", args=[duplicate.pk]) in target_html


# --- the mentor's own list ------------------------------------------------------------------------------------


def test_the_mentor_sees_status_and_answer_of_their_escalations(client, world, an_escalation, english):
    Escalation.objects.filter(pk=an_escalation.pk).update(status="returned", response="Eerst bijles proberen.")
    escalation_about(world, an_escalation.cycle, world.other_student)  # not their mentee
    client.force_login(world.mentor)

    response = client.get(reverse("mentoring:escalations_mine", args=[an_escalation.cycle.pk]))

    html = response.content.decode()
    assert "Eerst bijles proberen." in html
    assert len(response.context["escalations"]) == 1


def test_the_meeting_is_made_on_first_accept(world, an_escalation):
    escalation_accept(escalation=an_escalation, actor=world.team_leader)

    meeting = DepartmentMeeting.objects.get()
    assert meeting.status == DepartmentMeeting.Status.PLANNED


def test_the_triage_list_shows_a_finished_meeting(client, world, an_escalation, english):
    DepartmentMeeting.objects.create(
        cycle=an_escalation.cycle,
        department=world.department,
        status=DepartmentMeeting.Status.FINISHED,
        finished_at=datetime.datetime(2026, 12, 1, 16, tzinfo=datetime.UTC),
    )
    client.force_login(world.team_leader)

    html = client.get(reverse("mentoring:escalations", args=[an_escalation.cycle.pk, world.department.pk])).content
    assert b"has finished" in html
