"""Right of access: everything about one student as JSON and a readable PDF, by a permission-checked download."""

import io
import json

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from privacy import services
from privacy.registry import installed_sections

from .conftest import CONSENT_NAME, QUESTION_TEXT, REFLECTION_TEXT, left

pytestmark = pytest.mark.django_db


def _json(records):
    return json.loads(services.student_export_json(student=records.world.student))


def test_the_json_has_every_section_and_the_students_records(records):
    document = _json(records)
    sections = document["sections"]
    assert document["format"] == services.EXPORT_FORMAT
    assert set(sections) == {"student", "account"} | {section.key for section, _ in installed_sections()}
    student = records.world.student
    assert sections["student"]["rows"][0]["last_name"] == student.last_name
    assert sections["account"]["rows"][0]["username"] == student.user.username
    assert "password" not in sections["account"]["rows"][0]
    assert [row["text"] for row in sections["questions"]["rows"]] == [QUESTION_TEXT]  # not the classmate's
    assert sections["reflections"]["rows"][0]["went_well"] == REFLECTION_TEXT
    assert sections["goals"]["rows"][0]["goal"] == "Elke dag plannen"
    assert sections["care_consents"]["rows"][0]["given_by_name"] == CONSENT_NAME
    assert [row["title"] for row in sections["care_meetings"]["rows"]] == ["Zorgoverleg"]
    assert sections["prep_sheets"]["rows"][0]["file"] == records.prep_sheet.file.name  # metadata, not the file
    assert len(sections["entries"]["rows"]) == 1
    assert sections["guardians"]["rows"][0]["user_display"] == str(records.world.guardian)
    assert sections["agreements"]["rows"][0]["created_by_display"] == str(records.world.mentor)


def test_the_pdf_is_readable_text(records):
    pdf = services.student_export_pdf(student=records.world.student)
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (records.world.student.last_name, QUESTION_TEXT, CONSENT_NAME, "Elke dag plannen"):
        assert expected in text


def test_script_in_a_record_is_text_in_the_pdf(records):
    records.world.student.first_name = "<script>alert(1)</script>"
    records.world.student.save()
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(services.student_export_pdf(student=records.world.student))).pages
    )
    assert "<script>alert(1)</script>" in text


# The PDF is made in the background: its download is tested in tests/privacy/test_export_job.py.
@pytest.mark.parametrize(("kind", "content_type"), [("json", "application/json")])
def test_the_school_admin_downloads_the_export_and_it_is_audited(client, records, kind, content_type):
    world = records.world
    client.force_login(world.admin)
    response = client.get(reverse(f"privacy:student_export_{kind}", args=[world.student.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.STUDENT_EXPORT)
    assert (event.actor, event.student, event.action) == (world.admin, world.student, AuditEvent.Action.EXPORT)


def test_a_student_who_left_can_still_be_exported(client, records):
    world = records.world
    left(world.student, days_ago=10)
    client.force_login(world.admin)
    response = client.get(reverse("privacy:student_export_json", args=[world.student.pk]))
    assert response.status_code == 200
    assert json.loads(response.content)["sections"]["student"]["rows"][0]["is_active"] is False


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("mentor", 403),  # sees the student, may not export
        ("team_leader", 403),
        ("teacher", 403),
        ("care_coordinator", 403),
        ("other_mentor", 404),
        ("other_teacher", 404),
        ("student_user", 404),
        ("guardian", 404),
        ("other_guardian", 404),
        ("outsider", 404),  # the admin of another school
    ],
)
@pytest.mark.parametrize("kind", ["json", "pdf"])
def test_everyone_else_is_refused(client, world, who, status, kind):
    client.force_login(getattr(world, who))
    response = client.get(reverse(f"privacy:student_export_{kind}", args=[world.student.pk]))
    assert response.status_code == status
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.STUDENT_EXPORT).exists()


def test_anonymous_goes_to_the_login(client, world):
    response = client.get(reverse("privacy:student_export_json", args=[world.student.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_a_missing_student_is_404(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("privacy:student_export_json", args=[999999])).status_code == 404


def test_export_is_get_only(client, world):
    client.force_login(world.admin)
    assert client.post(reverse("privacy:student_export_json", args=[world.student.pk])).status_code == 405
