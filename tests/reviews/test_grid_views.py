"""The entry grid's pages: access, the htmx fragment and the plain form, bad input, conflicts, query counts."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import AdvicePhrase, Entry, EntryChange, LightScheme, Palette, Phase
from reviews.services import entry_save
from tests.factories import StaffFactory, StudentFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def grid_url(cycle, group) -> str:
    return reverse("reviews:grid", args=[cycle.pk, group.pk])


def save_url(cycle, group, student) -> str:
    return reverse("reviews:entry_save", args=[cycle.pk, group.pk, student.pk])


@pytest.fixture
def cycle(a_cycle_in_entry_phase):
    return a_cycle_in_entry_phase


@pytest.fixture
def urls(world, cycle) -> dict[str, tuple[str, str]]:
    """Every grid URL → (method, url)."""
    group = world.teaching_group
    return {
        "grid": ("get", grid_url(cycle, group)),
        "save": ("post", save_url(cycle, group, world.student)),
        "bulk_green": ("post", reverse("reviews:grid_bulk_green", args=[cycle.pk, group.pk])),
        "copy_advice": ("post", reverse("reviews:grid_copy_advice", args=[cycle.pk, group.pk])),
    }


def call(client, method, url, **extra):
    data = {"version": "0", "light": "green"} if method == "post" else None
    return getattr(client, method)(url, data, **extra)


def a_co_teacher(world):
    co_teacher = StaffFactory(school=world.school)
    world.teaching_group.teachers.add(co_teacher)
    return co_teacher.user


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["grid", "save", "bulk_green", "copy_advice"])
def test_anonymous_is_sent_to_the_login_page(client, urls, view):
    method, url = urls[view]
    response = call(client, method, url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("view", ["grid", "save", "bulk_green", "copy_advice"])
@pytest.mark.parametrize("who", ["outsider", "other_teacher", "mentor", "student_user", "guardian"])
def test_out_of_scope_is_404(client, world, urls, view, who):
    client.force_login(getattr(world, who))
    method, url = urls[view]
    assert call(client, method, url).status_code == 404
    assert call(client, method, url, **HTMX).status_code == 404
    assert not Entry.objects.exists()


@pytest.mark.parametrize("who", ["team_leader", "admin"])
def test_team_leader_and_admin_read_the_grid_but_cannot_change_it(client, world, cycle, urls, who):
    Entry.objects.create(
        cycle=cycle, teaching_group=world.teaching_group, student=world.student, grade=Decimal("6.5"), light="orange"
    )
    client.force_login(getattr(world, who))

    response = client.get(urls["grid"][1])
    html = response.content.decode()
    assert response.status_code == 200
    assert world.student.full_name in html
    assert "6,5" in html
    assert 'name="grade"' not in html
    assert "data-save-url" not in html
    assert "alleen de docenten" in html

    for view in ("save", "bulk_green", "copy_advice"):
        method, url = urls[view]
        assert call(client, method, url).status_code == 403
    htmx_refused = call(client, "post", urls["save"][1], **HTMX)
    assert htmx_refused.status_code == 403
    assert htmx_refused.content.decode().lstrip().startswith("<tbody")
    assert Entry.objects.get().light == "orange"


def test_the_groups_teacher_opens_an_editable_grid(client, world, urls):
    client.force_login(world.teacher)
    response = client.get(urls["grid"][1])
    html = response.content.decode()

    assert response.status_code == 200
    assert f'id="grade-{world.student.pk}"' in html
    assert 'inputmode="decimal"' in html
    assert f'form="entry-{world.student.pk}"' in html
    assert "Opslaan" in html  # the no-JS Save button
    assert "js/entry-grid.js" in html


def test_a_closed_cycle_is_read_only_for_its_teacher_too(client, world, cycle, urls):
    cycle.phase = Phase.CLOSED
    cycle.save()
    client.force_login(world.teacher)

    html = client.get(urls["grid"][1]).content.decode()
    assert 'name="grade"' not in html
    assert "is afgesloten" in html
    for view in ("save", "bulk_green", "copy_advice"):
        method, url = urls[view]
        assert call(client, method, url).status_code == 403
    assert call(client, "post", urls["save"][1], **HTMX).status_code == 403
    assert not Entry.objects.exists()


def test_a_student_of_another_group_is_404_on_the_save_url(client, world, cycle):
    client.force_login(world.teacher)
    url = save_url(cycle, world.teaching_group, world.other_student)
    assert client.post(url, {"version": "0", "light": "green"}).status_code == 404


def test_saving_needs_post(client, world, urls):
    client.force_login(world.teacher)
    assert client.get(urls["save"][1]).status_code == 405


# --- the page ---------------------------------------------------------------------------------------


def test_grid_shows_values_the_dutch_way_with_the_schools_words(client, world, cycle, urls):
    LightScheme.objects.create(
        school=world.school, green="op koers", orange="aandacht", red="actie nodig", palette=Palette.BLUE_ORANGE
    )
    Entry.objects.create(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        grade=Decimal("7.5"),
        light="red",
        advice="",
    )
    client.force_login(world.teacher)
    html = client.get(urls["grid"][1]).content.decode()

    assert f'id="grade-{world.student.pk}" name="grade" form="entry-{world.student.pk}" value="7,5"' in html
    assert "palette-blue_orange" in html
    for word in ("op koers", "aandacht", "actie nodig"):
        assert word in html
    # Letter and shape as well as colour; the chosen one is checked.
    chosen = r'value="red" form="entry-\d+" checked>\s*<span class="light light--red" aria-hidden="true">R<'
    assert re.search(chosen, html)
    # Red without advice: saved, but warned and not complete.
    assert "Advies is nodig bij oranje en rood." in html
    assert "entry-row--incomplete" in html
    assert "0</span> van 1 compleet" in html
    assert "vrijdag 27 november 2026" in html
    # The prompt nudges towards concrete advice.
    assert "Wat kan de leerling doen?" in html


def test_grid_has_nothing_inline_for_the_csp_and_labels_every_input(client, world, cycle, urls):
    AdvicePhrase.objects.create(owner=world.teacher, text='Oefen <b>"hardop"</b>')
    Entry.objects.create(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        advice="<script>alert(1)</script>",
        light="orange",
    )
    client.force_login(world.teacher)
    for who in ("teacher", "team_leader"):
        client.force_login(getattr(world, who))
        html = client.get(urls["grid"][1]).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), who
        assert not re.search(r"<style\b", html), who
        assert not re.search(r"\sstyle=", html), who
        assert not re.search(r"\son[a-z]+=", html), who
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        for field_id in re.findall(r'<(?:input|textarea)[^>]*\bid="((?:grade|advice|light)-[^"]+)"', html):
            assert f'for="{field_id}"' in html, field_id


def test_phrases_are_offered_in_the_grid(client, world, urls):
    AdvicePhrase.objects.create(owner=world.teacher, text="Maak elke week één oefentoets.", position=0)
    AdvicePhrase.objects.create(owner=world.other_teacher, text="Niet van mij.", position=0)
    client.force_login(world.teacher)
    html = client.get(urls["grid"][1]).content.decode()

    assert 'data-phrase="Maak elke week één oefentoets."' in html
    assert "<kbd>Alt+1</kbd>" in html
    assert "Niet van mij." not in html


def test_a_group_without_students_in_the_cycle_is_not_part_of_it(client, world, cycle, urls):
    world.teaching_group.enrollments.all().delete()
    client.force_login(world.teacher)
    assert client.get(urls["grid"][1]).status_code == 404


# --- saving a row: htmx fragment, plain form ------------------------------------------------------------


def test_htmx_save_returns_the_row_with_its_new_version_and_saved_state(client, world, cycle, urls):
    client.force_login(world.teacher)
    response = client.post(
        urls["save"][1], {"version": "0", "grade": "7.5", "light": "orange", "advice": "Plan je huiswerk."}, **HTMX
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tbody id="row-{world.student.pk}"')
    assert "<html" not in html
    assert 'name="version" value="1"' in html
    assert 'data-state="saved"' in html
    assert "Opgeslagen" in html
    assert 'value="7,5"' in html
    assert 'data-complete="true"' in html
    # The fragment steers nothing in the browser: the grid's own script places it.
    assert not [name for name in response.headers if name.lower().startswith("hx-")]
    entry = Entry.objects.get()
    assert (entry.grade, entry.light, entry.advice) == (Decimal("7.5"), "orange", "Plan je huiswerk.")
    assert entry.version == 1


def test_htmx_save_of_one_field_leaves_the_others(client, world, cycle, urls):
    Entry.objects.create(
        cycle=cycle, teaching_group=world.teaching_group, student=world.student, grade=Decimal("5.0"), advice="Oefen."
    )
    client.force_login(world.teacher)
    response = client.post(urls["save"][1], {"version": "1", "light": "red"}, **HTMX)

    assert response.status_code == 200
    entry = Entry.objects.get()
    assert (entry.grade, entry.light, entry.advice, entry.version) == (Decimal("5.0"), "red", "Oefen.", 2)


def test_plain_form_post_redirects_back_to_the_grid_with_a_message(client, world, cycle, urls):
    client.force_login(world.teacher)
    response = client.post(urls["save"][1], {"version": "0", "grade": "6,8", "light": "green", "advice": ""})

    assert response.status_code == 302
    assert response.url == f"{urls['grid'][1]}#row-{world.student.pk}"
    html = client.get(response.url).content.decode()
    assert f"Opgeslagen: {world.student.full_name}." in html
    assert 'value="6,8"' in html
    assert Entry.objects.get().grade == Decimal("6.8")


def test_plain_form_post_with_nothing_changed_says_so(client, world, cycle, urls):
    Entry.objects.create(cycle=cycle, teaching_group=world.teaching_group, student=world.student, light="green")
    client.force_login(world.teacher)
    response = client.post(urls["save"][1], {"version": "1", "grade": "", "light": "green", "advice": ""}, follow=True)
    assert "Niets veranderd" in response.content.decode()
    assert Entry.objects.get().version == 1


def test_a_missing_or_broken_version_is_a_bad_request(client, world, urls):
    client.force_login(world.teacher)
    assert client.post(urls["save"][1], {"light": "green"}).status_code == 400
    assert client.post(urls["save"][1], {"version": "x", "light": "green"}, **HTMX).status_code == 400
    assert not Entry.objects.exists()


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "message"),
    [
        ("11", "11 valt buiten de schaal"),
        ("abc", "“abc” is geen cijfer"),
        ("5,55", "“5,55” heeft meer dan één decimaal"),
    ],
)
def test_a_bad_grade_gets_its_message_in_the_cell_and_is_not_stored(client, world, cycle, urls, grade, message):
    client.force_login(world.teacher)
    response = client.post(urls["save"][1], {"version": "0", "grade": grade, "light": "green"}, **HTMX)
    html = response.content.decode()
    pk = world.student.pk

    assert response.status_code == 422
    assert html.lstrip().startswith(f'<tbody id="row-{pk}"')
    assert f'value="{grade}"' in html  # what the user typed stays
    assert f'aria-invalid="true" aria-describedby="grade-{pk}-error"' in html
    assert re.search(rf'<p class="cell-error" id="grade-{pk}-error">[^<]*{re.escape(message)}', html)
    assert 'data-state="invalid"' in html
    assert re.search(r'value="green" form="entry-\d+" checked', html)  # the light typed with it stays too
    assert not Entry.objects.exists()
    assert not EntryChange.objects.exists()


def test_advice_of_100000_characters_is_refused_and_kept_on_screen(client, world, cycle, urls):
    client.force_login(world.teacher)
    advice = "Oefen. " * (100_000 // 7)
    response = client.post(urls["save"][1], {"version": "0", "advice": advice}, **HTMX)
    html = response.content.decode()
    pk = world.student.pk

    assert response.status_code == 422
    assert f'<p class="cell-error" id="advice-{pk}-error">' in html
    assert "tekens lang" in html
    assert f'aria-describedby="advice-{pk}-error"' in html
    assert advice.strip() in html
    assert not Entry.objects.exists()


def test_an_unknown_light_is_refused(client, world, urls):
    client.force_login(world.teacher)
    response = client.post(urls["save"][1], {"version": "0", "light": "purple"}, **HTMX)
    assert response.status_code == 422
    assert "Kies groen, oranje of rood." in response.content.decode()
    assert not Entry.objects.exists()


def test_script_in_advice_is_stored_as_text_and_shown_escaped(client, world, cycle, urls):
    client.force_login(world.teacher)
    script = "<script>alert(1)</script>"
    response = client.post(urls["save"][1], {"version": "0", "light": "red", "advice": script}, **HTMX)

    assert response.status_code == 200
    assert Entry.objects.get().advice == script
    for html in (response.content.decode(), client.get(urls["grid"][1]).content.decode()):
        assert script not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    client.force_login(world.team_leader)
    html = client.get(urls["grid"][1]).content.decode()
    assert script not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_plain_form_with_bad_input_shows_the_whole_grid_with_the_error(client, world, cycle, urls):
    client.force_login(world.teacher)
    response = client.post(urls["save"][1], {"version": "0", "grade": "abc", "light": "orange", "advice": "Oefen."})
    html = response.content.decode()

    assert response.status_code == 422
    assert "<html" in html
    assert "“abc” is geen cijfer" in html
    assert 'value="abc"' in html
    assert ">Oefen.</textarea>" in html
    assert not Entry.objects.exists()


# --- after the entry phase: a reason ------------------------------------------------------------------------


def test_after_the_entry_phase_a_save_asks_for_a_reason_in_the_row(client, world, cycle, urls):
    Entry.objects.create(cycle=cycle, teaching_group=world.teaching_group, student=world.student, light="green")
    cycle.phase = Phase.SPEED_DATE
    cycle.save()
    client.force_login(world.teacher)
    pk = world.student.pk

    assert "Elke wijziging wordt vastgelegd" in client.get(urls["grid"][1]).content.decode()
    response = client.post(urls["save"][1], {"version": "1", "light": "orange"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert f'<input type="text" id="reason-{pk}" name="reason" form="entry-{pk}"' in html
    assert f'aria-describedby="reason-{pk}-error" aria-invalid="true"' in html
    assert 'data-state="reason"' in html
    assert Entry.objects.get().light == "green"

    response = client.post(urls["save"][1], {"version": "1", "light": "orange", "reason": "Herkansing"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Herkansing"' in html  # the reason stays for the row's next change
    assert Entry.objects.get().light == "orange"
    assert EntryChange.objects.get().reason == "Herkansing"


def test_bulk_actions_are_not_offered_after_the_entry_phase(client, world, cycle, urls):
    cycle.phase = Phase.SPEED_DATE
    cycle.save()
    client.force_login(world.teacher)
    html = client.get(urls["grid"][1]).content.decode()
    assert urls["bulk_green"][1] not in html

    response = client.post(urls["bulk_green"][1], follow=True)
    assert "alleen zolang de invoerfase open is" in response.content.decode()
    assert not Entry.objects.exists()


# --- two editors: no silent overwrite -------------------------------------------------------------------


def test_the_second_editor_gets_a_conflict_with_the_others_values(client, world, cycle, urls):
    co_teacher = a_co_teacher(world)
    entry_save(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        actor=co_teacher,
        values={"light": "orange", "advice": "Vraag om uitleg."},
        version=0,
    )
    client.force_login(world.teacher)

    response = client.post(urls["save"][1], {"version": "0", "light": "red", "grade": "4,5"}, **HTMX)
    html = response.content.decode()

    assert response.status_code == 409
    assert f"Opgeslagen door {co_teacher.get_full_name()} om" in html
    assert re.search(r"om \d\d:\d\d — je wijziging is niet opgeslagen", html)
    assert "<q>rood</q>" in html
    assert "<q>4,5</q>" in html
    assert 'name="version" value="1"' in html  # their version: reapplying is a conscious choice
    assert re.search(r'value="orange" form="entry-\d+" checked', html)
    assert ">Vraag om uitleg.</textarea>" in html
    assert 'data-yours-light="red"' in html
    assert 'data-yours-grade="4,5"' in html
    entry = Entry.objects.get()
    assert (entry.light, entry.version, entry.updated_by) == ("orange", 1, co_teacher)

    again = client.post(urls["save"][1], {"version": "1", "light": "red", "grade": "4,5"}, **HTMX)
    assert again.status_code == 200
    assert Entry.objects.get().light == "red"
    assert EntryChange.objects.count() == 2


def test_plain_form_conflict_shows_the_grid_with_the_conflict(client, world, cycle, urls):
    co_teacher = a_co_teacher(world)
    entry_save(
        cycle=cycle,
        teaching_group=world.teaching_group,
        student=world.student,
        actor=co_teacher,
        values={"light": "green"},
        version=0,
    )
    client.force_login(world.teacher)
    response = client.post(urls["save"][1], {"version": "0", "light": "red", "grade": "", "advice": ""})
    assert response.status_code == 409
    assert "<html" in response.content.decode()
    assert "je wijziging is niet opgeslagen" in response.content.decode()


def test_a_retried_save_that_already_got_through_is_not_a_conflict(client, world, cycle, urls):
    client.force_login(world.teacher)
    first = client.post(urls["save"][1], {"version": "0", "light": "orange", "advice": "Oefen."}, **HTMX)
    assert first.status_code == 200
    # The answer got lost on the way; the browser sends the same again with the old version.
    repeat = client.post(urls["save"][1], {"version": "0", "light": "orange", "advice": "Oefen."}, **HTMX)
    assert repeat.status_code == 200
    assert 'name="version" value="1"' in repeat.content.decode()
    assert Entry.objects.get().version == 1
    assert EntryChange.objects.count() == 1


# --- query counts ---------------------------------------------------------------------------------------------


def add_students(world, cycle, count: int) -> None:
    students = StudentFactory.create_batch(count, school=world.school, class_group=world.class_group)
    world.teaching_group.students.add(*students)
    for index, student in enumerate(students):
        if index % 2:
            Entry.objects.create(
                cycle=cycle,
                teaching_group=world.teaching_group,
                student=student,
                grade=Decimal("6.0"),
                light=["green", "orange", "red"][index % 3],
                advice="Oefen elke dag." if index % 3 else "",
                updated_by=world.teacher,
            )


@pytest.mark.parametrize("who", ["teacher", "team_leader"])
def test_grid_queries_do_not_grow_with_the_group(client, world, cycle, urls, django_assert_num_queries, who):
    AdvicePhrase.objects.create(owner=world.teacher, text="Plan je werk.")
    add_students(world, cycle, 15)  # 16 with world.student
    client.force_login(getattr(world, who))
    with CaptureQueriesContext(connection) as at_16:
        response = client.get(urls["grid"][1])
    assert response.status_code == 200
    assert response.content.decode().count("data-row ") == 16

    add_students(world, cycle, 16)  # 32
    with django_assert_num_queries(len(at_16)):
        response = client.get(urls["grid"][1])
    assert response.content.decode().count("data-row ") == 32
