"""The entry grid in a real browser: keyboard-only entry, autosave, retries, bad input, two editors at once."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from reviews.models import AdvicePhrase, Entry, ReviewCycle
from school.models import Student, User
from tests.conftest import SchoolWorld, build_school_world
from tests.factories import PASSWORD, PeriodFactory, StaffFactory, StudentFactory

pytestmark = pytest.mark.e2e

SAVE_URL = re.compile(r"/cycles/\d+/groups/\d+/students/\d+/$")


@dataclass
class GridWorld:
    world: SchoolWorld
    cycle: ReviewCycle
    students: list[Student]  # in the grid's order
    co_teacher: User

    @property
    def url(self) -> str:
        return reverse("reviews:grid", args=[self.cycle.pk, self.world.teaching_group.pk])

    def row(self, page: Page, index: int):
        return page.locator(f"#row-{self.students[index].pk}")


@pytest.fixture
def grid_world(transactional_db) -> GridWorld:
    world = build_school_world()
    period = PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1")
    cycle = ReviewCycle.objects.create(
        school=world.school, period=period, name="Ronde 1", entry_deadline=datetime.date(2026, 11, 27)
    )
    cycle.departments.set([world.department])
    world.teaching_group.students.add(
        *StudentFactory.create_batch(4, school=world.school, class_group=world.class_group)
    )
    co_teacher = StaffFactory(school=world.school)
    world.teaching_group.teachers.add(co_teacher)
    students = list(world.teaching_group.students.order_by("last_name", "first_name", "pk"))
    return GridWorld(world=world, cycle=cycle, students=students, co_teacher=co_teacher.user)


def open_grid(page: Page, user: User, grid: GridWorld) -> None:
    """Log in through the login form, which brings the teacher straight back to the grid."""
    page.goto(f"/login/?next={grid.url}")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(re.escape(grid.url) + "$"))
    # entry-grid.js has taken over: saving by itself, keys on.
    expect(page.locator("[data-entry-grid].is-enhanced")).to_be_visible()


def expect_all_saved(grid: GridWorld, page: Page) -> None:
    for index in range(len(grid.students)):
        expect(grid.row(page, index)).to_have_attribute("data-state", "saved")


def test_a_teacher_fills_a_whole_group_with_the_keyboard_and_every_value_stays(page, live_server, grid_world):
    grid = grid_world
    AdvicePhrase.objects.create(owner=grid.world.teacher, text="Maak elke week één oefentoets.", position=0)
    plan = [  # grade typed, light key, advice typed ("" = none), then what the page shows after reload
        ("7,5", "g", "", "7,5", "green"),
        ("5.4", "o", "Plan je huiswerk per dag.", "5,4", "orange"),
        ("4", "r", "Vraag na de les om uitleg.", "4,0", "red"),
        ("6,8", "2", "Lees elke dag tien minuten.", "6,8", "orange"),
        ("8,1", "1", "", "8,1", "green"),
    ]
    open_grid(page, grid.world.teacher, grid)
    expect(page.get_by_text("0 van 5 compleet")).to_be_visible()

    page.keyboard.press("j")  # from anywhere on the page to the first open student's light
    expect(page.locator(f"#light-{grid.students[0].pk}-green")).to_be_focused()
    for index, (grade, light_key, advice, _shown, _light) in enumerate(plan):
        student = grid.students[index]
        page.keyboard.press("c")  # to the grade ("cijfer")
        expect(page.locator(f"#grade-{student.pk}")).to_be_focused()
        page.keyboard.type(grade)
        page.keyboard.press("Tab")  # to the light
        page.keyboard.press(light_key)  # one key, one light
        page.keyboard.press("a")  # to the advice
        expect(page.locator(f"#advice-{student.pk}")).to_be_focused()
        if advice:
            page.keyboard.type(advice)
        if index == 3:
            page.keyboard.press("Alt+1")  # a phrase from the bank, at the cursor
        page.keyboard.press("Escape")  # back to the row's light
        page.keyboard.press("j")  # next student, one key
    expect_all_saved(grid, page)
    expect(page.get_by_text("5 van 5 compleet")).to_be_visible()
    # Screen readers hear it too, politely: whose row was saved last.
    names = "|".join(re.escape(student.full_name) for student in grid.students)
    expect(page.locator("[data-grid-live]")).to_have_text(re.compile(rf"^({names}): Opgeslagen$"))

    page.reload()

    for index, (_grade, _key, advice, shown, light) in enumerate(plan):
        student = grid.students[index]
        if index == 3:
            advice = f"{advice} Maak elke week één oefentoets."
        expect(page.locator(f"#grade-{student.pk}")).to_have_value(shown)
        expect(page.locator(f"#light-{student.pk}-{light}")).to_be_checked()
        expect(page.locator(f"#advice-{student.pk}")).to_have_value(advice)
    expect(page.get_by_text("5 van 5 compleet")).to_be_visible()
    stored = {e.student_id: e for e in Entry.objects.all()}
    assert stored[grid.students[1].pk].grade == Decimal("5.4")
    assert stored[grid.students[2].pk].light == "red"
    assert all(entry.updated_by == grid.world.teacher for entry in stored.values())


def test_a_light_per_key_down_the_column_and_grades_with_enter(page, live_server, grid_world):
    grid = grid_world
    open_grid(page, grid.world.teacher, grid)

    help_panel = page.locator("[data-kbd-help]")
    expect(help_panel).not_to_have_attribute("open", "")
    page.keyboard.press("?")
    expect(help_panel).to_have_attribute("open", "")
    expect(help_panel.get_by_text("volgende leerling", exact=True)).to_be_visible()
    page.keyboard.press("?")
    expect(help_panel).not_to_have_attribute("open", "")

    page.locator(f"#grade-{grid.students[0].pk}").focus()
    for grade in ["6", "7", "8", "9", "5,5"]:
        page.keyboard.type(grade)
        page.keyboard.press("Enter")  # next student's grade
    page.keyboard.press("Escape")
    for _ in grid.students:
        page.keyboard.press("k")  # up to the first student
    for key in "ggogg":
        page.keyboard.press(key)
        page.keyboard.press("j")

    expect_all_saved(grid, page)
    entries = {e.student_id: e for e in Entry.objects.all()}
    assert [entries[s.pk].grade for s in grid.students] == [Decimal(g) for g in ("6", "7", "8", "9", "5.5")]
    assert [entries[s.pk].light for s in grid.students] == ["green", "green", "orange", "green", "green"]
    # Orange without advice: saved, and marked as needing advice.
    warning = grid.row(page, 2).locator("[data-advice-required]")
    expect(warning).to_be_visible()
    expect(warning).to_have_text("Advies is nodig bij oranje en rood.")
    expect(page.get_by_text("4 van 5 compleet")).to_be_visible()


def test_bad_input_is_shown_in_the_cell_and_kept_until_corrected(page, live_server, grid_world):
    grid = grid_world
    pk = grid.students[0].pk
    open_grid(page, grid.world.teacher, grid)

    page.locator(f"#grade-{pk}").fill("5,55")
    page.locator(f"#grade-{pk}").press("Tab")
    page.keyboard.press("r")

    error = page.locator(f"#grade-{pk}-error")
    expect(error).to_contain_text("heeft meer dan één decimaal")
    expect(page.locator(f"#grade-{pk}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#grade-{pk}")).to_have_value("5,55")
    expect(page.locator(f"#light-{pk}-red")).to_be_checked()
    expect(grid.row(page, 0)).to_have_attribute("data-state", "invalid")
    assert not Entry.objects.exists()

    page.locator(f"#advice-{pk}").fill("<script>alert(1)</script>")
    page.locator(f"#grade-{pk}").fill("5,5")
    page.locator(f"#grade-{pk}").press("Enter")

    expect(grid.row(page, 0)).to_have_attribute("data-state", "saved")
    expect(page.locator(f"#grade-{pk}-error")).to_have_count(0)
    entry = Entry.objects.get()
    assert (entry.grade, entry.light, entry.advice) == (Decimal("5.5"), "red", "<script>alert(1)</script>")
    page.reload()
    expect(page.locator(f"#advice-{pk}")).to_have_value("<script>alert(1)</script>")


def fast_forward_until(page: Page, done, *, step_ms: int = 1000, steps: int = 40) -> None:
    """Move the page's clock on until `done()` (the backoff waits are seconds; the test need not be)."""
    for _ in range(steps):
        if done():
            return
        page.clock.fast_forward(step_ms)
        page.wait_for_timeout(50)  # lets the route handlers run
    raise AssertionError("the page did not get there")


def test_a_failed_save_is_retried_then_offered_again_and_leaving_warns(page, live_server, grid_world):
    grid = grid_world
    pk = grid.students[0].pk
    page.clock.install()
    open_grid(page, grid.world.teacher, grid)

    # The network drops the first two requests: the third try gets through.
    attempts = []

    def drop_twice(route):
        attempts.append(route.request.url)
        if len(attempts) <= 2:
            route.abort()
        else:
            route.continue_()

    page.route(SAVE_URL, drop_twice)
    page.locator(f"label[for='light-{pk}-orange']").click()
    expect(grid.row(page, 0)).to_have_attribute("data-state", "retrying")
    expect(grid.row(page, 0).locator("[data-save-state]")).to_have_text("Nog niet opgeslagen: opnieuw proberen…")
    fast_forward_until(page, lambda: len(attempts) == 3)
    expect(grid.row(page, 0)).to_have_attribute("data-state", "saved")
    assert Entry.objects.get().light == "orange"
    page.unroute(SAVE_URL)

    # The server keeps failing: after the retries the row says so and offers a button.
    failures = []

    def unavailable(route):
        failures.append(route.request.url)
        route.fulfill(status=503, body="Service Unavailable")

    page.route(SAVE_URL, unavailable)
    page.locator(f"#advice-{pk}").fill("Oefen de woordjes.")
    page.locator(f"#advice-{pk}").blur()
    expect(grid.row(page, 0)).to_have_attribute("data-state", "retrying")
    fast_forward_until(page, lambda: len(failures) == 4)  # the first try and three more, then it stops
    expect(grid.row(page, 0)).to_have_attribute("data-state", "failed")
    expect(grid.row(page, 0).locator("[data-save-state]")).to_have_text("Niet opgeslagen — opnieuw proberen")
    retry = grid.row(page, 0).get_by_role("button", name=re.compile("Opnieuw proberen"))
    expect(retry).to_be_visible()
    expect(page.locator("#messages")).to_be_empty()  # the row tells it; no page-wide error
    page.clock.fast_forward(60_000)
    assert len(failures) == 4
    assert Entry.objects.get().advice == ""

    # Leaving now would lose the advice: the browser asks first.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    expect(page.locator(f"#advice-{pk}")).to_have_value("Oefen de woordjes.")
    assert dialogs == ["beforeunload"]

    page.unroute(SAVE_URL)
    retry.click()
    expect(grid.row(page, 0)).to_have_attribute("data-state", "saved")
    assert Entry.objects.get().advice == "Oefen de woordjes."


def test_two_co_teachers_edit_the_same_entry_and_nothing_is_lost(browser, live_server, grid_world):
    grid = grid_world
    pk = grid.students[0].pk
    pages = []
    for user in (grid.world.teacher, grid.co_teacher):
        context = browser.new_context(base_url=live_server.url, locale="nl-NL", timezone_id="Europe/Amsterdam")
        context.set_default_timeout(15_000)
        page = context.new_page()
        open_grid(page, user, grid)
        pages.append(page)
    first, second = pages
    try:
        # The first teacher sets orange with advice; the second still sees the empty row.
        first.locator(f"#light-{pk}-orange").focus()
        first.keyboard.press("o")
        # Wait for the light's own save, so the advice is a second save (not merged into one).
        expect(first.locator(f"#row-{pk} input[name=version]")).to_have_value("1")
        first.locator(f"#advice-{pk}").fill("Vraag om uitleg.")
        first.locator(f"#advice-{pk}").blur()
        expect(grid.row(first, 0)).to_have_attribute("data-state", "saved")
        expect(first.locator(f"#row-{pk} input[name=version]")).to_have_value("2")

        second.locator(f"#light-{pk}-red").focus()
        second.keyboard.press("r")

        row = grid.row(second, 0)
        expect(row).to_have_attribute("data-state", "conflict")
        alert = row.get_by_role("alert")
        expect(alert).to_contain_text(
            re.compile(rf"Opgeslagen door {grid.world.teacher.get_full_name()} om \d\d:\d\d — je wijziging is niet")
        )
        expect(alert).to_contain_text(re.compile(r"Stoplicht:\s*“?rood”?"))
        # The other's version is on screen, not silently replaced.
        expect(second.locator(f"#light-{pk}-orange")).to_be_checked()
        expect(second.locator(f"#advice-{pk}")).to_have_value("Vraag om uitleg.")
        assert Entry.objects.get().light == "orange"

        # Having seen it, the second teacher applies their change after all.
        alert.get_by_role("button", name="Mijn wijziging opnieuw toepassen").click()
        expect(row).to_have_attribute("data-state", "saved")
        expect(second.locator(f"#light-{pk}-red")).to_be_checked()
        entry = Entry.objects.get()
        assert (entry.light, entry.advice, entry.version) == ("red", "Vraag om uitleg.", 3)
        assert entry.updated_by == grid.co_teacher
        assert entry.changes.count() == 3  # every step in the history: nothing lost

        # And the first teacher, still on the old version, is told in turn.
        first.locator(f"#advice-{pk}").fill("Vraag om uitleg bij de docent.")
        first.locator(f"#advice-{pk}").blur()
        expect(grid.row(first, 0)).to_have_attribute("data-state", "conflict")
        expect(first.locator(f"#light-{pk}-red")).to_be_checked()
        assert Entry.objects.get().advice == "Vraag om uitleg."
    finally:
        for page in pages:
            page.context.close()


def test_without_javascript_each_row_is_a_plain_form(browser, live_server, grid_world):
    grid = grid_world
    pk = grid.students[1].pk
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", timezone_id="Europe/Amsterdam", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/login/?next={grid.url}")
        page.locator("input[name=username]").fill(grid.world.teacher.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        expect(page).to_have_url(re.compile(re.escape(grid.url) + "$"))
        expect(page.locator("[data-kbd-help]")).to_be_hidden()  # keys need the script

        page.locator(f"#grade-{pk}").fill("6,3")
        page.locator(f"label[for='light-{pk}-red']").click()
        page.locator(f"#advice-{pk}").fill("Maak je huiswerk in de mediatheek.")
        save = grid.row(page, 1).get_by_role("button", name=f"Opslaan {grid.students[1].full_name}")
        expect(save).to_be_visible()
        save.click()

        expect(page).to_have_url(re.compile(re.escape(grid.url) + f"#row-{pk}$"))
        expect(page.locator("#messages")).to_contain_text(f"Opgeslagen: {grid.students[1].full_name}.")
        expect(page.locator(f"#grade-{pk}")).to_have_value("6,3")
        expect(page.locator(f"#light-{pk}-red")).to_be_checked()
        expect(page.locator(f"#advice-{pk}")).to_have_value("Maak je huiswerk in de mediatheek.")
        entry = Entry.objects.get()
        assert (entry.student_id, entry.grade, entry.light) == (pk, Decimal("6.3"), "red")

        # A bad grade without JavaScript: the whole grid again, the message in the cell.
        page.locator(f"#grade-{pk}").fill("abc")
        save.click()
        expect(page.locator(f"#grade-{pk}-error")).to_contain_text("“abc” is geen cijfer")
        expect(page.locator(f"#grade-{pk}")).to_have_value("abc")
        assert Entry.objects.get().grade == Decimal("6.3")
    finally:
        context.close()
