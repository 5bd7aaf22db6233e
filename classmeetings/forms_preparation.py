"""Forms of the preparation screens: the programme a chair draws up, and a student's prepared input.

The services check everything again (classmeetings.services.preparation); the forms give each
field its own clear message, and the services' ValidationErrors are put on the matching field.
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from school.models import ClassGroup, Staff, Student

from .models import MINUTES_PER_STUDENT_MAX, MINUTES_PER_STUDENT_MIN, OpenClassMeeting, PreparedInput
from .services.preparation import PROMPT_FIELDS


class DateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker; it sends ISO values whatever the language."""

    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.Form):
    """Date and time, minutes per student, every student or a list, extra teachers, location."""

    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
        error_messages={
            "required": _("Give a date and a time."),
            "invalid": _("Give a date and a time, for example 12-11-2026 15:30."),
        },
    )
    minutes_per_student = forms.IntegerField(
        label=_("Minutes per student"),
        initial=5,
        min_value=MINUTES_PER_STUDENT_MIN,
        max_value=MINUTES_PER_STUDENT_MAX,
        error_messages={
            "required": _("Give the minutes per student."),
            "invalid": _("Give the minutes per student as a whole number."),
        },
    )
    location = forms.CharField(
        label=_("Location"),
        required=False,
        max_length=OpenClassMeeting._meta.get_field("location").max_length,
    )
    discuss_all = forms.TypedChoiceField(
        label=_("Which students are discussed"),
        choices=[("1", _("Every student of the class")), ("0", _("Only the students chosen below"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    discussed = forms.MultipleChoiceField(
        label=_("Students to discuss"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Only students of this class can be discussed.")},
    )
    extra_teachers = forms.MultipleChoiceField(
        label=_("Extra teachers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Teachers who do not teach the class but are invited to the meeting."),
        error_messages={"invalid_choice": _("Only members of staff of this school can be invited.")},
    )

    def __init__(self, *args, class_group: ClassGroup, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        students = Student.objects.filter(class_group=class_group, is_active=True).order_by(
            "last_name", "first_name", "pk"
        )
        self.fields["discussed"].choices = [(str(s.pk), str(s)) for s in students]
        staff = (
            Staff.objects.filter(school_id=class_group.school_id, is_active=True)
            .exclude(mentor_of=class_group)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "pk")
        )
        self.fields["extra_teachers"].choices = [(str(s.pk), str(s)) for s in staff]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("discuss_all") is False and not cleaned.get("discussed") and "discussed" not in self.errors:
            self.add_error("discussed", _("Choose the students to discuss, or discuss every student."))
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "minutes_per_student": data["minutes_per_student"],
            "discuss_all": data["discuss_all"],
            "discussed_student_ids": [int(pk) for pk in data["discussed"]] if not data["discuss_all"] else None,
            "extra_teacher_ids": [int(pk) for pk in data["extra_teachers"]],
            "location": data["location"],
        }


class PreparedInputForm(forms.Form):
    """The guide's six prompts and the version the screen shows (to notice a save in another tab)."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in PROMPT_FIELDS:
            model_field = PreparedInput._meta.get_field(name)
            self.fields[name] = forms.CharField(
                label=capfirst(model_field.verbose_name),
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": model_field.max_length}),
            )

    @classmethod
    def initial_from(cls, prepared: PreparedInput) -> dict:
        return {"version": prepared.version, **{name: getattr(prepared, name) for name in PROMPT_FIELDS}}

    def sent_values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in PROMPT_FIELDS if name in self.data}
