"""The filters of the audit log page: a GET form, every field optional."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

SEARCH_MAX_LENGTH = 100


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    person = forms.CharField(label=_("Person"), required=False, max_length=SEARCH_MAX_LENGTH)
    student = forms.CharField(
        label=_("Student"), required=False, max_length=SEARCH_MAX_LENGTH, help_text=_("Name or student number")
    )
    kind = forms.ChoiceField(
        label=_("What"), required=False, choices=[("", _("everything")), *AuditEvent.Kind.choices]
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("every action")), *AuditEvent.Action.choices]
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date lies before the start date."))
        for name in ("person", "student"):
            if name in data:
                data[name] = data[name].replace("\x00", "").strip()
        return data
