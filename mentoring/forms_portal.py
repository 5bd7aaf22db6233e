"""Forms of the portal: an adult student's choice about their guardians."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

YES, NO = "yes", "no"


class SharingForm(forms.Form):
    """Yes or no, spelled out: a radio group reads better than one checkbox for a choice this weighty."""

    guardians_may_see = forms.ChoiceField(
        label=_("May your parents or guardians see your feedback and goals?"),
        choices=[
            (YES, _("Yes, my parents or guardians may see my feedback and goals")),
            (NO, _("No, only I see my feedback and goals")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose yes or no."),
            "invalid_choice": _("Choose yes or no."),
        },
    )

    @property
    def may_see(self) -> bool:
        return self.cleaned_data["guardians_may_see"] == YES
