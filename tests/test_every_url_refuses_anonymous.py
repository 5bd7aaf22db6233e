"""Every URL of the project, asked by someone who is not logged in, is refused: a redirect to the
login page, or 404/405 — never a page with content. A new URL is covered the moment it exists.

The few public pages (log in, password reset, the language switch, the health check) are named here.
"""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "healthz",
    "javascript-catalog",  # the Dutch words for the scripts
}


def _patterns(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin: its own login, staff only
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _url(name: str, pattern: URLPattern) -> str:
    kwargs = {}
    for key, converter in pattern.pattern.converters.items():
        kwargs[key] = 1 if converter.regex == "[0-9]+" else "x"
    if not pattern.pattern.converters and pattern.pattern.regex.groups:
        return ""
    return reverse(name, kwargs=kwargs)


ROUTES = sorted(
    (name, pattern) for name, pattern in _patterns(get_resolver()) if name not in PUBLIC and _url(name, pattern)
)


def test_the_list_is_not_empty_and_every_public_page_exists():
    assert len(ROUTES) > 100
    names = {name for name, _ in _patterns(get_resolver())}
    assert names >= PUBLIC


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern"), ROUTES, ids=[name for name, _ in ROUTES])
def test_anonymous_is_refused(client, name, pattern):
    url = _url(name, pattern)
    for method in (client.get, client.post):
        response = method(url)
        if response.status_code == 302:
            assert response.url.startswith(resolve_url(settings.LOGIN_URL)), f"{name}: redirected to {response.url}"
        else:
            assert response.status_code in (400, 403, 404, 405), (
                f"{name}: {method.__name__} answered {response.status_code}"
            )
