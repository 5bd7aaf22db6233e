from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassmeetingsConfig(AppConfig):
    name = "classmeetings"
    verbose_name = _("Open class meetings")
