"""`manage.py import_roster PATH [--school ID] [--dry-run]`."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from school.models import RosterImport, School, Student

from .roster_data import DATA, roster_copy, roster_snapshot, zip_folder


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def school(db):
    return School.objects.create(name="Het Testlyceum")


def test_import_into_a_school(school, capsys):
    call_command("import_roster", str(DATA / "simple"), "--school", str(school.pk))

    out = capsys.readouterr().out
    assert Student.objects.filter(school=school).count() == 5
    assert "Students" in out
    assert f"Imported into Het Testlyceum (id {school.pk})." in out
    job = RosterImport.objects.get(school=school)
    assert (job.status, job.format, job.summary["students"]["created"]) == ("applied", "simple", 5)


def test_a_dry_run_writes_nothing_but_its_history_line(school, capsys):
    before = roster_snapshot()

    call_command("import_roster", str(DATA / "oneroster"), "--school", str(school.pk), "--dry-run")

    assert roster_snapshot() == before
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert RosterImport.objects.get(school=school).status == RosterImport.Status.PREVIEWED


def test_a_zip_without_school_creates_the_oneroster_school(db, tmp_path, capsys):
    archive = zip_folder(DATA / "oneroster", tmp_path / "export.zip")

    call_command("import_roster", str(archive))

    school = School.objects.get(source_id="org-school")
    assert school.students.count() == 5
    assert RosterImport.objects.get(school=school).status == RosterImport.Status.APPLIED


def test_errors_are_printed_and_nothing_is_written(school, tmp_path, capsys):
    folder = roster_copy("simple", tmp_path)
    (folder / "vakken.csv").unlink()
    before = roster_snapshot()

    with pytest.raises(CommandError, match=r"The roster was not imported: 1 problem\(s\)."):
        call_command("import_roster", str(folder), "--school", str(school.pk))

    assert "vakken.csv: The file vakken.csv is missing." in capsys.readouterr().err
    assert roster_snapshot() == before
    assert RosterImport.objects.get(school=school).status == RosterImport.Status.FAILED


def test_an_unknown_school(db):
    with pytest.raises(CommandError, match="There is no school with id 999"):
        call_command("import_roster", str(DATA / "simple"), "--school", "999")


def test_the_simple_set_needs_a_school_when_there_are_several(school, db, capsys):
    School.objects.create(name="Ander College")

    with pytest.raises(CommandError):
        call_command("import_roster", str(DATA / "simple"))

    assert "does not name a school" in capsys.readouterr().err
    assert not Student.objects.exists()


def test_the_simple_set_goes_into_the_only_school(school):
    call_command("import_roster", str(DATA / "simple"))

    assert school.students.count() == 5
