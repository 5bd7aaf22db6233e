"""The UI base: Dutch first with complete English, accessible markup, no CDN, a working password reset."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import (
    PASSWORD,
    ClassGroupFactory,
    StudentFactory,
    TeachingGroupFactory,
    UserFactory,
)

ROLES = ["admin", "team_leader", "mentor", "teacher", "care_coordinator", "student_user", "guardian", "outsider"]
URL_IN_PAGE = re.compile(r"""https?://([^/"'\s<>]+)""")


def pages_for(world) -> list[str]:
    return [
        reverse("home"),
        reverse("school:student_detail", args=[world.student.pk]),
        reverse("school:class_group_detail", args=[world.class_group.pk]),
        reverse("school:teaching_group_detail", args=[world.teaching_group.pk]),
        reverse("password_change"),
    ]


def rendered_pages(client, world):
    """Every page each role can open, plus the logged-out pages: (label, html)."""
    for url in (reverse("login"), reverse("password_reset"), reverse("password_reset_done")):
        yield url, client.get(url).content.decode()
    for who in ROLES:
        client.force_login(getattr(world, who))
        for url in pages_for(world):
            response = client.get(url)
            if response.status_code == 200:
                yield f"{who} {url}", response.content.decode()
        client.logout()


class TestLanguage:
    def test_login_page_is_dutch_by_default(self, client, db):
        html = client.get(reverse("login")).content.decode()

        assert '<html lang="nl">' in html
        assert "Inloggen" in html
        assert "Wachtwoord" in html
        assert "Wachtwoord vergeten?" in html

    def test_language_switch_works_without_javascript_when_logged_out(self, client, db):
        html = client.get(reverse("login")).content.decode()
        assert f'action="{reverse("set_language")}"' in html
        assert 'name="language" value="en"' in html

        response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

        assert response.status_code == 302
        assert response.url == reverse("login")
        html = client.get(reverse("login")).content.decode()
        assert '<html lang="en">' in html
        assert "Log in" in html
        assert "Inloggen" not in html

    def test_switching_back_and_forth_when_logged_in(self, client, world):
        client.force_login(world.mentor)
        assert "Mijn werk" in client.get(reverse("home")).content.decode()

        client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
        html = client.get(reverse("home")).content.decode()
        assert "My work" in html
        assert "Your mentor classes" in html

        client.post(reverse("set_language"), {"language": "nl", "next": reverse("home")})
        assert "Je mentorklassen" in client.get(reverse("home")).content.decode()

    def test_login_errors_are_dutch(self, client, world):
        response = client.post(reverse("login"), {"username": world.mentor.username, "password": "wrong"})

        html = response.content.decode()
        assert response.status_code == 200
        assert 'role="alert"' in html
        assert "gebruikersnaam" in html

    def test_dutch_catalogue_is_complete_and_compiled(self):
        po_path = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"
        entries = parse_po(po_path.read_text(encoding="utf-8"))
        assert "#, fuzzy" not in po_path.read_text(encoding="utf-8")
        untranslated = [msgid for msgid, msgstrs in entries.items() if msgid and not all(msgstrs)]
        assert untranslated == []

        with (po_path.with_suffix(".mo")).open("rb") as mo:
            catalogue = gettext.GNUTranslations(mo)._catalog
        compiled = {key[0] if isinstance(key, tuple) else key for key in catalogue}
        assert set(entries) - compiled == set(), "the .mo is older than the .po: run compilemessages"

    def test_traffic_light_says_its_colour_in_words_and_letter(self):
        with translation.override("nl"):
            html = render_to_string("components/traffic_light.html", {"value": "red"})
        assert "light--red" in html
        assert ">R<" in html
        assert "Rood" in html


class TestMarkup:
    @pytest.mark.parametrize("who", ROLES)
    def test_skip_link_main_and_live_region(self, client, world, who):
        client.force_login(getattr(world, who))
        html = client.get(reverse("home")).content.decode()

        assert '<a class="skip-link" href="#main">' in html
        assert '<main id="main"' in html
        assert re.search(r'<div id="messages" class="messages" role="status" aria-live="polite">', html)
        assert re.search(r"""<body[^>]*hx-headers='\{"X-CSRFToken": "[A-Za-z0-9]+"\}'""", html)

    def test_logout_is_a_post_form(self, client, world):
        client.force_login(world.teacher)
        html = client.get(reverse("home")).content.decode()

        logout_form = (
            rf'<form action="{reverse("logout")}" method="post">\s*'
            r'<input type="hidden" name="csrfmiddlewaretoken"'
        )
        assert re.search(logout_form, html)
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert response.url == reverse("login")

    def test_htmx_is_vendored_with_its_licence(self, client, db):
        html = client.get(reverse("login")).content.decode()

        assert f'<script src="{static("vendor/htmx/htmx.min.js")}" defer></script>' in html
        assert finders.find("vendor/htmx/htmx.min.js")
        assert finders.find("vendor/htmx/LICENSE")
        assert finders.find("css/app.css")
        assert finders.find("js/app.js")
        assert finders.find("favicon.svg")

    def test_no_page_loads_anything_from_another_host(self, client, world):
        for label, html in rendered_pages(client, world):
            hosts = set(URL_IN_PAGE.findall(html)) - {"testserver"}
            assert hosts == set(), label

    def test_no_inline_scripts_styles_or_handlers(self, client, world):
        """A strict Content-Security-Policy follows: nothing inline may be needed."""
        for label, html in rendered_pages(client, world):
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), label
            assert not re.search(r"<style\b", html), label
            assert not re.search(r"\sstyle=", html), label
            assert not re.search(r"\son[a-z]+=", html), label

    def test_every_input_has_a_label(self, client, world):
        for label, html in rendered_pages(client, world):
            for field_id in re.findall(r'<input[^>]*type="(?:text|password|email)"[^>]*id="([^"]+)"', html):
                assert f'for="{field_id}"' in html, (label, field_id)


class TestHome:
    @pytest.mark.parametrize(
        ("who", "heading"),
        [
            ("admin", "Je school"),
            ("care_coordinator", "Je school"),
            ("team_leader", "Je afdelingen"),
            ("mentor", "Je mentorklassen"),
            ("teacher", "Je lesgroepen"),
            ("student_user", "Je klas"),
            ("guardian", "Uw kinderen"),
        ],
    )
    def test_each_role_sees_its_section(self, client, world, who, heading):
        client.force_login(getattr(world, who))
        html = client.get(reverse("home")).content.decode()

        assert heading in html
        assert 'class="next-step"' in html  # every section says what to do now
        assert "nog niet gekoppeld" not in html

    def test_sections_link_to_the_groups(self, client, world):
        client.force_login(world.mentor)
        html = client.get(reverse("home")).content.decode()
        assert reverse("school:class_group_detail", args=[world.class_group.pk]) in html
        assert "Mentor" in html  # the role badge

        client.force_login(world.teacher)
        html = client.get(reverse("home")).content.decode()
        assert reverse("school:teaching_group_detail", args=[world.teaching_group.pk]) in html
        assert "Nederlands" in html
        assert "Vakdocent" in html

    def test_user_without_roles_is_told_whom_to_ask(self, client, world):
        client.force_login(UserFactory(school=world.school))
        html = client.get(reverse("home")).content.decode()

        assert "Je account is nog niet gekoppeld aan de schoolgegevens" in html
        assert "schoolbeheerder" in html

    def test_header_shows_school_and_name(self, client, world):
        client.force_login(world.guardian)
        html = client.get(reverse("home")).content.decode()

        assert "Het Testlyceum" in html
        assert world.guardian.get_full_name() in html
        assert "Ouder/verzorger" in html


class TestQueryCounts:
    """The templates add no query per row: the pages cost the same for one group or many."""

    @staticmethod
    def grow(world, who):
        school, year = world.school, world.class_group.school_year
        if who == "mentor":
            for _ in range(3):
                group = ClassGroupFactory(
                    school=school, school_year=year, department=world.department, mentors=[world.mentor.staff]
                )
                StudentFactory.create_batch(3, school=school, class_group=group)
        elif who == "teacher":
            for _ in range(3):
                TeachingGroupFactory(
                    school=school,
                    school_year=year,
                    subject=world.teaching_group.subject,
                    teachers=[world.teacher.staff],
                    students=StudentFactory.create_batch(3, school=school, class_group=world.class_group),
                )
        elif who == "guardian":
            world.guardian.guardian.students.add(
                *StudentFactory.create_batch(3, school=school, class_group=world.other_class_group)
            )

    @pytest.mark.parametrize("who", ["mentor", "teacher", "guardian"])
    def test_home(self, client, world, who, django_assert_num_queries):
        client.force_login(getattr(world, who))
        with CaptureQueriesContext(connection) as small:
            client.get(reverse("home"))
        self.grow(world, who)

        with django_assert_num_queries(len(small)):
            client.get(reverse("home"))

    @pytest.mark.parametrize(
        ("url_name", "attribute"),
        [("school:class_group_detail", "class_group"), ("school:teaching_group_detail", "teaching_group")],
    )
    def test_group_pages(self, client, world, url_name, attribute, django_assert_num_queries):
        client.force_login(world.admin)
        group = getattr(world, attribute)
        url = reverse(url_name, args=[group.pk])
        with CaptureQueriesContext(connection) as small:
            client.get(url)
        students = StudentFactory.create_batch(5, school=world.school, class_group=world.class_group)
        world.teaching_group.students.add(*students)

        with django_assert_num_queries(len(small)):
            client.get(url)


class TestRosterPages:
    def test_student_page_shows_initials_without_a_photo(self, client, world):
        client.force_login(world.mentor)
        html = client.get(reverse("school:student_detail", args=[world.student.pk])).content.decode()

        assert world.student.initials in html
        assert world.student.number in html
        assert world.mentor.get_full_name() in html
        assert reverse("school:class_group_detail", args=[world.class_group.pk]) in html

    def test_student_page_links_the_class_only_for_who_may_open_it(self, client, world):
        client.force_login(world.teacher)
        html = client.get(reverse("school:student_detail", args=[world.student.pk])).content.decode()

        assert reverse("school:class_group_detail", args=[world.class_group.pk]) not in html
        assert reverse("school:teaching_group_detail", args=[world.teaching_group.pk]) in html

    def test_class_page_lists_students_with_links(self, client, world):
        client.force_login(world.mentor)
        html = client.get(reverse("school:class_group_detail", args=[world.class_group.pk])).content.decode()

        assert "Klas 4H1" in html
        assert reverse("school:student_detail", args=[world.student.pk]) in html

    def test_teaching_group_page_lists_students(self, client, world):
        client.force_login(world.teacher)
        html = client.get(reverse("school:teaching_group_detail", args=[world.teaching_group.pk])).content.decode()

        assert "Lesgroep 4H-ne1" in html
        assert world.student.full_name in html
        assert reverse("school:student_detail", args=[world.student.pk]) in html


class TestPasswordReset:
    def test_reset_sends_a_dutch_email_with_a_working_link(self, client, world, mailoutbox):
        user = world.mentor
        response = client.post(reverse("password_reset"), {"email": user.email})
        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
        assert "Kijk in je e-mail" in client.get(response.url).content.decode()

        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert mail.to == [user.email]
        assert mail.subject == "Nieuw wachtwoord voor Leerlingbespreking"
        assert "Hallo" in mail.body
        assert f"Je gebruikersnaam is: {user.username}" in mail.body
        assert "&" not in mail.body  # plain text, not HTML-escaped

        link = re.search(r"http://testserver(/password/reset/\S+/)", mail.body).group(1)
        response = client.get(link)  # Django swaps the token for a session and redirects
        assert response.status_code == 302
        form_url = response.url
        assert "Kies een nieuw wachtwoord" in client.get(form_url).content.decode()

        new_password = "Een-nieuw-wachtwoord-42"
        response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
        assert response.status_code == 302
        assert response.url == reverse("password_reset_complete")
        assert "Je wachtwoord is gewijzigd" in client.get(response.url).content.decode()
        assert client.login(username=user.username, password=new_password)

    def test_a_used_link_says_so_in_dutch(self, client, db):
        html = client.get(reverse("password_reset_confirm", args=["MQ", "invalid-token"])).content.decode()
        assert "Deze link werkt niet meer" in html

    def test_unknown_address_gets_the_same_answer_and_no_mail(self, client, db, mailoutbox):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
        assert response.url == reverse("password_reset_done")
        assert mailoutbox == []

    def test_change_password_when_logged_in(self, client, world):
        client.force_login(world.teacher)
        new_password = "Een-ander-wachtwoord-7"
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
        )
        assert response.status_code == 302
        assert "Je wachtwoord is gewijzigd" in client.get(response.url).content.decode()


def parse_po(text: str) -> dict[str, list[str]]:
    """msgid (with context, as gettext keys it) → its msgstr(s); just enough of the PO format for a check."""
    entries: dict[str, list[str]] = {}
    ctx = msgid = None
    current: list[str] | None = None
    strs: list[list[str]] = []

    def flush():
        if msgid is not None:
            key = "".join(msgid)
            if ctx is not None:
                key = "".join(ctx) + "\x04" + key
            entries[key] = ["".join(s) for s in strs]

    for line in text.splitlines():
        if line.startswith("#~"):
            continue
        if line.startswith("msgctxt "):
            flush()
            ctx, msgid, strs = [line[9:-1]], None, []
            current = ctx
        elif line.startswith("msgid "):
            if msgid is not None:
                flush()
                ctx, strs = None, []
            msgid = [line[7:-1]]
            current = msgid
        elif line.startswith("msgid_plural "):
            current = [line[14:-1]]
        elif line.startswith("msgstr"):
            current = [line.split(" ", 1)[1][1:-1]]
            strs.append(current)
        elif line.startswith('"') and current is not None:
            current.append(line[1:-1])
        elif not line.strip():
            flush()
            ctx = msgid = current = None
            strs = []
    flush()
    return {unescape(key): value for key, value in entries.items()}


def unescape(po_string: str) -> str:
    return po_string.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t")
