"""Open agreements come back on the mentor dashboard at the next cycle, to be checked in the mentor talk."""

import datetime

from mentoring.models import Agreement
from mentoring.selectors.dashboard import class_matrix
from tests.factories import PASSWORD


def test_an_open_agreement_of_last_time_shows_on_the_dashboard(client, world, a_cycle_in_speed_date):
    Agreement.objects.create(
        student=world.student,
        text="Elke dinsdag naar het steunuur.",
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2026, 11, 1),
    )
    Agreement.objects.create(
        student=world.student,
        text="Al gedaan.",
        owner=Agreement.Owner.STUDENT,
        due_on=datetime.date(2026, 11, 1),
        status=Agreement.Status.MET,
    )
    matrix = class_matrix(cycle=a_cycle_in_speed_date, class_group=world.class_group, viewer=world.mentor)
    assert {row.student_id: row.agreements_open for row in matrix.rows}[world.student.pk] == 1

    client.login(username=world.mentor.username, password=PASSWORD)
    html = client.get(f"/mentoring/cycles/{a_cycle_in_speed_date.pk}/classes/{world.class_group.pk}/").content.decode()
    assert "mx-q--agreement" in html
