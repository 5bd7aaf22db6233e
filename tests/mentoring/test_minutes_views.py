"""The minutes pages: who may see, make and download them; the HTMX polling; never a public file URL."""

import pytest
from django.urls import reverse

from mentoring.models import DepartmentMeeting, MinutesJob
from mentoring.services import minutes as service
from tests.mentoring.test_minutes_pdf import DECISION, decide, pdf_text

EVERYONE = [
    "admin",
    "care_coordinator",
    "team_leader",
    "other_team_leader",
    "mentor",
    "other_mentor",
    "teacher",
    "other_teacher",
    "student_user",
    "guardian",
    "outsider",
]
# The meeting's followers: its team leader, the school-wide roles, and who was present (other_teacher).
FOLLOWERS = {"admin", "care_coordinator", "team_leader", "other_teacher"}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def a_decided_meeting(world, a_meeting, an_escalation) -> DepartmentMeeting:
    decide(a_meeting, an_escalation, actor=world.team_leader)
    a_meeting.attendees.set([world.team_leader.staff, world.other_teacher.staff])
    return a_meeting


@pytest.fixture
def ready_minutes(world, a_decided_meeting) -> MinutesJob:
    job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    return service.minutes_job_run(job_id=job.pk)


def status_url(meeting) -> str:
    return reverse("mentoring:minutes", args=[meeting.pk])


def download_url(meeting) -> str:
    return reverse("mentoring:minutes_download", args=[meeting.pk])


def test_the_urls():
    assert status_url(DepartmentMeeting(pk=7)) == "/mentoring/meetings/7/minutes/"
    assert download_url(DepartmentMeeting(pk=7)) == "/mentoring/meetings/7/minutes/download/"


# --- access ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["status", "download"])
def test_anonymous_users_are_sent_to_log_in(client, a_decided_meeting, ready_minutes, page):
    url = status_url(a_decided_meeting) if page == "status" else download_url(a_decided_meeting)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", EVERYONE)
def test_who_sees_the_minutes_page(client, world, a_decided_meeting, who):
    client.force_login(getattr(world, who))

    response = client.get(status_url(a_decided_meeting))

    assert response.status_code == (200 if who in FOLLOWERS else 404)


@pytest.mark.parametrize("who", EVERYONE)
def test_who_downloads_the_minutes(client, world, a_decided_meeting, ready_minutes, who):
    client.force_login(getattr(world, who))

    response = client.get(download_url(a_decided_meeting))

    assert response.status_code == (200 if who in FOLLOWERS else 404)
    if who in FOLLOWERS:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="notulen-bovenbouw-havo-ronde-1.pdf"' in response["Content-Disposition"] or (
            'filename="minutes-bovenbouw-havo-ronde-1.pdf"' in response["Content-Disposition"]
        )
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_ask_for_the_minutes(client, world, a_decided_meeting, who, django_capture_on_commit_callbacks):
    client.force_login(getattr(world, who))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(status_url(a_decided_meeting))

    if who in FOLLOWERS:
        assert response.status_code == 302
        assert response.url == status_url(a_decided_meeting)
        assert MinutesJob.objects.get().status == MinutesJob.Status.DONE
    else:
        assert response.status_code == 404
        assert not MinutesJob.objects.exists()


def test_another_schools_admin_gets_404_everywhere(client, world, a_decided_meeting, ready_minutes):
    client.force_login(world.outsider)

    assert client.get(status_url(a_decided_meeting)).status_code == 404
    assert client.post(status_url(a_decided_meeting)).status_code == 404
    assert client.get(download_url(a_decided_meeting)).status_code == 404


def test_only_get_and_post(client, world, a_decided_meeting):
    client.force_login(world.team_leader)
    assert client.delete(status_url(a_decided_meeting)).status_code == 405
    assert client.post(download_url(a_decided_meeting)).status_code == 405


# --- the flow ----------------------------------------------------------------------------------------------


def test_the_team_leader_makes_and_downloads_the_minutes(
    client, world, a_decided_meeting, django_capture_on_commit_callbacks
):
    client.force_login(world.team_leader)
    html = client.get(status_url(a_decided_meeting)).content.decode()
    assert f'action="{status_url(a_decided_meeting)}"' in html
    assert download_url(a_decided_meeting) not in html

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(status_url(a_decided_meeting))

    assert len(callbacks) == 1
    assert response.url == status_url(a_decided_meeting)
    html = client.get(response.url).content.decode()
    assert f'href="{download_url(a_decided_meeting)}"' in html
    assert "badge--success" in html
    assert "hx-trigger" not in html  # done: nothing to poll
    download = client.get(download_url(a_decided_meeting))
    assert download.status_code == 200
    job = MinutesJob.objects.get()
    assert DECISION in " ".join(pdf_text(job).split())
    assert "/media/" not in html  # never a public file URL


def test_download_is_refused_before_the_minutes_are_ready(client, world, a_decided_meeting):
    client.force_login(world.team_leader)
    assert client.get(download_url(a_decided_meeting)).status_code == 404  # never asked for

    job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    assert client.get(download_url(a_decided_meeting)).status_code == 404  # waiting

    MinutesJob.objects.filter(pk=job.pk).update(status=MinutesJob.Status.RUNNING)
    assert client.get(download_url(a_decided_meeting)).status_code == 404  # being made

    MinutesJob.objects.filter(pk=job.pk).update(status=MinutesJob.Status.FAILED, error="OSError: disk full")
    assert client.get(download_url(a_decided_meeting)).status_code == 404  # failed


def test_download_of_a_file_gone_missing_is_404_not_500(client, world, a_decided_meeting, ready_minutes):
    ready_minutes.file.storage.delete(ready_minutes.file.name)
    client.force_login(world.team_leader)

    assert client.get(download_url(a_decided_meeting)).status_code == 404


def test_without_a_decision_there_is_nothing_to_make(client, world, a_meeting):
    client.force_login(world.team_leader)
    html = client.get(status_url(a_meeting)).content.decode()
    assert f'action="{status_url(a_meeting)}"' not in html
    assert "next-step" in html

    response = client.post(status_url(a_meeting), follow=True)

    assert response.status_code == 200
    assert 'class="alert alert--error"' in response.content.decode()
    assert not MinutesJob.objects.exists()


# --- polling ------------------------------------------------------------------------------------------------


def test_the_page_polls_every_two_seconds_while_the_minutes_are_made(client, world, a_decided_meeting):
    service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)  # not run: still waiting
    client.force_login(world.team_leader)

    page = client.get(status_url(a_decided_meeting)).content.decode()
    fragment = client.get(status_url(a_decided_meeting), headers={"HX-Request": "true"})

    assert 'hx-trigger="every 2s"' in page
    assert f'hx-get="{status_url(a_decided_meeting)}"' in page
    assert '<meta http-equiv="refresh" content="3">' in page  # without JavaScript
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="minutes-status"')
    assert "<html" not in html
    assert 'hx-trigger="every 2s"' in html
    assert 'aria-live="polite"' in html
    assert download_url(a_decided_meeting) not in html
    assert "<form" not in html  # no second request while one runs


def test_the_polling_stops_when_the_minutes_are_ready(client, world, a_decided_meeting):
    job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    client.force_login(world.team_leader)
    assert client.get(status_url(a_decided_meeting), headers={"HX-Request": "true"}).status_code == 200

    service.minutes_job_run(job_id=job.pk)  # the worker finishes while the user waits (or is away)
    fragment = client.get(status_url(a_decided_meeting), headers={"HX-Request": "true"})

    assert fragment.status_code == 286  # htmx: stop polling
    html = fragment.content.decode()
    assert "hx-trigger" not in html
    assert f'href="{download_url(a_decided_meeting)}"' in html
    assert f'action="{status_url(a_decided_meeting)}"' in html  # make them again


def test_a_failed_job_shows_an_error_and_a_retry_button(client, world, a_decided_meeting):
    job = service.minutes_job_request(meeting=a_decided_meeting, actor=world.team_leader)
    MinutesJob.objects.filter(pk=job.pk).update(status=MinutesJob.Status.FAILED, error="OSError: disk full")
    client.force_login(world.team_leader)

    fragment = client.get(status_url(a_decided_meeting), headers={"HX-Request": "true"})

    assert fragment.status_code == 286
    html = fragment.content.decode()
    assert "badge--danger" in html
    assert 'class="alert alert--error"' in html
    assert "OSError: disk full" in html
    assert f'action="{status_url(a_decided_meeting)}"' in html
    assert download_url(a_decided_meeting) not in html


def test_the_page_has_no_inline_script_or_style(client, world, a_decided_meeting, ready_minutes):
    client.force_login(world.team_leader)
    html = client.get(status_url(a_decided_meeting)).content.decode()

    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html
