"""Several people in one browser test, each in their own browser context (cookies), logging in through the form."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from playwright.sync_api import Browser, Page, expect

from school.models import User
from tests.e2e.conftest import SCREENSHOTS, TIMEOUT_MS
from tests.factories import PASSWORD


def open_page(browser: Browser, live_server) -> Page:
    """Another person's browser: its own context (cookies), Dutch, as the conftest's `page`."""
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def log_in(page: Page, user: User, url: str) -> None:
    """Through the login form, which brings the user straight to `url`."""
    page.goto(f"/login/?next={url}")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))


@contextlib.contextmanager
def screenshots_on_failure(request, pages: dict[str, Page]) -> Iterator[None]:
    """The conftest keeps a screenshot of `page`; this keeps one of every other person's page too."""
    try:
        yield
    except BaseException:
        SCREENSHOTS.mkdir(exist_ok=True)
        for who, other in pages.items():
            with contextlib.suppress(Exception):
                other.screenshot(path=SCREENSHOTS / f"{request.node.name}-{who}.png", full_page=True)
        raise
    finally:
        for other in pages.values():
            with contextlib.suppress(Exception):
                other.context.close()


def messages(page: Page):
    """The page's live region for "done" and error notes (base.html)."""
    return page.locator("#messages")
