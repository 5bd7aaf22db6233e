"""Dutch first: only an explicit choice changes the language, never the browser's header."""

from django.urls import reverse


def test_an_english_browser_still_gets_dutch(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response["Content-Language"] == "nl"
    assert "Inloggen" in response.text


def test_the_language_switch_gives_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "en"
    assert "Log in" in response.text


def test_a_users_saved_language_counts(client, world):
    world.teacher.language = "en"
    world.teacher.save()
    client.force_login(world.teacher)

    assert client.get(reverse("home"))["Content-Language"] == "en"


def test_an_unknown_language_cookie_falls_back_to_dutch(client, db):
    client.cookies["django_language"] = "xx"
    assert client.get(reverse("login"))["Content-Language"] == "nl"
