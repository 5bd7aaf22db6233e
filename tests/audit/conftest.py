"""The audit tests run against the project's URLs with the audit page mounted (tests/audit/urls.py)."""

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def _audit_urls(settings_urls):
    return settings_urls


@pytest.fixture
def settings_urls(settings):
    settings.ROOT_URLCONF = "tests.audit.urls"
    return settings


@pytest.fixture
def login(client):
    """Log a user in, with the English interface (tests read English text)."""

    def _login(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login
