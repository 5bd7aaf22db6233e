"""The evidence a mentor, team leader and meeting see: lights per subject and the trend."""

from mentoring.selectors.evidence import Trend, student_evidence, trend_between


def test_trend_between_lights():
    assert trend_between("green", "red") == Trend.WORSE
    assert trend_between("red", "orange") == Trend.BETTER
    assert trend_between("orange", "orange") == Trend.SAME
    assert trend_between(None, "red") is None
    assert trend_between("green", "") is None


def test_student_evidence_compares_with_the_previous_cycle(world, a_cycle_in_speed_date, a_previous_cycle):
    evidence = student_evidence(cycle=a_cycle_in_speed_date, student=world.student)
    assert evidence.previous == a_previous_cycle
    [cell] = evidence.cells
    assert (cell.subject, cell.light, cell.previous_light, cell.trend) == ("Nederlands", "red", "green", "worse")
    assert (evidence.red, evidence.orange, evidence.green, evidence.trend) == (1, 0, 0, Trend.WORSE)


def test_snapshot_is_plain_json(world, a_cycle_in_speed_date):
    snapshot = student_evidence(cycle=a_cycle_in_speed_date, student=world.student).as_snapshot(
        student_view="Ik wil het proberen."
    )
    assert snapshot["counts"] == {"green": 0, "orange": 0, "red": 1}
    assert snapshot["subjects"][0]["grade"] == "4.8"
    assert snapshot["subjects"][0]["advice"] == "Woordjes elke dag herhalen."
    assert snapshot["student_view"] == "Ik wil het proberen."
    assert snapshot["trend"] == "worse"


def test_student_evidence_query_count(world, a_cycle_in_speed_date, django_assert_num_queries):
    with django_assert_num_queries(3):
        student_evidence(cycle=a_cycle_in_speed_date, student=world.student)
