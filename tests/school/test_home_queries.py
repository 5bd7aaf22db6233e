"""The home page's query count does not grow with the school (DESIGN §6, `home_queries_*`)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from school import demo


@pytest.fixture
def small_and_large_school(db) -> tuple[demo.DemoSchool, demo.DemoSchool]:
    # Both in one database, as schools share an installation: neither may see the other's rows.
    small = demo.demo_school_create(students=20, with_logins=False, username_prefix="klein-")
    large = demo.demo_school_create(students=80, with_logins=False, username_prefix="groot-")
    return small, large


@pytest.mark.parametrize("role", [login.username for login in demo.DEMO_LOGINS])
def test_home_page_queries_do_not_grow_with_the_school(
    client, django_assert_num_queries, small_and_large_school, role
):
    small, large = small_and_large_school
    client.force_login(small.logins[role])
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get("/").status_code == 200

    client.force_login(large.logins[role])
    with django_assert_num_queries(len(small_queries)):
        assert client.get("/").status_code == 200
