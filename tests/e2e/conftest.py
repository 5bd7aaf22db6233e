"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live_server.

One browser for all the browser tests, a fresh context (cookies, storage) per
test. Playwright's own browser download cannot work here: we always launch
/usr/bin/chromium. Without it the tests skip locally and fail in CI (CI set).
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
DEMO_STUDENTS = 40  # the smallest school that still has every role
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


# Package scope, not session: while Playwright's sync API runs, its event loop is
# the running loop of the main thread. Django then refuses ORM calls there unless
# DJANGO_ALLOW_ASYNC_UNSAFE is set, and keeps database connections per async
# context, so tests running after the browser tests in the same process would
# leak connections (and the PostgreSQL test database could not be dropped).
# Both end with the last browser test.
@pytest.fixture(scope="package", autouse=True)
def _allow_orm_calls_beside_playwright():
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: in CI a missing browser is a failure", pytrace=False)
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def page(request, browser, live_server):
    """A page in a fresh browser context, as a Dutch browser (nl-NL) would open the site.

    When the test fails, a screenshot of the page is left in test-results/.
    """
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
        if getattr(request.node, "call_failed", False):
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)}.png")
    finally:
        context.close()


@pytest.fixture
def demo_school(transactional_db):
    """The demo school with its demo logins (password "demo"), as `make run` seeds it, but small."""
    call_command("seed_demo", students=DEMO_STUDENTS, stdout=io.StringIO())
