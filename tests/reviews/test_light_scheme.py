"""The school's own words and colours for the three lights, with a live preview."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from reviews import selectors, services
from reviews.models import LightScheme, Palette

URL = "reviews:light_scheme"


def test_the_defaults_are_green_orange_red(client, world):
    client.force_login(world.admin)

    response = client.get(reverse(URL))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="groen"' in html
    assert 'value="oranje"' in html
    assert 'value="rood"' in html
    assert "dit zijn de standaardwoorden" in html
    assert "op koers / aandacht / actie nodig" in html  # a suggestion


def test_the_admin_saves_words_and_palette(client, world):
    client.force_login(world.admin)

    response = client.post(
        reverse(URL), {"green": "op koers", "orange": "aandacht", "red": "actie nodig", "palette": "blue_orange"}
    )

    assert response.status_code == 302
    scheme = LightScheme.objects.get(school=world.school)
    assert (scheme.green, scheme.orange, scheme.red, scheme.palette) == (
        "op koers",
        "aandacht",
        "actie nodig",
        Palette.BLUE_ORANGE,
    )
    assert selectors.light_scheme_for(world.school.pk).green == "op koers"
    assert "zijn opgeslagen" in client.get(response.url).content.decode()


def test_saving_again_changes_the_one_scheme(client, world):
    client.force_login(world.admin)
    for words in (("op koers", "aandacht", "actie nodig"), ("gaat goed", "let op", "hulp nodig")):
        client.post(reverse(URL), dict(zip(("green", "orange", "red"), words, strict=True), palette="classic"))

    assert LightScheme.objects.get().green == "gaat goed"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"green": "", "orange": "aandacht", "red": "actie nodig", "palette": "classic"}, "green"),
        ({"green": "x" * 41, "orange": "aandacht", "red": "actie nodig", "palette": "classic"}, "green"),
        ({"green": "op koers", "orange": "aandacht", "red": "actie nodig", "palette": "pink"}, "palette"),
        ({"green": "Let op", "orange": "let op", "red": "actie nodig", "palette": "classic"}, None),
    ],
)
def test_bad_words_are_refused(client, world, data, field):
    client.force_login(world.admin)

    response = client.post(reverse(URL), data)

    assert response.status_code == 200
    assert response.context["form"].has_error(field if field else "__all__")
    assert not LightScheme.objects.exists()


def test_a_suggestion_fills_the_form_without_saving(client, world):
    client.force_login(world.admin)

    html = client.get(reverse(URL), {"suggestion": "0"}).content.decode()

    assert 'value="op koers"' in html
    assert 'value="actie nodig"' in html
    assert not LightScheme.objects.exists()


def test_the_live_preview_is_a_fragment_of_what_is_typed(client, world):
    client.force_login(world.admin)

    response = client.get(
        reverse(URL),
        {"preview": "1", "green": "goed <b>bezig</b>", "orange": "", "red": "actie", "palette": "blue_orange"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="light-preview" class="palette-blue_orange"')
    assert "goed &lt;b&gt;bezig&lt;/b&gt;" in html
    assert "oranje" in html  # an empty field shows the current word
    assert "light--green" in html
    assert ">G<" in html  # the letter, never colour alone
    assert not LightScheme.objects.exists()


def test_the_page_asks_htmx_for_the_preview_without_the_csrf_token(client, world):
    client.force_login(world.admin)

    html = client.get(reverse(URL)).content.decode()

    assert 'hx-get="/cycles/settings/lights/"' in html
    assert 'hx-params="not csrfmiddlewaretoken"' in html
    assert 'list="light-suggestions-green"' in html


@pytest.mark.parametrize("who", ["team_leader", "teacher", "mentor", "care_coordinator", "student_user"])
def test_only_the_school_admin(client, world, who):
    client.force_login(getattr(world, who))

    assert client.get(reverse(URL)).status_code == 403
    assert (
        client.post(reverse(URL), {"green": "a", "orange": "b", "red": "c", "palette": "classic"}).status_code == 403
    )
    assert not LightScheme.objects.exists()


def test_the_service_keeps_to_the_admins_own_school(world):
    with pytest.raises(PermissionDenied):
        services.light_scheme_save(
            school=world.school, actor=world.outsider, green="a", orange="b", red="c", palette="classic"
        )
