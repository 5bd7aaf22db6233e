"""Issue 5's acceptance test: from the student's voice to the mentor's prep sheets, in a real browser, in Dutch.

The team leader publishes the round's feedback; the mentor offers times for the talks; the student
reads their red light and advice, writes a reflection and two goals (the draft saves itself) and
submits; the guardian reads the goals and books a time; the mentor makes the class's prep sheets,
waits for the batch and downloads the merged PDF, which holds the student's goal.
Four people, four browser contexts, one live server: everything through the UI.

The accessible names come from the msgids through the Dutch catalogue (`nl`), as the server
renders them: the test reads what a Dutch user reads, whatever the catalogue holds today.
"""

import datetime
import io
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from mentoring.models import Goal, MentorTalk, PrepSheetJob, Publication, Reflection, TalkSlot
from reviews.models import Phase, ReviewCycle
from tests.conftest import SchoolWorld, build_school_world
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.people import log_in, messages, open_page, screenshots_on_failure
from tests.rounds import last_round, this_round

pytestmark = pytest.mark.e2e

ADVICE = "Woordjes elke dag herhalen."
WENT_WELL = "Geschiedenis ging goed: ik maakte samenvattingen."
WENT_LESS_WELL = "Nederlands: ik heb de woordjes niet geleerd."
HELP_NEEDED = "Een planner voor de woordjes."
GOALS = [
    ("Een voldoende voor Nederlands", "Elke dag tien minuten woordjes leren", "De volgende toets is een 6 of hoger"),
    ("Mijn huiswerk op tijd af", "Elke maandag mijn week plannen", "De mentor ziet het in mijn planner"),
]
LOCATION = "Lokaal 1.04"
BATCH_TIMEOUT_MS = 60_000  # the batch renders WeasyPrint PDFs: more than a click's budget


def nl(msgid: str, context: str | None = None, **values) -> str:
    """A msgid as the Dutch UI renders it (the same catalogue as the live server in this process)."""
    with translation.override("nl"):
        text = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    return text % values if values else text


@dataclass
class FlowWorld:
    world: SchoolWorld
    cycle: ReviewCycle


@pytest.fixture
def flow_world(transactional_db) -> FlowWorld:
    """A round in its mentor-talk phase, not yet published: Sam is red in Nederlands (green last round)."""
    world = build_school_world()
    world.student.first_name = "Sam"
    world.student.save()

    last_round(world, departments=[world.department])
    current = this_round(world, phase=Phase.MENTOR_TALKS, departments=[world.department], advice=ADVICE)
    return FlowWorld(world=world, cycle=current)


# --- helpers (as in test_speed_date_to_meeting.py) ----------------------------------------------------------


def heading(page: Page):
    return page.get_by_role("heading", level=1)


# --- the flow -------------------------------------------------------------------------------------------------


def test_the_student_reflects_the_guardian_books_and_the_mentor_downloads_the_prep_sheets(
    page, browser, live_server, flow_world, request
):
    world, cycle = flow_world.world, flow_world.cycle
    student, name = world.student, world.student.full_name
    mentor_name = world.mentor.get_full_name()
    mentor_page = page
    leader_page = open_page(browser, live_server)
    student_page = open_page(browser, live_server)
    guardian_page = open_page(browser, live_server)
    talk_day = timezone.localdate() + datetime.timedelta(days=14)
    with translation.override("nl"):
        talk_day_text = date_format(talk_day, "l j F")

    pages = {"team_leader": leader_page, "student": student_page, "guardian": guardian_page}
    with screenshots_on_failure(request, pages):
        # 0. Before publishing the student sees nothing of the round.
        portal_url = reverse("mentoring:portal")
        log_in(student_page, world.student_user, portal_url)
        expect(student_page.get_by_text(nl("Nothing published yet"))).to_be_visible()
        expect(student_page.get_by_role("link", name=cycle.name, exact=True)).to_have_count(0)

        # 1. The team leader publishes the round's feedback to the havo department.
        log_in(leader_page, world.team_leader, reverse("mentoring:publish", args=[cycle.pk, world.department.pk]))
        publish = nl("Publish feedback to students and guardians")
        expect(heading(leader_page)).to_have_text(publish)
        leader_page.get_by_role("button", name=publish).click()
        expect(messages(leader_page)).to_contain_text(
            nl(
                "The feedback of %(cycle)s is published to the students and guardians of %(department)s.",
                cycle=cycle.name,
                department=world.department.name,
            )
        )

        # 2. The mentor offers two times for the talks.
        talks_url = reverse("mentoring:talks", args=[cycle.pk, world.class_group.pk])
        log_in(mentor_page, world.mentor, talks_url)
        expect(heading(mentor_page)).to_have_text(nl("Mentor talks of class %(name)s", name=world.class_group.name))
        offer = mentor_page.get_by_role("region", name=nl("Offer times"), exact=True)
        offer.get_by_label(re.compile("^" + re.escape(nl("Date")))).fill(talk_day.isoformat())
        offer.get_by_label(nl("First talk starts at")).fill("16:00")
        offer.get_by_label(nl("Minutes per talk")).fill("15")
        offer.get_by_label(nl("Number of talks")).fill("2")
        offer.get_by_label(nl("Location (optional)")).fill(LOCATION)
        offer.get_by_role("button", name=nl("Add these times")).click()
        with translation.override("nl"):
            added = translation.ngettext(
                "%(count)s time added on %(date)s from %(start)s.",
                "%(count)s times added on %(date)s from %(start)s.",
                2,
            ) % {"count": 2, "date": talk_day_text, "start": "16:00"}
        expect(messages(mentor_page)).to_contain_text(added)
        offered = mentor_page.get_by_role("region", name=nl("Times offered"), exact=True)
        expect(offered.get_by_role("row").filter(has_text=LOCATION)).to_have_count(2)

        # 3. The student reads their red light and the advice, then writes the reflection and goals.
        student_page.reload()
        student_page.get_by_role("link", name=cycle.name, exact=True).click()
        expect(heading(student_page)).to_have_text(nl("Your feedback in %(cycle)s", cycle=cycle.name))
        feedback = student_page.get_by_role("row", name=re.compile(r"^Nederlands"))
        expect(feedback).to_contain_text(nl("Red"))  # the light in words too, never the colour alone
        expect(feedback).to_contain_text("4,8")
        expect(feedback).to_contain_text(ADVICE)
        student_page.get_by_role("link", name=nl("Write your reflection and goals")).click()

        expect(student_page).to_have_url(re.compile(re.escape(reverse("mentoring:reflection", args=[cycle.pk])) + "$"))
        expect(heading(student_page)).to_have_text(nl("Your reflection and goals"))
        saved = student_page.get_by_role("status").filter(
            has_text=re.compile(re.escape(nl("Saved at %(time)s", time="")) + r"\d{1,2}:\d{2}")
        )
        pending = student_page.locator("[data-save-progress]")  # "changes not yet saved / saving…", aria-hidden
        student_page.get_by_label(capfirst(nl("What went well, and how did you do it?"))).fill(WENT_WELL)
        expect(saved).to_be_visible()  # the draft saved itself
        student_page.get_by_label(capfirst(nl("What went less well, and why do you think so?"))).fill(WENT_LESS_WELL)
        student_page.get_by_label(capfirst(nl("What advice or help do you need?"))).fill(HELP_NEEDED)
        for position, (goal, action, measure) in enumerate(GOALS, start=1):
            block = student_page.get_by_role("group", name=nl("Goal %(number)s", number=position), exact=True)
            if position > 1:
                student_page.get_by_role("button", name=nl("Add a goal")).click()
            block.get_by_label(capfirst(nl("my goal")), exact=True).fill(goal)
            block.get_by_label(capfirst(nl("what I will do")), exact=True).fill(action)
            block.get_by_label(capfirst(nl("how we will know")), exact=True).fill(measure)
        expect(pending).to_have_text("", timeout=TIMEOUT_MS)  # every change saved
        expect(saved).to_be_visible()
        draft = Reflection.objects.get(cycle=cycle, student=student)
        assert draft.status == Reflection.Status.DRAFT
        assert [goal.goal for goal in draft.goals.order_by("position")] == [goal for goal, _, _ in GOALS]

        student_page.once("dialog", lambda dialog: dialog.accept())  # "Submit to your mentor? ..."
        student_page.get_by_role("button", name=nl("Submit to my mentor")).click()
        expect(messages(student_page)).to_contain_text(
            nl("Your reflection and goals are with your mentor now. You talk about them in the mentor talk.")
        )
        expect(student_page.get_by_text(nl("Submitted to your mentor"))).to_be_visible()
        expect(student_page.get_by_role("button", name=nl("Submit to my mentor"))).to_have_count(0)  # read-only now
        expect(student_page.get_by_role("main")).to_contain_text(GOALS[0][0])

        # 4. The guardian reads Sam's feedback and goals and books the second time.
        log_in(guardian_page, world.guardian, portal_url)
        child = guardian_page.get_by_role("region", name=re.compile(re.escape(name)))
        child.get_by_role("link", name=cycle.name, exact=True).click()
        expect(heading(guardian_page)).to_have_text(
            nl("Feedback for %(name)s in %(cycle)s", name=name, cycle=cycle.name)
        )
        expect(guardian_page.get_by_role("row", name=re.compile(r"^Nederlands"))).to_contain_text(ADVICE)
        goals = guardian_page.get_by_role("region", name=nl("Goals of %(name)s", name=student.first_name))
        for goal, action, measure in GOALS:
            expect(goals).to_contain_text(goal)
            expect(goals).to_contain_text(action)
            expect(goals).to_contain_text(measure)
        guardian_page.get_by_role("link", name=nl("Choose a talk slot")).click()

        expect(heading(guardian_page)).to_have_text(nl("Choose a time for the mentor talk"))
        free = guardian_page.get_by_role("region", name=nl("Free times"), exact=True)
        expect(free.get_by_role("group", name=talk_day_text)).to_be_visible()
        second = free.get_by_role("radio", name=re.compile(r"^16:15"))
        expect(free.get_by_role("radio")).to_have_count(2)
        free.locator("label").filter(has_text=re.compile(r"^\s*16:15")).click()  # the card over the hidden radio
        expect(second).to_be_checked()
        free.get_by_role("button", name=nl("Book this time")).click()
        booked = guardian_page.get_by_role("region", name=nl("Booked time"), exact=True)
        expect(booked).to_contain_text("16:15")
        expect(booked).to_contain_text(LOCATION)
        expect(booked).to_contain_text(mentor_name)
        said = nl("Booked: %(date)s at %(start)s.", date=talk_day_text, start="16:15")
        expect(guardian_page.get_by_role("status").filter(has_text=said).first).to_be_visible()
        # The booked time is no longer offered.
        expect(guardian_page.get_by_role("radio")).to_have_count(1)

        # 5. The mentor sees the booking and the submitted reflection in the talk list, then makes the prep sheets.
        mentor_page.reload()
        sam_row = mentor_page.get_by_role("region", name=nl("Talk list"), exact=True).get_by_role(
            "row", name=re.compile(re.escape(name))
        )
        expect(sam_row).to_contain_text("16:15")
        expect(sam_row).to_contain_text(nl("submitted"))

        breadcrumbs = mentor_page.get_by_role("navigation", name=nl("Breadcrumbs"))
        breadcrumbs.get_by_role("link", name=world.class_group.name, exact=True).click()  # the class's dashboard
        mentor_page.get_by_role("link", name=nl("Prep sheets (PDF)"), exact=True).click()
        prep_sheets_url = reverse("mentoring:prep_sheets", args=[cycle.pk, world.class_group.pk])
        expect(mentor_page).to_have_url(re.compile(re.escape(prep_sheets_url) + "$"))
        expect(heading(mentor_page)).to_have_text(nl("Prep sheets of class %(name)s", name=world.class_group.name))
        batch = mentor_page.get_by_role("region", name=nl("The whole class as one PDF"), exact=True)
        batch.get_by_role("button", name=nl("Make the prep sheets")).click()
        download_link = batch.get_by_role("link", name=nl("Download the prep sheets (PDF)"))
        expect(download_link).to_be_visible(timeout=BATCH_TIMEOUT_MS)  # ready (eager Celery: at once, or polled)
        expect(batch).to_contain_text(nl("ready"))
        with mentor_page.expect_download() as download_info:
            download_link.click()
        download = download_info.value
        assert download.suggested_filename.endswith(".pdf")
        pdf = PdfReader(io.BytesIO(download.path().read_bytes()))
        normalised = " ".join(" ".join(sheet.extract_text() for sheet in pdf.pages).split())
        assert GOALS[0][0] in normalised
        assert name in normalised

    # And underneath: the reflection submitted with its goals, the time booked, the batch done.
    reflection = Reflection.objects.get(cycle=cycle, student=student)
    assert reflection.status == Reflection.Status.SUBMITTED
    assert reflection.submitted_at is not None
    assert (reflection.went_well, reflection.went_less_well, reflection.help_needed) == (
        WENT_WELL,
        WENT_LESS_WELL,
        HELP_NEEDED,
    )
    assert [
        (goal.position, goal.goal, goal.action, goal.measure)
        for goal in Goal.objects.filter(reflection=reflection).order_by("position")
    ] == [(position, *goal) for position, goal in enumerate(GOALS, start=1)]
    assert Publication.objects.filter(cycle=cycle, department=world.department).get().published_by == world.team_leader
    slots = list(TalkSlot.objects.filter(cycle=cycle, class_group=world.class_group).order_by("starts_at"))
    assert [(timezone.localtime(slot.starts_at).strftime("%H:%M"), slot.mentor) for slot in slots] == [
        ("16:00", world.mentor.staff),
        ("16:15", world.mentor.staff),
    ]
    talk = MentorTalk.objects.get(cycle=cycle, student=student)
    assert (talk.slot, talk.booked_by) == (slots[1], world.guardian)
    job = PrepSheetJob.objects.get(cycle=cycle, class_group=world.class_group)
    assert job.status == PrepSheetJob.Status.DONE
    assert (job.done, job.total) == (1, 1)
    assert job.file
