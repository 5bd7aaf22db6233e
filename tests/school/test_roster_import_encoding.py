"""Files as Excel and school systems write them: UTF-8 with or without BOM, Windows-1252, UTF-16;
commas, semicolons or tabs; Windows line ends. Each file is sniffed on its own."""

import csv
import io
from pathlib import Path

import pytest

from school.importers.tables import decode, sniff_delimiter
from school.models import Staff, Student, Subject
from school.services import roster_import
from tests.factories import SchoolFactory

from .roster_data import DATA, roster_copy, zip_folder


@pytest.fixture
def school(db):
    return SchoolFactory(name="Het Testlyceum")


def rewrite(path: Path, *, delimiter: str, encoding: str) -> None:
    """Write a CSV file again with another separator and encoding, quoting as Excel does."""
    text = path.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def rewrite_all(folder: Path, *, delimiter: str, encoding: str) -> Path:
    for path in folder.glob("*.csv"):
        rewrite(path, delimiter=delimiter, encoding=encoding)
    return folder


def assert_names_survived(school):
    assert Staff.objects.get(school=school, code="MLR").user.last_name == "Müller"
    assert Staff.objects.get(school=school, code="ZC").user.last_name == "Çelik"
    student = Student.objects.get(school=school, number="100003")
    assert (student.first_name, student.last_name) == ("Eén", "Ösztürk")


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        (";", "cp1252"),  # Dutch Excel: "CSV (semicolon delimited)"
        (",", "cp1252"),
        (";", "utf-8-sig"),  # Excel's "CSV UTF-8", with its byte order mark
        (",", "utf-8-sig"),
        (",", "utf-8"),
        ("\t", "utf-16"),  # Excel's "Unicode text"
    ],
)
@pytest.mark.parametrize("roster", ["simple", "oneroster"])
def test_encodings_and_separators(school, tmp_path, roster, delimiter, encoding):
    folder = rewrite_all(roster_copy(roster, tmp_path), delimiter=delimiter, encoding=encoding)

    result = roster_import(school=school, source=folder, dry_run=False)

    assert result.ok, [str(e) for e in result.errors]
    assert result.counts["students"].created == 5
    assert_names_survived(school)


def test_each_file_is_read_in_its_own_encoding_and_separator(school, tmp_path):
    folder = roster_copy("simple", tmp_path)
    rewrite(folder / "medewerkers.csv", delimiter=";", encoding="cp1252")
    rewrite(folder / "leerlingen.csv", delimiter=",", encoding="utf-8-sig")
    rewrite(folder / "vakken.csv", delimiter="\t", encoding="utf-16")

    result = roster_import(school=school, source=folder, dry_run=False)

    assert result.ok, [str(e) for e in result.errors]
    assert_names_survived(school)
    assert Subject.objects.get(school=school, code="wi").name == "Wiskunde A"


def test_a_windows_1252_zip_from_dutch_excel(school, tmp_path):
    folder = rewrite_all(roster_copy("simple", tmp_path), delimiter=";", encoding="cp1252")
    archive = zip_folder(folder, tmp_path / "export.zip")

    result = roster_import(school=school, source=archive, dry_run=False)

    assert result.ok
    assert_names_survived(school)


def test_a_semicolon_file_with_a_list_in_a_cell(school, tmp_path):
    """'MLR, JNS' in one cell of a semicolon file is one cell holding two codes."""
    result = roster_import(school=school, source=DATA / "simple", dry_run=False)

    assert result.ok
    assert sorted(school.teaching_groups.get(name="5V-wi1").teachers.values_list("code", flat=True)) == ["JNS", "MLR"]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Müller;Çelik;Eén".encode("cp1252"), "Müller;Çelik;Eén"),
        ("Müller;Çelik;Eén".encode("utf-8-sig"), "Müller;Çelik;Eén"),
        ("Müller".encode("utf-16"), "Müller"),
        (b"\x81\x8d", "\x81\x8d"),  # bytes Windows-1252 leaves undefined never fail
    ],
)
def test_decode(data, text):
    assert decode(data) == text


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [("a;b;c", ";"), ("a,b,c", ","), ("a\tb\tc", "\t"), ("a;b,c;d", ";"), ("single", ",")],
)
def test_sniff_delimiter(header, delimiter):
    assert sniff_delimiter(f"\n{header}\n1,2,3\n") == delimiter
