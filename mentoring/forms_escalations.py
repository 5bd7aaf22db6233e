"""Forms of escalations: raising one (the mentor), and accepting, answering or merging one (the team leader).

The forms check what the user typed; the services check the rules (who, which status, duplicates)
and their ValidationErrors come back onto the same forms.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import ANSWER_MAX_LENGTH, ESCALATION_TEXT_MAX_LENGTH, HIGH_STAKES, Category, Escalation
from .services.escalations import TIMEBOX_MAX, TIMEBOX_MIN, proposal_needed_message


class EscalationForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is the question about?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what the question is about."),
            "invalid_choice": _("Choose one of the categories in the list."),
        },
    )
    question = forms.CharField(
        label=_("Your question to the team leader"),
        max_length=ESCALATION_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One question about this student that the mentor and the teachers cannot settle themselves."),
        error_messages={"required": _("Write the question you want the team leader to answer.")},
    )
    proposal = forms.CharField(
        label=_("Your proposal"),
        max_length=ESCALATION_TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What do you as mentor think is best? Required for promotion, level change and repeating."),
    )
    student_view = forms.CharField(
        label=_("What the student says about it"),
        max_length=ESCALATION_TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: the student's own view, in their words. The meeting sees it with the evidence."),
    )

    def clean(self) -> dict:
        # Said here too, so the mentor sees every missing field at once; the service checks it again.
        data = super().clean()
        if data.get("category") in HIGH_STAKES and not (data.get("proposal") or "").strip():
            self.add_error("proposal", proposal_needed_message())
        return data


class EscalationAcceptForm(forms.Form):
    timebox_minutes = forms.IntegerField(
        label=_("Minutes on the agenda"),
        min_value=TIMEBOX_MIN,
        max_value=TIMEBOX_MAX,
        initial=10,
        required=False,  # a plain "put on the agenda" button gives the default
    )


class EscalationReturnForm(forms.Form):
    response = forms.CharField(
        label=_("Your answer to the mentor"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your answer to the mentor.")},
    )


class EscalationMergeForm(forms.Form):
    into = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Escalation.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choose the escalation to merge this one into."),
            "invalid_choice": _("Choose one of the open escalations about this student."),
        },
    )

    def __init__(self, *args, candidates: QuerySet[Escalation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = candidates
