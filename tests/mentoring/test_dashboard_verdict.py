"""The mentor's verdict: the service (policy, validation, replace, undo) and its view (htmx and plain)."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from mentoring.models import MentorReview
from mentoring.services.dashboard import verdict_clear, verdict_set
from reviews.models import Phase

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cycle(a_cycle_in_speed_date):
    return a_cycle_in_speed_date


def verdict_url(cycle, student) -> str:
    return reverse("mentoring:verdict", args=[cycle.pk, student.pk])


def dashboard_url(world, cycle) -> str:
    return reverse("mentoring:dashboard", args=[cycle.pk, world.class_group.pk])


def english(client):
    """Assert on the English words: the Dutch ones arrive with the merged translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def close(cycle):
    cycle.phase = Phase.CLOSED
    cycle.save()


# --- the service ------------------------------------------------------------------------------------------


def test_the_mentor_marks_a_student_and_changes_their_mind(world, cycle):
    review = verdict_set(
        cycle=cycle, student=world.student, actor=world.mentor, verdict="needs_attention", note="Gesprek"
    )

    assert review.verdict == MentorReview.Verdict.NEEDS_ATTENTION
    assert review.note == "Gesprek"
    assert review.reviewed_by == world.mentor

    again = verdict_set(cycle=cycle, student=world.student, actor=world.mentor, verdict="clear", note=None)

    assert again.pk == review.pk
    assert MentorReview.objects.get().verdict == "clear"
    assert MentorReview.objects.get().note == "Gesprek"  # None keeps the note


def test_undo_takes_the_verdict_back(world, cycle):
    verdict_set(cycle=cycle, student=world.student, actor=world.mentor, verdict="clear")

    assert verdict_clear(cycle=cycle, student=world.student, actor=world.mentor) is True
    assert not MentorReview.objects.exists()
    assert verdict_clear(cycle=cycle, student=world.student, actor=world.mentor) is False


@pytest.mark.parametrize("who", ["team_leader", "admin", "care_coordinator", "other_mentor", "teacher", "outsider"])
def test_only_the_students_mentor_marks(world, cycle, who):
    with pytest.raises(PermissionDenied):
        verdict_set(cycle=cycle, student=world.student, actor=getattr(world, who), verdict="clear")
    with pytest.raises(PermissionDenied):
        verdict_clear(cycle=cycle, student=world.student, actor=getattr(world, who))
    assert not MentorReview.objects.exists()


def test_nobody_marks_in_a_closed_cycle(world, cycle):
    close(cycle)
    with pytest.raises(PermissionDenied):
        verdict_set(cycle=cycle, student=world.student, actor=world.mentor, verdict="clear")


@pytest.mark.parametrize("verdict", ["", "great", "CLEAR", "needs attention"])
def test_an_unknown_verdict_is_refused_with_a_clear_message(world, cycle, verdict):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        verdict_set(cycle=cycle, student=world.student, actor=world.mentor, verdict=verdict)

    assert "verdict" in refused.value.message_dict
    assert "clear" in refused.value.message_dict["verdict"][0]
    assert not MentorReview.objects.exists()


def test_a_note_that_is_too_long_is_refused(world, cycle):
    with pytest.raises(ValidationError) as refused:
        verdict_set(cycle=cycle, student=world.student, actor=world.mentor, verdict="clear", note="x" * 301)

    assert "300" in refused.value.message_dict["note"][0]
    assert not MentorReview.objects.exists()


def test_a_student_outside_the_cycle_is_refused(world, cycle):
    cycle.departments.set([world.other_department])
    with pytest.raises(ValidationError):
        verdict_set(cycle=cycle, student=world.student, actor=world.mentor, verdict="clear")


# --- the view: htmx ------------------------------------------------------------------------------------------


def test_htmx_gets_the_row_and_the_progress_out_of_band(client, world, cycle):
    client.force_login(world.mentor)

    response = client.post(verdict_url(cycle, world.student), {"verdict": "needs_attention"}, **HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="student-{world.student.pk}"')
    assert "mx-row--needs_attention" in html
    assert 'value="needs_attention" class="btn btn--small mx-act__button" aria-pressed="true"' in html
    assert 'name="undo"' in html
    # Out of band, inside a <template> so the fragment parses as table content.
    template = html.index("<template>")
    assert template < html.index('<div id="verdict-progress" class="mx-progress" hx-swap-oob="true">')
    assert 'value="1" max="1"' in html
    assert template < html.index('<div id="messages" hx-swap-oob="innerHTML">') < html.index("</template>")
    assert world.student.full_name in html
    assert MentorReview.objects.get().verdict == "needs_attention"


def test_htmx_sends_the_filter_counts_again_keeping_the_pages_sort(client, world, cycle):
    client.force_login(world.mentor)
    page = dashboard_url(world, cycle) + "?sort=red&filter=unreviewed"

    html = client.post(verdict_url(cycle, world.student), {"verdict": "clear", "next": page}, **HTMX).content.decode()

    assert '<div id="mx-controls" class="mx-controls" hx-swap-oob="true">' in html
    assert 'href="?sort=red&amp;filter=attention"' in html
    assert re.search(r'filter=unreviewed" aria-current="true">[^<]*<span class="mx-filters__count">\(0\)', html)
    assert f'name="next" value="{page.replace("&", "&amp;")}"' in html


def test_htmx_undo(client, world, cycle):
    verdict_set(cycle=cycle, student=world.student, actor=world.mentor, verdict="clear")
    client.force_login(world.mentor)

    response = client.post(verdict_url(cycle, world.student), {"undo": "1"}, **HTMX)

    assert response.status_code == 200
    assert 'name="undo"' not in response.content.decode()
    assert 'value="0" max="1"' in response.content.decode()
    assert not MentorReview.objects.exists()


def test_htmx_invalid_verdict_is_422_with_the_message_and_nothing_saved(client, world, cycle):
    english(client)
    client.force_login(world.mentor)

    response = client.post(verdict_url(cycle, world.student), {"verdict": "maybe"}, **HTMX)
    html = response.content.decode()

    assert response.status_code == 422
    assert 'class="mx-error" role="alert"' in html
    assert "Choose “clear” or “needs attention”." in html
    assert not MentorReview.objects.exists()


def test_htmx_team_leader_is_refused_with_403(client, world, cycle):
    client.force_login(world.team_leader)

    response = client.post(verdict_url(cycle, world.student), {"verdict": "clear"}, **HTMX)

    assert response.status_code == 403
    assert response.content.decode().lstrip().startswith("<tr")
    assert 'class="mx-error" role="alert"' in response.content.decode()
    assert not MentorReview.objects.exists()


# --- the view: plain forms ------------------------------------------------------------------------------------


def test_a_plain_form_is_redirected_back_to_next(client, world, cycle):
    client.force_login(world.mentor)
    back = dashboard_url(world, cycle) + "?sort=red&filter=unreviewed"

    response = client.post(verdict_url(cycle, world.student), {"verdict": "clear", "next": back})

    assert response.status_code == 302
    assert response.url == f"{back}#student-{world.student.pk}"
    assert MentorReview.objects.get().verdict == "clear"
    page = client.get(back)
    assert page.status_code == 200


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/x", ""])
def test_an_unsafe_next_falls_back_to_the_dashboard(client, world, cycle, unsafe):
    client.force_login(world.mentor)

    response = client.post(verdict_url(cycle, world.student), {"verdict": "clear", "next": unsafe})

    assert response.url == f"{dashboard_url(world, cycle)}#student-{world.student.pk}"


def test_a_plain_invalid_verdict_shows_the_dashboard_with_the_message(client, world, cycle):
    english(client)
    client.force_login(world.mentor)

    response = client.post(verdict_url(cycle, world.student), {"verdict": "maybe"})
    html = response.content.decode()

    assert response.status_code == 422
    assert "Choose “clear” or “needs attention”." in html
    assert f'id="student-{world.student.pk}"' in html
    assert not MentorReview.objects.exists()


def test_a_plain_undo(client, world, cycle):
    verdict_set(cycle=cycle, student=world.student, actor=world.mentor, verdict="clear")
    client.force_login(world.mentor)

    response = client.post(verdict_url(cycle, world.student), {"undo": "1"})

    assert response.status_code == 302
    assert not MentorReview.objects.exists()


def test_a_closed_cycle_refuses_the_mentor_with_403(client, world, cycle):
    close(cycle)
    client.force_login(world.mentor)

    assert client.post(verdict_url(cycle, world.student), {"verdict": "clear"}).status_code == 403
    htmx = client.post(verdict_url(cycle, world.student), {"verdict": "clear"}, **HTMX)
    assert htmx.status_code == 403
    assert not MentorReview.objects.exists()
    # The dashboard of a closed cycle can be read, without buttons.
    html = client.get(dashboard_url(world, cycle)).content.decode()
    assert "data-mx-verdict" not in html


def test_a_team_leader_is_refused_with_403_and_another_mentor_with_404(client, world, cycle):
    client.force_login(world.team_leader)
    assert client.post(verdict_url(cycle, world.student), {"verdict": "clear"}).status_code == 403

    client.force_login(world.other_mentor)
    assert client.post(verdict_url(cycle, world.student), {"verdict": "clear"}).status_code == 404
    assert not MentorReview.objects.exists()
