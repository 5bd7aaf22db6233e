"""Forms of the mentor talk: a series of slots, booking a time, a new agreement.

The services check everything again (and more: overlaps, taken times); the forms give
each field its own clear message and the browser its pickers.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms_meetings import DateInput
from .models import AGREEMENT_MAX_LENGTH, Agreement, TalkSlot
from .services.talks import (
    SLOT_COUNT_MAX,
    SLOT_COUNT_MIN,
    SLOT_LOCATION_MAX_LENGTH,
    SLOT_MINUTES_MAX,
    SLOT_MINUTES_MIN,
    TALK_AGREEMENT_OWNERS,
)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class SlotSeriesForm(forms.Form):
    """Offer a series of consecutive talks on one day: 8 talks of 15 minutes from 16:00, say."""

    date = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        error_messages={
            "required": _("Give the date of the talks."),
            "invalid": _("Give a date, for example 08-12-2026."),
        },
    )
    start_time = forms.TimeField(
        label=_("First talk starts at"),
        widget=TimeInput(),
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={
            "required": _("Give the time the first talk starts."),
            "invalid": _("Give a time, for example 16:00."),
        },
    )
    minutes = forms.IntegerField(
        label=_("Minutes per talk"),
        initial=15,
        min_value=SLOT_MINUTES_MIN,
        max_value=SLOT_MINUTES_MAX,
        error_messages={
            "required": _("Say how many minutes a talk lasts."),
            "invalid": _("Give a whole number of minutes."),
            "min_value": _("A talk lasts at least %(limit_value)s minutes."),
            "max_value": _("A talk lasts at most %(limit_value)s minutes."),
        },
    )
    count = forms.IntegerField(
        label=_("Number of talks"),
        initial=8,
        min_value=SLOT_COUNT_MIN,
        max_value=SLOT_COUNT_MAX,
        help_text=_("The talks follow each other without a break."),
        error_messages={
            "required": _("Say how many talks to add."),
            "invalid": _("Give a whole number of talks."),
            "min_value": _("Add at least %(limit_value)s talk."),
            "max_value": _("Add at most %(limit_value)s talks at a time."),
        },
    )
    location = forms.CharField(
        label=_("Location (optional)"),
        required=False,
        max_length=SLOT_LOCATION_MAX_LENGTH,
        help_text=_("For example “room 1.04” or “online”."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].widget.attrs["min"] = timezone.localdate().isoformat()


class BookingForm(forms.Form):
    """The time chosen: any slot of the class in the round, so that a time taken meanwhile gets its own message."""

    slot = forms.ModelChoiceField(
        label=_("Time"),
        queryset=TalkSlot.objects.none(),
        error_messages={
            "required": _("Choose a time."),
            "invalid_choice": _("The mentor no longer offers this time: choose another."),
        },
    )

    def __init__(self, *args, slots=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if slots is not None:
            self.fields["slot"].queryset = slots


class TalkAgreementForm(forms.Form):
    text = forms.CharField(
        label=_("Agreement"),
        max_length=AGREEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what is agreed.")},
    )
    owner = forms.ChoiceField(
        label=_("Who does it"),
        choices=[("", "—"), *[(owner.value, owner.label) for owner in TALK_AGREEMENT_OWNERS]],
        error_messages={
            "required": _("Choose who does it: the student, the mentor or the parent / guardian."),
            "invalid_choice": _("Choose who does it: the student, the mentor or the parent / guardian."),
        },
    )
    due_on = forms.DateField(
        label=_("Due"),
        widget=DateInput(),
        error_messages={"required": _("Give a due date."), "invalid": _("Give a date, for example 15-01-2027.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_on"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise ValidationError(_("This date lies in the past: an agreement needs a due date to come."), code="past")
        return due_on


AGREEMENT_CHECK_CHOICES = [
    (Agreement.Status.MET.value, Agreement.Status.MET.label),
    (Agreement.Status.PARTLY.value, Agreement.Status.PARTLY.label),
    (Agreement.Status.NOT_MET.value, Agreement.Status.NOT_MET.label),
]
