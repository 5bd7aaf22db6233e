"""Forms of the review pages: validation and clean user-facing errors."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from school.models import Department, Period, User

from . import policies
from .models import AdvicePhrase, LightScheme, ReviewCycle


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CycleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ReviewCycle._meta.get_field("name").max_length,
        help_text=_("As teachers and students will see it, for example “Leerlingbespreking periode 1”."),
    )
    period = forms.ModelChoiceField(
        label=_("Period"),
        queryset=Period.objects.none(),
        help_text=_("The period whose test week this review round follows."),
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The round covers the students of these departments and every teaching group they are in."),
    )
    entry_deadline = forms.DateField(
        label=_("Deadline for traffic lights"),
        widget=DateInput(),
        help_text=_("Until this day subject teachers enter grades, lights and advice."),
    )
    speed_date_on = forms.DateField(label=_("Speed-date"), required=False, widget=DateInput())
    meeting_on = forms.DateField(label=_("Department meeting"), required=False, widget=DateInput())
    talks_until = forms.DateField(label=_("Mentor talks until"), required=False, widget=DateInput())

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.school_id = user.school_id
        self.fields["period"].queryset = (
            Period.objects.filter(school_id=user.school_id).select_related("school_year").order_by("start_date")
        )
        departments = policies.department_choices_for(user).order_by("name")
        self.fields["departments"].queryset = departments
        if not self.is_bound and len(departments) == 1:
            self.initial.setdefault("departments", list(departments))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if ReviewCycle.objects.filter(school_id=self.school_id, name__iexact=name).exists():
            raise ValidationError(
                _("Your school already has a review round called “%(name)s”: choose another name."),
                code="unique",
                params={"name": name},
            )
        return name


class LightSchemeForm(forms.ModelForm):
    class Meta:
        model = LightScheme
        fields = ["green", "orange", "red", "palette"]
        labels = {
            "green": _("Words for the green light"),
            "orange": _("Words for the orange light"),
            "red": _("Words for the red light"),
            "palette": _("Colours"),
        }
        help_texts = {
            "green": _("Words that help, not label: for example “on track”."),
            "orange": _("For example “attention”."),
            "red": _("For example “action needed”."),
            "palette": _(
                "Both sets stay apart for the common kinds of colour blindness, and a light always shows "
                "its letter and shape as well."
            ),
        }
        widgets = {
            "green": forms.TextInput(attrs={"list": "light-suggestions-green", "autocomplete": "off"}),
            "orange": forms.TextInput(attrs={"list": "light-suggestions-orange", "autocomplete": "off"}),
            "red": forms.TextInput(attrs={"list": "light-suggestions-red", "autocomplete": "off"}),
            "palette": forms.RadioSelect,
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        labels = [cleaned.get(name, "").strip().casefold() for name in ("green", "orange", "red")]
        if all(labels) and len(set(labels)) < 3:
            raise ValidationError(_("Give each light its own words, so nobody can mix them up."), code="same")
        return cleaned


GRADES_UPLOAD_MAX_BYTES = 1024 * 1024  # a group's grades are a few kB; a megabyte is something else


class GradesUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Grades file (CSV)"),
        help_text=_(
            "A CSV export with a column for the student number and one for the grade: "
            "“leerlingnummer;cijfer” or “student number,grade”."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > GRADES_UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s; it may be at most %(max)s."),
                code="too_large",
                params={"size": filesizeformat(upload.size), "max": filesizeformat(GRADES_UPLOAD_MAX_BYTES)},
            )
        return upload


class GradesApplyForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The entry phase is over: every change needs a reason, and it is logged."),
    )

    def __init__(self, *args, reason_needed: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reason_needed = reason_needed
        if reason_needed:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


class AdvicePhraseForm(forms.ModelForm):
    class Meta:
        model = AdvicePhrase
        fields = ["text"]
        labels = {"text": _("New phrase")}
        help_texts = {
            "text": _(
                "Something a student can do, in your own words, for example "
                "“Plan your homework for each day of the week”."
            )
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
