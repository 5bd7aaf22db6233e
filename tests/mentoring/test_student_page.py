"""The student page: lights, advice and trend this round, history over rounds, the mentor's verdict,
questions, escalations and the department meeting's decisions with their agreements."""

import datetime
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from mentoring.models import (
    AgendaItem,
    Agreement,
    Category,
    Decision,
    DepartmentMeeting,
    Escalation,
    MentorReview,
    Question,
)
from mentoring.selectors.student import student_page
from reviews.models import Entry, Light, Phase, ReviewCycle
from tests.factories import PeriodFactory, SubjectFactory, TeachingGroupFactory


@pytest.fixture
def english(world):
    for user in world.users().values():
        user.language = "en"
        user.save(update_fields=["language"])


def url_of(cycle, student) -> str:
    return reverse("mentoring:student", args=[cycle.pk, student.pk])


def reverse_or_none(name: str, args) -> str | None:
    """Links to pages other parts of the app build: checked once those parts are there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def a_decision(world, cycle, *, text="Sam blijft op havo, met bijles.", agreements=()) -> Decision:
    meeting, _ = DepartmentMeeting.objects.get_or_create(cycle=cycle, department=world.department)
    escalation = Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.PROMOTION,
        question=f"Vraag bij: {text}",
        proposal="Blijven.",
        status=Escalation.Status.DECIDED,
        raised_by=world.mentor,
    )
    item = AgendaItem.objects.create(
        meeting=meeting, escalation=escalation, position=meeting.items.count() + 1, status=AgendaItem.Status.DECIDED
    )
    decision = Decision.objects.create(
        item=item, student=world.student, text=text, rationale="De cijfers stijgen.", decided_by=world.team_leader
    )
    for agreement_text, owner, due in agreements:
        Agreement.objects.create(
            student=world.student,
            decision=decision,
            text=agreement_text,
            owner=owner,
            owner_staff=world.mentor.staff if owner == Agreement.Owner.MENTOR else None,
            due_on=due,
            created_by=world.team_leader,
        )
    return decision


class TestContent:
    def test_lights_grade_advice_and_trend(self, client, world, a_cycle_in_speed_date):
        client.force_login(world.mentor)

        response = client.get(url_of(a_cycle_in_speed_date, world.student))

        html = response.content.decode()
        page = response.context["page"]
        [line] = page.lines
        assert (line.cell.subject, line.cell.light, line.cell.trend) == ("Nederlands", "red", "worse")
        assert line.group_id == world.teaching_group.pk
        assert page.evidence.trend == "worse"
        assert "Woordjes elke dag herhalen." in html
        assert "4,8" in html  # Dutch decimals
        assert "light--red" in html
        assert world.student.full_name in html

    def test_history_over_earlier_rounds(self, client, world, a_cycle_in_speed_date, a_previous_cycle):
        client.force_login(world.team_leader)

        response = client.get(url_of(a_cycle_in_speed_date, world.student))

        history = response.context["page"].history
        assert [cycle.name for cycle in history.cycles] == ["Ronde 0", "Ronde 1"]
        [row] = history.rows
        assert row.subject == "Nederlands"
        assert [(cell.light, cell.grade) for cell in row.cells] == [("green", Decimal("7.5")), ("red", Decimal("4.8"))]
        html = response.content.decode()
        assert "7,5" in html
        assert html.index("Ronde 0") < html.index("history-table__current")

    def test_no_later_rounds_and_a_gap_where_a_subject_had_no_entry(self, world, a_cycle_in_speed_date):
        later = ReviewCycle.objects.create(
            school=world.school,
            period=PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 3"),
            name="Ronde 2",
            entry_deadline=datetime.date(2027, 3, 1),
            phase=Phase.ENTRY,
        )
        Entry.objects.create(cycle=later, teaching_group=world.teaching_group, student=world.student, light="green")
        biology = TeachingGroupFactory(
            school=world.school,
            school_year=world.class_group.school_year,
            subject=SubjectFactory(school=world.school, code="bi", name="Biologie"),
            name="4H-bi1",
            students=[world.student],
        )
        Entry.objects.create(
            cycle=a_cycle_in_speed_date, teaching_group=biology, student=world.student, light=Light.ORANGE
        )

        history = student_page(cycle=a_cycle_in_speed_date, student=world.student).history

        assert [cycle.name for cycle in history.cycles] == ["Ronde 0", "Ronde 1"]
        biology_row = next(row for row in history.rows if row.subject == "Biologie")
        assert biology_row.cells[0] is None
        assert biology_row.cells[1].light == "orange"

    def test_decisions_with_their_agreements(self, client, world, a_cycle_in_speed_date, english):
        a_decision(
            world,
            a_cycle_in_speed_date,
            agreements=[
                ("Elke week woordjes overhoren.", Agreement.Owner.MENTOR, datetime.date(2026, 12, 18)),
                ("Bijles Nederlands zoeken.", Agreement.Owner.GUARDIAN, datetime.date(2027, 1, 15)),
            ],
        )
        client.force_login(world.mentor)

        html = client.get(url_of(a_cycle_in_speed_date, world.student)).content.decode()

        assert "Sam blijft op havo, met bijles." in html
        assert "De cijfers stijgen." in html
        assert "Elke week woordjes overhoren." in html
        assert "Bijles Nederlands zoeken." in html
        assert world.mentor.get_full_name() in html  # the owner by name
        assert "parent / guardian" in html
        assert 'datetime="2026-12-18"' in html
        assert html.index("Elke week woordjes overhoren.") < html.index("Bijles Nederlands zoeken.")

    def test_questions_and_escalations(self, client, world, an_escalation, english):
        Escalation.objects.filter(pk=an_escalation.pk).update(status="returned", response="Eerst bijles proberen.")
        question = Question.objects.create(
            cycle=an_escalation.cycle,
            student=world.student,
            teaching_group=world.teaching_group,
            addressed_to=world.teacher.staff,
            asked_by=world.mentor,
            text="Maakt Sam zijn huiswerk?",
            status=Question.Status.ANSWERED,
            answer="Meestal niet.",
        )
        client.force_login(world.mentor)

        response = client.get(url_of(an_escalation.cycle, world.student))

        html = response.content.decode()
        assert "Maakt Sam zijn huiswerk?" in html
        assert "Meestal niet." in html
        assert "Kan Sam beter naar vmbo-t?" in html
        assert "Eerst bijles proberen." in html
        assert reverse("mentoring:escalation", args=[an_escalation.pk]) in html
        assert response.context["page"].lines[0].questions == [question]
        question_url = reverse_or_none("mentoring:question", [question.pk])
        if question_url:
            assert question_url in html

    def test_the_mentor_gets_the_verdict_form_ask_links_and_the_escalate_button(
        self, client, world, a_cycle_in_speed_date
    ):
        MentorReview.objects.create(
            cycle=a_cycle_in_speed_date, student=world.student, verdict="needs_attention", note="Let op Nederlands."
        )
        client.force_login(world.mentor)
        url = url_of(a_cycle_in_speed_date, world.student)

        html = client.get(url).content.decode()

        assert "Let op Nederlands." in html
        assert reverse("mentoring:escalation_create", args=[a_cycle_in_speed_date.pk, world.student.pk]) in html
        verdict_url = reverse_or_none("mentoring:verdict", [a_cycle_in_speed_date.pk, world.student.pk])
        if verdict_url:
            assert f'action="{verdict_url}"' in html
            assert 'value="needs_attention" checked' in html
            assert f'name="next" value="{url}"' in html
        ask_url = reverse_or_none(
            "mentoring:question_ask", [a_cycle_in_speed_date.pk, world.student.pk, world.teaching_group.pk]
        )
        if ask_url:
            assert ask_url in html
        dashboard_url = reverse_or_none("mentoring:dashboard", [a_cycle_in_speed_date.pk, world.class_group.pk])
        if dashboard_url:
            assert dashboard_url in html

    @pytest.mark.parametrize("who", ["team_leader", "admin", "care_coordinator"])
    def test_readers_get_no_mentor_actions_but_the_triage_list(self, client, world, a_cycle_in_speed_date, who):
        client.force_login(getattr(world, who))

        html = client.get(url_of(a_cycle_in_speed_date, world.student)).content.decode()

        assert reverse("mentoring:escalation_create", args=[a_cycle_in_speed_date.pk, world.student.pk]) not in html
        assert 'name="verdict"' not in html
        assert reverse("mentoring:escalations", args=[a_cycle_in_speed_date.pk, world.department.pk]) in html

    def test_the_mentor_links_to_their_own_list(self, client, world, a_cycle_in_speed_date):
        client.force_login(world.mentor)

        html = client.get(url_of(a_cycle_in_speed_date, world.student)).content.decode()

        assert reverse("mentoring:escalations_mine", args=[a_cycle_in_speed_date.pk]) in html
        assert reverse("mentoring:escalations", args=[a_cycle_in_speed_date.pk, world.department.pk]) not in html

    def test_a_closed_round_is_read_only_for_the_mentor(self, client, world, a_cycle_in_speed_date):
        a_cycle_in_speed_date.phase = Phase.CLOSED
        a_cycle_in_speed_date.save()
        client.force_login(world.mentor)

        html = client.get(url_of(a_cycle_in_speed_date, world.student)).content.decode()

        assert "Woordjes elke dag herhalen." in html
        assert reverse("mentoring:escalation_create", args=[a_cycle_in_speed_date.pk, world.student.pk]) not in html
        assert 'name="verdict"' not in html


# --- a fixed number of queries, however long the student's record ---------------------------------------------


def grow(world, cycle, *, start: int, count: int) -> None:
    """More rounds, subjects, questions, escalations and decisions with agreements for world.student."""
    year = world.class_group.school_year
    for index in range(start, start + count):
        earlier = ReviewCycle.objects.create(
            school=world.school,
            period=PeriodFactory(school=world.school, school_year=year, name=f"Oud {index}"),
            name=f"Oude ronde {index}",
            entry_deadline=datetime.date(2025, 1, 1) + datetime.timedelta(days=30 * index),
            phase=Phase.CLOSED,
        )
        group = TeachingGroupFactory(
            school=world.school,
            school_year=year,
            subject=SubjectFactory(school=world.school, code=f"v{index}", name=f"Vak {index}"),
            name=f"4H-v{index}",
            teachers=[world.teacher.staff],
            students=[world.student],
        )
        for round_ in (earlier, cycle):
            Entry.objects.create(cycle=round_, teaching_group=group, student=world.student, light=Light.ORANGE)
        Question.objects.create(
            cycle=cycle,
            student=world.student,
            teaching_group=group,
            addressed_to=world.teacher.staff,
            asked_by=world.mentor,
            text=f"Vraag {index}",
        )
        a_decision(
            world,
            cycle,
            text=f"Besluit {index}",
            agreements=[
                (f"Afspraak A{index}", Agreement.Owner.MENTOR, datetime.date(2027, 1, 1)),
                (f"Afspraak B{index}", Agreement.Owner.STUDENT, datetime.date(2027, 1, 2)),
            ],
        )


# User, roles (2) (the session is cached), the school in the header; cycle, student, in the cycle; evidence (3),
# history, questions, verdict, escalations, decisions with agreements (2), light words; the audit event's insert.
# A team leader's page also asks whether they oversee the department (for the link to its triage list).
QUERIES_STUDENT_PAGE = {"mentor": 18, "team_leader": 19}


@pytest.mark.parametrize("who", ["mentor", "team_leader"])
def test_query_count_does_not_grow_with_the_record(
    client, world, a_cycle_in_speed_date, a_previous_cycle, django_assert_num_queries, who
):
    client.force_login(getattr(world, who))
    url = url_of(a_cycle_in_speed_date, world.student)
    client.get(url)

    grow(world, a_cycle_in_speed_date, start=0, count=1)
    with django_assert_num_queries(QUERIES_STUDENT_PAGE[who]):
        assert client.get(url).status_code == 200

    grow(world, a_cycle_in_speed_date, start=1, count=4)
    with django_assert_num_queries(QUERIES_STUDENT_PAGE[who]):
        response = client.get(url)

    page = response.context["page"]
    assert len(page.decisions) == 5
    assert len(page.history.cycles) == 7  # Ronde 0, five older rounds, this one
    assert len(page.lines) == 6
    assert len(page.questions) == 5
