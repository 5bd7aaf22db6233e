"""The one cleaner of agreement rows, for department meetings and open class meetings alike."""

import datetime

from django.utils import translation

from mentoring.models import Agreement
from mentoring.services.agreements import agreements_clean

TODAY = datetime.date(2026, 11, 23)


def row(**values):
    return {"text": "Elke week woordjes overhoren.", "owner": "student", "due_on": "2026-12-01", **values}


def test_a_good_row_is_cleaned(world):
    staff = world.mentor.staff
    [cleaned], errors = agreements_clean(
        [row(owner="mentor", owner_staff_id=str(staff.pk))], school_id=world.school.pk, today=TODAY
    )
    assert errors == []
    assert cleaned == {
        "text": "Elke week woordjes overhoren.",
        "owner": "mentor",
        "owner_staff": staff,
        "due_on": datetime.date(2026, 12, 1),
    }


def test_every_problem_is_named_with_its_row(world, django_assert_num_queries):
    rows = [
        row(text="  "),
        row(owner="guardian"),
        row(due_on="2026-11-22"),
        row(due_on="gisteren"),
        row(owner_staff_id=str(world.outsider.staff.pk)),
        row(owner_staff_id="x"),
    ]
    with translation.override("en"), django_assert_num_queries(1):  # the staff named, once
        _, errors = agreements_clean(
            rows,
            school_id=world.school.pk,
            today=TODAY,
            owners=(Agreement.Owner.STUDENT, Agreement.Owner.MENTOR),
            owner_message="Agreement %(number)s: the student or the mentor.",
        )
    assert errors == [
        "Agreement 1: say what is agreed.",
        "Agreement 2: the student or the mentor.",
        "Agreement 3: the due date 22-11-2026 lies in the past.",
        "Agreement 4: give a due date.",
        "Agreement 5: the person named is not a member of staff of this school.",
        "Agreement 6: the person named is not a member of staff of this school.",
    ]
