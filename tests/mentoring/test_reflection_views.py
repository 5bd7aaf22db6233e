"""The reflection pages through the client: autosave (htmx), two tabs, errors, submitting, the mentor's side."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from mentoring.models import REFLECTION_MAX_LENGTH, Agreement, Publication, Reflection
from mentoring.selectors.reflection import GOAL_FIELDS, REFLECTION_FIELDS
from mentoring.services import reflection as services
from tests.factories import StudentFactory
from tests.mentoring.test_reflection_services import make_decision_agreement

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def form_data(reflection: Reflection | None = None, **changes) -> dict:
    """Everything the form posts: the version, the six answers and three goal blocks, as the screen shows them."""
    data = {"version": reflection.version if reflection else 0}
    for name in REFLECTION_FIELDS:
        data[name] = getattr(reflection, name) if reflection else ""
    for position in (1, 2, 3):
        for name in GOAL_FIELDS:
            data[f"goal_{position}_{name}"] = ""
    if reflection is not None:
        for goal in reflection.goals.all():
            for name in GOAL_FIELDS:
                data[f"goal_{goal.position}_{name}"] = getattr(goal, name)
    data.update(changes)
    return data


def page_url(cycle) -> str:
    return reverse("mentoring:reflection", args=[cycle.pk])


def stored(reflection: Reflection) -> tuple:
    fresh = Reflection.objects.get(pk=reflection.pk)
    return (
        fresh.version,
        fresh.status,
        tuple(getattr(fresh, name) for name in REFLECTION_FIELDS),
        tuple(fresh.goals.values_list("position", "goal", "action", "measure")),
    )


# --- the page -------------------------------------------------------------------------------------------


class TestPage:
    def test_prompts_next_to_the_students_own_feedback_and_last_agreements(
        self, client, world, a_previous_cycle, a_published_cycle, english
    ):
        Publication.objects.create(cycle=a_previous_cycle, department=world.department)
        make_decision_agreement(world, a_previous_cycle, text="Elke week naar de huiswerkklas")
        client.force_login(world.student_user)

        html = client.get(page_url(a_published_cycle)).content.decode()

        for prompt in (
            "What went well, and how did you do it?",
            "What went less well, and why do you think so?",
            "How do you feel in your class?",
            "Which subjects do you find hard?",
            "What advice or help do you need?",
            "Which agreements were made last time, and what came of them?",
        ):
            assert prompt in html
        assert "What your teachers wrote" in html
        assert "Woordjes elke dag herhalen." in html  # the advice of their teacher
        assert "4.8" in html  # the grade (English format here)
        assert "Elke week naar de huiswerkklas" in html

    def test_works_without_javascript_three_goal_blocks_and_a_save_button(self, client, world, a_reflection):
        client.force_login(world.student_user)

        html = client.get(page_url(a_reflection.cycle)).content.decode()

        for position in (1, 2, 3):
            assert f'name="goal_{position}_goal"' in html
        assert 'value="Een voldoende voor Nederlands"' in html
        assert 'name="version" value="1"' in html
        assert f'formaction="{reverse("mentoring:reflection_submit", args=[a_reflection.cycle.pk])}"' in html
        assert 'hx-post="' in html
        assert 'hx-trigger="input delay:1000ms"' in html
        assert 'aria-live="polite"' in html

    def test_dutch_dates_and_numbers(self, client, world, a_published_cycle):
        client.force_login(world.student_user)

        html = client.get(page_url(a_published_cycle)).content.decode()

        assert '<html lang="nl">' in html
        assert "4,8" in html

    def test_no_inline_scripts_styles_or_handlers_and_every_input_labelled(self, client, world, a_reflection):
        submitted = services.reflection_submit(reflection=a_reflection, actor=world.student_user)
        pages = []
        client.force_login(world.mentor)
        pages.append(client.get(reverse("mentoring:reflection_view", args=[submitted.pk])).content.decode())
        pages.append(
            client.get(
                reverse("mentoring:reflections", args=[submitted.cycle.pk, world.class_group.pk])
            ).content.decode()
        )
        services.reflection_reopen(reflection=submitted, actor=world.mentor)
        client.force_login(world.student_user)
        pages.append(client.get(page_url(submitted.cycle)).content.decode())

        for html in pages:
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
            assert not re.search(r"<style\b", html)
            assert not re.search(r"\sstyle=", html)
            assert not re.search(r"\son[a-z]+=", html)
            for field_id in re.findall(r'<(?:input|textarea)[^>]*type="(?:text)"[^>]*id="([^"]+)"', html):
                assert f'for="{field_id}"' in html
            for field_id in re.findall(r'<textarea[^>]*id="([^"]+)"', html):
                assert f'for="{field_id}"' in html


# --- autosave ---------------------------------------------------------------------------------------------


class TestAutosave:
    def test_a_save_answers_with_the_status_and_the_new_version(self, client, world, a_reflection, english):
        client.force_login(world.student_user)

        response = client.post(
            page_url(a_reflection.cycle), form_data(a_reflection, went_well="Nieuwe tekst."), **HTMX
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html
        assert "Saved at" in html
        assert re.search(
            r'<input type="hidden" name="version" value="2" id="reflection-version" hx-swap-oob="true">', html
        )
        assert 'id="went_well-errors"' in html  # every field's errors are refreshed (here: cleared)
        a_reflection.refresh_from_db()
        assert (a_reflection.went_well, a_reflection.version) == ("Nieuwe tekst.", 2)

    def test_the_first_save_creates_the_draft(self, client, world, a_published_cycle):
        client.force_login(world.student_user)

        response = client.post(page_url(a_published_cycle), form_data(went_well="Begin."), **HTMX)

        assert response.status_code == 200
        assert 'name="version" value="1"' in response.content.decode()
        assert Reflection.objects.get(student=world.student).went_well == "Begin."

    def test_two_tabs_the_older_one_gets_a_conflict_and_overwrites_nothing(self, client, world, a_reflection, english):
        client.force_login(world.student_user)
        url = page_url(a_reflection.cycle)
        first_tab = form_data(a_reflection)  # both tabs loaded version 1
        second_tab = form_data(a_reflection)

        assert client.post(url, {**second_tab, "went_well": "Uit tab twee."}, **HTMX).status_code == 200
        response = client.post(url, {**first_tab, "went_well": "Uit tab een."}, **HTMX)

        assert response.status_code == 409
        html = response.content.decode()
        assert "changed in another tab or window" in html
        assert "Uit tab twee." in html  # the newer text is shown
        assert "Reload the page" in html
        assert 'id="reflection-version"' not in html  # the version is not moved on: reload first
        a_reflection.refresh_from_db()
        assert (a_reflection.went_well, a_reflection.version) == ("Uit tab twee.", 2)

    def test_a_too_long_answer_is_422_with_the_message_at_the_field(self, client, world, a_reflection, english):
        client.force_login(world.student_user)
        before = stored(a_reflection)

        response = client.post(
            page_url(a_reflection.cycle),
            form_data(a_reflection, went_well="x" * (REFLECTION_MAX_LENGTH + 1), help_needed="Bijles."),
            **HTMX,
        )

        assert response.status_code == 422
        html = response.content.decode()
        errors = re.search(r'<div id="went_well-errors"[^>]*>(.*?)</div>', html).group(1)
        assert f"at most {REFLECTION_MAX_LENGTH} fit" in errors
        assert re.search(r'<div id="help_needed-errors"[^>]*></div>', html)
        assert "Not saved" in html
        assert stored(a_reflection) == before

    def test_goal_fields_without_the_goal_is_422_at_that_goal(self, client, world, a_reflection, english):
        client.force_login(world.student_user)
        before = stored(a_reflection)

        response = client.post(
            page_url(a_reflection.cycle), form_data(a_reflection, goal_2_measure="Een 7 op de toets"), **HTMX
        )

        assert response.status_code == 422
        errors = re.search(r'<div id="goal_2_goal-errors"[^>]*>(.*?)</div>', response.content.decode()).group(1)
        assert "Write the goal itself" in errors
        assert stored(a_reflection) == before

    def test_a_submitted_reflection_is_not_saved(self, client, world, a_reflection, english):
        submitted = services.reflection_submit(reflection=a_reflection, actor=world.student_user)
        client.force_login(world.student_user)
        before = stored(submitted)

        response = client.post(page_url(submitted.cycle), form_data(submitted, went_well="Toch anders."), **HTMX)

        assert response.status_code == 422
        assert "can no longer be changed" in response.content.decode()
        assert stored(submitted) == before

    def test_a_broken_version_is_400(self, client, world, a_reflection):
        client.force_login(world.student_user)

        response = client.post(page_url(a_reflection.cycle), form_data(a_reflection, version="abc"), **HTMX)

        assert response.status_code == 400


# --- the plain form (no JavaScript) ----------------------------------------------------------------------------


class TestPlainForm:
    def test_save_draft_redirects_back_to_the_page(self, client, world, a_reflection):
        client.force_login(world.student_user)
        url = page_url(a_reflection.cycle)

        response = client.post(url, form_data(a_reflection, feeling_in_class="Fijn."))

        assert response.status_code == 302
        assert response.url == url
        a_reflection.refresh_from_db()
        assert a_reflection.feeling_in_class == "Fijn."

    def test_errors_show_on_the_page_with_what_was_typed(self, client, world, a_reflection, english):
        client.force_login(world.student_user)
        before = stored(a_reflection)

        response = client.post(
            page_url(a_reflection.cycle),
            form_data(a_reflection, hard_subjects="Wiskunde en Frans", goal_3_action="Oefenen"),
        )

        assert response.status_code == 422
        html = response.content.decode()
        assert "Write the goal itself" in html
        assert "Wiskunde en Frans" in html
        assert stored(a_reflection) == before

    def test_a_conflict_shows_the_newer_text_and_keeps_what_was_typed(self, client, world, a_reflection, english):
        client.force_login(world.student_user)
        url = page_url(a_reflection.cycle)
        old_screen = form_data(a_reflection)
        client.post(url, {**form_data(a_reflection), "went_well": "Uit het andere venster."})

        response = client.post(url, {**old_screen, "went_well": "Mijn eigen tekst."})

        assert response.status_code == 409
        html = response.content.decode()
        assert "Uit het andere venster." in html
        assert "Mijn eigen tekst." in html
        assert 'name="version" value="2"' in html  # saving again is a deliberate choice
        a_reflection.refresh_from_db()
        assert a_reflection.went_well == "Uit het andere venster."


# --- submitting -------------------------------------------------------------------------------------------


class TestSubmit:
    def test_submit_saves_what_the_form_holds_and_hands_it_in(self, client, world, a_reflection, english):
        client.force_login(world.student_user)
        url = reverse("mentoring:reflection_submit", args=[a_reflection.cycle.pk])

        response = client.post(url, form_data(a_reflection, help_needed="Hulp bij plannen."))

        assert response.status_code == 302
        a_reflection.refresh_from_db()
        assert a_reflection.is_submitted
        assert a_reflection.help_needed == "Hulp bij plannen."

        html = client.get(page_url(a_reflection.cycle)).content.decode()
        assert "hx-post" not in html  # read-only now
        assert "<textarea" not in html
        assert "Hulp bij plannen." in html
        assert "Submitted to your mentor" in html

    def test_submit_names_what_is_missing_and_keeps_the_draft(self, client, world, a_published_cycle, english):
        client.force_login(world.student_user)
        url = reverse("mentoring:reflection_submit", args=[a_published_cycle.pk])

        response = client.post(url, form_data(went_well="Geschiedenis."))

        assert response.status_code == 422
        html = response.content.decode()
        assert "Before you submit, still fill in: what went less well, at least one goal." in html
        reflection = Reflection.objects.get(student=world.student)
        assert reflection.went_well == "Geschiedenis."  # what was typed is saved as the draft
        assert not reflection.is_submitted
        assert f'name="version" value="{reflection.version}"' in html

    def test_submit_without_anything_written(self, client, world, a_published_cycle, english):
        client.force_login(world.student_user)

        response = client.post(reverse("mentoring:reflection_submit", args=[a_published_cycle.pk]))

        assert response.status_code == 422
        assert "what went well, what went less well, at least one goal" in response.content.decode()
        assert not Reflection.objects.exists()

    def test_the_student_reads_the_mentors_comment(self, client, world, a_reflection, english):
        submitted = services.reflection_submit(reflection=a_reflection, actor=world.student_user)
        services.reflection_comment(reflection=submitted, actor=world.mentor, text="Goed plan, Sam!")
        client.force_login(world.student_user)

        html = client.get(page_url(submitted.cycle)).content.decode()

        assert "Your mentor's comment" in html
        assert "Goed plan, Sam!" in html


# --- the mentor's side ------------------------------------------------------------------------------------


@pytest.fixture
def submitted(world, a_reflection) -> Reflection:
    return services.reflection_submit(reflection=a_reflection, actor=world.student_user)


class TestMentor:
    def test_the_class_list_shows_each_students_status_but_no_draft(self, client, world, a_reflection, english):
        submitter = StudentFactory(school=world.school, class_group=world.class_group, first_name="Ilse")
        done = Reflection.objects.create(
            cycle=a_reflection.cycle,
            student=submitter,
            went_well="Alles.",
            went_less_well="Niets.",
            status=Reflection.Status.SUBMITTED,
            submitted_at=a_reflection.updated_at,
        )
        done.goals.create(position=1, goal="Doorgaan")
        not_started = StudentFactory(school=world.school, class_group=world.class_group, first_name="Noor")
        client.force_login(world.mentor)

        response = client.get(reverse("mentoring:reflections", args=[a_reflection.cycle.pk, world.class_group.pk]))

        html = response.content.decode()
        assert response.status_code == 200
        rows = {
            name: row
            for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)
            for name in (world.student.full_name, submitter.full_name, not_started.full_name)
            # Whole names: a generated surname may hold an apostrophe ("d' Heripon") or another's first name ("Noort").
            if f">{escape(name)}<" in row
        }
        assert 'badge--warning">draft' in rows[world.student.full_name]
        assert "submitted" in rows[submitter.full_name]
        assert "not started" in rows[not_started.full_name]
        assert reverse("mentoring:reflection_view", args=[done.pk]) in html
        assert reverse("mentoring:reflection_view", args=[a_reflection.pk]) not in html  # the draft
        assert a_reflection.went_well not in html

    def test_the_class_list_says_when_the_round_is_not_yet_published(
        self, client, world, a_cycle_in_speed_date, english
    ):
        client.force_login(world.mentor)

        html = client.get(
            reverse("mentoring:reflections", args=[a_cycle_in_speed_date.pk, world.class_group.pk])
        ).content.decode()

        assert "has not been published to this department yet" in html

    def test_the_mentor_reads_it_and_comments(self, client, world, submitted, english):
        client.force_login(world.mentor)
        url = reverse("mentoring:reflection_view", args=[submitted.pk])

        html = client.get(url).content.decode()
        assert submitted.went_well in html
        assert "Een voldoende voor Nederlands" in html
        assert reverse("mentoring:reflection_comment", args=[submitted.pk]) in html
        assert reverse("mentoring:reflection_reopen", args=[submitted.pk]) in html

        response = client.post(reverse("mentoring:reflection_comment", args=[submitted.pk]), {"comment": "Top!"})

        assert response.status_code == 302
        assert response.url == url
        submitted.refresh_from_db()
        assert (submitted.mentor_comment, submitted.commented_by) == ("Top!", world.mentor)

    def test_the_team_leader_reads_the_comment_without_the_form(self, client, world, submitted):
        services.reflection_comment(reflection=submitted, actor=world.mentor, text="Mooi.")
        client.force_login(world.team_leader)

        html = client.get(reverse("mentoring:reflection_view", args=[submitted.pk])).content.decode()

        assert "Mooi." in html
        assert reverse("mentoring:reflection_comment", args=[submitted.pk]) not in html
        assert reverse("mentoring:reflection_reopen", args=[submitted.pk]) not in html
        response = client.post(reverse("mentoring:reflection_comment", args=[submitted.pk]), {"comment": "Anders."})
        assert response.status_code == 403
        submitted.refresh_from_db()
        assert submitted.mentor_comment == "Mooi."

    def test_a_too_long_comment_is_refused_with_the_message(self, client, world, submitted, english):
        client.force_login(world.mentor)

        response = client.post(
            reverse("mentoring:reflection_comment", args=[submitted.pk]),
            {"comment": "x" * (REFLECTION_MAX_LENGTH + 1)},
        )

        assert response.status_code == 422
        assert f"at most {REFLECTION_MAX_LENGTH} fit" in response.content.decode()
        submitted.refresh_from_db()
        assert submitted.mentor_comment == ""

    def test_reopen_gives_it_back_to_the_student(self, client, world, submitted):
        client.force_login(world.mentor)

        response = client.post(reverse("mentoring:reflection_reopen", args=[submitted.pk]))

        assert response.status_code == 302
        assert response.url == reverse("mentoring:reflections", args=[submitted.cycle.pk, world.class_group.pk])
        submitted.refresh_from_db()
        assert submitted.status == Reflection.Status.DRAFT
        # A draft again: the mentor no longer reads it; the student writes again.
        assert client.get(reverse("mentoring:reflection_view", args=[submitted.pk])).status_code == 404
        client.force_login(world.student_user)
        html = client.get(page_url(submitted.cycle)).content.decode()
        assert "hx-post" in html
        response = client.post(page_url(submitted.cycle), form_data(submitted, went_well="Aangevuld."), **HTMX)
        assert response.status_code == 200

    def test_the_student_following_the_link_lands_on_their_own_page(self, client, world, submitted):
        client.force_login(world.student_user)

        response = client.get(reverse("mentoring:reflection_view", args=[submitted.pk]))

        assert response.status_code == 302
        assert response.url == page_url(submitted.cycle)


def test_agreement_owner_and_status_show_in_words(client, world, a_previous_cycle, a_published_cycle, english):
    Publication.objects.create(cycle=a_previous_cycle, department=world.department)
    make_decision_agreement(world, a_previous_cycle, text="Huiswerk plannen", status=Agreement.Status.NOT_MET)
    client.force_login(world.student_user)

    html = client.get(page_url(a_published_cycle)).content.decode()

    assert "Huiswerk plannen" in html
    assert "not met" in html
