"""Importing grades into a group's grid: check first (every problem with file, row, column), then all or nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews import services
from reviews.grades_import import GradeLine, grades_read
from reviews.models import Entry, EntryChange, Phase, ReviewCycle
from tests.factories import StudentFactory


@pytest.fixture
def group(world):
    """The world's teaching group with four students: Anna, Bram, Cem and the world's own student."""
    extra = [
        StudentFactory(school=world.school, class_group=world.class_group, first_name=name, last_name=last, number=n)
        for name, last, n in (("Anna", "Aalders", "260101"), ("Bram", "Bakker", "260102"), ("Cem", "Çelik", "260103"))
    ]
    world.teaching_group.students.add(*extra)
    world.student.number = "260104"
    world.student.save()
    return world.teaching_group


def url(cycle, group) -> str:
    return reverse("reviews:grades_import", args=[cycle.pk, group.pk])


def upload(client, cycle, group, content: bytes | str, name="cijfers.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(url(cycle, group), {"action": "check", "file": SimpleUploadedFile(name, data)})


def apply(client, cycle, group, response, **extra):
    token = response.context["apply_form"]["token"].value()
    return client.post(url(cycle, group), {"action": "apply", "token": token, **extra})


GOOD_DUTCH = "\ufeffleerlingnummer;cijfer\r\n260101;7,5\r\n260102;5,8\r\n260103;8\r\n260104;6,50\r\n"


class TestGoodFiles:
    def test_a_dutch_excel_file_is_previewed_then_applied_with_history(
        self, client, world, group, a_cycle_in_entry_phase
    ):
        cycle = a_cycle_in_entry_phase
        client.force_login(world.teacher)

        checked = upload(client, cycle, group, GOOD_DUTCH)

        html = checked.content.decode()
        assert checked.status_code == 200
        assert "Het bestand is in orde. Toepassen wijzigt 4 cijfers" in html
        assert "Anna Aalders" in html
        assert "7,5" in html
        assert "6,5" in html
        assert not Entry.objects.exists()  # a check writes nothing

        applied = apply(client, cycle, group, checked)

        assert applied.status_code == 302
        assert applied.url == reverse("reviews:grid", args=[cycle.pk, group.pk])
        grades = dict(Entry.objects.values_list("student__number", "grade"))
        assert grades == {
            "260101": Decimal("7.5"),
            "260102": Decimal("5.8"),
            "260103": Decimal("8.0"),
            "260104": Decimal("6.5"),
        }
        change = EntryChange.objects.get(entry__student__number="260101")
        assert change.changed_by == world.teacher
        assert change.after == {"grade": "7.5"}
        assert change.phase == Phase.ENTRY
        assert (
            "Cijfers geïmporteerd uit cijfers.csv: 4 invoeren gewijzigd."
            in client.get(reverse("home")).content.decode()
        )

    def test_english_headers_commas_and_windows_1252(self, client, world, group, a_cycle_in_entry_phase):
        content = "Student number,Grade,Opmerking\r\n260101,7.5,goed\r\n260103,4.0,zwakke toets\r\n".encode("cp1252")
        client.force_login(world.teacher)

        checked = upload(client, a_cycle_in_entry_phase, group, content + "260102,6.1,één\r\n".encode("cp1252"))
        apply(client, a_cycle_in_entry_phase, group, checked)

        assert dict(Entry.objects.values_list("student__number", "grade")) == {
            "260101": Decimal("7.5"),
            "260102": Decimal("6.1"),
            "260103": Decimal("4.0"),
        }

    def test_an_existing_entry_gets_its_next_version_and_keeps_its_light(
        self, client, world, group, a_cycle_in_entry_phase
    ):
        student = world.student
        services.entry_save(
            cycle=a_cycle_in_entry_phase,
            teaching_group=group,
            student=student,
            actor=world.teacher,
            values={"grade": "5,0", "light": "green"},
            version=0,
        )
        client.force_login(world.teacher)

        checked = upload(client, a_cycle_in_entry_phase, group, "leerlingnummer;cijfer\n260104;6,2\n")
        assert "5,0" in checked.content.decode()  # the grade now, beside the new one
        apply(client, a_cycle_in_entry_phase, group, checked)

        entry = Entry.objects.get(student=student)
        assert (entry.grade, entry.light, entry.version) == (Decimal("6.2"), "green", 2)
        assert EntryChange.objects.filter(entry=entry).count() == 2

    def test_after_the_entry_phase_a_reason_is_asked_and_logged(self, client, world, group, a_cycle_in_entry_phase):
        ReviewCycle.objects.filter(pk=a_cycle_in_entry_phase.pk).update(phase=Phase.SPEED_DATE)
        client.force_login(world.teacher)

        checked = upload(client, a_cycle_in_entry_phase, group, "leerlingnummer;cijfer\n260101;7,0\n")
        without = apply(client, a_cycle_in_entry_phase, group, checked)
        assert without.status_code == 200
        assert without.context["apply_form"].has_error("reason")
        assert not Entry.objects.exists()

        apply(client, a_cycle_in_entry_phase, group, checked, reason="Herkansing verwerkt")

        change = EntryChange.objects.get()
        assert change.reason == "Herkansing verwerkt"
        assert change.phase == Phase.SPEED_DATE


BAD_CASES = [
    # (file content after the header, column named, words in the Dutch message)
    ("999999;7,0", "leerlingnummer", "is geen leerlingnummer van deze school"),
    ("{other};7,0", "leerlingnummer", "zit in deze bespreekronde niet in lesgroep 4H-ne1"),
    ("260101;11", "cijfer", "valt buiten de schaal"),
    ("260101;abc", "cijfer", "is geen cijfer"),
    ("260101;5,55", "cijfer", "meer dan één decimaal"),
    ("260101;", "cijfer", "Het cijfer is leeg"),
    (";7,0", "leerlingnummer", "verplicht"),
]


class TestBadFiles:
    @pytest.mark.parametrize(("line", "column", "words"), BAD_CASES)
    def test_every_problem_names_file_row_and_column_and_nothing_is_written(
        self, client, world, group, a_cycle_in_entry_phase, line, column, words
    ):
        line = line.format(other=world.other_student.number)
        client.force_login(world.teacher)

        response = upload(client, a_cycle_in_entry_phase, group, f"leerlingnummer;cijfer\n260102;6,0\n{line}\n")

        preview = response.context["preview"]
        [issue] = preview.errors
        assert (issue.file, issue.row, issue.column) == ("cijfers.csv", 3, column)
        assert words in issue.text
        html = response.content.decode()
        assert "Het bestand kan niet worden geïmporteerd" in html
        assert words in html
        assert response.context["apply_form"] is None
        assert 'name="action" value="apply"' not in html
        assert not Entry.objects.exists()

    def test_a_number_twice_is_reported_on_both_rows(self, client, world, group, a_cycle_in_entry_phase):
        client.force_login(world.teacher)

        response = upload(client, a_cycle_in_entry_phase, group, "leerlingnummer;cijfer\n260101;6,0\n260101;7,0\n")

        issues = response.context["preview"].errors
        assert [(issue.row, issue.column) for issue in issues] == [(2, "leerlingnummer"), (3, "leerlingnummer")]
        assert "komt meer dan één keer voor: ook in rij 3" in issues[0].text
        assert not Entry.objects.exists()

    def test_the_column_is_named_as_the_file_writes_it(self, world, group, a_cycle_in_entry_phase):
        preview = grades_read(
            cycle=a_cycle_in_entry_phase,
            teaching_group=group,
            name="export.csv",
            data=b"Student number,Grade\n260101,x\n",
        )

        [issue] = preview.errors
        assert (issue.file, issue.row, issue.column) == ("export.csv", 2, "Grade")

    def test_a_missing_column_is_named(self, client, world, group, a_cycle_in_entry_phase):
        client.force_login(world.teacher)

        response = upload(client, a_cycle_in_entry_phase, group, "leerlingnummer;naam\n260101;Anna\n")

        [issue] = response.context["preview"].errors
        assert (issue.file, issue.row) == ("cijfers.csv", 1)
        assert issue.text.startswith("Ontbrekende kolom(men): cijfer.")

    def test_a_spreadsheet_is_not_a_csv_file(self, client, world, group, a_cycle_in_entry_phase):
        client.force_login(world.teacher)

        response = upload(client, a_cycle_in_entry_phase, group, b"PK\x03\x04binary", name="cijfers.xlsx")

        [issue] = response.context["preview"].errors
        assert issue.file == "cijfers.xlsx"
        assert "CSV" in issue.text

    def test_an_empty_file_and_a_header_only(self, world, group, a_cycle_in_entry_phase):
        for data in (b"", b"leerlingnummer;cijfer\n"):
            preview = grades_read(cycle=a_cycle_in_entry_phase, teaching_group=group, name="c.csv", data=data)
            assert not preview.ok
            assert preview.errors[0].file == "c.csv"

    def test_one_bad_row_stops_the_good_ones(self, client, world, group, a_cycle_in_entry_phase):
        client.force_login(world.teacher)

        response = upload(client, a_cycle_in_entry_phase, group, "leerlingnummer;cijfer\n260101;7,0\n260102;abc\n")

        assert len(response.context["preview"].lines) == 1  # shown, but not applicable
        assert response.context["apply_form"] is None
        assert not Entry.objects.exists()


class TestAllOrNothing:
    def test_a_conflict_aborts_the_whole_import(self, client, world, group, a_cycle_in_entry_phase):
        client.force_login(world.teacher)
        checked = upload(client, a_cycle_in_entry_phase, group, GOOD_DUTCH)
        # A co-teacher saves Cem's entry after the check.
        services.entry_save(
            cycle=a_cycle_in_entry_phase,
            teaching_group=group,
            student=group.students.get(number="260103"),
            actor=world.teacher,
            values={"light": "green"},
            version=0,
        )

        response = apply(client, a_cycle_in_entry_phase, group, checked)

        assert response.status_code == 302
        assert "Er is niets geïmporteerd" in client.get(response.url).content.decode()
        assert list(Entry.objects.values_list("student__number", "grade")) == [("260103", None)]
        assert EntryChange.objects.count() == 1  # the co-teacher's

    def test_the_service_writes_everything_or_nothing(self, world, group, a_cycle_in_entry_phase):
        students = {s.number: s for s in group.students.all()}
        lines = [
            GradeLine(students["260101"].pk, Decimal("7.0"), 0),
            GradeLine(students["260102"].pk, Decimal("6.0"), 3),  # stale version
        ]

        with pytest.raises(services.GradesImportConflict) as error:
            services.grades_import_apply(
                cycle=a_cycle_in_entry_phase, teaching_group=group, actor=world.teacher, grades=lines
            )

        assert error.value.student == students["260102"]
        assert not Entry.objects.exists()
        assert not EntryChange.objects.exists()

    def test_a_student_who_left_the_group_since_the_check(self, world, group, a_cycle_in_entry_phase):
        student = group.students.get(number="260101")
        group.enrollments.filter(student=student).delete()

        with pytest.raises(ValidationError):
            services.grades_import_apply(
                cycle=a_cycle_in_entry_phase,
                teaching_group=group,
                actor=world.teacher,
                grades=[GradeLine(student.pk, Decimal("7.0"), 0)],
            )

    def test_an_old_check_cannot_be_applied(self, client, world, group, a_cycle_in_entry_phase):
        client.force_login(world.teacher)
        first = upload(client, a_cycle_in_entry_phase, group, GOOD_DUTCH)
        upload(client, a_cycle_in_entry_phase, group, "leerlingnummer;cijfer\n260101;9,0\n")

        response = apply(client, a_cycle_in_entry_phase, group, first)

        assert response.status_code == 302
        assert "niet meer actueel" in client.get(response.url).content.decode()
        assert not Entry.objects.exists()


class TestAccess:
    def test_only_the_groups_teachers_import(self, client, world, group, a_cycle_in_entry_phase):
        for who, status in (("team_leader", 403), ("admin", 403), ("other_teacher", 404), ("mentor", 404)):
            client.force_login(getattr(world, who))
            assert upload(client, a_cycle_in_entry_phase, group, GOOD_DUTCH).status_code == status, who
        assert not Entry.objects.exists()

    def test_a_closed_round_takes_no_grades(self, client, world, group, a_cycle_in_entry_phase):
        ReviewCycle.objects.filter(pk=a_cycle_in_entry_phase.pk).update(phase=Phase.CLOSED)
        client.force_login(world.teacher)

        assert upload(client, a_cycle_in_entry_phase, group, GOOD_DUTCH).status_code == 403

    def test_the_service_refuses_who_does_not_teach_the_group(self, world, group, a_cycle_in_entry_phase):
        with pytest.raises(PermissionDenied):
            services.grades_import_apply(
                cycle=a_cycle_in_entry_phase,
                teaching_group=group,
                actor=world.team_leader,
                grades=[GradeLine(world.student.pk, Decimal("7.0"), 0)],
            )
