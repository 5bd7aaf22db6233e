"""Issue 6's acceptance tests: boards in a real browser, in Dutch, with several people at once.

1. A care meeting from check-in to agreements with an external guest: the care coordinator invites
   youth care with expiring access; the guest signs in and sees nothing until consent is recorded
   for every child; then reads the board live (it polls) while the coordinator writes the
   check-ins, a success and what each child works on next. Every read is in the read log; another
   meeting stays closed to the guest.
2. Two colleagues on one improvement board: each sees the other's changes within 5 s without
   reloading (the board polls); a conflicting edit of one card is shown and nothing is lost.
3. A mentor's progress board: only the notable cards, a card's flags updated and marked changed,
   and the privacy blank hiding names and photos with one tap or the keyboard.

Accessible names come from the msgids through the Dutch catalogue (`nl`), as the server renders them.
"""

import datetime
import io
import re
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from boards.models import (
    BoardItem,
    CareConsent,
    CareEntry,
    CareGuest,
    CareMeeting,
    CareReadLog,
    ImprovementBoard,
    Mood,
    ProgressCard,
    ProgressCardChange,
)
from boards.services import improvement as improvement_services
from school.models import Student, User
from tests.conftest import SchoolWorld, build_school_world
from tests.e2e.people import log_in, messages, open_page, screenshots_on_failure
from tests.factories import PASSWORD, StudentFactory

pytestmark = pytest.mark.e2e

LIVE_MS = 5_000  # "two people editing one board see each other's changes within 5 s"


def nl(msgid: str, **values) -> str:
    """A msgid as the Dutch UI renders it (the same catalogue as the live server in this process)."""
    with translation.override("nl"):
        text = translation.gettext(msgid)
    return text % values if values else text


def nl_date(day: datetime.date, fmt: str) -> str:
    with translation.override("nl"):
        return date_format(day, fmt)


def field(scope: Page | Locator, msgid: str) -> Locator:
    """A form field by its label; a required field's label ends in an asterisk (components/form_field.html)."""
    return scope.get_by_label(re.compile("^" + re.escape(nl(msgid)) + r"\*?$"))


def pressable_name(msgid: str) -> re.Pattern:
    """A toggle button's name: once pressed (aria-pressed) the stylesheet puts a check mark before it."""
    return re.compile(r"^\W*" + re.escape(nl(msgid)) + "$")


def heading(page: Page):
    return page.get_by_role("heading", level=1)


# --- 1. the care meeting with a guest -------------------------------------------------------------------------

GUEST_FIRST, GUEST_LAST = "Fleur", "Jansen"
GUEST_EMAIL = "fleur.jansen@jeugdzorg.example"
SUCCESS = "Sam is drie weken elke dag op tijd op school gekomen."
NEXT_STEP = "Ik plan elke zondag mijn huiswerk voor de week."
NEXT_OWNER = "Sam, met de mentor"


@dataclass
class CareWorld:
    world: SchoolWorld
    meeting: CareMeeting
    other_meeting: CareMeeting
    sam: Student
    noor: Student  # Sam's sister


@pytest.fixture
def care_world(transactional_db) -> CareWorld:
    """A meeting around two siblings (no consent yet), and another family's meeting with consent."""
    world = build_school_world()
    sam = world.student
    sam.first_name, sam.last_name = "Sam", "Visser"
    sam.save()
    noor = StudentFactory(school=world.school, class_group=world.class_group, first_name="Noor", last_name="Visser")
    meeting = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg familie Visser",
        held_on=timezone.localdate(),
        coordinator=world.care_coordinator.staff,
    )
    meeting.children.add(sam, noor)
    meeting.participants.add(world.mentor.staff)
    other = CareMeeting.objects.create(
        school=world.school,
        title="Zorgoverleg andere familie",
        held_on=timezone.localdate(),
        coordinator=world.care_coordinator.staff,
    )
    other.children.add(world.other_student)
    CareConsent.objects.create(
        meeting=other,
        student=world.other_student,
        given_by=CareConsent.GivenBy.GUARDIAN,
        given_by_name="Ouder",
        given_on=timezone.localdate(),
    )
    return CareWorld(world=world, meeting=meeting, other_meeting=other, sam=sam, noor=noor)


def test_a_care_meeting_from_check_in_to_agreements_with_a_guest(page, browser, live_server, care_world, request):
    world, meeting = care_world.world, care_world.meeting
    sam, noor = care_world.sam, care_world.noor
    meeting_url = reverse("boards:care_meeting", args=[meeting.pk])
    other_url = reverse("boards:care_meeting", args=[care_world.other_meeting.pk])
    coordinator_page = page
    guest_page = open_page(browser, live_server)
    today = timezone.localdate()
    access_until = today + datetime.timedelta(days=30)
    due_on = today + datetime.timedelta(days=21)

    with screenshots_on_failure(request, {"guest": guest_page}):
        # 1. The care coordinator opens the meeting: consent is still missing for the children.
        log_in(coordinator_page, world.care_coordinator, meeting_url)
        expect(heading(coordinator_page)).to_have_text(meeting.title)
        consent_warning = coordinator_page.get_by_text(
            nl(
                "Consent is missing for a child: guests see nothing of this care meeting until consent is "
                "recorded for every child."
            )
        )
        expect(consent_warning).to_be_visible()

        # 2. … and invites youth care, with access until a month from now.
        invite = coordinator_page.get_by_role("region", name=nl("Invite a guest"), exact=True)
        field(invite, "First name").fill(GUEST_FIRST)
        field(invite, "Last name").fill(GUEST_LAST)
        field(invite, "E-mail address").fill(GUEST_EMAIL)
        field(invite, "Organisation").select_option(label=nl("youth care"))
        field(invite, "Access until").fill(access_until.isoformat())
        invite.get_by_role("button", name=nl("Invite guest")).click()
        invited = coordinator_page.get_by_role("status").filter(has_text=f"{GUEST_FIRST} {GUEST_LAST}")
        expect(invited).to_be_visible()
        sign_in_link = invited.locator("code").inner_text().strip()
        assert "/password/reset/" in sign_in_link
        guests = coordinator_page.get_by_role("region", name=nl("Participants"), exact=True)
        expect(guests.get_by_role("listitem").filter(has_text=GUEST_LAST)).to_contain_text(nl("youth care"))
        guest = CareGuest.objects.select_related("user").get(meeting=meeting)
        guest_user: User = guest.user
        assert guest_user.email == GUEST_EMAIL
        assert timezone.localtime(guest.expires_at).date() == access_until  # access expires at the chosen day's end

        # 3. The guest chooses a password through the one-time link, signs in, and sees nothing yet.
        guest_page.goto(sign_in_link)
        expect(heading(guest_page)).to_have_text(nl("Choose a new password"))
        field(guest_page, "New password").fill(PASSWORD)
        field(guest_page, "New password confirmation").fill(PASSWORD)
        guest_page.get_by_role("button", name=nl("Save new password")).click()
        expect(heading(guest_page)).to_have_text(nl("Your password has been changed"))

        care_list_url = reverse("boards:care_meetings")
        log_in(guest_page, guest_user, care_list_url)
        expect(guest_page.get_by_text(nl("You take part in no care meetings."))).to_be_visible()
        expect(guest_page.get_by_role("link", name=meeting.title)).to_have_count(0)
        refused = guest_page.goto(meeting_url)
        assert refused.status == 404  # the same answer as for a meeting that does not exist
        expect(guest_page.get_by_text(meeting.title)).to_have_count(0)
        expect(guest_page.get_by_text(sam.full_name)).to_have_count(0)

        # 4. The coordinator records consent for each child; with one child missing the guest still sees nothing.
        consent_form = coordinator_page.get_by_role("region", name=nl("Record consent"), exact=True)
        consents = coordinator_page.get_by_role("region", name=nl("Consent"), exact=True)
        for number, child in enumerate((sam, noor), start=1):
            field(consent_form, "Child").select_option(label=child.full_name)
            consent_form.get_by_role("radio", name=nl("parent / guardian (under 16)")).check()
            field(consent_form, "Name").fill(f"Ouder van {child.first_name}")
            field(consent_form, "Date").fill(today.isoformat())
            consent_form.get_by_role("button", name=nl("Record consent")).click()
            expect(messages(coordinator_page)).to_contain_text(nl("Consent recorded."))
            expect(consents.get_by_role("listitem").filter(has_text=child.full_name)).to_contain_text(
                nl("consent given")
            )
            if number == 1:
                assert guest_page.goto(meeting_url).status == 404
        expect(consent_warning).to_have_count(0)
        assert set(CareConsent.objects.filter(meeting=meeting).values_list("student_id", flat=True)) == {
            sam.pk,
            noor.pk,
        }

        # 5. Now the guest sees the board (read only) and keeps it open: it polls.
        assert guest_page.goto(meeting_url).status == 200
        expect(heading(guest_page)).to_have_text(meeting.title)
        guest_check_in = guest_page.get_by_role(
            "region", name=re.compile(re.escape(nl("Check-in: how is everyone doing?")))
        )
        for child in (sam, noor):
            expect(guest_check_in.get_by_role("listitem").filter(has_text=child.full_name)).to_contain_text(
                nl("No check-in yet.")
            )
        expect(guest_page.get_by_role("region", name=nl("Write on the board"), exact=True)).to_have_count(0)
        expect(guest_check_in.get_by_role("button")).to_have_count(0)

        # 6. The child leads: a smiley for every child, which the coordinator writes.
        check_in = coordinator_page.get_by_role(
            "region", name=re.compile(re.escape(nl("Check-in: how is everyone doing?")))
        )
        moods = {sam: Mood.GREAT, noor: Mood.SO_SO}
        faces = {Mood.GREAT: "😄", Mood.SO_SO: "😐"}
        for child, mood in moods.items():
            card = check_in.get_by_role("listitem").filter(has_text=child.full_name)
            smiley = card.get_by_role("button", name=pressable_name(Mood(mood).label))  # the face is aria-hidden
            smiley.click()
            expect(smiley).to_have_attribute("aria-pressed", "true")  # this save's visible result
        for child, mood in moods.items():
            said = f"{faces[mood]} {nl(Mood(mood).label)}"  # the smiley with its word, never the face alone
            expect(guest_check_in.get_by_role("listitem").filter(has_text=child.full_name)).to_contain_text(said)

        # 7. A success, and what Sam will work on next (who, when), through the writing form.
        write = coordinator_page.get_by_role("region", name=nl("Write on the board"), exact=True)
        field(write, "Child").select_option(label=sam.full_name)
        field(write, "Kind").select_option(label=nl("success"))
        field(write, "Text").fill(SUCCESS)
        write.get_by_role("button", name=nl("Save"), exact=True).click()
        successes = coordinator_page.get_by_role("region", name=re.compile(re.escape(nl("Successes"))))
        expect(successes).to_contain_text(SUCCESS)

        field(write, "Child").select_option(label=sam.full_name)
        field(write, "Kind").select_option(label=nl("working on next"))
        field(write, "Text").fill(NEXT_STEP)
        field(write, "Who").fill(NEXT_OWNER)
        field(write, "When").fill(due_on.isoformat())
        write.get_by_role("button", name=nl("Save"), exact=True).click()
        next_steps = coordinator_page.get_by_role("region", name=re.compile(re.escape(nl("What I am working on now"))))
        expect(next_steps.get_by_role("row", name=re.compile(re.escape(NEXT_STEP)))).to_contain_text(NEXT_OWNER)

        # 8. The guest's open page shows them without a reload.
        guest_successes = guest_page.get_by_role("region", name=re.compile(re.escape(nl("Successes"))))
        expect(guest_successes).to_contain_text(SUCCESS)
        guest_next = guest_page.get_by_role("region", name=re.compile(re.escape(nl("What I am working on now"))))
        agreement = guest_next.get_by_role("row", name=re.compile(re.escape(NEXT_STEP)))
        expect(agreement).to_contain_text(NEXT_OWNER)
        expect(agreement).to_contain_text(nl_date(due_on, "j F Y"))

        # 9. Another meeting's URL stays closed to the guest, though that family gave consent.
        assert guest_page.goto(other_url).status == 404
        expect(guest_page.get_by_text(care_world.other_meeting.title)).to_have_count(0)

        # 10. The coordinator reads who read the board: the guest is there.
        coordinator_page.get_by_role("link", name=nl("Read by"), exact=True).click()
        expect(heading(coordinator_page)).to_have_text(nl("Read by"))
        guest_reads = coordinator_page.get_by_role("row").filter(has_text=f"{GUEST_FIRST} {GUEST_LAST}")
        expect(guest_reads.first).to_contain_text(meeting_url)

        # 11. A month on, the access has expired: the guest is refused again (as time passing would do it).
        CareGuest.objects.filter(pk=guest.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        assert guest_page.goto(meeting_url).status == 404
        expect(guest_page.get_by_text(SUCCESS)).to_have_count(0)
        coordinator_page.goto(meeting_url)
        expect(guests.get_by_role("listitem").filter(has_text=GUEST_LAST)).to_contain_text(nl("access expired"))

    # And underneath: the lines as written, by the coordinator; the guest's reads logged, none refused ones.
    entries = CareEntry.objects.filter(meeting=meeting)
    assert {(entry.student_id, entry.mood) for entry in entries.filter(kind=CareEntry.Kind.CHECK_IN)} == {
        (sam.pk, Mood.GREAT),
        (noor.pk, Mood.SO_SO),
    }
    assert [(e.student_id, e.text) for e in entries.filter(kind=CareEntry.Kind.SUCCESS)] == [(sam.pk, SUCCESS)]
    agreement_entry = entries.get(kind=CareEntry.Kind.NEXT)
    assert (agreement_entry.student_id, agreement_entry.text, agreement_entry.owner, agreement_entry.due_on) == (
        sam.pk,
        NEXT_STEP,
        NEXT_OWNER,
        due_on,
    )
    assert {entry.updated_by_id for entry in entries} == {world.care_coordinator.pk}
    guest_logs = CareReadLog.objects.filter(user=guest_user)
    assert guest_logs.filter(meeting=meeting).exists()
    assert not guest_logs.filter(meeting=care_world.other_meeting).exists()


# --- 2. two colleagues on one improvement board -----------------------------------------------------------------

ACTION = "Ouders bellen over het huiswerk"
CONCERN = "Veel leerlingen komen te laat na de pauze."
IDEA = "Een stilteplek in het lokaal na de pauze."
MENTOR_TEXT = "Na de pauze komen vijf leerlingen te laat."
LEADER_TEXT = "Na de pauze komen vooral op maandag leerlingen te laat."


@dataclass
class BoardWorld:
    world: SchoolWorld
    board: ImprovementBoard
    action: BoardItem
    concern: BoardItem

    @property
    def url(self) -> str:
        return reverse("boards:board", args=[self.board.pk])


@pytest.fixture
def board_world(transactional_db) -> BoardWorld:
    """Class 4H1's board, kept by its mentor; the department's team leader sees it too."""
    world = build_school_world()
    board = improvement_services.board_create(
        school=world.school,
        actor=world.mentor,
        title="Verbeterbord 4H1",
        scope="class_group",
        class_group=world.class_group,
    )
    action = improvement_services.board_item_add(
        board=board,
        actor=world.mentor,
        section=BoardItem.Section.ACTION,
        text=ACTION,
        owner=world.mentor.staff,
        due_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    concern = improvement_services.board_item_add(
        board=board, actor=world.mentor, section=BoardItem.Section.CONCERN, text=CONCERN
    )
    return BoardWorld(world=world, board=board, action=action, concern=concern)


def section(page: Page, msgid: str):
    """A board column, by its title ("Ideeën (2)": the count changes, so only the start)."""
    return page.get_by_role("region", name=re.compile("^" + re.escape(nl(msgid).capitalize())))


def test_two_colleagues_see_each_others_changes_and_a_conflict_is_never_lost(
    page, browser, live_server, board_world, request
):
    world = board_world.world
    mentor_page = page
    leader_page = open_page(browser, live_server)

    with screenshots_on_failure(request, {"team_leader": leader_page}):
        log_in(mentor_page, world.mentor, board_world.url)
        log_in(leader_page, world.team_leader, board_world.url)
        for each in (mentor_page, leader_page):
            expect(heading(each)).to_have_text(board_world.board.title)

        # 1. The mentor adds an idea; the team leader sees it appear without reloading, within 5 s.
        ideas = section(mentor_page, "ideas")
        add_form = ideas.locator("[data-add-form]")
        ideas.get_by_text(nl("Add a card"), exact=True).click()
        field(add_form, "Text").fill(IDEA)
        add_form.get_by_role("button", name=nl("Add"), exact=True).click()
        added = ideas.get_by_role("article").filter(has_text=IDEA)
        expect(added).to_be_visible()
        expect(field(add_form, "Text")).to_have_value("")  # the form emptied for the next
        assert BoardItem.objects.filter(board=board_world.board, section=BoardItem.Section.IDEA).get().text == IDEA
        expect(section(leader_page, "ideas").get_by_role("article").filter(has_text=IDEA)).to_be_visible(
            timeout=LIVE_MS
        )

        # 2. The mentor sets the action to "doing"; the team leader's board shows it within 5 s.
        mentor_action = mentor_page.locator(f"#card-{board_world.action.pk}")
        mentor_action.get_by_text(nl("Edit"), exact=True).click()
        mentor_action.get_by_role("radio", name=nl("doing"), exact=True).check()
        mentor_action.get_by_role("button", name=nl("Save"), exact=True).click()
        expect(mentor_action).to_have_attribute("data-version", "2")
        expect(mentor_action.locator(".board-status")).to_have_text(nl("doing"))
        leader_action = leader_page.locator(f"#card-{board_world.action.pk}")
        expect(leader_action.locator(".board-status")).to_have_text(nl("doing"), timeout=LIVE_MS)
        expect(leader_page.get_by_role("status").filter(has_text=nl("A colleague changed a card."))).to_have_count(1)
        assert BoardItem.objects.get(pk=board_world.action.pk).status == BoardItem.Status.DOING

        # 3. Both edit the concern. The mentor saves first.
        mentor_concern = mentor_page.locator(f"#card-{board_world.concern.pk}")
        leader_concern = leader_page.locator(f"#card-{board_world.concern.pk}")
        leader_concern.get_by_text(nl("Edit"), exact=True).click()
        field(leader_concern, "Text").fill(LEADER_TEXT)
        mentor_concern.get_by_text(nl("Edit"), exact=True).click()
        field(mentor_concern, "Text").fill(MENTOR_TEXT)
        mentor_concern.get_by_role("button", name=nl("Save"), exact=True).click()
        expect(mentor_concern).to_have_attribute("data-version", "2")
        expect(mentor_concern.locator(".board-card__text")).to_have_text(MENTOR_TEXT)
        # The team leader's poll sees the change but leaves the card being edited alone (marked stale).
        expect(leader_concern).to_have_attribute("data-stale", "true", timeout=LIVE_MS)
        expect(field(leader_concern, "Text")).to_have_value(LEADER_TEXT)

        # 4. The team leader saves second: a conflict, shown with both versions; the mentor's text stands.
        leader_concern.get_by_role("button", name=nl("Save"), exact=True).click()
        conflict = leader_concern.get_by_role("alert")
        expect(conflict).to_contain_text(
            nl(
                "Somebody else changed this card while you were editing it. Their version is shown above; "
                "yours was not saved."
            )
        )
        expect(conflict).to_contain_text(LEADER_TEXT)  # what the team leader typed, kept on screen
        expect(leader_concern.locator(".board-card__text")).to_have_text(MENTOR_TEXT)
        expect(leader_concern).to_have_attribute("data-version", "2")
        concern = BoardItem.objects.get(pk=board_world.concern.pk)
        assert (concern.text, concern.version, concern.updated_by) == (MENTOR_TEXT, 2, world.mentor)

        # 5. The team leader re-applies their text on the current version: saved, and the mentor sees it.
        text_box = field(leader_concern, "Text")
        expect(text_box).to_have_value(MENTOR_TEXT)  # the form starts from the current card
        text_box.fill(LEADER_TEXT)
        leader_concern.get_by_role("button", name=nl("Save"), exact=True).click()
        expect(leader_concern).to_have_attribute("data-version", "3")
        expect(leader_concern.get_by_role("alert")).to_have_count(0)
        expect(leader_concern.locator(".board-card__text")).to_have_text(LEADER_TEXT)
        expect(mentor_concern.locator(".board-card__text")).to_have_text(LEADER_TEXT, timeout=LIVE_MS)

    concern = BoardItem.objects.get(pk=board_world.concern.pk)
    assert (concern.text, concern.version, concern.updated_by) == (LEADER_TEXT, 3, world.team_leader)
    action = BoardItem.objects.get(pk=board_world.action.pk)
    assert (action.status, action.version, action.text) == (BoardItem.Status.DOING, 2, ACTION)
    assert BoardItem.objects.filter(board=board_world.board).count() == 3


# --- 3. the progress board filtered to notable students ---------------------------------------------------------


@dataclass
class ProgressWorld:
    world: SchoolWorld
    notable: list[Student]  # Sam (tests behind, a note, a photo) and Noor (attendance)
    plain: list[Student]

    @property
    def url(self) -> str:
        return reverse("boards:progress", args=[self.world.class_group.pk])


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def progress_world(transactional_db) -> ProgressWorld:
    """Class 4H1 with six students: two notable cards, three plain ones, one never filled in."""
    world = build_school_world()
    sam = world.student
    sam.first_name, sam.last_name = "Sam", "Visser"
    sam.photo.save("sam.png", ContentFile(_png()), save=False)
    sam.save()

    def student(first: str, last: str) -> Student:
        return StudentFactory(school=world.school, class_group=world.class_group, first_name=first, last_name=last)

    noor = student("Noor", "Bakker")
    plain = [student("Daan", "Smit"), student("Lotte", "Mulder"), student("Milan", "Bos")]
    student("Julia", "Dekker")  # no card yet: stale, nothing notable
    last_week = timezone.now() - datetime.timedelta(days=2)

    def card(who: Student, **flags) -> None:
        ProgressCard.objects.create(
            student=who, internship_placed=True, updated_at=last_week, updated_by=world.mentor, **flags
        )

    card(sam, tests_behind=2, notable="Mist veel lessen op maandag.")
    card(noor, attendance_concern=True)
    for each in plain:
        card(each)
    return ProgressWorld(world=world, notable=[sam, noor], plain=plain)


def test_a_mentor_filters_the_progress_board_to_notable_students_and_blanks_it(
    page, live_server, progress_world, request
):
    world = progress_world.world
    sam, noor = progress_world.notable
    log_in(page, world.mentor, progress_world.url)
    expect(heading(page)).to_contain_text(world.class_group.name)
    cards = page.locator("[data-progress-board]").get_by_role("article")
    expect(cards).to_have_count(6)

    # 1. Only the notable students.
    page.get_by_role("link", name=nl("Only students with something notable"), exact=True).click()
    expect(page).to_have_url(re.compile(r"\?filter=notable$"))
    expect(cards).to_have_count(2)
    for student in (sam, noor):
        expect(page.get_by_role("article", name=student.full_name, exact=True)).to_be_visible()
    for student in progress_world.plain:
        expect(page.get_by_role("article", name=student.full_name, exact=True)).to_have_count(0)
    expect(page.get_by_role("article", name=sam.full_name)).to_contain_text("Mist veel lessen op maandag.")
    changed_mark = nl("Changed since last week")
    expect(page.get_by_text(changed_mark)).to_have_count(0)  # nothing changed this week yet

    # 2. The mentor updates Noor's flags: the card says it changed, and which flag.
    noor_card = page.get_by_role("article", name=noor.full_name, exact=True)
    noor_card.get_by_text(nl("Update card"), exact=True).click()
    field(noor_card, "Tests behind").fill("3")
    field(noor_card, "Notable").fill("Twee toetsen Engels en een toets wiskunde gemist.")
    noor_card.get_by_role("button", name=nl("Save"), exact=True).click()
    expect(noor_card).to_have_attribute("data-version", "2")
    expect(noor_card).to_contain_text(changed_mark)
    expect(noor_card.get_by_role("definition").filter(has_text="3")).to_contain_text(f"({nl('changed')})")
    expect(noor_card).to_contain_text("Twee toetsen Engels en een toets wiskunde gemist.")
    expect(page.get_by_role("article", name=sam.full_name, exact=True)).not_to_contain_text(changed_mark)
    card = ProgressCard.objects.get(student=noor)
    assert (card.tests_behind, card.attendance_concern, card.version, card.updated_by) == (3, True, 2, world.mentor)
    change = ProgressCardChange.objects.get(card=card)
    assert change.before == {"tests_behind": 0, "notable": ""}
    assert change.after == {"tests_behind": 3, "notable": "Twee toetsen Engels en een toets wiskunde gemist."}

    # 3. A student walks up to the screen: one tap hides every name and photo, without a page load.
    photo = page.get_by_role("img", name=nl("Photo of %(name)s", name=sam.full_name))
    expect(photo).to_be_visible()
    blank = page.get_by_role("button", name=pressable_name("Hide names"))
    url_before = page.url
    blank.click()
    expect(blank).to_have_attribute("aria-pressed", "true")
    hidden_name = nl("Name hidden")
    expect(page.get_by_role("article", name=hidden_name, exact=True)).to_have_count(2)
    for student in (sam, noor):
        expect(page.get_by_role("article", name=student.full_name)).to_have_count(0)
        expect(page.get_by_text(student.full_name, exact=True)).to_be_hidden()
    expect(photo).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text=nl("Names and photos are hidden."))).to_have_count(1)
    assert page.url == url_before

    # … and the keyboard brings them back, and hides them again.
    blank.focus()
    page.keyboard.press("Enter")
    expect(blank).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("article", name=sam.full_name, exact=True)).to_be_visible()
    expect(photo).to_be_visible()
    page.keyboard.press("Enter")
    expect(blank).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("article", name=hidden_name, exact=True)).to_have_count(2)
    expect(photo).to_be_hidden()
    assert page.url == url_before


def test_the_monthly_discussion_is_walked_with_the_arrow_keys_and_blanked_with_space(
    page, live_server, progress_world, request
):
    world = progress_world.world
    sam, noor = progress_world.notable  # in board order: Bakker (Noor), then Visser (Sam)
    url = reverse("boards:progress_discussion", args=[world.class_group.pk])
    log_in(page, world.mentor, url)
    main = page.get_by_role("main")
    expect(main).to_contain_text(noor.full_name)
    expect(main).not_to_contain_text(sam.full_name)

    page.keyboard.press("ArrowRight")  # app.js follows the "next" link
    expect(page).to_have_url(re.compile(rf"\?card={sam.pk}"))
    expect(main).to_contain_text(sam.full_name)
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"\?card={noor.pk}"))
    expect(main).to_contain_text(noor.full_name)

    # Space presses the privacy blank (a link with role="button"), and moving on keeps it.
    blank = page.get_by_role("button", name=pressable_name("Hide names"))
    blank.focus()
    page.keyboard.press(" ")
    expect(blank).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text(noor.full_name, exact=True)).to_be_hidden()
    page.locator("body").focus()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"blank=1"))
    expect(page.get_by_text(sam.full_name, exact=True)).to_be_hidden()


def test_on_the_big_screen_a_class_of_thirty_fits_one_smartboard_screen(page, live_server, progress_world):
    world = progress_world.world
    now = timezone.now()
    for number in range(30 - Student.objects.filter(class_group=world.class_group).count()):
        student = StudentFactory(school=world.school, class_group=world.class_group, last_name=f"Extra{number:02d}")
        ProgressCard.objects.create(
            student=student,
            tests_behind=number % 3,
            attendance_concern=number % 4 == 0,
            notable="Zoekt nog een stageplek bij een garage in de buurt; gesprek met het stagebureau gepland."
            if number % 2
            else "",
            updated_at=now - datetime.timedelta(days=number % 10),
            updated_by=world.mentor,
        )
    page.set_viewport_size({"width": 1920, "height": 1080})
    log_in(page, world.mentor, reverse("boards:progress", args=[world.class_group.pk]))
    cards = page.locator("[data-progress-board]").get_by_role("article")
    expect(cards).to_have_count(30)
    page.locator("main").get_by_role("button", name=pressable_name("Big screen")).click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bmode-meeting\b"))
    boxes = [cards.nth(index).bounding_box() for index in range(30)]
    assert max(box["y"] + box["height"] for box in boxes) <= 1080  # no scrolling: the whole class at a glance
    assert max(box["x"] + box["width"] for box in boxes) <= 1920
    assert min(box["width"] for box in boxes) >= 250  # six columns, still readable
