"""Every demo login logs in through the real login form, lands on its own home page, and logs out."""

import re

import pytest
from playwright.sync_api import Page, expect

from school import demo
from school.models import User

pytestmark = pytest.mark.e2e

PASSWORD = "demo"
# username → (a section heading only that role's home page shows, the role badge in the header)
DEMO_HOMES = {
    "beheerder": ("Je school", "school_admin"),
    "teamleider": ("Je afdelingen", "team_leader"),
    "teamleider.vwo": ("Je afdelingen", "team_leader"),
    "mentor": ("Je mentorklassen", "mentor"),
    "mentor.vwo": ("Je mentorklassen", "mentor"),
    "docent": ("Je lesgroepen", "subject_teacher"),
    "zorg": ("Je school", "care_coordinator"),
    "leerling": ("Je klas", "student"),
    "leerling.vwo": ("Je klas", "student"),
    "klasleider": ("Je klas", "student"),
    "ouder": ("Uw kinderen", "guardian"),
}


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")


def test_every_demo_login_is_tested():
    assert set(DEMO_HOMES) == set(demo.DEMO_LOGINS_BY_USERNAME)


@pytest.mark.parametrize("username", DEMO_HOMES)
def test_demo_login_lands_on_own_home_page_and_logs_out(page, live_server, demo_school, username):
    heading, role = DEMO_HOMES[username]
    full_name = User.objects.get(username=username).get_full_name()

    log_in(page, username, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn werk")
    expect(page.locator(".user-card__name")).to_have_text(full_name)
    expect(page.get_by_role("heading", level=2, name=heading, exact=True)).to_be_visible()
    expect(page.locator(f'.badge--role[data-role="{role}"]')).to_be_visible()

    page.get_by_role("button", name="Uitloggen").click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))


def test_wrong_password_shows_the_dutch_error_and_stays_on_the_login_page(page, live_server, transactional_db):
    User.objects.create_user(username="mentor", password="het-goede-wachtwoord")

    log_in(page, "mentor", "het-verkeerde-wachtwoord")

    expect(page.get_by_role("alert")).to_contain_text("Voer een juiste gebruikersnaam en wachtwoord in")
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


def test_language_switch_on_the_login_page(page, live_server, transactional_db):
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    page.locator('.lang-switch button[value="en"]').click()

    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    page.locator('.lang-switch button[value="nl"]').click()

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
