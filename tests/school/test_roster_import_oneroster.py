"""OneRoster 1.1 CSV: the mapping, zip or folder, the school's identity, and flags kept on re-import."""

import datetime

import pytest

from school.models import ClassGroup, Department, Guardian, Period, School, SchoolYear, Staff, Student, TeachingGroup
from school.services import roster_import
from tests.factories import SchoolFactory

from .roster_data import DATA, csv_edit, roster_copy, roster_snapshot, zip_folder


@pytest.fixture
def school(db):
    return SchoolFactory(name="Het Testlyceum")


def run(school, folder=DATA / "oneroster", *, dry_run=False):
    result = roster_import(school=school, source=folder, dry_run=dry_run)
    assert result.ok, [str(issue) for issue in result.errors]
    return result


def test_the_export_maps_onto_the_roster(school):
    result = run(school)

    assert result.format == "oneroster"
    school.refresh_from_db()
    # The first import ties the school to its org.
    assert (school.source_id, school.brin) == ("org-school", "12AB")
    year = SchoolYear.objects.get(school=school)
    assert (year.name, year.source_id, year.start_date) == ("2026-2027", "sy-2026", datetime.date(2026, 8, 24))
    # Terms become periods, found through parentSourcedId or through schoolYear.
    assert list(Period.objects.filter(school_year=year).values_list("name", "source_id")) == [
        ("Periode 1", "term-1"),
        ("Periode Eén", "term-2"),
    ]
    # A course repeated under one courseCode is one subject.
    assert sorted(school.subjects.values_list("code", "name")) == [
        ("en", "Engels"),
        ("ne", "Nederlands"),
        ("wi", "Wiskunde A"),
    ]


def test_homerooms_become_class_groups_with_departments_levels_and_mentors(school):
    run(school)

    groups = {g.name: g for g in ClassGroup.objects.filter(school=school).select_related("department")}
    # schoolSourcedId pointing at a department org places the class there.
    assert groups["4H1"].department.name == "Bovenbouw havo"
    assert groups["4H1"].department.source_id == "org-hb"
    # Otherwise the department follows from level and year, the level from the title ("5V1": vwo).
    assert (groups["5V1"].department.name, groups["5V1"].level, groups["5V1"].year) == ("Bovenbouw vwo", "vwo", 5)
    assert groups["1A"].department.name == "Onderbouw"
    assert list(groups["4H1"].mentors.values_list("code", flat=True)) == ["JNS"]
    assert sorted(groups["5V1"].mentors.values_list("code", flat=True)) == ["MLR", "PTR"]


def test_scheduled_classes_become_teaching_groups(school):
    run(school)

    wiskunde = TeachingGroup.objects.get(school=school, name="5V-wi1")
    assert (wiskunde.subject.code, wiskunde.source_id) == ("wi", "cl-5v-wi1")
    assert sorted(wiskunde.teachers.values_list("code", flat=True)) == ["JNS", "MLR"]
    assert sorted(wiskunde.students.values_list("number", flat=True)) == ["100003", "100004"]


def test_users_become_staff_students_and_guardians(school):
    run(school)

    staff = {s.code: s for s in Staff.objects.filter(school=school).select_related("user")}
    assert sorted(staff) == ["ADM", "JNS", "MLR", "PTR", "ZC"]  # teacher, administrator and aide
    assert staff["PTR"].user.get_full_name() == "Petra de Vries"
    assert staff["PTR"].user.username == "p.devries@testlyceum.nl"
    assert staff["MLR"].user.last_name == "Müller"
    assert not staff["PTR"].user.has_usable_password()

    daan = Student.objects.select_related("class_group").get(school=school, number="100002")
    assert (daan.source_id, daan.first_name, daan.infix, daan.last_name) == ("u-s2", "Daan", "van", "Dijk")
    assert (daan.class_group.name, daan.level, daan.year) == ("4H1", "havo", 4)
    assert Student.objects.get(school=school, number="100001").date_of_birth == datetime.date(2010, 5, 3)

    # agentSourcedIds on the student (u-s1 → u-p1) and on the guardian (u-p2 → u-s5) both link.
    bakker = Guardian.objects.get(school=school, source_id="u-p1")
    assert list(bakker.students.values_list("number", flat=True)) == ["100001"]
    smit = Guardian.objects.get(school=school, source_id="u-p2")
    assert sorted(smit.students.values_list("number", flat=True)) == ["100004", "100005"]


def test_a_zip_with_the_files_in_a_folder_imports_like_the_folder(school, tmp_path):
    archive = zip_folder(DATA / "oneroster", tmp_path / "export.zip", inner="oneroster-export")

    result = run(school, archive)

    assert result.counts["students"].created == 5
    assert result.counts["enrollments"].created == 6


def test_importing_the_same_export_again_changes_nothing(school):
    run(school)
    before = roster_snapshot()

    second = run(school)

    assert not second.changed
    assert roster_snapshot() == before


def test_flags_and_team_leaders_that_oneroster_lacks_survive_a_reimport(school):
    run(school)
    Staff.objects.filter(school=school, code="ADM").update(is_school_admin=True)
    Staff.objects.filter(school=school, code="ZC").update(is_care_coordinator=True)
    department = Department.objects.get(school=school, name="Bovenbouw havo")
    department.team_leaders.set([Staff.objects.get(school=school, code="PTR")])

    second = run(school)

    assert not second.changed
    assert Staff.objects.get(school=school, code="ADM").is_school_admin
    assert Staff.objects.get(school=school, code="ZC").is_care_coordinator
    assert list(department.team_leaders.values_list("code", flat=True)) == ["PTR"]


def test_rows_are_found_again_by_sourced_id_when_names_change(school, tmp_path):
    run(school)
    folder = roster_copy("oneroster", tmp_path)
    csv_edit(folder, "classes.csv", "cl-5v1,,,5V1,", "cl-5v1,,,5V2,")
    csv_edit(folder, "users.csv", ",MLR,m.muller@testlyceum.nl", ",MMU,mira.muller@testlyceum.nl")

    result = run(school, folder)

    assert result.counts["class_groups"].updated == 1
    assert result.counts["class_groups"].created == 0
    assert result.counts["staff"].updated == 1
    assert ClassGroup.objects.get(school=school, source_id="cl-5v1").name == "5V2"
    mira = Staff.objects.select_related("user").get(school=school, source_id="u-mlr")
    assert (mira.code, mira.user.username) == ("MMU", "mira.muller@testlyceum.nl")


def test_disabled_users_and_ended_enrolments_count_as_gone(school, tmp_path):
    run(school)
    folder = roster_copy("oneroster", tmp_path)
    csv_edit(folder, "users.csv", "u-s4,,,true,", "u-s4,,,false,")
    csv_edit(
        folder,
        "enrollments.csv",
        "e-10,,,cl-4h-ne1,org-school,u-s1,student,,,",
        "e-10,,,cl-4h-ne1,org-school,u-s1,student,,,2020-01-31",
    )

    result = run(school, folder)

    assert result.counts["students"].deactivated == 1
    assert not Student.objects.get(school=school, number="100004").is_active
    assert result.counts["enrollments"].deactivated == 2  # Lotte's and the ended one


def test_tobedeleted_rows_are_skipped(school, tmp_path):
    folder = roster_copy("oneroster", tmp_path)
    csv_edit(folder, "users.csv", "u-s5,,,true,", "u-s5,tobedeleted,,true,")
    csv_edit(folder, "enrollments.csv", "e-8,,,", "e-8,tobedeleted,,")
    csv_edit(
        folder,
        "users.csv",
        "u-p2,,,true,org-school,guardian,msmit,,Mark,Smit,,,ouder.smit@example.nl,,,u-s5,,",
        "u-p2,,,true,org-school,guardian,msmit,,Mark,Smit,,,ouder.smit@example.nl,,,,,",
    )

    result = run(school, folder)

    assert result.counts["students"].created == 4


def test_an_export_with_another_schools_data_imports_only_this_school(school, tmp_path):
    folder = roster_copy("oneroster", tmp_path)
    school.source_id = "org-school"
    school.save()
    with (folder / "orgs.csv").open("a", encoding="utf-8") as out:
        out.write("org-other,,,Ander College,school,99ZZ,\n")
    with (folder / "users.csv").open("a", encoding="utf-8") as out:
        out.write("u-x1,,,true,org-other,student,xx,,Xander,Anders,,999999,,,,,04,\n")
    with (folder / "classes.csv").open("a", encoding="utf-8") as out:
        out.write("cl-x,,,4X1,04,,,homeroom,,org-other,term-1,,,\n")
    with (folder / "enrollments.csv").open("a", encoding="utf-8") as out:
        out.write("e-x,,,cl-x,org-other,u-x1,student,,,\n")

    result = run(school, folder)

    assert result.counts["students"].created == 5
    assert not Student.objects.filter(number="999999").exists()
    assert not ClassGroup.objects.filter(name="4X1").exists()


def test_without_a_school_the_command_line_creates_it_from_the_org(db):
    result = roster_import(school=None, source=DATA / "oneroster", dry_run=False)

    assert result.ok
    school = School.objects.get(source_id="org-school")
    assert (school.name, school.brin) == ("Het Testlyceum", "12AB")
    assert result.school == school
    # and finds it again the next time
    again = roster_import(school=None, source=DATA / "oneroster", dry_run=False)
    assert again.school == school
    assert not again.changed


def test_a_dry_run_does_not_tie_the_school_to_the_org(school):
    run(school, dry_run=True)

    assert school.source_id == ""
    school.refresh_from_db()
    assert school.source_id == ""
