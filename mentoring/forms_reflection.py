"""Forms of the student's reflection and the mentor's comment: what the user typed, with clear errors.

The rules (lengths, a goal needs its goal text, what submitting needs) live in
mentoring.services.reflection; its ValidationErrors are put on these forms per field.
The reflection form always posts every field: the six answers, three goal blocks (empty
ones are ignored) and the version the screen shows.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import GOAL_MAX_LENGTH, REFLECTION_MAX_LENGTH, Goal, Reflection
from .selectors.reflection import GOAL_FIELDS, REFLECTION_FIELDS, goal_positions, prompt_label
from .services.reflection import goal_field_name


def errors_id(name: str) -> str:
    """The id of the element holding a field's errors: the autosave's answer fills it (hx-swap-oob)."""
    return f"{name}-errors"


class ReflectionForm(forms.Form):
    """The six prompts, three goal blocks (goal / what I will do / how we will know) and the version."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput(attrs={"id": "reflection-version"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in REFLECTION_FIELDS:
            self.fields[name] = forms.CharField(
                label=prompt_label(name),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": REFLECTION_MAX_LENGTH}),
            )
        for position in goal_positions():
            for name in GOAL_FIELDS:
                label = capfirst(Goal._meta.get_field(name).verbose_name)
                if name == "goal":
                    widget = forms.TextInput(attrs={"maxlength": GOAL_MAX_LENGTH})
                else:
                    widget = forms.Textarea(attrs={"rows": 2, "maxlength": GOAL_MAX_LENGTH})
                self.fields[goal_field_name(position, name)] = forms.CharField(
                    label=label, required=False, widget=widget
                )
        for name, field in self.fields.items():
            if name != "version":
                field.widget.attrs["aria-describedby"] = errors_id(name)

    @classmethod
    def initial_from(cls, reflection: Reflection | None, goals, *, version: int) -> dict:
        initial: dict = {"version": version}
        if reflection is not None:
            initial.update({name: getattr(reflection, name) for name in REFLECTION_FIELDS})
        for goal in goals:
            for name in GOAL_FIELDS:
                initial[goal_field_name(goal.position, name)] = getattr(goal, name)
        return initial

    # What to hand the service: only what was sent, so a partial post never blanks the rest.

    def sent_values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in REFLECTION_FIELDS if name in self.data}

    def sent_goals(self) -> list[dict] | None:
        names = [goal_field_name(position, name) for position in goal_positions() for name in GOAL_FIELDS]
        if not any(name in self.data for name in names):
            return None
        return [
            {
                "position": position,
                **{name: self.cleaned_data[goal_field_name(position, name)] for name in GOAL_FIELDS},
            }
            for position in goal_positions()
        ]

    def goal_blocks(self) -> list[dict]:
        """Per position: its three bound fields, whether any is filled in, and whether any has an error."""
        blocks = []
        for position in goal_positions():
            fields = [self[goal_field_name(position, name)] for name in GOAL_FIELDS]
            filled = any((field.value() or "").strip() for field in fields)
            blocks.append(
                {
                    "position": position,
                    "fields": fields,
                    "filled": filled,
                    "has_errors": any(field.errors for field in fields),
                }
            )
        return blocks

    def prompt_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in REFLECTION_FIELDS]

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's ValidationError on the form: per field where it names one, else for the whole form."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


class CommentForm(forms.Form):
    """The mentor's comment on a submitted reflection; empty removes it."""

    comment = forms.CharField(
        label=_("Your comment for the student"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": REFLECTION_MAX_LENGTH}),
        help_text=_("The student reads it with their reflection. Leave it empty to remove your comment."),
    )
