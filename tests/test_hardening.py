"""Hardening: login throttling (django-axes), session timeouts, cookies, security headers and the
Content Security Policy (django-csp), and `check --deploy` with a real-looking production environment."""

import io
import secrets
import time
from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from school import demo
from school.auth import client_ip
from school.auth_middleware import LAST_SEEN, STARTED

from .factories import UserFactory
from .processes import clean_env, run_python

PASSWORD = "het-goede-wachtwoord"


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def teacher(db):
    return UserFactory(username="docent.a", password=PASSWORD)


def _login(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


# --- Login throttling -------------------------------------------------------------------------------


def test_the_login_page_logs_in_and_a_wrong_password_stays_on_it(english, teacher):
    wrong = _login(english, teacher.username, "fout")
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()

    right = _login(english, teacher.username, PASSWORD)
    assert right.status_code == 302
    assert right["Location"] == reverse("home")


def test_too_many_wrong_passwords_lock_the_login_and_say_until_when(english, teacher):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(english, teacher.username, "fout").status_code == 200
    before = timezone.now()

    locked = _login(english, teacher.username, "fout")

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed login attempts for this account" in page
    until = timezone.localtime(before + settings.AXES_COOLOFF_TIME)
    assert f"again after {until:%H:%M}" in page or f"again after {until + timedelta(minutes=1):%H:%M}" in page
    assert 'role="alert"' in page
    assert 'name="username"' in page  # the login form is still there
    # Even the right password is refused while locked, and nobody is logged in.
    refused = _login(english, teacher.username, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in english.session


def test_the_lock_holds_one_username_from_one_address_only(client, teacher):
    other = UserFactory(username="docent.b", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, teacher.username, "fout", address="10.0.0.1")
    assert _login(client, teacher.username, PASSWORD, address="10.0.0.1").status_code == 429

    # The teacher from another address, and a colleague from the same one, still log in.
    assert _login(client, teacher.username, PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    assert _login(client, other.username, PASSWORD, address="10.0.0.1").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, teacher):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, teacher.username, "fout")
    assert _login(client, teacher.username, PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))

    assert _login(client, teacher.username, PASSWORD).status_code == 302


def test_the_administrator_unlocks_with_a_command(client, teacher):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, teacher.username, "fout")
    assert _login(client, teacher.username, PASSWORD).status_code == 429

    call_command("axes_reset_username", teacher.username, stdout=io.StringIO())

    assert _login(client, teacher.username, PASSWORD).status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, teacher):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, teacher.username, "fout")
    assert _login(client, teacher.username, PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, teacher.username, "fout").status_code == 200
    assert _login(client, teacher.username, PASSWORD).status_code == 302


def test_the_test_clients_login_still_works(client, teacher):
    assert client.login(username=teacher.username, password=PASSWORD)
    assert not client.login(username=teacher.username, password="fout")


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.9"),
        (1, {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4"}, "1.2.3.4"),
        (2, {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4, 10.0.0.8"}, "1.2.3.4"),
        (2, {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.9"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(rf, proxies, meta, expected):
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(rf.get("/", **meta)) == expected


# --- Sessions and cookies ------------------------------------------------------------------------


def test_the_session_cookie_dies_with_the_browser_and_is_http_only(client, teacher):
    response = _login(client, teacher.username, PASSWORD)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"]
    assert not cookie["expires"]
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_login_stamps_the_session(client, teacher):
    _login(client, teacher.username, PASSWORD)

    now = int(time.time())
    assert now - client.session[LAST_SEEN] < 60
    assert now - client.session[STARTED] < 60


def _age_session(client, *, idle: int, started: int) -> None:
    session = client.session
    now = int(time.time())
    session[LAST_SEEN] = now - idle
    session[STARTED] = now - started
    session.save()


def test_an_idle_session_is_logged_out_with_a_message(english, teacher):
    _login(english, teacher.username, PASSWORD)
    _age_session(english, idle=settings.SESSION_IDLE_TIMEOUT + 5, started=settings.SESSION_IDLE_TIMEOUT + 5)

    response = english.get(reverse("home"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "You were logged out because you had not used the site for a while." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_a_busy_session_still_ends_after_one_school_day(client, teacher):
    _login(client, teacher.username, PASSWORD)
    _age_session(client, idle=1, started=settings.SESSION_COOKIE_AGE + 5)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_active_session_is_kept_and_its_stamp_refreshed_now_and_then(client, teacher):
    _login(client, teacher.username, PASSWORD)
    refresh_after = settings.SESSION_IDLE_TIMEOUT // 6
    _age_session(client, idle=refresh_after + 5, started=refresh_after + 5)

    assert client.get(reverse("home")).status_code == 200
    assert int(time.time()) - client.session[LAST_SEEN] < 60

    # A recent stamp is not written again: no session save on every request.
    _age_session(client, idle=10, started=100)
    stamped = client.session[LAST_SEEN]
    assert client.get(reverse("home")).status_code == 200
    assert client.session[LAST_SEEN] == stamped


# --- Headers and the Content Security Policy ---------------------------------------------------


def _assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login", "password_reset", "healthz"])
def test_public_pages_carry_the_security_headers(client, url_name):
    _assert_security_headers(client.get(reverse(url_name)))


def test_a_lockout_page_carries_the_security_headers(client, teacher):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, teacher.username, "fout")
    assert response.status_code == 429
    _assert_security_headers(response)


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, on*= handlers, style= attributes, <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, _value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}=…> (needs eval)")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if attributes.get("href", "").startswith("javascript:"):
            self.problems.append(f"<{tag} href=javascript:…>")


# Demo logins whose pages are walked, and how many pages each at most.
WALKED_LOGINS = (
    demo.ADMIN,
    demo.TEAM_LEADER_HAVO,
    demo.MENTOR,
    demo.TEACHER,
    demo.CARE_COORDINATOR,
    demo.STUDENT,
    demo.CLASS_REPRESENTATIVE,
    demo.GUARDIAN,
)
PAGES_PER_LOGIN = 40


def _walkable(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return False
    return not parts.path.startswith(("/admin/", "/static/", "/logout/", "/i18n/"))


@pytest.fixture(scope="module")
def demo_school(django_db_setup, django_db_blocker):
    """The demo school once for the module, in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", students=40, stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("username", WALKED_LOGINS)
def test_a_walk_through_the_demo_finds_no_inline_script_or_style(client, demo_school, username):
    """From the home page, follow the links of each page (breadth first, GET only) like a curious user:
    every HTML page has the CSP header and nothing the policy would block."""
    from school.models import User

    client.force_login(User.objects.get(username=username))
    queue, seen, walked, problems = deque([reverse("home")]), {reverse("home")}, 0, []
    while queue and walked < PAGES_PER_LOGIN:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        walked += 1
        _assert_security_headers(response)
        parser = _InlineCode()
        parser.feed(response.content.decode())
        problems += [f"{url}: {problem}" for problem in parser.problems]
        for link in parser.links:
            link = urldefrag(link).url
            if _walkable(link) and link not in seen:
                seen.add(link)
                queue.append(link)

    assert walked >= 5, f"only {walked} pages walked for {username}"
    assert not problems, "\n".join(problems)


# --- Deployment checks ----------------------------------------------------------------------------


def test_production_passes_check_deploy_with_a_real_looking_environment(tmp_path):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="leerlingbespreking.example.nl",
        CSRF_TRUSTED_ORIGINS="https://leerlingbespreking.example.nl",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_QUEUE_DIR=str(tmp_path / "celery"),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        TRUSTED_PROXY_COUNT="1",
        SITE_URL="https://leerlingbespreking.example.nl",
    )
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING');"
        "from django.conf import settings as s;"
        "assert s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE and s.SECURE_SSL_REDIRECT;"
        "assert s.SESSION_COOKIE_HTTPONLY and s.CSRF_COOKIE_HTTPONLY and s.SECURE_HSTS_SECONDS >= 31536000;"
        "assert s.AUTHENTICATION_BACKENDS[0] == 'axes.backends.AxesStandaloneBackend';"
        "assert 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE;"
        "assert s.MIDDLEWARE[-1] == 'axes.middleware.AxesMiddleware';"
        "print('deploy ok')"
    )

    result = run_python(["-c", code], env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
    assert "deploy ok" in result.stdout
