"""The department meeting's decision (with its agreement rows) against hostile input, through the client.

Apart from test_views.py because its fixtures (the meeting) share a name with the class meeting's.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring.models import Agreement, Decision
from tests.mentoring.conftest import a_cycle_in_speed_date, a_meeting, a_previous_cycle, an_escalation  # noqa: F401
from tests.mentoring.test_meetings_views import an_item, decision_data, discussing, running  # noqa: F401

from .strategies import SCRIPT, hostile_text
from .test_views import ESCAPED, Endpoint, post

TEXT_FIELDS = ("text", "rationale", "agreements-0-text", "agreements-0-owner", "agreements-0-due_on")


@pytest.fixture
def endpoint(world, discussing) -> Endpoint:  # noqa: F811 (the fixture imported above)
    def stored() -> list[str]:
        values = [value for decision in Decision.objects.all() for value in (decision.text, decision.rationale)]
        return values + [agreement.text for agreement in Agreement.objects.all()]

    return Endpoint(
        user=world.team_leader,
        url=reverse("mentoring:meeting_decision", args=[discussing.meeting_id, discussing.pk]),
        page=reverse("mentoring:meeting_item", args=[discussing.meeting_id, discussing.pk]),
        text_fields=TEXT_FIELDS,
        base=decision_data,
        stored=stored,
    )


@settings(max_examples=15)
@given(data=st.data())
def test_hostile_values_never_fail_and_never_store_a_nul_byte(client, endpoint, data):
    client.force_login(endpoint.user)
    fields = data.draw(st.lists(st.sampled_from(endpoint.text_fields), min_size=1, unique=True), label="fields")
    values = {name: data.draw(hostile_text, label=name) for name in fields}

    response = post(client, endpoint, values)

    assert response.status_code < 500
    assert not any("\x00" in value for value in endpoint.stored())
    if response.status_code != 302:
        assert SCRIPT not in response.content.decode()


@pytest.mark.parametrize("field", ["text", "rationale", "agreements-0-text"])
def test_a_script_is_stored_as_text_and_shown_escaped(client, endpoint, field):
    client.force_login(endpoint.user)

    response = post(client, endpoint, {field: SCRIPT})

    assert response.status_code == 302
    assert SCRIPT in endpoint.stored()
    html = client.get(endpoint.page).content.decode()
    assert SCRIPT not in html
    assert ESCAPED in html
