"""`home_queries_small`, `home_queries_large`: queries on every demo role's home page, at 200 and 2,000 students.

Both schools live in the same database, as schools share an installation; the
figure is the largest count over the roles, and the two must be equal.
"""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from school.demo import DemoSchool, demo_school_create

SIZES = {"small": 200, "large": 2000}


def home_page_queries(school: DemoSchool) -> dict[str, int]:
    """Demo username → number of queries for GET "/" as that person (session and user lookups included)."""
    client = Client()
    counts = {}
    for username, user in school.logins.items():
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        if response.status_code != 200:
            raise RuntimeError(f"GET / as {username} answered {response.status_code}")
        counts[username] = len(queries)
    return counts


def run() -> dict[str, float]:
    counts = {
        size: home_page_queries(demo_school_create(students=students, with_logins=False, username_prefix=f"{size}-"))
        for size, students in SIZES.items()
    }
    for username in counts["small"]:
        print(
            f"   {username:<15} {counts['small'][username]:>3} queries at 200, {counts['large'][username]:>3} at 2,000"
        )
    return {f"home_queries_{size}": max(per_role.values()) for size, per_role in counts.items()}
