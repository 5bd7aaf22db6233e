"""Every form of the project against hostile input: it validates to clean values or gives errors, never raises.

The forms are found by importing every module of the project's apps; a form without an entry in
FORMS below fails `test_every_form_is_covered`, so a new form gets its hostile-input test too.
"""

from __future__ import annotations

import datetime
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from hypothesis import given
from hypothesis import strategies as st

from mentoring.forms_meetings import AgreementFormSet
from tests.conftest import SchoolWorld

from .strategies import SCRIPT, hostile_text

# --- finding the forms ------------------------------------------------------------------------------------


def project_apps() -> list:
    """The apps of this repository, not the installed libraries (which may sit in .venv under BASE_DIR)."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        config
        for config in apps.get_app_configs()
        if base in (path := Path(config.path).resolve()).parents and "site-packages" not in path.parts
    ]


def import_project_modules() -> None:
    for config in project_apps():
        module = importlib.import_module(config.name)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{config.name}."):
            if ".migrations" in info.name or ".tests" in info.name:
                continue
            importlib.import_module(info.name)


def all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *all_subclasses(sub)}
    return found


def project_forms() -> set[str]:
    import_project_modules()
    prefixes = tuple(f"{config.name}." for config in project_apps())
    return {
        f"{form.__module__}.{form.__qualname__}"
        for form in all_subclasses(forms.BaseForm)
        if form.__module__.startswith(prefixes)
    }


# --- how to make each form: its constructor's keyword arguments from a school world ---------------------


def fake_care_meeting(world: SchoolWorld) -> SimpleNamespace:
    """What the care forms read of a meeting: its children."""
    from school.models import Student

    return SimpleNamespace(children=SimpleNamespace(all=lambda: Student.objects.filter(school=world.school)))


def staff_of(world: SchoolWorld) -> list:
    from school.models import Staff

    return list(Staff.objects.filter(school=world.school).select_related("user")[:3])


def light_scheme_kwargs(world: SchoolWorld) -> dict:
    from reviews.models import LightScheme

    return {"instance": LightScheme(school=world.school)}


def advice_phrase_kwargs(world: SchoolWorld) -> dict:
    from reviews.models import AdvicePhrase

    return {"instance": AdvicePhrase(owner=world.teacher)}


def talk_slots(world: SchoolWorld) -> dict:
    from mentoring.models import TalkSlot

    return {"slots": TalkSlot.objects.all()}


def escalation_candidates(world: SchoolWorld) -> dict:
    from mentoring.models import Escalation

    return {"candidates": Escalation.objects.all()}


Kwargs = Callable[[SchoolWorld], dict]
NONE: Kwargs = lambda world: {}  # noqa: E731

FORMS: dict[str, Kwargs] = {
    "school.forms.RosterUploadForm": NONE,
    "reviews.forms.CycleForm": lambda world: {"user": world.admin},
    "reviews.forms.LightSchemeForm": light_scheme_kwargs,
    "reviews.forms.GradesUploadForm": NONE,
    "reviews.forms.GradesApplyForm": lambda world: {"reason_needed": True},
    "reviews.forms.AdvicePhraseForm": advice_phrase_kwargs,
    "mentoring.forms_portal.SharingForm": NONE,
    "mentoring.forms_talks.SlotSeriesForm": NONE,
    "mentoring.forms_talks.BookingForm": talk_slots,
    "mentoring.forms_talks.TalkAgreementForm": NONE,
    "mentoring.forms_meetings.MeetingPlanForm": NONE,
    "mentoring.forms_meetings.DecisionForm": lambda world: {"high_stakes": True},
    "mentoring.forms_meetings.AgreementForm": lambda world: {"staff": staff_of(world)},
    "mentoring.forms_meetings.VoteForm": NONE,
    "mentoring.forms_escalations.EscalationForm": NONE,
    "mentoring.forms_escalations.EscalationAcceptForm": NONE,
    "mentoring.forms_escalations.EscalationReturnForm": NONE,
    "mentoring.forms_escalations.EscalationMergeForm": escalation_candidates,
    "mentoring.forms_reflection.ReflectionForm": NONE,
    "mentoring.forms_reflection.CommentForm": NONE,
    "mentoring.forms_questions.QuestionForm": lambda world: {"teachers": staff_of(world)},
    "mentoring.forms_questions.AnswerForm": lambda world: {"question_pk": 1},
    "mentoring.forms_questions.SpeedDateStartForm": lambda world: {"department_pk": world.department.pk},
    "boards.forms_improvement.BoardCreateForm": lambda world: {"school": world.school},
    "boards.forms_care.CareMeetingForm": lambda world: {"school": world.school},
    "boards.forms_care.CareConsentForm": lambda world: {"meeting": fake_care_meeting(world)},
    "boards.forms_care.CareGuestForm": NONE,
    "boards.forms_care.CareEntryForm": lambda world: {"meeting": fake_care_meeting(world)},
    "classmeetings.forms_preparation.MeetingForm": lambda world: {"class_group": world.class_group},
    "classmeetings.forms_preparation.PreparedInputForm": NONE,
    "classmeetings.views.meeting_mode.PointForm": NONE,
    "classmeetings.views.meeting_mode.TipsForm": NONE,
    "classmeetings.views.people.CoachForm": lambda world: {"student": world.student},
    "classmeetings.views.people.RepresentativeForm": lambda world: {"class_group": world.class_group},
    "audit.forms.AuditFilterForm": NONE,
}


def form_class(dotted: str) -> type[forms.BaseForm]:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_form_is_covered():
    missing = project_forms() - FORMS.keys()
    assert not missing, f"Forms without a hostile-input test: add them to FORMS in {__file__}: {sorted(missing)}"
    assert not FORMS.keys() - project_forms(), "FORMS names forms that no longer exist"


# --- what a field may receive: hostile text, and the values a real browser would send -------------------

TOMORROW = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()  # noqa: DTZ011 (a date string only)


def plausible_values(field: forms.Field) -> list[str]:
    """Values that pass the field, so hostile text also meets the form's clean() with its neighbours valid."""
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return [str(value) for value, _label in field.choices if str(value)] or ["1"]
    if isinstance(field, forms.DateTimeField):
        return [f"{TOMORROW}T10:00", "12-11-2026 15:30"]
    if isinstance(field, forms.DateField):
        return [TOMORROW, "2020-01-01"]
    if isinstance(field, forms.TimeField):
        return ["16:00"]
    if isinstance(field, forms.IntegerField):
        return ["0", "5", "10", "-1"]
    if isinstance(field, forms.EmailField):
        return ["ouder@example.org"]
    if isinstance(field, forms.BooleanField):
        return ["on", ""]
    return ["Gewoon een zin."]


def field_values(field: forms.Field) -> st.SearchStrategy[list[str]]:
    one = st.one_of(hostile_text, st.sampled_from(plausible_values(field)))
    return st.lists(one, max_size=2)


def uploads() -> st.SearchStrategy[SimpleUploadedFile]:
    names = st.one_of(
        st.sampled_from(["leerlingen.csv", "roster.zip", "cijfers.csv", "photo.jpg", "x.exe", "", ".csv", "a" * 300]),
        st.text(min_size=1, max_size=40).map(lambda text: text.replace("/", "_") + ".csv"),
    )
    contents = st.one_of(
        st.binary(max_size=2000),
        st.sampled_from([b"", b"PK\x03\x04garbage", b"\x00" * 100, b"naam;=1+1\n<script>"]),
    )
    return st.builds(
        lambda name, content, type_: SimpleUploadedFile(name or "x", content, content_type=type_),
        names,
        contents,
        st.sampled_from(["text/csv", "application/zip", "image/png", "application/octet-stream"]),
    )


def no_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, list | tuple | set):
        return all(no_nul(item) for item in value)
    if isinstance(value, dict):
        return all(no_nul(item) for item in value.values())
    return True


def assert_survives(form: forms.BaseForm) -> None:
    valid = form.is_valid()  # must not raise
    assert isinstance(valid, bool)
    if valid:
        assert no_nul(form.cleaned_data), "a NUL byte got through: PostgreSQL refuses it"
    else:
        assert form.errors
    html = str(form)  # the bound form as the page shows it again, errors and all
    assert SCRIPT not in html
    assert "<script" not in html.lower()


@pytest.mark.parametrize("dotted", sorted(FORMS))
@given(data=st.data())
def test_form_never_raises_on_hostile_input(world, dotted, data):
    cls = form_class(dotted)
    kwargs = FORMS[dotted](world)
    fields = cls(**kwargs).fields  # fields added in __init__ too
    values = MultiValueDict()
    files = MultiValueDict()
    for name, field in fields.items():
        if isinstance(field, forms.FileField):
            files.setlist(name, data.draw(st.lists(uploads(), max_size=3), label=name))
        else:
            drawn = data.draw(field_values(field), label=name)
            if drawn:
                values.setlist(name, drawn)
    assert_survives(cls(values, files, **kwargs))


@given(rows=st.lists(st.fixed_dictionaries({"text": hostile_text, "owner": hostile_text, "due_on": hostile_text})))
def test_agreement_rows_never_raise(world, rows):
    data = {"a-TOTAL_FORMS": str(len(rows)), "a-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"a-{index}-{name}": value for name, value in row.items()})
    formset = AgreementFormSet(data, prefix="a", staff=staff_of(world))
    if formset.is_valid():
        assert no_nul(formset.agreements())
    assert SCRIPT not in str(formset)


@pytest.mark.parametrize("dotted", sorted(FORMS))
def test_every_field_refuses_a_nul_byte(world, dotted):
    """PostgreSQL stores no NUL byte: a text field that accepted one would fail on save with a 500."""
    cls = form_class(dotted)
    kwargs = FORMS[dotted](world)
    for name, field in cls(**kwargs).fields.items():
        if isinstance(field, forms.CharField):
            form = cls({name: "a\x00b"}, **kwargs)
            form.is_valid()
            assert name in form.errors, f"{dotted}.{name} accepts a NUL byte"
