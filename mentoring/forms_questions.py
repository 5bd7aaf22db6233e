"""Forms of the questions to subject teachers and the speed-date: what the user typed, with clear errors.

The rules themselves (who may ask whom, lengths, the round's minutes) live in
mentoring.services.questions; its ValidationErrors are put on these forms.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from school.models import Staff

from .models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH
from .services.questions import SPEED_DATE_DEFAULT_MINUTES, SPEED_DATE_MAX_MINUTES, SPEED_DATE_MIN_MINUTES


def staff_label(staff: Staff) -> str:
    return staff.user.get_full_name() or staff.user.get_username()


class QuestionForm(forms.Form):
    """A mentor's short question about one entry, to one of the group's teachers."""

    text = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": QUESTION_MAX_LENGTH}),
        error_messages={"required": _("Write your question.")},
        help_text=_("Short and about this entry, for example: what would help most in class?"),
    )
    addressed_to = forms.TypedChoiceField(label=_("To"), coerce=int, required=False)

    def __init__(self, *args, teachers: list[Staff], default: Staff | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.teachers = {teacher.pk: teacher for teacher in teachers}
        if len(teachers) > 1:
            self.fields["addressed_to"].choices = [(teacher.pk, staff_label(teacher)) for teacher in teachers]
            self.fields["addressed_to"].required = True
            self.fields["addressed_to"].error_messages["invalid_choice"] = _("Choose one of the group's teachers.")
            if default is not None:
                self.fields["addressed_to"].initial = default.pk
        else:
            # One teacher (or none): nothing to choose; the page says who it goes to.
            del self.fields["addressed_to"]

    def clean_addressed_to(self) -> Staff | None:
        pk = self.cleaned_data.get("addressed_to")
        if pk in (None, ""):
            return None
        return self.teachers[pk]


class AnswerForm(forms.Form):
    """The teacher's answer; "answered face to face" is a second submit button (name in_person)."""

    answer = forms.CharField(
        label=_("Your answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": ANSWER_MAX_LENGTH}),
    )
    in_person = forms.BooleanField(required=False)

    def __init__(self, *args, question_pk: int | None = None, **kwargs) -> None:
        if question_pk is not None:
            # Several answer forms on one page (the speed-date): unique ids per question.
            kwargs.setdefault("auto_id", f"id_q{question_pk}_%s")
        super().__init__(*args, **kwargs)


class SpeedDateStartForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Length in minutes"),
        initial=SPEED_DATE_DEFAULT_MINUTES,
        widget=forms.NumberInput(attrs={"min": SPEED_DATE_MIN_MINUTES, "max": SPEED_DATE_MAX_MINUTES, "step": 1}),
        error_messages={
            "required": _("Say how many minutes the round lasts."),
            "invalid": _("Type a whole number of minutes."),
        },
    )

    def __init__(self, *args, department_pk: int | None = None, **kwargs) -> None:
        if department_pk is not None:
            kwargs.setdefault("auto_id", f"id_dept{department_pk}_%s")
        super().__init__(*args, **kwargs)
