"""The cycle pages keep to the design system: nothing inline (strict CSP), labelled inputs, no other hosts."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.models import ReminderJob

URL_IN_PAGE = re.compile(r"""https?://([^/"'\s<>]+)""")


def pages(client, world, cycle):
    job = ReminderJob.objects.create(cycle=cycle, total=2, sent=1, status=ReminderJob.Status.RUNNING)
    group, student = world.teaching_group, world.student
    client.force_login(world.team_leader)
    for url in (
        reverse("reviews:cycle_list"),
        reverse("reviews:cycle_create"),
        reverse("reviews:cycle_detail", args=[cycle.pk]),
        reverse("reviews:reminder_status", args=[cycle.pk, job.pk]),
        reverse("home"),
    ):
        yield url, client.get(url).content.decode()
    confirm = reverse("reviews:cycle_advance", args=[cycle.pk])
    yield confirm, client.post(confirm, {"to_phase": "speed_date"}).content.decode()
    client.force_login(world.teacher)
    grades = reverse("reviews:grades_import", args=[cycle.pk, group.pk])
    for url in (
        reverse("reviews:cycle_detail", args=[cycle.pk]),
        grades,
        reverse("reviews:entry_history", args=[cycle.pk, group.pk, student.pk]),
        reverse("home"),
    ):
        yield url, client.get(url).content.decode()
    good = SimpleUploadedFile("c.csv", f"leerlingnummer;cijfer\n{student.number};7,5\n".encode())
    yield "grades preview", client.post(grades, {"action": "check", "file": good}).content.decode()
    bad = SimpleUploadedFile("c.csv", b"leerlingnummer;cijfer\n1;abc\n")
    yield "grades errors", client.post(grades, {"action": "check", "file": bad}).content.decode()
    client.force_login(world.admin)
    yield "lights", client.get(reverse("reviews:light_scheme")).content.decode()


def test_no_inline_scripts_styles_or_handlers(client, world, a_cycle_in_entry_phase):
    for label, html in pages(client, world, a_cycle_in_entry_phase):
        assert "<main" in html, label
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), label
        assert not re.search(r"<style\b", html), label
        assert not re.search(r"\sstyle=", html), label
        assert not re.search(r"\son[a-z]+=", html), label


def test_every_input_has_a_label_and_nothing_comes_from_another_host(client, world, a_cycle_in_entry_phase):
    for label, html in pages(client, world, a_cycle_in_entry_phase):
        for field_id in re.findall(r'<(?:input(?![^>]*type="hidden")|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{field_id}"' in html, (label, field_id)
        assert set(URL_IN_PAGE.findall(html)) - {"testserver"} == set(), label
