"""Forms of the department meeting: plan, decision with its agreements, an attendee's vote.

The services check everything again; the forms give each field its own clear message.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from school.models import Staff

from .models import AGREEMENT_MAX_LENGTH, DECISION_MAX_LENGTH, Agreement, DepartmentMeeting, Vote

AGREEMENT_ROWS = 3  # empty rows the decision form offers; JavaScript can add more
AGREEMENT_ROWS_MAX = 12


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MeetingPlanForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
        help_text=_("With a start time the agenda shows when each item comes up and when the meeting ends."),
        error_messages={"invalid": _("Give a date and a time, for example 12-11-2026 15:30.")},
    )
    location = forms.CharField(
        label=_("Location"),
        required=False,
        max_length=DepartmentMeeting._meta.get_field("location").max_length,
        help_text=_("For example “team room” or “B-204”."),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Decision"),
        max_length=DECISION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write down what the meeting decided.")},
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        max_length=DECISION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the meeting decided so: the evidence it weighed and the student's voice."),
    )

    def __init__(self, *args, high_stakes: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.high_stakes = high_stakes
        if high_stakes:
            self.fields["rationale"].required = True
            self.fields["rationale"].error_messages["required"] = _(
                "This is a high-stakes decision: write down why the meeting decided so."
            )
            self.fields["rationale"].help_text = _(
                "Required for a high-stakes decision. It is kept with a snapshot of the evidence as it is now."
            )


class AgreementForm(forms.Form):
    text = forms.CharField(
        label=_("Agreement"),
        max_length=AGREEMENT_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Say what is agreed.")},
    )
    owner = forms.ChoiceField(
        label=_("Owner"),
        choices=[("", "—"), *Agreement.Owner.choices],
        error_messages={"required": _("Choose who does it.")},
    )
    owner_staff = forms.TypedChoiceField(label=_("Member of staff (optional)"), required=False, coerce=int)
    due_on = forms.DateField(
        label=_("Deadline"),
        widget=DateInput(),
        error_messages={"required": _("Give a due date."), "invalid": _("Give a date, for example 15-01-2027.")},
    )

    def __init__(self, *args, staff: list[Staff] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_staff"].choices = [("", "—")] + [
            (member.pk, member.user.get_full_name() or str(member)) for member in staff
        ]
        self.fields["due_on"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise ValidationError(_("This date lies in the past: an agreement needs a deadline to come."), code="past")
        return due_on


class BaseAgreementFormSet(forms.BaseFormSet):
    def __init__(self, *args, staff: list[Staff] = (), **kwargs) -> None:
        self.staff = list(staff)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "staff": self.staff}

    def agreements(self) -> list[dict]:
        """The filled rows as the service takes them; rows left empty are skipped."""
        return [
            {
                "text": form.cleaned_data["text"],
                "owner": form.cleaned_data["owner"],
                "owner_staff_id": form.cleaned_data.get("owner_staff") or None,
                "due_on": form.cleaned_data["due_on"],
            }
            for form in self.forms
            if form.has_changed() and form.cleaned_data
        ]


AgreementFormSet = forms.formset_factory(
    AgreementForm, formset=BaseAgreementFormSet, extra=AGREEMENT_ROWS, max_num=AGREEMENT_ROWS_MAX, validate_max=True
)


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=Vote.Choice.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose agree, disagree or abstain."),
            "invalid_choice": _("Choose agree, disagree or abstain."),
        },
    )
    comment = forms.CharField(
        label=_("Why (optional)"),
        required=False,
        max_length=Vote._meta.get_field("comment").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only shown when the team leader reveals the votes."),
    )
