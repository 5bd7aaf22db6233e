"""The imports (roster CSV/ZIP, grades CSV) against hostile files: clear errors, never a crash, nothing half written.

Garbage bytes, wrong and broken encodings (a UTF-16 byte order mark with an odd number of bytes after it),
NUL bytes (PostgreSQL refuses them in text), formulas, quotes, BOMs, huge cells and files.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.grades_import import grades_read
from reviews.models import Entry, ReviewCycle
from school.importers.tables import decode
from school.models import Staff, Student, User
from school.services import roster_import
from tests.factories import PeriodFactory, SchoolFactory, StudentFactory
from tests.school.roster_data import DATA, roster_counts, roster_snapshot

from .strategies import NASTY, SCRIPT, hostile_text

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1")


def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


# CSV files as a careless export or a hostile user writes them.
csv_cell = st.one_of(hostile_text, st.sampled_from(['"', '""', '"a;b"', "a\nb", ";", ",", "\r"]))
csv_text = st.lists(st.lists(csv_cell, max_size=5), max_size=8).map(
    lambda rows: "\r\n".join(";".join(row) for row in rows)
)
csv_bytes = st.one_of(
    st.binary(max_size=3000),
    st.tuples(csv_text, st.sampled_from(ENCODINGS)).map(lambda pair: encoded(*pair)),
    st.sampled_from(
        [
            b"",
            b"\xff\xfe",
            b"\xff\xfe\x00",  # a UTF-16 byte order mark and half a character
            b"\xfe\xffa",
            b"\xef\xbb\xbf",
            b"PK\x03\x04",
            b"leerlingnummer;cijfer\r\n" + b"\x00" * 5000,
            b"leerlingnummer;cijfer\r\n" + b"1;7\r\n" * 2000 + b"2;\x005\r\n",  # a NUL far into the file
        ]
    ),
)


# --- decoding: the one door every CSV goes through --------------------------------------------------------


@given(data=csv_bytes)
def test_decode_gives_text_without_nul_or_none(data):
    text = decode(data)
    assert text is None or (isinstance(text, str) and "\x00" not in text)


@pytest.mark.parametrize(
    "data", [b"\xff\xfe\x00", b"\xfe\xff\x00a\x00", b"ok;ok\r\n" * 1000 + b"1;\x00", "a;b\x00".encode("utf-16")]
)
def test_broken_utf16_and_late_nul_bytes_are_not_csv(data):
    assert decode(data) is None


# --- grades CSV -----------------------------------------------------------------------------------------


@pytest.fixture
def cycle(world) -> ReviewCycle:
    period = PeriodFactory(school=world.school, school_year=world.class_group.school_year, name="Periode 1")
    cycle = ReviewCycle.objects.create(
        school=world.school, period=period, name="Ronde 1", entry_deadline=datetime.date(2026, 11, 27)
    )
    cycle.departments.set([world.department])
    world.student.number = "260104"
    world.student.save()
    world.teaching_group.students.add(
        StudentFactory(school=world.school, class_group=world.class_group, number="260101")
    )
    return cycle


@given(name=st.sampled_from(["cijfers.csv", "=1+1.csv", f"{SCRIPT}.csv", ""]), data=csv_bytes)
def test_grades_read_never_raises_and_explains_every_refusal(world, cycle, name, data):
    preview = grades_read(cycle=cycle, teaching_group=world.teaching_group, name=name, data=data)
    assert preview.ok or preview.errors
    for issue in preview.errors:
        assert issue.as_dict()  # every issue can be shown (file, row, column, message)
    assert all(line.student.number in {"260101", "260104"} for line in preview.lines)


@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["260101", "260104", *NASTY[:12]]), csv_cell),
        max_size=6,
    ),
    encoding=st.sampled_from(ENCODINGS),
)
def test_grades_upload_page_never_fails_and_writes_nothing_before_apply(client, world, cycle, rows, encoding):
    client.force_login(world.teacher)
    text = "leerlingnummer;cijfer\r\n" + "\r\n".join(f"{number};{grade}" for number, grade in rows)
    response = client.post(
        reverse("reviews:grades_import", args=[cycle.pk, world.teaching_group.pk]),
        {"action": "check", "file": SimpleUploadedFile("cijfers.csv", encoded(text, encoding))},
    )
    assert response.status_code == 200
    assert SCRIPT not in response.content.decode()
    assert not Entry.objects.exists()


def test_a_grades_file_over_a_megabyte_is_refused_with_a_message(client, world, cycle):
    client.force_login(world.teacher)
    client.cookies["django_language"] = "en"
    big = b"leerlingnummer;cijfer\r\n" + b"260101;7,5\r\n" * 100_000
    response = client.post(
        reverse("reviews:grades_import", args=[cycle.pk, world.teaching_group.pk]),
        {"action": "check", "file": SimpleUploadedFile("cijfers.csv", big)},
    )
    assert response.status_code == 200
    assert "it may be at most 1.0" in response.content.decode()
    assert not Entry.objects.exists()


# --- roster CSV / ZIP ---------------------------------------------------------------------------------------

SIMPLE = DATA / "simple"
ROSTER_FILES = sorted(path.name for path in SIMPLE.glob("*.csv"))


@pytest.fixture
def school(db):
    return SchoolFactory(name="Het Testlyceum")


def spoiled_roster(folder: Path, file: str, data: bytes) -> Path:
    for path in SIMPLE.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / file).write_bytes(data)
    return folder


def assert_all_or_nothing(result, before: dict) -> None:
    if result.errors:
        assert roster_snapshot() == before, "a refused import wrote something"
        for issue in result.errors:
            assert issue.as_dict()
    # Looked at in Python: SQLite's LIKE ends its pattern at a NUL, so a __contains query would match anything.
    for model, field in ((Student, "first_name"), (Student, "last_name"), (Staff, "code"), (User, "email")):
        assert not any("\x00" in value for value in model.objects.values_list(field, flat=True))


@settings(max_examples=10)  # a whole roster import per example
@given(file=st.sampled_from(ROSTER_FILES), data=csv_bytes)
def test_a_garbage_roster_file_gives_errors_and_writes_nothing(school, file, data):
    before = roster_snapshot()
    with tempfile.TemporaryDirectory() as folder:
        result = roster_import(school=school, source=spoiled_roster(Path(folder), file, data), dry_run=False)
    assert result.errors  # every file of the set is needed, and garbage is never a valid one
    assert_all_or_nothing(result, before)


@settings(max_examples=15)
@given(value=csv_cell, encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_a_hostile_cell_in_the_students_file_is_refused_or_stored_as_text(school, value, encoding):
    """The first student's first name replaced: stored exactly as text (formulas and scripts too), or refused."""
    before = roster_snapshot()
    with tempfile.TemporaryDirectory() as folder:
        text = (SIMPLE / "leerlingen.csv").read_text(encoding="utf-8")
        quoted = '"' + value.replace('"', '""') + '"'
        data = encoded(text.replace(";Sanne;", f";{quoted};", 1), encoding)
        result = roster_import(
            school=school, source=spoiled_roster(Path(folder), "leerlingen.csv", data), dry_run=False
        )
    assert_all_or_nothing(result, before)
    if not result.errors and value.strip() and value.isprintable():
        assert Student.objects.get(school=school, number="100001").first_name == value.strip()


@given(data=st.binary(max_size=2000) | st.sampled_from([b"PK\x03\x04", b"PK\x05\x06" + b"\x00" * 18]))
def test_a_garbage_zip_gives_errors_and_writes_nothing(school, data):
    before = roster_counts()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.zip"
        path.write_bytes(data)
        result = roster_import(school=school, source=path, dry_run=False)
    assert result.errors
    assert roster_counts() == before


@override_settings(ROSTER_UPLOAD_MAX_BYTES=1000)
def test_an_oversized_roster_upload_is_refused_with_a_message(client, world):
    client.force_login(world.admin)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("school:roster_import"), {"files": SimpleUploadedFile("leerlingen.csv", b"x" * 1001)}
    )
    assert response.status_code == 200
    assert "it may be at most 1000" in response.content.decode()


@pytest.mark.parametrize("name", ["roster.xlsx", "photo.jpg", "roster.exe", "leerlingen"])
def test_a_roster_upload_that_is_not_zip_or_csv_is_refused_with_a_message(client, world, name):
    client.force_login(world.admin)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("school:roster_import"), {"files": SimpleUploadedFile(name, b"a;b\r\n")})
    assert response.status_code == 200
    assert "is not a zip or CSV file" in response.content.decode()
