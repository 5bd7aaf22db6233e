from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The AVG/GDPR duties: a student's data export (right of access) and erasure after the retention period."""

    name = "privacy"
    verbose_name = _("privacy")
