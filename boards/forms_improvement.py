"""Forms of the improvement boards: creating a board (the cards post plain fields, cleaned by the service)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from school.models import ClassGroup, Department

from .models import ImprovementBoard


class BoardCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    scope = forms.ChoiceField(label=_("Board of"), choices=ImprovementBoard.Scope.choices)
    class_group = forms.ModelChoiceField(label=_("Class"), queryset=ClassGroup.objects.none(), required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_group"].queryset = ClassGroup.objects.filter(school=school).order_by("name")
        self.fields["department"].queryset = Department.objects.filter(school=school).order_by("name")
