"""The views' shared pieces: where a form may send someone back to, and a service's errors on a form."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from school.forms import add_service_errors
from school.web import safe_next_url


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/boards/3/#comments-3", "/boards/3/#comments-3"),
        ("https://evil.example/steal", "/fallback/"),
        ("//evil.example/steal", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_only_a_page_of_this_site_is_a_next_url(next_url, expected):
    post = RequestFactory().post("/x/", {"next": next_url})
    get = RequestFactory().get("/x/", {"next": next_url})
    assert safe_next_url(post, fallback="/fallback/") == expected
    assert safe_next_url(get, fallback="/fallback/") == expected


def test_without_a_fallback_an_unsafe_next_is_none():
    assert safe_next_url(RequestFactory().post("/x/", {"next": "https://evil.example/"})) is None


class _Form(forms.Form):
    title = forms.CharField()


def test_service_errors_land_on_the_named_field_or_the_whole_form():
    form = _Form({"title": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"title": "Too short.", "elsewhere": "Not a field here."}))
    assert form.errors["title"] == ["Too short."]
    assert form.non_field_errors() == ["Not a field here."]
    form = _Form({"title": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("The round is closed."))
    assert form.non_field_errors() == ["The round is closed."]
