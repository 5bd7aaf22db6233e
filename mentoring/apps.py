from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self) -> None:
        # school and reviews sit below mentoring and never import it: mentoring adds
        # its part of the home page and of the demo school through school's hooks.
        from school import demo, selectors

        from .demo import demo_mentoring_create
        from .home import mentoring_home_sections
        from .selectors.portal import portal_home_sections

        selectors.home_section_provider_register(mentoring_home_sections)
        selectors.home_section_provider_register(portal_home_sections)
        demo.demo_extension_register(demo_mentoring_create)
