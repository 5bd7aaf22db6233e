"""Settings from the environment: production passes Django's deployment checks,
and nothing starts with an insecure default. Each case loads the settings fresh
in a subprocess, with only the environment a deployment would give it."""

import re
import secrets

import pytest

from .processes import BASE_DIR, clean_env, dotenv_defines, run_python


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """What a production deployment sets (docker-compose.yml), with a throwaway database."""
    return clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="leerlingbespreking.example.nl",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_QUEUE_DIR=str(tmp_path / "celery"),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )


def test_production_settings_pass_the_deployment_checks_without_warnings(production_env):
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=production_env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("settings_module", ["config.settings.base", "config.settings.production"])
def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path, settings_module):
    if dotenv_defines("SECRET_KEY"):
        pytest.skip("the local .env sets SECRET_KEY, and base.py reads it")
    env = clean_env(
        DJANGO_SETTINGS_MODULE=settings_module,
        DEBUG="0",
        ALLOWED_HOSTS="leerlingbespreking.example.nl",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_QUEUE_DIR=str(tmp_path / "celery"),
    )

    result = run_python(["manage.py", "check"], env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr, result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts(production_env):
    if dotenv_defines("ALLOWED_HOSTS"):
        pytest.skip("the local .env sets ALLOWED_HOSTS, and base.py reads it")
    del production_env["ALLOWED_HOSTS"]

    result = run_python(["manage.py", "check"], env=production_env)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr, result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    read = set()
    for path in sorted((BASE_DIR / "config" / "settings").glob("*.py")):
        read |= set(re.findall(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", path.read_text()))
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))

    assert read, "no env(...) reads found: has config/settings changed its style?"
    assert read <= listed, f".env.example misses {sorted(read - listed)}"
