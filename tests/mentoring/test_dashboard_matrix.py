"""The matrices: lights per student and subject, trend, counts, sorting, filters, progress, markup, query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.models import Category, Escalation, MentorReview, Question
from mentoring.selectors.dashboard import class_matrix, dashboards_for, department_matrix
from reviews.models import Entry, LightScheme, Palette, Phase, ReviewCycle
from school.models import Enrollment, Subject, TeachingGroup
from tests.factories import ClassGroupFactory, StaffFactory, StudentFactory

SUBJECTS = {"ne": "Nederlands", "en": "Engels", "wi": "Wiskunde", "bi": "Biologie"}
ROW_ID = re.compile(r'<tr id="student-(\d+)"')


@pytest.fixture
def cycle(a_cycle_in_speed_date):
    return a_cycle_in_speed_date


@pytest.fixture
def previous(a_previous_cycle):
    return a_previous_cycle


def group_for(world, class_group, code: str) -> TeachingGroup:
    if code == "ne" and class_group == world.class_group:
        return world.teaching_group
    subject, _ = Subject.objects.get_or_create(school=world.school, code=code, defaults={"name": SUBJECTS[code]})
    group, _ = TeachingGroup.objects.get_or_create(
        school=world.school,
        school_year=class_group.school_year,
        name=f"{class_group.name}-{code}",
        defaults={"subject": subject},
    )
    return group


def add_student(world, cycle, previous, *, now: dict, before: dict | None = None, class_group=None, **names):
    """A student of `class_group` (4H1) with lights `now` in this cycle and `before` in the previous one."""
    class_group = class_group or world.class_group
    student = StudentFactory(school=world.school, class_group=class_group, **names)
    set_lights(world, student, cycle, now, class_group=class_group)
    set_lights(world, student, previous, before or {}, class_group=class_group)
    return student


def set_lights(world, student, cycle, lights: dict, *, class_group=None):
    class_group = class_group or world.class_group
    for code, light in lights.items():
        group = group_for(world, class_group, code)
        Enrollment.objects.get_or_create(teaching_group=group, student=student)
        Entry.objects.update_or_create(
            cycle=cycle,
            teaching_group=group,
            student=student,
            defaults={"light": light, "grade": Decimal("6.5"), "advice": f"Advies {code}" if light != "green" else ""},
        )


def rows_of(html: str) -> list[int]:
    return [int(pk) for pk in ROW_ID.findall(html)]


def dashboard(client, world, cycle, **params) -> str:
    response = client.get(reverse("mentoring:dashboard", args=[cycle.pk, world.class_group.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def overview(client, world, cycle, **params) -> str:
    response = client.get(reverse("mentoring:department_overview", args=[cycle.pk, world.department.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def a_class(world, cycle, previous):
    """4H1 with four students whose lights differ in the ways the sorts and filters look at.

    - world.student (Dekker): red in ne, green before: worse; no verdict.
    - Aalders: 2 red, 1 orange; was worse before (red, red, red): better; needs attention.
    - Bakker: 3 orange, nothing before; clear.
    - Claes: all green, the same as before; no verdict.
    """
    world.student.first_name, world.student.last_name = "Sam", "Dekker"
    world.student.save()
    aalders = add_student(
        world,
        cycle,
        previous,
        first_name="Ada",
        last_name="Aalders",
        now={"ne": "red", "en": "red", "wi": "orange"},
        before={"ne": "red", "en": "red", "wi": "red"},
    )
    bakker = add_student(
        world,
        cycle,
        previous,
        first_name="Bo",
        last_name="Bakker",
        now={"ne": "orange", "en": "orange", "wi": "orange"},
    )
    claes = add_student(
        world,
        cycle,
        previous,
        first_name="Cas",
        last_name="Claes",
        now={"ne": "green", "en": "green"},
        before={"ne": "green", "en": "green"},
    )
    MentorReview.objects.create(cycle=cycle, student=aalders, verdict="needs_attention", reviewed_by=world.mentor)
    MentorReview.objects.create(cycle=cycle, student=bakker, verdict="clear", reviewed_by=world.mentor)
    return {"dekker": world.student, "aalders": aalders, "bakker": bakker, "claes": claes}


# --- the matrix (selector) ------------------------------------------------------------------------------------


def test_cells_counts_and_trend(world, cycle, a_class):
    matrix = class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.mentor)
    rows = {row.student_id: row for row in matrix.all_rows}
    ne = Subject.objects.get(school=world.school, code="ne")

    dekker = rows[a_class["dekker"].pk]
    assert dekker.cells[ne.pk].light == "red"
    assert dekker.cells[ne.pk].previous_light == "green"
    assert dekker.cells[ne.pk].trend == "worse"
    assert (dekker.red, dekker.orange, dekker.trend) == (1, 0, "worse")

    aalders = rows[a_class["aalders"].pk]
    assert (aalders.red, aalders.orange, aalders.trend) == (2, 1, "better")
    assert aalders.verdict == "needs_attention"
    assert rows[a_class["bakker"].pk].trend is None  # nothing to compare with
    assert rows[a_class["claes"].pk].trend == "same"


def test_columns_are_the_subjects_of_the_cycle_by_name(world, cycle, a_class):
    matrix = class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.mentor)
    assert [column.name for column in matrix.columns] == ["Engels", "Nederlands", "Wiskunde"]


def test_two_groups_of_one_subject_show_the_more_worrying_light(world, cycle, previous, a_class):
    second = TeachingGroup.objects.create(
        school=world.school,
        school_year=world.class_group.school_year,
        subject=world.teaching_group.subject,
        name="ne2",
    )
    Entry.objects.create(cycle=cycle, teaching_group=second, student=a_class["claes"], light="orange")

    matrix = class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.mentor)
    claes = next(row for row in matrix.all_rows if row.student_id == a_class["claes"].pk)

    assert claes.cells[world.teaching_group.subject_id].light == "orange"
    assert claes.cells[world.teaching_group.subject_id].group_id == second.pk
    assert (claes.orange, claes.green) == (1, 1)


def test_progress_counts(world, cycle, a_class):
    matrix = class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.mentor)
    assert (matrix.total, matrix.reviewed, matrix.needs_attention) == (4, 2, 1)
    assert matrix.percent == 50


def test_only_active_students_of_the_class_are_shown(world, cycle, a_class):
    a_class["claes"].is_active = False
    a_class["claes"].save()
    StudentFactory(school=world.school, class_group=world.other_class_group)

    matrix = class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.mentor)

    assert {row.student_id for row in matrix.all_rows} == {
        a_class["dekker"].pk,
        a_class["aalders"].pk,
        a_class["bakker"].pk,
    }


def test_the_viewer_marks_only_as_mentor_of_an_open_cycle(world, cycle, a_class):
    assert class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.mentor).can_mark_any
    assert not class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.team_leader).can_mark_any
    cycle.phase = Phase.CLOSED
    cycle.save()
    assert not class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.mentor).can_mark_any


def test_questions_and_escalations_are_counted(world, cycle, a_class):
    for status in ("open", "open", "answered", "closed"):
        Question.objects.create(
            cycle=cycle,
            student=world.student,
            teaching_group=world.teaching_group,
            addressed_to=world.teacher.staff,
            asked_by=world.mentor,
            text="Waarom?",
            status=status,
            answer="" if status == "open" else "Daarom.",
        )
    first = Escalation.objects.create(
        cycle=cycle, student=world.student, department=world.department, category=Category.CARE, question="Zorg?"
    )
    Escalation.objects.create(
        cycle=cycle,
        student=world.student,
        department=world.department,
        category=Category.OTHER,
        question="Nog eens?",
        status=Escalation.Status.MERGED,
        merged_into=first,
    )

    matrix = class_matrix(cycle=cycle, class_group=world.class_group, viewer=world.mentor)
    dekker = next(row for row in matrix.all_rows if row.student_id == world.student.pk)

    assert (dekker.questions_open, dekker.questions_answered) == (2, 1)
    assert dekker.escalation == "pending"  # the merged one is left out


# --- sorting and filtering (through the page) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", ["aalders", "bakker", "claes", "dekker"]),
        ("red", ["aalders", "dekker", "bakker", "claes"]),
        ("orange", ["bakker", "aalders", "dekker", "claes"]),
        ("trend", ["dekker", "claes", "aalders", "bakker"]),
        ("nonsense", ["aalders", "bakker", "claes", "dekker"]),  # falls back to the name
    ],
)
def test_sorting(client, world, cycle, a_class, sort, order):
    client.force_login(world.mentor)
    assert rows_of(dashboard(client, world, cycle, sort=sort)) == [a_class[name].pk for name in order]


@pytest.mark.parametrize(
    ("filter", "shown"),
    [
        ("red2", ["aalders"]),
        ("concern", ["aalders", "bakker", "dekker"]),
        ("worse", ["dekker"]),
        ("unreviewed", ["claes", "dekker"]),
        ("attention", ["aalders"]),
        ("", ["aalders", "bakker", "claes", "dekker"]),
        ("nonsense", ["aalders", "bakker", "claes", "dekker"]),
    ],
)
def test_filters(client, world, cycle, a_class, filter, shown):
    client.force_login(world.mentor)
    assert rows_of(dashboard(client, world, cycle, filter=filter)) == [a_class[name].pk for name in shown]


def test_filters_and_sorting_combine_and_show_their_counts(client, world, cycle, a_class):
    client.force_login(world.mentor)
    html = dashboard(client, world, cycle, filter="concern", sort="red")

    assert rows_of(html) == [a_class[name].pk for name in ("aalders", "dekker", "bakker")]
    assert 'href="?sort=red&amp;filter=red2"' in html  # the filter links keep the sort
    assert '<input type="hidden" name="filter" value="concern">' in html  # the sort form keeps the filter
    assert re.search(r'aria-current="true">[^<]*<span class="mx-filters__count">\(3\)</span>', html)


def test_a_filter_without_matches_says_so(client, world, cycle, a_class):
    MentorReview.objects.filter(verdict="needs_attention").delete()
    client.force_login(world.team_leader)
    for html in (
        dashboard(client, world, cycle, filter="attention"),
        overview(client, world, cycle, filter="attention"),
    ):
        assert rows_of(html) == []
        assert "empty-state" in html
        assert "data-mx-matrix" not in html


def test_a_department_without_students_says_so(client, world, cycle):
    world.student.is_active = False
    world.student.save()
    client.force_login(world.team_leader)
    html = overview(client, world, cycle)
    assert "empty-state" in html
    assert "data-mx-matrix" not in html


# --- the markup ----------------------------------------------------------------------------------------------------


def test_a_cell_shows_light_letter_trend_grade_and_advice(client, world, cycle, a_class):
    client.force_login(world.mentor)
    html = dashboard(client, world, cycle)

    row = re.search(rf'<tr id="student-{world.student.pk}".*?</tr>', html, re.S).group(0)
    assert '<td class="mx-c cell--red"><span class="mx-cell" tabindex="0">' in row
    assert 'class="light light--red" role="img" aria-label="rood">R</span>' in row
    assert 'class="mx-mark mx-mark--worse"' in row
    assert "4,8" in row  # Dutch decimals
    assert "Woordjes elke dag herhalen." in row
    assert 'class="mx-trend mx-trend--worse"' in row
    assert "palette-classic" in html


def test_advice_and_names_are_escaped(client, world, cycle, a_class):
    Entry.objects.filter(student=world.student, cycle=cycle).update(advice='<script>alert("x")</script>')
    world.student.first_name = "<b>Sam</b>"
    world.student.save()
    client.force_login(world.team_leader)

    for html in (dashboard(client, world, cycle), overview(client, world, cycle)):
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert "&lt;b&gt;Sam&lt;/b&gt;" in html


def test_links_to_the_student_page_and_ask_the_teacher_only_for_the_mentor_while_open(client, world, cycle, a_class):
    student_url = reverse("mentoring:student", args=[cycle.pk, world.student.pk])
    ask_url = reverse("mentoring:question_ask", args=[cycle.pk, world.student.pk, world.teaching_group.pk])

    client.force_login(world.mentor)
    html = dashboard(client, world, cycle)
    assert f'href="{student_url}"' in html
    assert f'<a class="mx-ask" href="{ask_url}">' in html

    client.force_login(world.team_leader)
    html = dashboard(client, world, cycle)
    assert f'href="{student_url}"' in html
    assert "mx-ask" not in html
    assert "data-mx-verdict" not in html

    cycle.phase = Phase.CLOSED
    cycle.save()
    client.force_login(world.mentor)
    html = dashboard(client, world, cycle)
    assert "mx-ask" not in html


def test_the_legend_uses_the_schools_words_and_palette(client, world, cycle, a_class):
    LightScheme.objects.create(
        school=world.school, green="op koers", orange="let op", red="actie nodig", palette=Palette.BLUE_ORANGE
    )
    client.force_login(world.mentor)
    html = dashboard(client, world, cycle)

    assert "palette-blue_orange" in html
    assert 'aria-label="actie nodig">R</span>' in html
    assert "op koers" in html
    assert "js/mentoring-dashboard.js" in html
    assert "css/mentoring-dashboard.css" in html


def test_the_overview_labels_classes_and_links_their_dashboards(client, world, cycle, a_class):
    other = ClassGroupFactory(
        school=world.school, school_year=world.class_group.school_year, department=world.department
    )
    elsewhere = add_student(world, cycle, cycle, class_group=other, now={"bi": "red", "ne": "red"})
    client.force_login(world.team_leader)

    html = overview(client, world, cycle)

    assert set(rows_of(html)) == {*(student.pk for student in a_class.values()), elsewhere.pk}
    assert f'<td class="mx-class"><a href="{reverse("mentoring:dashboard", args=[cycle.pk, other.pk])}">' in html
    assert "Biologie" in html  # a subject of another class is a column too
    # Grouped by class by default: 4H1's students first, then the other class.
    assert rows_of(html)[-1] == elsewhere.pk
    assert rows_of(overview(client, world, cycle, sort="name"))[0] == a_class["aalders"].pk


def test_the_overview_is_read_only(client, world, cycle, a_class):
    world.team_leader.staff.mentor_of.add(world.class_group)  # a team leader who mentors a class too
    client.force_login(world.team_leader)
    assert "data-mx-verdict" not in overview(client, world, cycle)
    assert "data-mx-verdict" in dashboard(client, world, cycle)


def test_no_students_gives_an_empty_state(client, world, cycle):
    world.student.is_active = False
    world.student.save()
    client.force_login(world.mentor)
    html = dashboard(client, world, cycle)
    assert "empty-state" in html
    assert "data-mx-matrix" not in html


# --- the dashboards list -----------------------------------------------------------------------------------------


def test_the_mentor_sees_their_class_with_progress(client, world, cycle, a_class):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.mentor)
    html = client.get(reverse("mentoring:dashboards")).content.decode()

    assert reverse("mentoring:dashboard", args=[cycle.pk, world.class_group.pk]) in html
    assert 'value="2" max="4"' in html
    assert "1 student needs attention." in html
    assert "Overview of" not in html  # a mentor oversees no department


def test_the_list_per_role(world, cycle, a_class):
    closed = ReviewCycle.objects.create(
        school=world.school,
        period=cycle.period,
        name="Oud",
        entry_deadline=datetime.date(2026, 6, 1),
        phase=Phase.CLOSED,
    )
    closed.departments.set([world.department])

    (mentor,) = dashboards_for(world.mentor)
    assert mentor.cycle == cycle  # closed cycles are left out
    assert [(p.class_group, p.students, p.reviewed, p.needs_attention) for p in mentor.classes] == [
        (world.class_group, 4, 2, 1)
    ]
    assert mentor.departments == []

    (leader,) = dashboards_for(world.team_leader)
    assert [p.class_group for p in leader.classes] == [world.class_group]
    assert leader.departments == [world.department]

    (admin,) = dashboards_for(world.admin)
    assert {p.class_group for p in admin.classes} == {world.class_group, world.other_class_group}
    assert set(admin.departments) == {world.department, world.other_department}

    assert dashboards_for(world.teacher) == []
    assert dashboards_for(world.outsider) == []


def test_a_teacher_gets_an_empty_state(client, world, cycle):
    client.force_login(world.teacher)
    html = client.get(reverse("mentoring:dashboards")).content.decode()
    assert "empty-state" in html


# --- query counts: the same for few students and many ---------------------------------------------------------------


def fill_class(world, cycle, previous, class_group, count: int, *, start: int = 0):
    """`count` students with three lights now and before, a verdict, a question and an escalation here and there."""
    lights = ("green", "orange", "red")
    for n in range(start, start + count):
        student = add_student(
            world,
            cycle,
            previous,
            class_group=class_group,
            now={"ne": lights[n % 3], "en": lights[(n + 1) % 3], "wi": "green"},
            before={"ne": "green", "en": "red"},
        )
        if n % 2 == 0:
            MentorReview.objects.create(cycle=cycle, student=student, verdict="clear", reviewed_by=world.mentor)
        if n % 3 == 0:
            Question.objects.create(
                cycle=cycle,
                student=student,
                teaching_group=group_for(world, class_group, "en"),
                addressed_to=world.teacher.staff,
                asked_by=world.mentor,
                text="Hoe gaat het?",
            )
        if n % 4 == 0:
            Escalation.objects.create(
                cycle=cycle, student=student, department=world.department, category=Category.CARE, question="Zorg?"
            )


def test_the_dashboard_costs_the_same_queries_for_3_and_12_students(
    client, world, cycle, previous, django_assert_num_queries
):
    fill_class(world, cycle, previous, world.class_group, 2)  # world.student + 2
    client.force_login(world.mentor)
    client.get(reverse("home"))  # the session and the user, once
    url = reverse("mentoring:dashboard", args=[cycle.pk, world.class_group.pk])
    with CaptureQueriesContext(connection) as small:
        assert len(rows_of(client.get(url).content.decode())) == 3

    fill_class(world, cycle, previous, world.class_group, 9, start=2)

    with django_assert_num_queries(len(small)):
        assert len(rows_of(client.get(url).content.decode())) == 12
    assert len(small) <= 25


def test_the_overview_costs_the_same_queries_for_5_and_20_students(
    client, world, cycle, previous, django_assert_num_queries
):
    other = ClassGroupFactory(
        school=world.school,
        school_year=world.class_group.school_year,
        department=world.department,
        mentors=[StaffFactory(school=world.school)],
    )
    fill_class(world, cycle, previous, world.class_group, 2)
    fill_class(world, cycle, previous, other, 2, start=2)
    client.force_login(world.team_leader)
    url = reverse("mentoring:department_overview", args=[cycle.pk, world.department.pk])
    with CaptureQueriesContext(connection) as small:
        assert len(rows_of(client.get(url).content.decode())) == 5

    fill_class(world, cycle, previous, world.class_group, 7, start=4)
    fill_class(world, cycle, previous, other, 8, start=11)

    with django_assert_num_queries(len(small)):
        assert len(rows_of(client.get(url).content.decode())) == 20
    assert len(small) <= 25


def test_the_verdict_answer_costs_the_same_queries_for_a_small_and_a_large_class(
    client, world, cycle, previous, django_assert_num_queries
):
    fill_class(world, cycle, previous, world.class_group, 2)
    client.force_login(world.mentor)
    url = reverse("mentoring:verdict", args=[cycle.pk, world.student.pk])
    client.post(url, {"verdict": "clear"}, HTTP_HX_REQUEST="true")  # creating costs more than changing
    with CaptureQueriesContext(connection) as small:
        client.post(url, {"verdict": "needs_attention"}, HTTP_HX_REQUEST="true")

    fill_class(world, cycle, previous, world.class_group, 9, start=2)

    with django_assert_num_queries(len(small)):
        client.post(url, {"verdict": "clear"}, HTTP_HX_REQUEST="true")


def test_the_department_matrix_selector_alone(world, cycle, a_class):
    matrix = department_matrix(cycle=cycle, department=world.department, viewer=world.team_leader)
    assert matrix.sort == "class"
    assert matrix.total == 4
