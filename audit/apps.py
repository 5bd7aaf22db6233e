from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        # school sits below audit and never imports it: the admin's link is a home-page section.
        from school import demo, selectors

        from .demo import demo_audit_create
        from .home import audit_home_sections

        selectors.home_section_provider_register(audit_home_sections)
        # Last of the demo extensions (audit comes after the apps it logs): it points at their records.
        demo.demo_extension_register(demo_audit_create)
