"""Single sign-on through OpenID Connect, against a small provider on loopback (tests/fake_oidc.py):
the whole authorization-code flow (PKCE, nonce, RS256 ID token from its JWKS), matching by e-mail within
the school, never creating an account."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from config.urls import oidc_urlpatterns
from config.urls import urlpatterns as project_urlpatterns
from school.models import User

from .factories import SchoolFactory, UserFactory
from .fake_oidc import running_provider
from .processes import clean_env, run_python

# This module is the URL conf of its tests: the project's URLs plus single sign-on's.
urlpatterns = [*project_urlpatterns, *oidc_urlpatterns]

BRIN = "99ZZ"


@pytest.fixture
def provider():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def sso(provider, settings_for_sso):
    with override_settings(**settings_for_sso):
        yield provider


@pytest.fixture
def settings_for_sso(provider):
    return {
        **provider.settings(),
        "OIDC_SCHOOL_BRIN": BRIN,
        "ROOT_URLCONF": __name__,
        "AUTHENTICATION_BACKENDS": [*settings.AUTHENTICATION_BACKENDS, "school.auth.SchoolOIDCBackend"],
    }


@pytest.fixture
def school(db):
    return SchoolFactory(brin=BRIN)


@pytest.fixture
def mentor(school):
    return UserFactory(school=school, username="mentor.sso", email="J.de.Vries@school.example")


def _sign_in(client, provider, *, email: str, next_url: str = ""):
    """Click "log in with your school account", log in at the provider as `email`, come back."""
    start = reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else "")
    to_provider = client.get(start)
    assert to_provider.status_code == 302
    back = urlsplit(provider.authorize(to_provider["Location"], email=email))
    assert back.path == reverse("oidc_authentication_callback")
    return client.get(f"{back.path}?{back.query}")


def _logged_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def test_the_login_page_offers_single_sign_on(client, sso):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("login")).content.decode()

    assert "Log in with your school account" in page
    assert reverse("oidc_authentication_init") in page


def test_a_known_email_logs_in_the_schools_account(client, sso, mentor):
    users_before = User.objects.count()

    response = _sign_in(client, sso, email="j.de.vries@school.example", next_url="/boards/")

    assert response.status_code == 302
    assert response["Location"] == "/boards/"
    assert _logged_in_user(client) == mentor
    assert sso.token_requests == 1
    assert User.objects.count() == users_before
    mentor.refresh_from_db()
    assert mentor.username == "mentor.sso"  # nothing about the account changed


def test_without_next_the_user_lands_on_home(client, sso, mentor):
    response = _sign_in(client, sso, email=mentor.email)

    assert response["Location"] == settings.LOGIN_REDIRECT_URL or response["Location"] == reverse("home")


@pytest.mark.parametrize(
    "case",
    ["unknown e-mail", "inactive account", "another school's account", "two accounts with the address"],
)
def test_no_single_matching_active_account_means_no_login_and_none_is_created(client, sso, school, case):
    email = "someone@school.example"
    if case == "inactive account":
        UserFactory(school=school, email=email, is_active=False)
    elif case == "another school's account":
        UserFactory(school=SchoolFactory(brin="11AA"), email=email)
    elif case == "two accounts with the address":
        UserFactory(school=school, email=email)
        UserFactory(school=school, email=email.upper())
    users_before = User.objects.count()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = _sign_in(client, sso, email=email)

    assert response.status_code == 302
    assert response["Location"] == "/login/?sso=failed"
    assert not _logged_in_user(client).is_authenticated
    assert User.objects.count() == users_before
    page = client.get(response["Location"]).content.decode()
    assert "Logging in with your school account did not work" in page


def test_an_unverified_email_is_not_trusted(client, provider, settings_for_sso, mentor):
    provider.email_verified = False
    with override_settings(**settings_for_sso):
        response = _sign_in(client, provider, email=mentor.email)

    assert response["Location"] == "/login/?sso=failed"
    assert not _logged_in_user(client).is_authenticated


def test_a_token_made_for_another_client_is_refused(client, provider, settings_for_sso, mentor):
    provider.audience = "some-other-application"
    with override_settings(**settings_for_sso):
        response = _sign_in(client, provider, email=mentor.email)

    assert response.status_code == 400
    assert not _logged_in_user(client).is_authenticated


def test_a_token_from_another_issuer_is_refused(client, provider, settings_for_sso, mentor):
    with override_settings(**{**settings_for_sso, "OIDC_OP_ISSUER": "https://elsewhere.example"}):
        response = _sign_in(client, provider, email=mentor.email)

    assert response.status_code == 400
    assert not _logged_in_user(client).is_authenticated


def test_a_callback_cannot_be_replayed(client, sso, mentor):
    to_provider = client.get(reverse("oidc_authentication_init"))
    back = urlsplit(sso.authorize(to_provider["Location"], email=mentor.email))
    callback = f"{back.path}?{back.query}"
    assert client.get(callback)["Location"] == reverse("home")
    client.logout()

    again = client.get(callback)

    assert again.status_code in (302, 400)
    assert not _logged_in_user(client).is_authenticated


def test_a_forged_callback_without_a_started_login_is_refused(client, sso, mentor):
    response = client.get(reverse("oidc_authentication_callback"), {"code": "made-up", "state": "made-up"})

    assert response["Location"] == "/login/?sso=failed"
    assert sso.token_requests == 0


@pytest.mark.django_db
def test_single_sign_on_is_off_unless_configured(client):
    assert not settings.OIDC_ENABLED
    assert "school.auth.SchoolOIDCBackend" not in settings.AUTHENTICATION_BACKENDS
    assert "/oidc/" not in client.get(reverse("login")).content.decode()
    assert client.get("/oidc/authenticate/").status_code in (302, 404)  # anonymous → login, or nothing there


def test_a_client_id_without_endpoints_refuses_to_start(tmp_path):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_QUEUE_DIR=str(tmp_path / "celery"),
        OIDC_RP_CLIENT_ID="leerlingbespreking",
    )

    result = run_python(["manage.py", "check"], env=env)

    assert result.returncode != 0
    assert "OIDC_RP_CLIENT_SECRET" in result.stderr, result.stderr


def test_a_configured_environment_turns_it_on(tmp_path):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_QUEUE_DIR=str(tmp_path / "celery"),
        OIDC_RP_CLIENT_ID="leerlingbespreking",
        OIDC_RP_CLIENT_SECRET="s3cret",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://login.example.nl/authorize",
        OIDC_OP_TOKEN_ENDPOINT="https://login.example.nl/token",
        OIDC_OP_USER_ENDPOINT="https://login.example.nl/userinfo",
        OIDC_OP_JWKS_ENDPOINT="https://login.example.nl/jwks",
    )
    code = (
        "import django; django.setup();"
        "from django.conf import settings; from django.urls import reverse;"
        "assert settings.AUTHENTICATION_BACKENDS[0] == 'axes.backends.AxesStandaloneBackend';"
        "assert settings.AUTHENTICATION_BACKENDS[-1] == 'school.auth.SchoolOIDCBackend';"
        "print(reverse('oidc_authentication_init'), reverse('oidc_authentication_callback'))"
    )

    result = run_python(["-c", code], env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["/oidc/authenticate/", "/oidc/callback/"]
