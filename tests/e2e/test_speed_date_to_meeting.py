"""Issue 4's acceptance test: from the speed-date to the department meeting, in a real browser, in Dutch.

The mentor reads a red light and asks the teacher; the teacher answers from the inbox; the mentor
closes the thread and escalates; the team leader puts it on the agenda, runs meeting mode with a
silent vote and records the decision; the mentor reads the decision on the student's page.
Three people, three browser contexts, one live server: everything through the UI.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from mentoring.models import AgendaItem, Agreement, Category, Decision, DepartmentMeeting, Escalation, Question, Vote
from reviews.models import Phase, ReviewCycle
from tests.conftest import SchoolWorld, build_school_world
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.people import log_in, messages, open_page, screenshots_on_failure
from tests.rounds import last_round, this_round

pytestmark = pytest.mark.e2e

QUESTION = "Werkt Sam thuis aan de woordjes?"
ANSWER = "Nee, nauwelijks. Een woordjesplanner zou helpen."
ESCALATION_QUESTION = "Kan Sam beter naar vmbo-t, gezien de onvoldoendes?"
PROPOSAL = "Sam blijft op de havo, met een plan voor Nederlands tot periode 2."
DECISION = "Sam blijft op de havo en krijgt een plan voor Nederlands."
RATIONALE = "Alleen Nederlands is rood; in de vorige ronde was het nog groen."
AGREEMENT = "De mentor bespreekt wekelijks de woordjesplanner met Sam."


@dataclass
class FlowWorld:
    world: SchoolWorld
    cycle: ReviewCycle

    @property
    def student_url(self) -> str:
        return reverse("mentoring:student", args=[self.cycle.pk, self.world.student.pk])


@pytest.fixture
def flow_world(transactional_db) -> FlowWorld:
    """As tests/mentoring/conftest.py (a_cycle_in_speed_date), on a database the live server can see."""
    world = build_school_world()
    world.student.first_name = "Sam"
    world.student.save()

    last_round(world, departments=[world.department])
    current = this_round(world, phase=Phase.SPEED_DATE, departments=[world.department])
    return FlowWorld(world=world, cycle=current)


# --- helpers --------------------------------------------------------------------------------------------------


# --- the flow -------------------------------------------------------------------------------------------------


def test_the_mentor_asks_escalates_and_reads_the_meetings_decision(page, browser, live_server, flow_world, request):
    world, cycle = flow_world.world, flow_world.cycle
    student, name = world.student, world.student.full_name
    teacher_staff = world.teacher.staff
    mentor_page = page
    teacher_page = open_page(browser, live_server)
    leader_page = open_page(browser, live_server)

    with screenshots_on_failure(request, {"teacher": teacher_page, "team_leader": leader_page}):
        # 1. The mentor reads the class's lights and asks the teacher about the red one.
        log_in(mentor_page, world.mentor, reverse("mentoring:dashboard", args=[cycle.pk, world.class_group.pk]))
        expect(mentor_page.get_by_role("heading", level=1)).to_have_text("Stoplichten van klas 4H1")
        row = mentor_page.locator("tr", has=mentor_page.get_by_role("link", name=name, exact=True))
        red = mentor_page.get_by_role("img", name="rood", exact=True)
        expect(row.locator(red)).to_have_text("R")  # the letter, never the colour alone
        cell = row.locator(".mx-cell", has=red)
        cell.focus()  # the tip with grade, advice and the ask link shows on focus
        expect(cell).to_contain_text("Woordjes elke dag herhalen.")
        cell.get_by_role("link", name="Vraag de vakdocent").click()

        expect(mentor_page.get_by_role("heading", level=1)).to_have_text(f"Vraag over {name}")
        mentor_page.get_by_role("textbox", name="Je vraag", exact=True).fill(QUESTION)
        mentor_page.get_by_role("button", name="Vraag versturen").click()
        expect(mentor_page).to_have_url(re.compile(re.escape(flow_world.student_url) + "$"))
        expect(messages(mentor_page)).to_contain_text(f"Je vraag is naar {world.teacher.get_full_name()} gestuurd.")
        # The notice went out by e-mail (eager Celery, after the commit, in the server's request thread).
        assert [message.to for message in mail.outbox] == [[world.teacher.email]]
        assert QUESTION in mail.outbox[0].body

        # 2. The teacher finds it in the inbox and answers.
        log_in(teacher_page, world.teacher, reverse("mentoring:inbox"))
        received = teacher_page.get_by_role("region", name="Vragen aan jou")
        received.get_by_role("link", name=QUESTION).click()
        expect(teacher_page.get_by_role("heading", level=1)).to_have_text(f"Vraag over {name}")
        teacher_page.get_by_role("textbox", name="Je antwoord", exact=True).fill(ANSWER)
        teacher_page.get_by_role("button", name="Antwoord versturen").click()
        thread = teacher_page.locator("#question-thread")
        expect(thread).to_contain_text(ANSWER)
        expect(thread.locator(".badge")).to_contain_text("beantwoord")
        # Answered: no second answer box.
        expect(teacher_page.get_by_role("textbox", name="Je antwoord")).to_have_count(0)

        # 3. The mentor reads the answer on the student's page, closes the thread, and escalates.
        mentor_page.goto(flow_world.student_url)
        questions = mentor_page.get_by_role("region", name="Vragen aan vakdocenten")
        expect(questions).to_contain_text(ANSWER)
        questions.get_by_role("link", name=QUESTION).click()
        mentor_page.get_by_role("button", name="Afsluiten: het antwoord is duidelijk").click()
        expect(messages(mentor_page)).to_contain_text("De vraag is afgesloten.")
        expect(mentor_page.locator("#question-thread .badge")).to_contain_text("afgesloten")

        mentor_page.goto(flow_world.student_url)
        mentor_page.get_by_role("link", name="Voorleggen aan de teamleider").first.click()
        mentor_page.get_by_role("radio", name="bevordering / niveauwissel").check()
        mentor_page.get_by_role("textbox", name="Je vraag aan de teamleider").fill(ESCALATION_QUESTION)
        mentor_page.get_by_role("textbox", name="Je voorstel").fill(PROPOSAL)
        mentor_page.get_by_role("button", name="Voorleggen aan de teamleider").click()
        expect(mentor_page).to_have_url(re.compile(re.escape(flow_world.student_url) + "#escalations$"))
        escalations = mentor_page.get_by_role("region", name="Bespreekpunten")
        escalation_card = escalations.get_by_role("listitem").filter(has_text=ESCALATION_QUESTION)
        expect(escalation_card).to_contain_text("wacht op de teamleider")

        # 4. The team leader puts it on the agenda and runs the meeting.
        log_in(leader_page, world.team_leader, reverse("mentoring:escalations", args=[cycle.pk, world.department.pk]))
        card = leader_page.get_by_role("article", name=re.compile(re.escape(name)))
        expect(card).to_contain_text(ESCALATION_QUESTION)
        expect(card).to_contain_text("wacht op de teamleider")
        card.get_by_role("button", name="Op de agenda zetten").click()
        expect(messages(leader_page)).to_contain_text(f"{name} staat op de agenda van de bouwvergadering.")
        expect(card).to_contain_text("punt 1 op de agenda, 10 min")
        expect(card.get_by_role("button", name="Op de agenda zetten")).to_have_count(0)

        leader_page.get_by_role("link", name="Bouwvergadering en agenda").click()
        agenda = leader_page.get_by_role("region", name="Agenda")
        expect(agenda.get_by_role("row", name=re.compile(re.escape(name)))).to_contain_text(ESCALATION_QUESTION)
        present = leader_page.get_by_label(
            re.compile(rf"^{re.escape(world.teacher.get_full_name())}\s*\({re.escape(teacher_staff.code)}\)")
        )
        present.check()
        leader_page.get_by_role("button", name="Aanwezigheid opslaan").click()
        expect(messages(leader_page)).to_contain_text("De aanwezigheid is opgeslagen: 1 aanwezig.")
        expect(present).to_be_checked()

        leader_page.get_by_role("button", name="Vergadering starten").click()  # → meeting mode, the first item
        expect(leader_page).to_have_url(re.compile(r"/meetings/\d+/items/\d+/$"))
        expect(leader_page.get_by_role("heading", level=1)).to_contain_text(name)
        item_status = leader_page.locator("[data-item-status]")
        leader_page.get_by_role("button", name="Bespreekpunt openen").click()
        expect(item_status).to_have_text("in bespreking")

        # The silent vote: the teacher votes on their own device; the team leader sees only the count.
        vote_section = leader_page.get_by_role("region", name="Stille stemming")
        vote_section.get_by_role("button", name="Stille stemming starten").click()
        expect(item_status).to_have_text("stille stemming")
        vote_url = vote_section.get_by_role("link").get_attribute("href")
        assert vote_url == reverse(
            "mentoring:vote", args=[DepartmentMeeting.objects.get().pk, AgendaItem.objects.get().pk]
        )
        expect(vote_section).to_contain_text("0 van de 1 aanwezigen hebben gestemd")

        teacher_page.goto(vote_url)
        expect(teacher_page.get_by_role("heading", level=1)).to_have_text(f"Stille stemming: {name}")
        teacher_page.get_by_role("group", name="Jouw stem").get_by_role("button", name="eens met het voorstel").click()
        expect(messages(teacher_page)).to_contain_text("Je stem is ontvangen.")

        # The count is polled every 3 seconds.
        expect(vote_section).to_contain_text("1 van de 1 aanwezigen hebben gestemd", timeout=TIMEOUT_MS)
        expect(vote_section).not_to_contain_text("eens met het voorstel")  # nobody sees a vote before the reveal
        vote_section.get_by_role("button", name="Stemmen onthullen").click()
        expect(messages(leader_page)).to_contain_text("De stemmen zijn onthuld.")
        expect(item_status).to_have_text("in bespreking")
        expect(leader_page.locator("[data-tally=agree]")).to_have_text("1")
        expect(vote_section).to_contain_text(f"{world.teacher.get_full_name()}: eens met het voorstel")

        # The decision, with its rationale (high stakes) and one agreement.
        decision = leader_page.get_by_role("region", name="Besluit", exact=True)
        decision.get_by_role("textbox", name="Besluit", exact=True).fill(DECISION)
        decision.get_by_role("textbox", name="Onderbouwing", exact=True).fill(RATIONALE)
        first_agreement = decision.get_by_role("group", name="Afspraak 1", exact=True)
        first_agreement.get_by_role("textbox", name="Afspraak", exact=True).fill(AGREEMENT)
        first_agreement.get_by_role("combobox", name="Eigenaar", exact=True).select_option(label="mentor")
        owner_staff = first_agreement.get_by_role("combobox", name="Medewerker (optioneel)")
        owner_staff.select_option(label=world.mentor.get_full_name())
        due_on = timezone.localdate() + datetime.timedelta(days=28)
        first_agreement.get_by_label("Deadline").fill(due_on.isoformat())
        decision.get_by_role("button", name="Besluit vastleggen en bespreekpunt sluiten").click()

        expect(messages(leader_page)).to_contain_text(f"Het besluit over {name} is vastgelegd")
        expect(leader_page.get_by_text("Elk bespreekpunt heeft een besluit.")).to_be_visible()
        decided = leader_page.get_by_role("region", name="Besluiten").get_by_role("listitem").filter(has_text=name)
        expect(decided).to_contain_text(DECISION)
        decided.get_by_role("link", name=name).click()
        expect(item_status).to_have_text("besloten")
        expect(leader_page.locator(".decision")).to_contain_text(DECISION)
        expect(leader_page.locator(".decision")).to_contain_text(AGREEMENT)

        # 5. The mentor reads the decision and the agreement on the student's page.
        mentor_page.goto(flow_world.student_url)
        decisions = mentor_page.get_by_role("region", name="Besluiten")
        expect(decisions).to_contain_text(DECISION)
        expect(decisions).to_contain_text(RATIONALE)
        agreement_row = decisions.get_by_role("row", name=re.compile(re.escape(AGREEMENT)))
        expect(agreement_row).to_contain_text(f"mentor ({world.mentor.get_full_name()})")
        expect(agreement_row.locator("time")).to_have_attribute("datetime", due_on.isoformat())
        expect(escalation_card).to_contain_text("besloten")

    # And underneath: what was decided, on which evidence, and every thread closed.
    recorded = Decision.objects.get()
    assert (recorded.student, recorded.text, recorded.rationale) == (student, DECISION, RATIONALE)
    assert recorded.decided_by == world.team_leader
    assert recorded.evidence["counts"]["red"] == 1
    assert [(subject["subject"], subject["light"]) for subject in recorded.evidence["subjects"]] == [
        ("Nederlands", "red")
    ]
    assert recorded.votes["agree"] == 1
    assert Vote.objects.get().voter == teacher_staff
    agreement = Agreement.objects.get()
    assert (agreement.decision, agreement.owner, agreement.owner_staff, agreement.due_on) == (
        recorded,
        Agreement.Owner.MENTOR,
        world.mentor.staff,
        due_on,
    )
    escalation = Escalation.objects.get()
    assert (escalation.status, escalation.category) == (Escalation.Status.DECIDED, Category.PROMOTION)
    assert escalation.evidence["subjects"][0]["light"] == "red"
    question = Question.objects.get()
    assert (question.status, question.answer, question.addressed_to) == (Question.Status.CLOSED, ANSWER, teacher_staff)
    # The mentor was told about the decision by e-mail too.
    assert [world.mentor.email] in [message.to for message in mail.outbox]
