"""The upload page: who may use it, upload → preview in the worker → apply, polling, and the upload limits."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from school.models import RosterImport, Student
from tests.factories import StaffFactory

from .roster_data import DATA, roster_counts

NOT_ADMINS = [
    "team_leader",
    "mentor",
    "teacher",
    "care_coordinator",
    "student_user",
    "guardian",
]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages speak Dutch by default
    with translation.override("en"):
        yield


def zip_upload(name="simple", filename="rooster.zip"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((DATA / name).iterdir()):
            archive.write(path, path.name)
    return SimpleUploadedFile(filename, buffer.getvalue(), content_type="application/zip")


def csv_uploads(name="simple"):
    return [SimpleUploadedFile(path.name, path.read_bytes(), "text/csv") for path in sorted((DATA / name).iterdir())]


def a_job(world, **fields):
    return RosterImport.objects.create(school=world.school, started_by=world.admin, **fields)


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def upload(client, files, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("school:roster_import"), {"files": files})
    return response, callbacks


# --- access --------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world):
    job = a_job(world)
    for url in (
        reverse("school:roster_import"),
        reverse("school:roster_import_detail", args=[job.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(reverse("school:roster_import_apply", args=[job.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_everyone_but_the_school_admin_is_refused_with_403(client, world, who):
    job = a_job(world, status=RosterImport.Status.PREVIEWED, upload_path="x")
    client.force_login(getattr(world, who))

    assert client.get(reverse("school:roster_import")).status_code == 403
    assert client.post(reverse("school:roster_import"), {"files": [zip_upload()]}).status_code == 403
    assert client.get(reverse("school:roster_import_detail", args=[job.pk])).status_code == 403
    assert client.post(reverse("school:roster_import_apply", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == RosterImport.Status.PREVIEWED
    assert not RosterImport.objects.exclude(pk=job.pk).exists()


def test_an_inactive_school_admin_is_refused(client, world):
    world.admin.staff.is_active = False
    world.admin.staff.save()
    client.force_login(world.admin)

    assert client.get(reverse("school:roster_import")).status_code == 403


def test_a_job_of_another_school_is_not_found(client, world):
    job = a_job(world, status=RosterImport.Status.PREVIEWED, upload_path="x")
    client.force_login(world.outsider)  # the admin of another school

    assert client.get(reverse("school:roster_import")).status_code == 200
    assert client.get(reverse("school:roster_import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("school:roster_import_apply", args=[job.pk])).status_code == 404
    assert client.get(reverse("school:roster_import_detail", args=[job.pk + 1000])).status_code == 404
    job.refresh_from_db()
    assert job.status == RosterImport.Status.PREVIEWED


def test_apply_takes_post_only(admin_client, world):
    job = a_job(world, status=RosterImport.Status.PREVIEWED, upload_path="x")

    assert admin_client.get(reverse("school:roster_import_apply", args=[job.pk])).status_code == 405


# --- the page ------------------------------------------------------------------------------


def test_the_admin_sees_the_form_and_the_recent_imports(admin_client, world):
    a_job(world, status=RosterImport.Status.APPLIED, upload_name="rooster.zip")

    response = admin_client.get(reverse("school:roster_import"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "rooster.zip" in content
    assert "<title>Roster import" in content


def test_the_list_of_imports_costs_the_same_queries_however_long(admin_client, world, django_assert_num_queries):
    a_job(world)
    admin_client.get(reverse("school:roster_import"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        admin_client.get(reverse("school:roster_import"))
    for _ in range(8):
        a_job(world, status=RosterImport.Status.FAILED)
    with django_assert_num_queries(len(one)):
        admin_client.get(reverse("school:roster_import"))


# --- upload → preview → apply --------------------------------------------------------------


def test_upload_preview_and_apply(admin_client, world, private_media, django_capture_on_commit_callbacks):
    students_before = Student.objects.count()

    response, callbacks = upload(admin_client, [zip_upload()], django_capture_on_commit_callbacks)

    # The dry run was queued after the commit (and ran: tasks are eager in tests).
    assert len(callbacks) == 1
    job = RosterImport.objects.get(school=world.school, upload_name="rooster.zip")
    assert response.status_code == 302
    assert response.url == reverse("school:roster_import_detail", args=[job.pk])
    assert (job.status, job.format, job.dry_run, job.progress) == ("previewed", "simple", True, 100)
    assert job.summary["students"] == {"created": 5, "updated": 0, "deactivated": 2}
    assert Student.objects.count() == students_before  # a preview writes nothing
    # The upload is kept privately under MEDIA_ROOT until it is applied.
    stored = Path(private_media) / job.upload_path
    assert stored.is_file()
    assert stored.is_relative_to(private_media)

    page = admin_client.get(response.url)
    content = page.content.decode()
    assert "What the import will change" in content
    assert reverse("school:roster_import_apply", args=[job.pk]) in content
    assert "hx-trigger" not in content

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        applied = admin_client.post(reverse("school:roster_import_apply", args=[job.pk]))

    assert len(callbacks) == 1
    assert applied.url == reverse("school:roster_import_detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.applied_by) == ("applied", False, world.admin)
    assert Student.objects.filter(school=world.school, number="100003", is_active=True).exists()
    # The two students of the test world are not in the files: deactivated, not deleted.
    assert Student.objects.count() == students_before + 5
    assert not stored.exists()
    assert job.upload_path == ""
    assert "What the import changed" in admin_client.get(applied.url).content.decode()
    # The admin who applied it is not in the files, but keeps their access.
    world.admin.staff.refresh_from_db()
    assert world.admin.staff.is_active


def test_several_csv_files_can_be_uploaded_at_once(admin_client, world, django_capture_on_commit_callbacks):
    upload(admin_client, csv_uploads("oneroster"), django_capture_on_commit_callbacks)

    job = RosterImport.objects.get(school=world.school)
    assert job.status == RosterImport.Status.PREVIEWED, job.errors
    assert job.format == "oneroster"
    assert "users.csv" in job.upload_name


def test_a_preview_with_errors_shows_file_row_and_column(admin_client, world, django_capture_on_commit_callbacks):
    files = csv_uploads("simple")
    leerlingen = next(f for f in files if f.name == "leerlingen.csv")
    files[files.index(leerlingen)] = SimpleUploadedFile(
        "leerlingen.csv", leerlingen.read().replace(b"100002;Daan", b"100002;"), "text/csv"
    )
    counts = roster_counts()

    upload(admin_client, files, django_capture_on_commit_callbacks)

    job = RosterImport.objects.get(school=world.school)
    assert job.status == RosterImport.Status.FAILED
    content = admin_client.get(reverse("school:roster_import_detail", args=[job.pk])).content.decode()
    assert "leerlingen.csv" in content
    assert "<td>voornaam</td>" in content
    assert "This value is required." in content
    assert reverse("school:roster_import_apply", args=[job.pk]) not in content
    # Only the job row was added.
    assert roster_counts() == {**counts, "school.RosterImport": counts["school.RosterImport"] + 1}
    # And it cannot be applied.
    response = admin_client.post(reverse("school:roster_import_apply", args=[job.pk]), follow=True)
    assert "This import cannot be applied" in response.content.decode()


def test_applying_twice_queues_one_task(admin_client, world, django_capture_on_commit_callbacks):
    upload(admin_client, [zip_upload()], django_capture_on_commit_callbacks)
    job = RosterImport.objects.get(school=world.school)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("school:roster_import_apply", args=[job.pk]))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(reverse("school:roster_import_apply", args=[job.pk]), follow=True)

    assert callbacks == []
    assert "only a preview without errors can, and only once" in response.content.decode()


# --- polling -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "running"])
def test_while_the_worker_runs_the_fragment_polls_every_two_seconds(admin_client, world, status):
    job = a_job(world, status=status, progress=40)
    url = reverse("school:roster_import_detail", args=[job.pk])

    fragment = admin_client.get(url, headers={"HX-Request": "true"})

    content = fragment.content.decode()
    assert fragment.status_code == 200
    assert content.lstrip().startswith('<div id="roster-import-status"')
    assert "<html" not in content
    assert f'hx-get="{url}"' in content
    assert 'hx-trigger="every 2s"' in content
    assert 'value="40"' in content
    # The full page works without JavaScript: it reloads itself and has a refresh link.
    page = admin_client.get(url).content.decode()
    assert "<html" in page
    assert '<meta http-equiv="refresh"' in page
    assert f'href="{url}"' in page


@pytest.mark.parametrize("status", ["previewed", "applied", "failed"])
def test_when_done_the_fragment_stops_polling(admin_client, world, status):
    job = a_job(world, status=status, summary={"students": {"created": 1, "updated": 0, "deactivated": 0}})
    url = reverse("school:roster_import_detail", args=[job.pk])

    fragment = admin_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert "hx-trigger" not in fragment
    assert "hx-get" not in fragment
    assert '<meta http-equiv="refresh"' not in admin_client.get(url).content.decode()


# --- upload limits -------------------------------------------------------------------------


def test_an_upload_over_the_limit_is_refused_with_its_size(admin_client, world, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 1024

    response = admin_client.post(reverse("school:roster_import"), {"files": [zip_upload()]})

    assert response.status_code == 200
    assert "it may be at most 1.0\xa0KB" in response.content.decode()
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([SimpleUploadedFile("rooster.xlsx", b"PK\x03\x04")], "“rooster.xlsx” is not a zip or CSV file."),
        ([SimpleUploadedFile("rooster.pdf", b"%PDF-1.4")], "“rooster.pdf” is not a zip or CSV file."),
        (
            [SimpleUploadedFile("a.zip", b"PK"), SimpleUploadedFile("b.csv", b"x")],
            "Upload one zip file, or CSV files without a zip.",
        ),
        ([], "This field is required."),
    ],
)
def test_uploads_that_are_not_a_roster_are_refused(admin_client, world, files, message):
    response = admin_client.post(reverse("school:roster_import"), {"files": files})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RosterImport.objects.exists()


def test_a_damaged_zip_fails_the_preview_with_a_clear_error(admin_client, world, django_capture_on_commit_callbacks):
    damaged = SimpleUploadedFile("rooster.zip", b"this is no zip", "application/zip")

    upload(admin_client, [damaged], django_capture_on_commit_callbacks)

    job = RosterImport.objects.get(school=world.school)
    assert job.status == RosterImport.Status.FAILED
    assert job.errors[0]["file"] == "rooster.zip"
    assert (
        "cannot be read as a zip file"
        in admin_client.get(reverse("school:roster_import_detail", args=[job.pk])).content.decode()
    )


def test_uploaded_files_get_safe_names(admin_client, world, private_media, django_capture_on_commit_callbacks):
    evil = SimpleUploadedFile("../../etc/leerlingen.csv", (DATA / "simple" / "leerlingen.csv").read_bytes())
    others = [f for f in csv_uploads("simple") if f.name != "leerlingen.csv"]

    upload(admin_client, [evil, *others], django_capture_on_commit_callbacks)

    job = RosterImport.objects.get(school=world.school)
    assert job.status == RosterImport.Status.PREVIEWED, job.errors
    assert (Path(private_media) / job.upload_path / "leerlingen.csv").is_file()


def test_a_second_admin_can_apply_a_preview(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    upload(client, [zip_upload()], django_capture_on_commit_callbacks)
    job = RosterImport.objects.get(school=world.school)
    second = StaffFactory(school=world.school, is_school_admin=True)
    client.force_login(second.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("school:roster_import_apply", args=[job.pk]))

    job.refresh_from_db()
    assert (job.status, job.applied_by) == ("applied", second.user)
