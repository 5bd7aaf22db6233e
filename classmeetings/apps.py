from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassmeetingsConfig(AppConfig):
    name = "classmeetings"
    verbose_name = _("Open class meetings")

    def ready(self) -> None:
        # school sits below classmeetings and never imports it: the open class meeting adds
        # its part of the home page and of the demo school through school's hooks.
        from school import demo, selectors

        from .demo import demo_classmeetings_create
        from .home import classmeetings_home_sections

        selectors.home_section_provider_register(classmeetings_home_sections)
        # After mentoring's and the boards' (INSTALLED_APPS order).
        demo.demo_extension_register(demo_classmeetings_create)
