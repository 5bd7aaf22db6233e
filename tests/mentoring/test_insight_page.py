"""Insight for a team leader: the department's lights per subject, per class group and over rounds, as SVG."""

import datetime
import re

import pytest
from django.urls import reverse

from mentoring.charts import LightCounts, stacked_bars, stacked_columns
from mentoring.selectors.insight import department_insight, insight_charts
from reviews.models import Entry, Light, LightScheme, Palette, Phase, ReviewCycle
from tests.factories import (
    ClassGroupFactory,
    PeriodFactory,
    StudentFactory,
    SubjectFactory,
    TeachingGroupFactory,
)

LETTERS = {"red": "R", "orange": "O", "green": "G"}
WORDS = {"red": "rood", "orange": "oranje", "green": "groen", "missing": "nog geen licht"}


def counts(insight_rows) -> dict[str, tuple[int, int, int, int]]:
    return {
        row.label: (row.counts.red, row.counts.orange, row.counts.green, row.counts.missing) for row in insight_rows
    }


def history(rounds: list[LightCounts]) -> list[tuple[int, int, int]]:
    return [(c.red, c.orange, c.green) for c in rounds]


@pytest.fixture
def a_small_department(world, a_cycle_in_speed_date):
    """Three havo students (4H1: world.student and Noor; 4H2: Daan) in two subjects.

    Nederlands: world.student red (the fixture), Noor green, Daan no light yet.
    Wiskunde:   world.student orange, Noor red, Daan green.
    And a vwo student, red, who is not the havo department's.
    """
    cycle = a_cycle_in_speed_date
    year = world.class_group.school_year
    noor = StudentFactory(school=world.school, class_group=world.class_group, first_name="Noor")
    other_class = ClassGroupFactory(school=world.school, school_year=year, department=world.department, name="4H2")
    daan = StudentFactory(school=world.school, class_group=other_class, first_name="Daan")
    for student in (noor, daan):
        world.teaching_group.enrollments.create(student=student)
    maths = TeachingGroupFactory(
        school=world.school,
        school_year=year,
        subject=SubjectFactory(school=world.school, code="wi", name="Wiskunde"),
        name="4H-wi1",
        students=[world.student, noor, daan],
    )
    lights = [
        (world.teaching_group, noor, Light.GREEN),
        (world.teaching_group, daan, ""),
        (maths, world.student, Light.ORANGE),
        (maths, noor, Light.RED),
        (maths, daan, Light.GREEN),
    ]
    for group, student, light in lights:
        Entry.objects.create(cycle=cycle, teaching_group=group, student=student, light=light)
    vwo_group = world.other_student.teaching_groups.get()
    Entry.objects.create(cycle=cycle, teaching_group=vwo_group, student=world.other_student, light=Light.RED)
    return cycle


def insight_url(cycle, department) -> str:
    return reverse("mentoring:insight", args=[cycle.pk, department.pk])


# --- the numbers ---------------------------------------------------------------------------------------------


def test_the_url(world):
    assert reverse("mentoring:insight", args=[3, 4]) == "/mentoring/cycles/3/departments/4/insight/"


def test_per_subject_most_concern_first(world, a_small_department):
    insight = department_insight(cycle=a_small_department, department=world.department)

    assert counts(insight.subjects) == {"Wiskunde": (1, 1, 1, 0), "Nederlands": (1, 0, 1, 1)}
    assert [row.label for row in insight.subjects] == ["Wiskunde", "Nederlands"]  # 67% before 33%
    assert [row.counts.concern_percent for row in insight.subjects] == [67, 33]
    assert insight.student_count == 3
    assert (insight.total.given, insight.total.missing) == (5, 1)


def test_per_class_group(world, a_small_department):
    insight = department_insight(cycle=a_small_department, department=world.department)

    assert counts(insight.class_groups) == {"4H1": (2, 1, 1, 0), "4H2": (0, 0, 1, 1)}
    assert [row.label for row in insight.class_groups] == ["4H1", "4H2"]


def test_over_rounds_includes_the_previous_round(world, a_small_department, a_previous_cycle):
    insight = department_insight(cycle=a_small_department, department=world.department)

    assert insight.cycles == [a_previous_cycle, a_small_department]
    assert history(insight.department_history) == [(0, 0, 1), (2, 1, 2)]
    by_subject = {row.label: history(row.rounds) for row in insight.subject_history}
    assert by_subject == {"Wiskunde": [(0, 0, 0), (1, 1, 1)], "Nederlands": [(0, 0, 1), (1, 0, 1)]}


def test_over_rounds_keeps_the_last_six_rounds_that_include_the_department(world, a_small_department):
    for number in range(2, 9):
        cycle = ReviewCycle.objects.create(
            school=world.school,
            period=PeriodFactory(school=world.school, school_year=world.class_group.school_year),
            name=f"Oud {number}",
            entry_deadline=datetime.date(2025, 1, number),
            phase=Phase.CLOSED,
        )
        cycle.departments.set([world.department])
    vwo_only = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year),
        name="Alleen vwo",
        entry_deadline=datetime.date(2026, 10, 1),
        phase=Phase.CLOSED,
    )
    vwo_only.departments.set([world.other_department])
    later = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year),
        name="Later",
        entry_deadline=datetime.date(2027, 3, 1),
    )
    later.departments.set([world.department])

    insight = department_insight(cycle=a_small_department, department=world.department)

    assert [c.name for c in insight.cycles] == ["Oud 5", "Oud 6", "Oud 7", "Oud 8", "Ronde 0", "Ronde 1"]


def test_an_empty_department_shows_nothing_but_does_not_fail(client, world, a_cycle_in_speed_date):
    empty = world.school.departments.create(name="Onderbouw")
    a_cycle_in_speed_date.departments.add(empty)
    empty.team_leaders.add(world.team_leader.staff)
    client.force_login(world.team_leader)

    response = client.get(insight_url(a_cycle_in_speed_date, empty))

    assert response.status_code == 200
    assert "empty-state" in response.content.decode()


# --- the charts ----------------------------------------------------------------------------------------------


def test_percentages_add_up_to_a_hundred():
    assert LightCounts(red=1, orange=1, green=1).percents() == {"red": 34, "orange": 33, "green": 33, "missing": 0}
    assert sum(LightCounts(red=2, orange=5, green=11, missing=3).percents().values()) == 100
    assert LightCounts().percents() == {"red": 0, "orange": 0, "green": 0, "missing": 0}


def test_bars_fill_their_width_in_a_fixed_order():
    chart = stacked_bars(
        [("Wiskunde", LightCounts(red=10, orange=0, green=19, missing=1))], letters=LETTERS, words=WORDS
    )

    [bar] = chart.bars
    assert [segment.light for segment in bar.segments] == ["red", "green", "missing"]
    assert sum(segment.width for segment in bar.segments) == pytest.approx(chart.bar_width)
    assert bar.segments[0].x == chart.bar_x
    assert [segment.text for segment in bar.segments] == ["R 10", "G 19", ""]  # too narrow for the last one
    assert [segment.word for segment in bar.segments] == ["rood", "groen", "nog geen licht"]


def test_columns_are_shares_of_the_lights_given():
    chart = stacked_columns(
        [
            ("Ronde 0", LightCounts(green=4)),
            ("Ronde 1", LightCounts(red=1, green=3, missing=6)),
            ("Leeg", LightCounts()),
        ],
        letters=LETTERS,
        words=WORDS,
    )

    first, second, empty = chart.columns
    assert [(s.light, s.height) for s in first.segments] == [("green", chart.plot_height)]
    assert [s.light for s in second.segments] == ["red", "green"]  # red on top
    assert second.segments[0].y == chart.plot_top
    assert sum(s.height for s in second.segments) == pytest.approx(chart.plot_height)
    assert (first.top_text, second.top_text, empty.top_text, empty.segments) == ("0%", "25%", "", [])


# --- the page --------------------------------------------------------------------------------------------------


def test_the_page_draws_accessible_svg_charts(client, world, a_small_department, a_previous_cycle):
    client.force_login(world.team_leader)

    html = client.get(insight_url(a_small_department, world.department)).content.decode()

    svgs = re.findall(r"<svg\b[^>]*>", html)
    assert len(svgs) == 5  # subjects, class groups, over rounds, and one small chart per subject
    for tag in svgs:
        assert 'role="img"' in tag
        assert re.search(r'aria-label="[^"]+"', tag)
    assert html.count("<title>") >= 5
    assert html.count("<desc ") == 5
    subjects_chart = re.search(r'<svg[^>]*id="chart-subjects"[^>]*>', html).group(0)
    assert "Ronde 1" in re.search(r'aria-label="([^"]+)"', subjects_chart).group(1)
    assert 'aria-describedby="chart-subjects-desc"' in subjects_chart
    desc = re.search(r'<desc id="chart-subjects-desc">(.*?)</desc>', html, flags=re.DOTALL).group(1)
    assert desc.index("Wiskunde") < desc.index("Nederlands")
    assert 'class="light-fill light-fill--red"' in html
    assert 'class="light-fill light-fill--none"' in html  # Daan's missing light in Nederlands
    assert re.search(r"<title>Wiskunde: [^<]+ 1 \(33%\)</title>", html)  # every segment says what it is
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "css/mentoring-insight.css" in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # nothing from a CDN


def test_numbers_in_the_svg_are_not_localised(client, world, a_small_department):
    client.force_login(world.team_leader)

    html = client.get(insight_url(a_small_department, world.department)).content.decode()

    for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL):
        for value in re.findall(r'\s(?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg):
            assert re.fullmatch(r"-?\d+(\.\d+)?", value), value


def test_the_page_has_the_numbers_as_tables_and_a_legend_in_the_schools_words(client, world, a_small_department):
    LightScheme.objects.create(
        school=world.school, green="op koers", orange="aandacht", red="actie nodig", palette=Palette.BLUE_ORANGE
    )
    client.force_login(world.team_leader)

    html = client.get(insight_url(a_small_department, world.department)).content.decode()

    assert 'class="insight palette-blue_orange"' in html
    legend = re.search(r'<ul class="chart-legend".*?</ul>', html, flags=re.DOTALL).group(0)
    for word in ("actie nodig", "aandacht", "op koers"):
        assert word in legend
    assert html.count('<details class="chart-data">') == 4
    table = re.search(r"<table.*?</table>", html, flags=re.DOTALL).group(0)
    rows = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in re.findall(r"<tr>.*?</tr>", table, flags=re.DOTALL)]
    assert rows[1] == ["Wiskunde", "1", "1", "1", "0", "3", "67%"]
    assert rows[2] == ["Nederlands", "1", "0", "1", "1", "3", "33%"]


# --- access --------------------------------------------------------------------------------------------------

ALLOWED = {"team_leader", "admin", "care_coordinator"}


@pytest.mark.parametrize(
    "who",
    [
        "team_leader",
        "admin",
        "care_coordinator",
        "other_team_leader",
        "mentor",
        "other_mentor",
        "teacher",
        "other_teacher",
        "student_user",
        "guardian",
        "outsider",
    ],
)
def test_who_sees_the_insight(client, world, a_small_department, who):
    client.force_login(getattr(world, who))

    response = client.get(insight_url(a_small_department, world.department))

    assert response.status_code == (200 if who in ALLOWED else 404)


def test_anonymous_users_are_sent_to_log_in(client, world, a_small_department):
    response = client.get(insight_url(a_small_department, world.department))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_round_without_the_department_is_404(client, world, a_cycle_in_speed_date):
    vwo_only = ReviewCycle.objects.create(
        school=world.school,
        period=PeriodFactory(school=world.school, school_year=world.class_group.school_year),
        name="Alleen vwo",
        entry_deadline=datetime.date(2026, 12, 1),
    )
    vwo_only.departments.set([world.other_department])
    client.force_login(world.team_leader)

    assert client.get(insight_url(vwo_only, world.department)).status_code == 404
    assert client.get(insight_url(a_cycle_in_speed_date, world.department)).status_code == 200


def test_another_schools_round_is_404(client, world, a_cycle_in_speed_date):
    client.force_login(world.outsider)
    own_department = world.outsider.staff.school.departments.create(name="Eigen afdeling")
    own_department.team_leaders.add(world.outsider.staff)

    assert client.get(insight_url(a_cycle_in_speed_date, own_department)).status_code == 404
    assert client.get(insight_url(a_cycle_in_speed_date, world.department)).status_code == 404


def test_only_get(client, world, a_small_department):
    client.force_login(world.team_leader)
    assert client.post(insight_url(a_small_department, world.department)).status_code == 405


# --- queries -------------------------------------------------------------------------------------------------


def add_students(world, cycle, number: int) -> None:
    """`number` more havo students in a class group of their own, each with a light in Nederlands."""
    year = world.class_group.school_year
    group = ClassGroupFactory(school=world.school, school_year=year, department=world.department)
    lights = [Light.RED, Light.ORANGE, Light.GREEN, ""]
    for index in range(number):
        student = StudentFactory(school=world.school, class_group=group)
        world.teaching_group.enrollments.create(student=student)
        Entry.objects.create(
            cycle=cycle, teaching_group=world.teaching_group, student=student, light=lights[index % len(lights)]
        )


def test_the_selector_counts_in_the_database(world, a_small_department, a_previous_cycle, django_assert_num_queries):
    with django_assert_num_queries(5):
        small = department_insight(cycle=a_small_department, department=world.department)
        insight_charts(small)

    add_students(world, a_small_department, 40)

    with django_assert_num_queries(5):
        large = department_insight(cycle=a_small_department, department=world.department)
        insight_charts(large)
    assert large.student_count == small.student_count + 40


def test_the_page_takes_the_same_queries_at_two_sizes(
    client, world, a_small_department, a_previous_cycle, django_assert_num_queries
):
    client.force_login(world.team_leader)
    url = insight_url(a_small_department, world.department)
    client.get(url)  # the session and the language settle

    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(url).status_code == 200

    add_students(world, a_small_department, 60)

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(url)
    assert "63 leerlingen" in response.content.decode() or "63 students" in response.content.decode()


PAGE_QUERIES = 12  # user and roles (3; session cached), the round and department (3), the insight (5), the school


def test_earlier_rounds_link_to_their_own_insight(client, world, a_small_department, a_previous_cycle):
    client.force_login(world.team_leader)

    html = client.get(insight_url(a_small_department, world.department)).content.decode()

    assert f'<a href="{insight_url(a_previous_cycle, world.department)}">Ronde 0</a>' in html
    assert f'href="{insight_url(a_small_department, world.department)}"' not in html  # this page itself
    assert client.get(insight_url(a_previous_cycle, world.department)).status_code == 200  # a closed round too
