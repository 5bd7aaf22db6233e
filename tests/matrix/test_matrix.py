"""The permission matrix: every URL of the project by every role of the issue, with its expected answer.

Generated from the URL configuration: a URL name without an entry in `expectations.EXPECTED` (or without a way to
fill its parameters in `kwargs.KWARGS`) fails `test_every_url_has_an_entry`, naming it. Each URL and role is its own
test, so a failure names both. A refused POST (empty data) must not write anything: every table of the project's
apps keeps its row count, and the world's objects keep their values.
"""

from __future__ import annotations

from functools import cache

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config import urls as root_urls

from .expectations import EXPECTED, NOT_WALKED
from .kwargs import KWARGS, QUERY
from .world import ROLES, MatrixWorld

PROJECT_APPS = ("school", "reviews", "mentoring", "boards", "classmeetings", "audit", "privacy")


def _names(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin: its own login, for is_staff users only (test_django_admin_is_closed)
            yield from _names(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


URLS = dict(_names(get_resolver()))
CASES = [(name, role) for name in sorted(EXPECTED) if name in URLS for role in ROLES]


def test_every_url_has_an_entry():
    missing = sorted(name for name in URLS if name not in EXPECTED)
    assert not missing, f"URLs without an entry in tests/matrix/expectations.py: {', '.join(missing)}"
    no_kwargs = sorted(name for name, pattern in URLS.items() if pattern.pattern.converters and name not in KWARGS)
    assert not no_kwargs, f"URLs with parameters but no entry in tests/matrix/kwargs.py: {', '.join(no_kwargs)}"
    stale = sorted(set(EXPECTED) - set(URLS)) + sorted(set(KWARGS) - set(URLS))
    assert not stale, f"entries for URLs that no longer exist: {', '.join(stale)}"


def test_every_url_of_an_optional_feature_is_named():
    """The single sign-on URLs exist only when it is configured: each is named in NOT_WALKED, with its test."""
    optional = {pattern.name for pattern in getattr(root_urls, "oidc_urlpatterns", [])}
    assert optional <= set(NOT_WALKED), f"name in NOT_WALKED: {', '.join(sorted(optional - set(NOT_WALKED)))}"
    assert not set(NOT_WALKED) & set(EXPECTED)


def _client(world: MatrixWorld, role: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def _url(world: MatrixWorld, name: str) -> str:
    url = reverse(name, kwargs=KWARGS[name](world) if name in KWARGS else None)
    return f"{url}?{QUERY[name]}" if name in QUERY else url


def _to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL))


def _refused(response) -> bool:
    return response.status_code in (403, 404, 405) or _to_login(response)


@cache
def _count_sql() -> str:
    tables = sorted({model._meta.db_table for model in apps.get_models() if model._meta.app_label in PROJECT_APPS})
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)})" for table in tables)  # noqa: S608
    return f"SELECT {counts}"  # table names from the models, no input


def _fingerprint(world: MatrixWorld) -> tuple:
    """Row counts of every project table, and the stored rows of the world's objects (raw SQL: it runs often)."""
    with connection.cursor() as cursor:
        cursor.execute(_count_sql())
        counts = cursor.fetchone()
        rows = []
        for obj in world.objects.values():
            meta = obj._meta
            cursor.execute(
                f"SELECT * FROM {connection.ops.quote_name(meta.db_table)} WHERE {meta.pk.column} = %s",  # noqa: S608
                [obj.pk],
            )
            rows.append(cursor.fetchall())
    return counts, rows


def _check(response, expected: str, method: str) -> str | None:
    """None when the response is the expected outcome, else what it was instead."""
    status = response.status_code
    seen = f"{status} {response.get('Location', '')}".strip()
    if expected == "login":
        return None if _to_login(response) else seen
    if expected == "forbidden":
        return None if status == 403 else seen
    if expected == "not_found":
        return None if status == 404 else seen
    if expected == "bad":
        return None if status == 400 else seen
    if expected == "redirect":
        return None if status == 302 and not _to_login(response) else seen
    if expected == "answers":
        return None if not _refused(response) and status != 500 else seen
    assert expected == "ok"
    if method == "GET":
        return None if status in (200, 204) else seen  # 204: a poll with nothing new
    return None if not _refused(response) and status < 500 else seen


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{name}-{role}" for name, role in CASES])
def test_access(matrix_world, name, role):
    entry = EXPECTED[name]
    expected = entry.by_role[role]
    client = _client(matrix_world, role)
    url = _url(matrix_world, name)
    refused = expected in ("forbidden", "not_found", "login")

    before = _fingerprint(matrix_world) if refused else None
    response = client.get(url) if entry.method == "GET" else client.post(url)
    wrong = _check(response, expected, entry.method)
    assert wrong is None, f"{name} as {role}: {entry.method} expected {expected}, got {wrong}"

    if refused:
        if entry.method == "GET":
            # The same URL refuses an empty POST too, whatever the view does with POST.
            response = client.post(url)
            assert _refused(response), f"{name} as {role}: POST not refused ({response.status_code})"
        assert _fingerprint(matrix_world) == before, f"{name} as {role}: a refused {entry.method} wrote something"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_django_admin_is_closed(matrix_world, role):
    """Nobody of the matrix is Django staff: the admin site sends everyone to its own login."""
    response = _client(matrix_world, role).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# A list page that many roles may open must not link to an object the role may not open itself.
# list name: (detail name, the world's object, a role the list does show it to)
LISTS = {
    "boards:care_meetings": ("boards:care_meeting", "care_meeting", "care_coordinator"),
    "boards:boards": ("boards:board", "board", "mentor"),
    "classmeetings:list": ("classmeetings:detail", "class_meeting", "mentor"),
    "mentoring:inbox": ("mentoring:question", "question", "teacher"),
    "mentoring:escalations_mine": ("mentoring:escalation", "escalation", "mentor"),
}
# The roles that open the list but not the object: the ones for whom a link would be a leak.
LIST_CASES = [
    (name, role)
    for name, (detail, _, _) in LISTS.items()
    for role in ROLES
    if EXPECTED[name].by_role[role] == "ok" and EXPECTED[detail].by_role[role] != "ok"
]


def _list_links(world: MatrixWorld, name: str, role: str) -> tuple[str, str]:
    detail, attr, _ = LISTS[name]
    response = _client(world, role).get(_url(world, name))
    assert response.status_code == 200
    return response.content.decode(), reverse(detail, kwargs={"pk": getattr(world, attr).pk})


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_lists_link_to_the_object_for_who_may_open_it(matrix_world, name):
    """The check below means something: the list does link to the object, for someone who may open it."""
    page, link = _list_links(matrix_world, name, LISTS[name][2])
    assert f'href="{link}' in page


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), LIST_CASES, ids=[f"{name}-{role}" for name, role in LIST_CASES])
def test_lists_link_only_to_what_the_role_may_open(matrix_world, name, role):
    page, link = _list_links(matrix_world, name, role)
    assert f'href="{link}' not in page, f"{name} as {role} links to {link}"
