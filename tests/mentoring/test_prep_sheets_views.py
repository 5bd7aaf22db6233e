"""The prep-sheet pages: who may see, make and download them; the HTMX polling; never a public file URL."""

import pytest
from django.urls import reverse

from mentoring.models import PrepSheetJob, Publication
from mentoring.selectors.prep_sheets import prep_sheets_page
from mentoring.services import prep_sheets as service
from reviews.models import ReviewCycle
from school.models import ClassGroup, Student
from school.policies import roles_of
from tests.conftest import EVERYONE
from tests.factories import GuardianFactory, StudentFactory
from tests.mentoring.test_prep_sheets_pdf import ADVICE, GOAL, a_submitted_reflection, private_media, text_of

__all__ = ["a_submitted_reflection", "private_media"]  # fixtures, used by name

# Who follows 4H1: its mentor, the department's team leader and the school-wide roles. Only the mentor makes sheets.
CLASS_READERS = {"admin", "care_coordinator", "team_leader", "mentor"}
# Who reads world.student's own sheet once the round is published: the followers, the student and their guardian.
SHEET_READERS = CLASS_READERS | {"student_user", "guardian"}


def status_url(cycle, class_group) -> str:
    return reverse("mentoring:prep_sheets", args=[cycle.pk, class_group.pk])


def download_url(cycle, class_group) -> str:
    return reverse("mentoring:prep_sheets_download", args=[cycle.pk, class_group.pk])


def sheet_url(cycle, student) -> str:
    return reverse("mentoring:prep_sheet", args=[cycle.pk, student.pk])


@pytest.fixture
def ready_sheets(world, a_published_cycle) -> PrepSheetJob:
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    return service.prep_sheet_job_run(job_id=job.pk)


def pdf_of(response) -> str:
    return text_of(b"".join(response.streaming_content))


def test_the_urls():
    cycle, class_group, student = ReviewCycle(pk=3), ClassGroup(pk=5), Student(pk=8)
    assert status_url(cycle, class_group) == "/mentoring/cycles/3/classes/5/prep-sheets/"
    assert download_url(cycle, class_group) == "/mentoring/cycles/3/classes/5/prep-sheets/download/"
    assert sheet_url(cycle, student) == "/mentoring/my/cycles/3/students/8/prep-sheet/"


# --- access ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["status", "download", "sheet"])
def test_anonymous_users_are_sent_to_log_in(client, world, a_published_cycle, ready_sheets, page):
    url = {
        "status": status_url(a_published_cycle, world.class_group),
        "download": download_url(a_published_cycle, world.class_group),
        "sheet": sheet_url(a_published_cycle, world.student),
    }[page]

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_users_cannot_ask_for_sheets(client, world, a_published_cycle):
    response = client.post(status_url(a_published_cycle, world.class_group))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not PrepSheetJob.objects.exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_who_sees_the_class_page(client, world, a_published_cycle, who):
    client.force_login(getattr(world, who))

    response = client.get(status_url(a_published_cycle, world.class_group))

    assert response.status_code == (200 if who in CLASS_READERS else 404)


@pytest.mark.parametrize("who", EVERYONE)
def test_who_makes_the_sheets(client, world, a_published_cycle, who, django_capture_on_commit_callbacks):
    client.force_login(getattr(world, who))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(status_url(a_published_cycle, world.class_group))

    if who == "mentor":
        assert response.status_code == 302
        assert response.url == status_url(a_published_cycle, world.class_group)
        assert PrepSheetJob.objects.get().status == PrepSheetJob.Status.DONE
    else:
        assert response.status_code == (403 if who in CLASS_READERS else 404)
        assert not PrepSheetJob.objects.exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_who_downloads_the_class_pdf(client, world, a_published_cycle, ready_sheets, who):
    client.force_login(getattr(world, who))

    response = client.get(download_url(a_published_cycle, world.class_group))

    assert response.status_code == (200 if who in CLASS_READERS else 404)
    if who in CLASS_READERS:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "4h1-ronde-1.pdf" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert ADVICE in pdf_of(response)


@pytest.mark.parametrize("who", EVERYONE)
def test_who_reads_a_students_own_sheet(client, world, a_published_cycle, who):
    client.force_login(getattr(world, who))

    response = client.get(sheet_url(a_published_cycle, world.student))

    assert response.status_code == (200 if who in SHEET_READERS else 404)
    if who in SHEET_READERS:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert world.student.full_name in pdf_of(response)


@pytest.mark.parametrize("who", ["student_user", "guardian"])
def test_nothing_for_students_and_guardians_before_publishing(client, world, a_cycle_in_speed_date, who):
    client.force_login(getattr(world, who))

    assert client.get(sheet_url(a_cycle_in_speed_date, world.student)).status_code == 404


def test_a_mentor_reads_the_sheet_before_publishing(client, world, a_cycle_in_speed_date):
    client.force_login(world.mentor)

    response = client.get(sheet_url(a_cycle_in_speed_date, world.student))

    assert response.status_code == 200
    assert ADVICE in pdf_of(response)


def test_publishing_to_another_department_shows_nothing(client, world, a_cycle_in_speed_date):
    Publication.objects.create(cycle=a_cycle_in_speed_date, department=world.other_department)
    client.force_login(world.guardian)

    assert client.get(sheet_url(a_cycle_in_speed_date, world.student)).status_code == 404


def test_another_schools_admin_gets_404_everywhere(client, world, a_published_cycle, ready_sheets):
    client.force_login(world.outsider)

    assert client.get(status_url(a_published_cycle, world.class_group)).status_code == 404
    assert client.post(status_url(a_published_cycle, world.class_group)).status_code == 404
    assert client.get(download_url(a_published_cycle, world.class_group)).status_code == 404
    assert client.get(sheet_url(a_published_cycle, world.student)).status_code == 404


def test_a_class_the_round_does_not_cover_is_404(client, world, a_published_cycle):
    a_published_cycle.departments.set([world.other_department])
    client.force_login(world.mentor)

    assert client.get(status_url(a_published_cycle, world.class_group)).status_code == 404
    assert client.post(status_url(a_published_cycle, world.class_group)).status_code == 404


def test_a_student_the_round_does_not_cover_is_404(client, world, a_published_cycle):
    outside = StudentFactory(school=world.school, class_group=None)
    client.force_login(world.admin)

    assert client.get(sheet_url(a_published_cycle, outside)).status_code == 404


def test_only_get_and_post(client, world, a_published_cycle):
    client.force_login(world.mentor)
    assert client.delete(status_url(a_published_cycle, world.class_group)).status_code == 405
    assert client.post(download_url(a_published_cycle, world.class_group)).status_code == 405
    assert client.post(sheet_url(a_published_cycle, world.student)).status_code == 405


# --- the sheet in the reader's language ----------------------------------------------------------------------


def test_a_guardian_reads_in_their_own_language_and_the_student_in_theirs(
    client, world, a_published_cycle, a_submitted_reflection
):
    world.guardian.language = "en"
    world.guardian.save()

    client.force_login(world.guardian)
    guardian_text = pdf_of(client.get(sheet_url(a_published_cycle, world.student)))
    client.force_login(world.student_user)
    student_text = pdf_of(client.get(sheet_url(a_published_cycle, world.student)))

    assert "Traffic lights and advice" in guardian_text
    assert GOAL in guardian_text
    assert "Advies" in student_text  # the student has no preference: the school's Dutch
    assert GOAL in student_text


# --- the flow ----------------------------------------------------------------------------------------------


def test_the_mentor_makes_and_downloads_the_sheets(
    client, world, a_published_cycle, a_submitted_reflection, django_capture_on_commit_callbacks
):
    client.force_login(world.mentor)
    url = status_url(a_published_cycle, world.class_group)
    html = client.get(url).content.decode()
    assert f'action="{url}"' in html
    assert download_url(a_published_cycle, world.class_group) not in html
    assert sheet_url(a_published_cycle, world.student) in html  # each student's own sheet

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)

    assert len(callbacks) == 1
    assert response.url == url
    html = client.get(url).content.decode()
    assert f'href="{download_url(a_published_cycle, world.class_group)}"' in html
    assert "badge--success" in html
    assert "hx-trigger" not in html  # done: nothing to poll
    download = client.get(download_url(a_published_cycle, world.class_group))
    assert download.status_code == 200
    assert GOAL in pdf_of(download)
    assert "/media/" not in html  # never a public file URL


def test_the_team_leader_reads_but_does_not_make(client, world, a_published_cycle, ready_sheets):
    client.force_login(world.team_leader)

    html = client.get(status_url(a_published_cycle, world.class_group)).content.decode()

    assert f'href="{download_url(a_published_cycle, world.class_group)}"' in html
    assert "<form" not in html.split('id="prep-sheets-status"')[1]


def test_before_anyone_asked_the_team_leader_is_told_who_makes_them(client, world, a_published_cycle):
    client.force_login(world.team_leader)

    html = client.get(status_url(a_published_cycle, world.class_group)).content.decode()

    assert 'class="next-step"' in html
    assert f'action="{status_url(a_published_cycle, world.class_group)}"' not in html


def test_download_is_refused_before_the_sheets_are_ready(client, world, a_published_cycle):
    client.force_login(world.mentor)
    url = download_url(a_published_cycle, world.class_group)
    assert client.get(url).status_code == 404  # never asked for

    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    assert client.get(url).status_code == 404  # waiting

    PrepSheetJob.objects.filter(pk=job.pk).update(status=PrepSheetJob.Status.RUNNING)
    assert client.get(url).status_code == 404  # being made

    PrepSheetJob.objects.filter(pk=job.pk).update(status=PrepSheetJob.Status.FAILED, error="OSError: disk full")
    assert client.get(url).status_code == 404  # failed


def test_download_of_a_file_gone_missing_is_404_not_500(client, world, a_published_cycle, ready_sheets):
    ready_sheets.file.storage.delete(ready_sheets.file.name)
    client.force_login(world.mentor)

    assert client.get(download_url(a_published_cycle, world.class_group)).status_code == 404


# --- polling ------------------------------------------------------------------------------------------------


def test_the_page_polls_every_two_seconds_and_shows_progress(client, world, a_published_cycle):
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    PrepSheetJob.objects.filter(pk=job.pk).update(status=PrepSheetJob.Status.RUNNING, done=12, total=30)
    client.force_login(world.mentor)
    url = status_url(a_published_cycle, world.class_group)

    page = client.get(url).content.decode()
    fragment = client.get(url, headers={"HX-Request": "true"})

    assert 'hx-trigger="every 2s"' in page
    assert f'hx-get="{url}"' in page
    assert '<meta http-equiv="refresh" content="3">' in page  # without JavaScript
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="prep-sheets-status"')
    assert "<html" not in html
    assert 'hx-trigger="every 2s"' in html
    assert 'aria-live="polite"' in html
    assert '<progress aria-labelledby="prep-sheets-progress-label" value="12" max="30">' in html
    assert "12 van 30" in html
    assert download_url(a_published_cycle, world.class_group) not in html
    assert "<form" not in html  # no second request while one runs


def test_leaving_and_coming_back_shows_the_live_state(client, world, a_published_cycle):
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    PrepSheetJob.objects.filter(pk=job.pk).update(status=PrepSheetJob.Status.RUNNING, done=3, total=30)
    client.force_login(world.team_leader)  # someone else, another session

    html = client.get(status_url(a_published_cycle, world.class_group)).content.decode()

    assert "3 van 30" in html
    assert 'hx-trigger="every 2s"' in html


def test_the_polling_stops_when_the_sheets_are_ready(client, world, a_published_cycle):
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    client.force_login(world.mentor)
    url = status_url(a_published_cycle, world.class_group)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200

    service.prep_sheet_job_run(job_id=job.pk)  # the worker finishes while the user waits (or is away)
    fragment = client.get(url, headers={"HX-Request": "true"})

    assert fragment.status_code == 286  # htmx: stop polling
    html = fragment.content.decode()
    assert "hx-trigger" not in html
    assert f'href="{download_url(a_published_cycle, world.class_group)}"' in html
    assert f'action="{url}"' in html  # make them again


def test_a_failed_job_shows_an_error_and_a_retry_button(client, world, a_published_cycle):
    job = service.prep_sheet_job_request(cycle=a_published_cycle, class_group=world.class_group, actor=world.mentor)
    PrepSheetJob.objects.filter(pk=job.pk).update(status=PrepSheetJob.Status.FAILED, error="OSError: disk full")
    client.force_login(world.mentor)
    url = status_url(a_published_cycle, world.class_group)

    fragment = client.get(url, headers={"HX-Request": "true"})

    assert fragment.status_code == 286
    html = fragment.content.decode()
    assert "badge--danger" in html
    assert 'class="alert alert--error"' in html
    assert "OSError: disk full" in html
    assert f'action="{url}"' in html
    assert "Opnieuw proberen" in html  # "Try again"
    assert download_url(a_published_cycle, world.class_group) not in html


def test_the_page_has_no_inline_script_or_style(client, world, a_published_cycle, ready_sheets):
    client.force_login(world.mentor)
    html = client.get(status_url(a_published_cycle, world.class_group)).content.decode()

    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html
    assert " on" + "click=" not in html


# --- queries ------------------------------------------------------------------------------------------------


def test_the_class_page_takes_the_same_queries_for_a_bigger_class(
    world, a_published_cycle, ready_sheets, django_assert_num_queries
):
    roles_of(world.mentor)  # read once per request, before the page (the middleware and the view's policy)
    # The students, their guardians, the reflections' states and the job.
    with django_assert_num_queries(4):
        small = prep_sheets_page(cycle=a_published_cycle, class_group=world.class_group, user=world.mentor)

    for _ in range(5):
        student = StudentFactory(school=world.school, class_group=world.class_group)
        GuardianFactory(school=world.school, students=[student])

    with django_assert_num_queries(4):
        large = prep_sheets_page(cycle=a_published_cycle, class_group=world.class_group, user=world.mentor)
    assert (len(small.rows), len(large.rows)) == (1, 6)
