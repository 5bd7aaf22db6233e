"""Forms of the care meetings: input only; the rules live in boards.services.care."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from school.models import Staff, Student

from .models import TEXT_MAX_LENGTH, CareConsent, CareEntry, CareGuest, CareMeeting, Mood


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CareMeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    children = forms.ModelMultipleChoiceField(
        label=_("Children"),
        queryset=Student.objects.none(),
        help_text=_("One child, or the children of one family."),
        error_messages={"required": _("Choose at least one child.")},
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants from school"), queryset=Staff.objects.none(), required=False
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = Student.objects.filter(school=school, is_active=True)
        self.fields["participants"].queryset = Staff.objects.filter(school=school, is_active=True).select_related(
            "user"
        )


class CareConsentForm(forms.Form):
    student = forms.ModelChoiceField(label=_("Child"), queryset=Student.objects.none())
    given_by = forms.ChoiceField(
        label=_("Consent given by"),
        choices=[
            (CareConsent.GivenBy.GUARDIAN, _("parent / guardian (under 16)")),
            (CareConsent.GivenBy.YOUNG_PERSON, _("the young person (from 16)")),
        ],
        widget=forms.RadioSelect,
    )
    given_by_name = forms.CharField(label=_("Name"), max_length=120)
    given_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args, meeting: CareMeeting, **kwargs):
        kwargs.setdefault("auto_id", "consent_%s")  # unique ids: several forms on one page
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = meeting.children.all()


class CareGuestForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    organisation = forms.ChoiceField(label=_("Organisation"), choices=CareGuest.Organisation.choices)
    expires_on = forms.DateField(
        label=_("Access until"), widget=DateInput(), help_text=_("At most 90 days from today.")
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "guest_%s")
        super().__init__(*args, **kwargs)

    def expires_at(self) -> datetime.datetime:
        """Access lasts until the end of the chosen day."""
        day = self.cleaned_data["expires_on"]
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))


class CareEntryForm(forms.Form):
    student = forms.ModelChoiceField(label=_("Child"), queryset=Student.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=CareEntry.Kind.choices)
    mood = forms.ChoiceField(label=_("Mood"), choices=Mood.choices, required=False, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Text"), max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea)
    owner = forms.CharField(label=_("Who"), max_length=120, required=False)
    due_on = forms.DateField(label=_("When"), required=False, widget=DateInput())
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    entry = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, meeting: CareMeeting, **kwargs):
        kwargs.setdefault("auto_id", "entry_%s")
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = meeting.children.all()
