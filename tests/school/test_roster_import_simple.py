"""The simple CSV set: what lands where, re-imports, deactivation, and the school-wide flags."""

import datetime

import pytest

from school.models import ClassGroup, Department, Guardian, Period, SchoolYear, Staff, Student, TeachingGroup, User
from school.services import roster_import, student_username
from tests.factories import SchoolFactory, StaffFactory

from .roster_data import DATA, csv_edit, csv_write, roster_copy, roster_snapshot


@pytest.fixture
def school(db):
    return SchoolFactory(name="Het Testlyceum")


def run(school, folder=DATA / "simple", *, dry_run=False, actor=None):
    result = roster_import(school=school, source=folder, dry_run=dry_run, actor=actor)
    assert result.ok, [str(issue) for issue in result.errors]
    return result


def created(result):
    return {name: counts.created for name, counts in result.counts.items()}


def test_a_first_import_creates_the_whole_roster(school):
    result = run(school)

    assert result.format == "simple"
    assert created(result) == {
        "school_years": 1,
        "periods": 2,
        "departments": 3,
        "subjects": 3,
        "staff": 7,
        "class_groups": 3,
        "teaching_groups": 3,
        "students": 5,
        "enrollments": 6,
        "guardians": 4,
    }
    year = SchoolYear.objects.get(school=school)
    assert (year.name, year.start_date, year.end_date) == (
        "2026-2027",
        datetime.date(2026, 8, 24),
        datetime.date(2027, 7, 16),
    )
    assert list(Period.objects.filter(school_year=year).values_list("name", flat=True)) == ["Periode 1", "Periode 2"]

    group = ClassGroup.objects.get(school=school, name="5V1")
    assert (group.department.name, group.level, group.year) == ("Bovenbouw vwo", "vwo", 5)
    assert sorted(group.mentors.values_list("code", flat=True)) == ["MLR", "PTR"]
    # A class without a department is placed by level and year.
    assert ClassGroup.objects.get(school=school, name="1A").department.name == "Onderbouw"
    assert list(
        Department.objects.get(school=school, name="Bovenbouw havo").team_leaders.values_list("code", flat=True)
    ) == ["TLH"]

    wiskunde = TeachingGroup.objects.get(school=school, name="5V-wi1")
    assert wiskunde.subject.name == "Wiskunde A"
    assert sorted(wiskunde.teachers.values_list("code", flat=True)) == ["JNS", "MLR"]
    assert sorted(wiskunde.students.values_list("number", flat=True)) == ["100003", "100004"]
    # Subject codes are matched case-insensitively ("EN" in lesgroepen.csv is "en").
    assert TeachingGroup.objects.get(school=school, name="4H-en1").subject.code == "en"


def test_students_get_their_class_level_year_and_a_login(school):
    run(school)

    daan = Student.objects.select_related("user", "class_group").get(school=school, number="100002")
    assert (daan.first_name, daan.infix, daan.last_name) == ("Daan", "van", "Dijk")
    assert daan.date_of_birth == datetime.date(2009, 11, 17)
    # Level and year come from the class when the student's row leaves them empty.
    assert (daan.class_group.name, daan.level, daan.year) == ("4H1", "havo", 4)
    assert daan.user.username == student_username(school=school, number="100002") == f"{school.pk}-100002"
    assert daan.user.school == school
    assert daan.user.get_full_name() == "Daan van Dijk"
    assert not daan.user.has_usable_password()
    sanne = Student.objects.select_related("user").get(school=school, number="100001")
    assert sanne.user.email == "100001@leerling.testlyceum.nl"
    assert Student.objects.get(school=school, number="100003").first_name == "Eén"


def test_staff_log_in_with_their_email_and_get_the_flags_of_rollen(school):
    run(school)

    staff = {s.code: s for s in Staff.objects.select_related("user").filter(school=school)}
    assert staff["TLH"].user.username == "t.vanderleeuw@testlyceum.nl"
    assert staff["TLH"].user.get_full_name() == "Thomas van der Leeuw"
    assert not staff["TLH"].user.has_usable_password()
    assert staff["ZC"].user.last_name == "Çelik"
    assert [code for code, s in staff.items() if s.is_school_admin] == ["ADM"]
    assert [code for code, s in staff.items() if s.is_care_coordinator] == ["ZC"]


def test_guardians_are_linked_and_one_login_serves_a_teacher_who_is_also_a_parent(school):
    run(school)

    smit = Guardian.objects.get(school=school, user__username="ouder.smit@example.nl")
    # Two rows for one parent (one per child) are one guardian.
    assert sorted(smit.students.values_list("number", flat=True)) == ["100004", "100005"]
    jansen = User.objects.get(username="j.jansen@testlyceum.nl")
    assert jansen.staff.code == "JNS"
    assert list(jansen.guardian.students.values_list("number", flat=True)) == ["100003"]


def test_importing_the_same_files_again_changes_nothing(school):
    run(school)
    before = roster_snapshot()

    second = run(school)

    assert not second.changed
    assert all((c.created, c.updated, c.deactivated) == (0, 0, 0) for c in second.counts.values())
    assert roster_snapshot() == before


def test_a_dry_run_counts_but_writes_nothing(school):
    before = roster_snapshot()

    result = run(school, dry_run=True)

    assert result.dry_run
    assert result.counts["students"].created == 5
    assert roster_snapshot() == before


def test_a_reimport_updates_changed_rows_and_deactivates_who_left(school, tmp_path):
    run(school)
    folder = roster_copy("simple", tmp_path)
    csv_edit(
        folder, "leerlingen.csv", "100002;Daan;van;Dijk;17-11-2009;;;4H1;", "100002;Daan;van;Dijk;17-11-2009;;;5V1;"
    )
    csv_edit(folder, "leerlingen.csv", "100004;Lotte;;Smit;;;;5V1;\n", "")
    csv_edit(folder, "inschrijvingen.csv", "5V-wi1;100004\n", "")
    csv_edit(folder, "ouders.csv", "ouder.smit@example.nl;Mark;;Smit;100004\n", "")
    csv_edit(folder, "medewerkers.csv", "MLR;Mira;;Müller;m.muller@testlyceum.nl;\n", "")
    csv_edit(folder, "klassen.csv", "PTR MLR", "PTR")
    csv_edit(folder, "lesgroepen.csv", "MLR, JNS", "JNS")
    csv_edit(folder, "medewerkers.csv", "j.jansen@testlyceum.nl", "jan.jansen@testlyceum.nl")
    csv_edit(folder, "ouders.csv", "j.jansen@testlyceum.nl", "jan.jansen@testlyceum.nl")

    result = run(school, folder)

    counts = result.counts
    assert (counts["students"].created, counts["students"].updated, counts["students"].deactivated) == (0, 1, 1)
    assert (counts["staff"].updated, counts["staff"].deactivated) == (1, 1)
    assert counts["enrollments"].deactivated == 1
    lotte = Student.objects.select_related("user").get(school=school, number="100004")
    assert not lotte.is_active
    assert not lotte.user.is_active  # deactivated, never deleted
    assert Student.objects.get(school=school, number="100002").class_group.name == "5V1"
    mira = Staff.objects.select_related("user").get(school=school, code="MLR")
    assert not mira.is_active
    assert not mira.user.is_active
    assert list(ClassGroup.objects.get(school=school, name="5V1").mentors.values_list("code", flat=True)) == ["PTR"]
    jansen = Staff.objects.select_related("user").get(school=school, code="JNS")
    assert jansen.user.username == "jan.jansen@testlyceum.nl"
    assert jansen.user.guardian.students.count() == 1
    smit = Guardian.objects.get(school=school, user__username="ouder.smit@example.nl")
    assert list(smit.students.values_list("number", flat=True)) == ["100005"]

    # And back: who returns is active again, with the same rows.
    students_before = Student.objects.count()
    run(school)
    lotte.refresh_from_db()
    lotte.user.refresh_from_db()
    assert lotte.is_active
    assert lotte.user.is_active
    assert Student.objects.count() == students_before


def test_a_guardian_left_out_loses_their_children_and_login(school, tmp_path):
    run(school)
    folder = roster_copy("simple", tmp_path)
    csv_edit(folder, "ouders.csv", "ouder.bakker@example.nl;Karin;;Bakker;100001\n", "")

    result = run(school, folder)

    assert result.counts["guardians"].deactivated == 1
    bakker = Guardian.objects.select_related("user").get(user__username="ouder.bakker@example.nl")
    assert not bakker.students.exists()
    assert not bakker.user.is_active
    assert not run(school, folder).changed


def test_without_ouders_csv_guardians_stay_as_they_are(school, tmp_path):
    run(school)
    folder = roster_copy("simple", tmp_path)
    (folder / "ouders.csv").unlink()
    before = roster_snapshot()

    result = run(school, folder)

    assert not result.changed
    assert roster_snapshot() == before


def test_without_rollen_the_flags_stay_and_without_afdelingen_the_team_leaders_stay(school, tmp_path):
    run(school)
    folder = roster_copy("simple", tmp_path)
    text = (folder / "medewerkers.csv").read_text(encoding="utf-8")
    lines = [line.rsplit(";", 1)[0] for line in text.splitlines()]
    csv_write(folder, "medewerkers.csv", "\n".join(lines) + "\n")
    (folder / "afdelingen.csv").unlink()

    result = run(school, folder)

    assert not result.changed
    assert Staff.objects.get(school=school, code="ADM").is_school_admin
    assert Staff.objects.get(school=school, code="ZC").is_care_coordinator
    assert Department.objects.get(school=school, name="Bovenbouw havo").team_leaders.count() == 1


def test_the_admin_who_imports_is_never_locked_out(school, tmp_path):
    admin = StaffFactory(school=school, code="BEH", is_school_admin=True)
    folder = roster_copy("simple", tmp_path)

    run(school, folder, actor=admin.user)

    admin.refresh_from_db()
    admin.user.refresh_from_db()
    assert admin.is_active
    assert admin.is_school_admin
    assert admin.user.is_active
    # Without the actor the same file deactivates a staff member it does not list.
    run(school, folder)
    admin.refresh_from_db()
    assert not admin.is_active


def test_a_school_year_is_derived_when_schooljaar_csv_is_missing(school, tmp_path):
    folder = roster_copy("simple", tmp_path)
    (folder / "schooljaar.csv").unlink()
    (folder / "perioden.csv").unlink()

    result = roster_import(school=school, source=folder, dry_run=False)

    assert result.ok
    year = SchoolYear.objects.get(school=school)
    assert year.start_date.month == 8
    assert year.start_date.day == 1
    assert year.end_date == year.start_date.replace(year=year.start_date.year + 1) - datetime.timedelta(days=1)


def test_existing_people_are_matched_by_natural_key(school):
    existing = StaffFactory(school=school, code="JNS", user__username="old-login")
    run(school)

    existing.refresh_from_db()
    existing.user.refresh_from_db()
    assert Staff.objects.filter(school=school, code="JNS").count() == 1
    assert existing.user.username == "j.jansen@testlyceum.nl"
    assert existing.user.has_usable_password()  # their own password stays


def test_two_schools_import_the_same_student_numbers(db, tmp_path):
    one, other = SchoolFactory(), SchoolFactory()
    folder = roster_copy("simple", tmp_path)
    for file in ("medewerkers.csv", "ouders.csv"):
        text = (folder / file).read_text(encoding="utf-8")
        csv_write(folder, file, text.replace("testlyceum.nl", "anderschool.nl").replace("example.nl", "example.org"))

    run(one)
    run(other, folder)

    assert Student.objects.filter(number="100001").count() == 2
    assert User.objects.filter(school=other, username=f"{other.pk}-100001").exists()
