"""The roster import dates a student's leaving (the retention period counts from it) and clears it on return."""

import pytest

from school.models import Student
from school.services import roster_import
from tests.factories import SchoolFactory
from tests.school.roster_data import DATA, csv_edit, roster_copy

pytestmark = pytest.mark.django_db

LOTTE = "100004;Lotte;;Smit;;;;5V1;\n"


def _run(school, folder):
    result = roster_import(school=school, source=folder, dry_run=False)
    assert not result.errors, result.errors


def test_leaving_is_dated_and_coming_back_clears_it(tmp_path):
    school = SchoolFactory(name="Testlyceum")
    _run(school, DATA / "simple")
    assert not Student.objects.filter(school=school, left_at__isnull=False).exists()

    without_lotte = roster_copy("simple", tmp_path / "a")
    csv_edit(without_lotte, "leerlingen.csv", LOTTE, "")
    csv_edit(without_lotte, "inschrijvingen.csv", "5V-wi1;100004\n", "")
    csv_edit(without_lotte, "ouders.csv", "ouder.smit@example.nl;Mark;;Smit;100004\n", "")
    _run(school, without_lotte)
    lotte = Student.objects.get(school=school, number="100004")
    assert not lotte.is_active
    assert lotte.left_at is not None
    assert Student.objects.filter(school=school, left_at__isnull=False).count() == 1

    _run(school, DATA / "simple")
    lotte.refresh_from_db()
    assert lotte.is_active
    assert lotte.left_at is None
