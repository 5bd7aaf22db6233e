"""Bad input: every problem is named by file, row and column, all are reported at once, and nothing is written."""

import zipfile

import pytest
from django.utils import translation

from school.models import RosterImport, School
from school.services import roster_import
from tests.factories import SchoolFactory, UserFactory

from .roster_data import DATA, csv_append, csv_edit, csv_write, roster_copy, roster_counts, roster_snapshot


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def school(db):
    return SchoolFactory(name="Het Testlyceum")


def import_fails(school, source):
    """Import `source`; assert that it failed and wrote nothing; return its errors as (file, row, column, text)."""
    before, counts = roster_snapshot(), roster_counts()
    result = roster_import(school=school, source=source, dry_run=False)
    assert not result.ok
    assert roster_snapshot() == before
    assert roster_counts() == counts
    assert not result.changed
    return [(e.file, e.row, e.column, e.text) for e in result.errors]


def simple_set(tmp_path):
    return roster_copy("simple", tmp_path)


def oneroster_set(tmp_path):
    return roster_copy("oneroster", tmp_path)


# --- files: missing, not CSV, not a zip -----------------------------------------------------


@pytest.mark.parametrize(
    ("make", "file"),
    [(simple_set, "lesgroepen.csv"), (oneroster_set, "enrollments.csv"), (oneroster_set, "orgs.csv")],
)
def test_a_missing_required_file_is_named(school, tmp_path, make, file):
    folder = make(tmp_path)
    (folder / file).unlink()

    errors = import_fails(school, folder)

    assert (file, None, "", f"The file {file} is missing.") in errors


def test_a_spreadsheet_saved_under_the_name_is_pointed_out(school, tmp_path):
    folder = simple_set(tmp_path)
    (folder / "medewerkers.csv").rename(folder / "medewerkers.xlsx")

    errors = import_fails(school, folder)

    assert errors == [
        (
            "medewerkers.xlsx",
            None,
            "",
            "medewerkers.xlsx is a spreadsheet, not a CSV file. Save it from Excel as “CSV (semicolon delimited)” "
            "as medewerkers.csv.",
        )
    ]


def test_a_csv_file_holding_a_workbook_is_not_csv(school, tmp_path):
    folder = simple_set(tmp_path)
    (folder / "leerlingen.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary\x00\x00")

    errors = import_fails(school, folder)

    assert errors == [
        (
            "leerlingen.csv",
            None,
            "",
            "This is not a CSV file (it holds binary data, for example an Excel workbook). "
            "Save it as CSV and try again.",
        )
    ]


@pytest.mark.parametrize("content", [b"this is not a zip", b"PK\x03\x04broken"])
def test_an_unreadable_zip(school, tmp_path, content):
    archive = tmp_path / "roster.zip"
    archive.write_bytes(content)

    errors = import_fails(school, archive)

    assert errors == [
        ("roster.zip", None, "", "This file cannot be read as a zip file: it is damaged or it is not a zip file.")
    ]


def test_a_truncated_zip(school, tmp_path):
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted((DATA / "simple").iterdir()):
            out.write(path, path.name)
    archive.write_bytes(archive.read_bytes()[:-200])

    errors = import_fails(school, archive)

    assert errors[0][3].startswith("This file cannot be read as a zip file")


def test_a_single_csv_file_is_not_a_roster(school):
    errors = import_fails(school, DATA / "simple" / "leerlingen.csv")

    assert errors == [
        ("leerlingen.csv", None, "", "Give a zip file or a folder holding the CSV files, not a single file.")
    ]


def test_a_folder_without_roster_files(school, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")

    errors = import_fails(school, tmp_path)

    assert len(errors) == 1
    assert errors[0][3].startswith(
        "No roster files found. Expected the OneRoster files (orgs.csv, academicSessions.csv"
    )
    assert errors[0][3].endswith("Found: notes.txt.")


def test_an_empty_file(school, tmp_path):
    folder = simple_set(tmp_path)
    csv_write(folder, "vakken.csv", "\n\n")

    errors = import_fails(school, folder)

    assert errors == [("vakken.csv", 1, "", "The file is empty: the first row must name the columns.")]


# --- headers ---------------------------------------------------------------------------------


def test_missing_and_misspelt_columns_are_named_with_what_was_found(school, tmp_path):
    folder = simple_set(tmp_path)
    csv_edit(
        folder,
        "leerlingen.csv",
        "leerlingnummer;voornaam;tussenvoegsel;achternaam",
        "nummer;voornaam;tussenvoegsel;naam",
    )
    csv_edit(folder, "klassen.csv", "klas;afdeling", "groep;afdeling")

    errors = import_fails(school, folder)

    assert (
        "leerlingen.csv",
        1,
        "",
        "Missing column(s): leerlingnummer, achternaam. The first row has: nummer, voornaam, tussenvoegsel, naam, "
        "geboortedatum, niveau, leerjaar, klas, e-mail.",
    ) in errors
    # Both files are reported in one go.
    assert any(file == "klassen.csv" and "Missing column(s): klas." in text for file, _, _, text in errors)


def test_oneroster_headers_are_checked_too(school, tmp_path):
    folder = oneroster_set(tmp_path)
    csv_edit(folder, "users.csv", "givenName,familyName", "firstName,familyName")

    errors = import_fails(school, folder)

    assert errors[0][:2] == ("users.csv", 1)
    assert errors[0][3].startswith("Missing column(s): givenName. The first row has: sourcedId, status,")


def test_headers_are_matched_loosely(school, tmp_path):
    """'E-mail', 'email' and 'E-mailadres'; 'Leerlingnummer' and 'leerling nummer': one column each."""
    folder = simple_set(tmp_path)
    csv_edit(folder, "leerlingen.csv", "leerlingnummer;voornaam", "Leerling nummer;Roepnaam")
    csv_edit(folder, "medewerkers.csv", ";e-mail;", ";E-mailadres;")

    result = roster_import(school=school, source=folder, dry_run=True)

    assert result.ok, [str(e) for e in result.errors]


# --- cells -------------------------------------------------------------------------------------


def test_empty_required_values(school, tmp_path):
    folder = simple_set(tmp_path)
    csv_edit(folder, "leerlingen.csv", "100002;Daan;van;Dijk", "100002;;van;Dijk")
    csv_edit(folder, "medewerkers.csv", "PTR;Petra;de;Vries;p.devries@testlyceum.nl", "PTR;Petra;de;Vries;")

    errors = import_fails(school, folder)

    assert ("leerlingen.csv", 3, "voornaam", "This value is required.") in errors
    assert ("medewerkers.csv", 7, "e-mail", "This value is required.") in errors


@pytest.mark.parametrize(
    ("old", "new", "column", "text"),
    [
        (
            "03-05-2010",
            "31-02-2010",
            "geboortedatum",
            "“31-02-2010” is not a valid date: use day-month-year, for example 31-12-2010.",
        ),
        (
            "03-05-2010;havo;4",
            "03-05-2010;havo;9",
            "leerjaar",
            "“9” is not a valid school year (leerjaar): use a whole number from 1 to 8.",
        ),
        (
            "03-05-2010;havo;4",
            "03-05-2010;havo;vier",
            "leerjaar",
            "“vier” is not a valid school year (leerjaar): use a whole number from 1 to 8.",
        ),
        (
            "03-05-2010;havo;",
            "03-05-2010;hvo;",
            "niveau",
            "“hvo” is not a known level: use one of vmbo, havo, vwo, mbo, po.",
        ),
        ("100001@leerling.testlyceum.nl", "100001@", "e-mail", "“100001@” is not a valid e-mail address."),
        ("Sanne;;Bakker", "Sanne;;" + "B" * 101, "achternaam", f"“{'B' * 101}” is too long: at most 100 characters."),
    ],
)
def test_invalid_values_in_a_simple_set(school, tmp_path, old, new, column, text):
    folder = simple_set(tmp_path)
    csv_edit(folder, "leerlingen.csv", old, new)

    errors = import_fails(school, folder)

    assert errors == [("leerlingen.csv", 2, column, text)]


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "column", "text"),
    [
        (
            "academicSessions.csv",
            "2026-08-24,2026-11-13",
            "2026-08-24,2026-13-13",
            3,
            "endDate",
            "“2026-13-13” is not a valid date: use year-month-day, for example 2010-12-31.",
        ),
        (
            "users.csv",
            ",100002,,,,,04,",
            ",100002,,,,,10,",
            8,
            "grades",
            "“10” is not a valid school year (leerjaar): use a whole number from 1 to 8.",
        ),
        ("users.csv", ",Sanne,Bakker,,100001,", ",Sanne,,,100001,", 7, "familyName", "This value is required."),
        (
            "users.csv",
            ",teacher,pdevries,",
            ",principal,pdevries,",
            4,
            "role",
            "“principal” is not a OneRoster role: use teacher, administrator, aide, proctor, student, parent, "
            "guardian or relative.",
        ),
        (
            "classes.csv",
            ",homeroom,,org-school,term-1",
            ",homeroom,,org-school,term-9",
            3,
            "termSourcedIds",
            "“term-9” is not in academicSessions.csv.",
        ),
        (
            "classes.csv",
            ",scheduled,,org-school,term-1,,,\ncl-5v",
            ",lesson,,org-school,term-1,,,\ncl-5v",
            6,
            "classType",
            "“lesson” is not a class type: use homeroom or scheduled.",
        ),
        ("classes.csv", ",c-wi,,", ",c-xx,,", 7, "courseSourcedId", "“c-xx” is not in courses.csv."),
        (
            "enrollments.csv",
            "e-16,,,cl-5v-wi1",
            "e-16,,,cl-5v-wi9",
            16,
            "classSourcedId",
            "“cl-5v-wi9” is not in classes.csv.",
        ),
        (
            "enrollments.csv",
            "cl-5v-wi1,org-school,u-s3",
            "cl-5v-wi1,org-school,u-s9",
            16,
            "userSourcedId",
            "“u-s9” is not in users.csv.",
        ),
        (
            "enrollments.csv",
            "cl-5v-wi1,org-school,u-s3,student",
            "cl-5v-wi1,org-school,u-jns,student",
            16,
            "userSourcedId",
            "“u-jns” is not a student of this school in users.csv.",
        ),
        (
            "enrollments.csv",
            "e-12,,,cl-4h-ne1,org-school,u-jns,teacher",
            "e-12,,,cl-4h-ne1,org-school,u-s3,teacher",
            12,
            "userSourcedId",
            "“u-s3” is not a member of staff of this school in users.csv.",
        ),
        ("users.csv", ",u-p1,04,", ",u-p9,04,", 7, "agentSourcedIds", "“u-p9” is not in users.csv."),
        (
            "academicSessions.csv",
            ",term,2026-08-24",
            ",quarter,2026-08-24",
            3,
            "type",
            "“quarter” is not a session type: use schoolYear, term, gradingPeriod or semester.",
        ),
        (
            "users.csv",
            ",100001@leerling.testlyceum.nl,",
            ",100001@leerling,",
            7,
            "email",
            "“100001@leerling” is not a valid e-mail address.",
        ),
    ],
)
def test_invalid_values_in_a_oneroster_export(school, tmp_path, file, old, new, row, column, text):
    folder = oneroster_set(tmp_path)
    csv_edit(folder, file, old, new)

    errors = import_fails(school, folder)

    assert (file, row, column, text) in errors


def test_a_row_with_more_values_than_columns(school, tmp_path):
    folder = simple_set(tmp_path)
    csv_edit(folder, "vakken.csv", "wi,Wiskunde A", "wi,Wiskunde A,B")

    errors = import_fails(school, folder)

    assert errors == [
        (
            "vakken.csv",
            4,
            "",
            "This row has 3 values but the first row names 2 columns. "
            "Put values that contain the separator between double quotes.",
        )
    ]


def test_an_unknown_role_in_rollen(school, tmp_path):
    folder = simple_set(tmp_path)
    csv_edit(folder, "medewerkers.csv", "t.vos@testlyceum.nl;", "t.vos@testlyceum.nl;directeur")

    errors = import_fails(school, folder)

    assert errors == [
        (
            "medewerkers.csv",
            5,
            "rollen",
            "“directeur” is not a known role: use beheerder or zorgcoordinator (or leave it empty).",
        )
    ]


def test_schooljaar_csv_has_one_row_and_dates_in_order(school, tmp_path):
    folder = simple_set(tmp_path)
    csv_append(folder, "schooljaar.csv", "2027-2028;23-08-2027;15-07-2028")
    csv_edit(folder, "perioden.csv", "Periode 2;16-11-2026;19-02-2027", "Periode 2;16-11-2026;19-10-2026")

    errors = import_fails(school, folder)

    assert (
        "schooljaar.csv",
        None,
        "",
        "This file must have exactly one row below the header: the school year.",
    ) in errors
    assert ("perioden.csv", 3, "einddatum", "The end date must be after the start date.") in errors


# --- duplicates and references ------------------------------------------------------------------


def test_a_duplicate_student_number_names_both_rows(school, tmp_path):
    folder = simple_set(tmp_path)
    csv_append(folder, "leerlingen.csv", "100002;Daantje;;Dijkstra;;;;4H1;")

    errors = import_fails(school, folder)

    assert errors == [
        ("leerlingen.csv", 3, "leerlingnummer", "“100002” appears more than once: also in row 7."),
        ("leerlingen.csv", 7, "leerlingnummer", "“100002” appears more than once: also in row 3."),
    ]


@pytest.mark.parametrize(
    ("file", "line", "column"),
    [
        ("medewerkers.csv", "jns;Johan;;Jansen;johan@testlyceum.nl;", "code"),  # codes ignore case
        ("medewerkers.csv", "JN2;Johan;;Jansen;J.Jansen@testlyceum.nl;", "e-mail"),
        ("klassen.csv", "4h1;Bovenbouw havo;havo;4;", "klas"),
        ("vakken.csv", "NE,Nederlands extra", "code"),
        ("lesgroepen.csv", "4H-ne1;ne;PTR", "lesgroep"),
    ],
)
def test_duplicates_in_each_file(school, tmp_path, file, line, column):
    folder = simple_set(tmp_path)
    csv_append(folder, file, line)

    errors = import_fails(school, folder)

    assert [(f, c) for f, _, c, _ in errors] == [(file, column), (file, column)]
    assert "appears more than once" in errors[0][3]


def test_duplicate_oneroster_ids_and_student_numbers(school, tmp_path):
    folder = oneroster_set(tmp_path)
    csv_edit(
        folder,
        "users.csv",
        "u-s5,,,true,org-school,student,nboer,,Noah,Boer,de,100005",
        "u-s5,,,true,org-school,student,nboer,,Noah,Boer,de,100004",
    )
    csv_edit(folder, "enrollments.csv", "e-19,", "e-18,")

    errors = import_fails(school, folder)

    assert ("users.csv", 10, "identifier", "“100004” appears more than once: also in row 11.") in errors
    assert ("users.csv", 11, "identifier", "“100004” appears more than once: also in row 10.") in errors
    assert ("enrollments.csv", 18, "sourcedId", "“e-18” appears more than once: also in row 19.") in errors
    assert ("enrollments.csv", 19, "sourcedId", "“e-18” appears more than once: also in row 18.") in errors


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "column", "text"),
    [
        ("leerlingen.csv", "5V1;\n100004", "4X9;\n100004", 4, "klas", "“4X9” is not in klassen.csv."),
        ("inschrijvingen.csv", "4H-en1;100002", "4H-fa1;100002", 5, "lesgroep", "“4H-fa1” is not in lesgroepen.csv."),
        (
            "inschrijvingen.csv",
            "4H-en1;100002",
            "4H-en1;999999",
            5,
            "leerlingnummer",
            "“999999” is not in leerlingen.csv.",
        ),
        ("klassen.csv", "PTR MLR", "PTR XYZ", 3, "mentoren", "“XYZ” is not in medewerkers.csv."),
        ("lesgroepen.csv", "5V-wi1;wi", "5V-wi1;wiB", 4, "vak", "“wiB” is not in vakken.csv."),
        (
            "afdelingen.csv",
            "Bovenbouw vwo;TLV",
            "Bovenbouw vwo;TLX",
            3,
            "teamleiders",
            "“TLX” is not in medewerkers.csv.",
        ),
        (
            "klassen.csv",
            "5V1;Bovenbouw vwo",
            "5V1;Bovenbouw gymnasium",
            3,
            "afdeling",
            "“Bovenbouw gymnasium” is not in afdelingen.csv.",
        ),
        ("ouders.csv", "Bakker;100001", "Bakker;100009", 2, "leerlingnummers", "“100009” is not in leerlingen.csv."),
    ],
)
def test_unknown_references_in_a_simple_set(school, tmp_path, file, old, new, row, column, text):
    folder = simple_set(tmp_path)
    csv_edit(folder, file, old, new)

    errors = import_fails(school, folder)

    assert errors == [(file, row, column, text)]


def test_a_student_in_two_homerooms(school, tmp_path):
    folder = oneroster_set(tmp_path)
    csv_append(folder, "enrollments.csv", "e-20,,,cl-5v1,org-school,u-s1,student,,,")

    errors = import_fails(school, folder)

    assert errors == [
        ("enrollments.csv", 20, "classSourcedId", "This student is already in homeroom class 4H1 (row 2).")
    ]


# --- the school and the school year of a OneRoster export ------------------------------------------


def test_an_export_of_another_school_is_refused(school, tmp_path):
    school.source_id = "org-elsewhere"
    school.save()

    errors = import_fails(school, DATA / "oneroster")

    assert errors == [
        (
            "orgs.csv",
            None,
            "",
            "This export is not for this school: it has no school with sourcedId “org-elsewhere” (the school's "
            "source id). Schools in the file: Het Testlyceum (org-school).",
        )
    ]


def test_an_export_with_several_schools_needs_the_source_id(school, tmp_path):
    folder = oneroster_set(tmp_path)
    csv_append(folder, "orgs.csv", "org-other,,,Ander College,school,99ZZ,")

    errors = import_fails(school, folder)

    assert errors == [
        (
            "orgs.csv",
            None,
            "",
            "orgs.csv has several schools (Het Testlyceum (org-school), Ander College (org-other)); the school to "
            "import into must have one of these as its source id.",
        )
    ]


def test_an_export_without_a_school_org(school, tmp_path):
    folder = oneroster_set(tmp_path)
    csv_edit(folder, "orgs.csv", ",school,12AB", ",district,12AB")

    assert import_fails(school, folder) == [("orgs.csv", None, "", "orgs.csv has no org of type “school”.")]


def test_a_source_id_another_school_has(school, tmp_path):
    SchoolFactory(source_id="org-school")

    errors = import_fails(school, DATA / "oneroster")

    assert errors == [("", None, "", "Another school in this installation already has the source id “org-school”.")]


def test_a_delta_export_is_refused(school, tmp_path):
    folder = oneroster_set(tmp_path)
    csv_edit(folder, "manifest.csv", "file.users,bulk", "file.users,delta")

    errors = import_fails(school, folder)

    assert errors == [
        (
            "manifest.csv",
            16,
            "value",
            "Only bulk exports can be imported: the manifest marks users.csv as a delta file.",
        )
    ]


def test_classes_in_two_past_school_years(school, tmp_path):
    folder = oneroster_set(tmp_path)
    csv_edit(
        folder,
        "academicSessions.csv",
        "2026-2027,schoolYear,2026-08-24,2027-07-16",
        "2024-2025,schoolYear,2024-08-24,2025-07-16",
    )
    csv_append(folder, "academicSessions.csv", "sy-2020,,,2020-2021,schoolYear,2020-08-24,2021-07-16,,2021")
    csv_edit(
        folder,
        "classes.csv",
        "cl-1a,,,1A,01,,,homeroom,,org-school,term-1",
        "cl-1a,,,1A,01,,,homeroom,,org-school,sy-2020",
    )

    errors = import_fails(school, folder)

    assert errors == [
        (
            "classes.csv",
            None,
            "",
            "The classes of this school belong to more than one school year (2020-2021, 2024-2025); export one school "
            "year at a time.",
        )
    ]


def test_an_export_holding_last_years_classes_imports_the_current_year(school, tmp_path):
    folder = oneroster_set(tmp_path)
    csv_append(folder, "academicSessions.csv", "sy-2020,,,2020-2021,schoolYear,2020-08-24,2021-07-16,,2021")
    csv_append(folder, "classes.csv", "cl-old,,,4H9,04,,,homeroom,,org-school,sy-2020,,,")

    result = roster_import(school=school, source=folder, dry_run=False)

    assert result.ok
    assert result.counts["class_groups"].created == 3
    assert school.school_years.get().name == "2026-2027"


# --- logins ------------------------------------------------------------------------------------


def test_a_login_name_of_another_school(school):
    UserFactory(username="p.devries@testlyceum.nl")  # in a school of its own

    errors = import_fails(school, DATA / "simple")

    assert errors == [
        (
            "medewerkers.csv",
            7,
            "",
            "The login name “p.devries@testlyceum.nl” already belongs to an account outside this school.",
        )
    ]


# --- many problems at once ----------------------------------------------------------------------


def test_all_problems_are_reported_at_once_up_to_a_cap(school, tmp_path):
    folder = simple_set(tmp_path)
    for number in range(300):
        csv_append(folder, "leerlingen.csv", f"2{number:05d};Naam;;Achternaam;99-99-2010;;;4H1;")
    csv_edit(folder, "vakken.csv", "en,Engels", "en,")

    errors = import_fails(school, folder)

    assert len(errors) == 201
    assert errors[-1] == (
        "",
        None,
        "",
        "There are more errors; only the first 200 are shown. Fix these and try again.",
    )
    assert ("vakken.csv", 3, "naam", "This value is required.") in errors


def test_a_bad_row_among_good_changes_writes_none_of_them(school, tmp_path):
    roster_import(school=school, source=DATA / "simple", dry_run=False)
    folder = simple_set(tmp_path)
    csv_append(folder, "leerlingen.csv", "100006;Nieuwe;;Leerling;;;;4H1;")  # a good change
    csv_edit(folder, "medewerkers.csv", "MLR;Mira;;Müller", "MLR;Mira;;Müller-Schmidt")  # another
    csv_edit(folder, "inschrijvingen.csv", "5V-wi1;100004", "5V-wi1;100099")  # and one bad row

    errors = import_fails(school, folder)

    assert errors == [("inschrijvingen.csv", 7, "leerlingnummer", "“100099” is not in leerlingen.csv.")]


def test_a_failed_import_records_no_school(db):
    before = School.objects.count()

    result = roster_import(school=None, source=DATA / "simple" / "leerlingen.csv", dry_run=False)

    assert not result.ok
    assert School.objects.count() == before
    assert RosterImport.objects.count() == 0
