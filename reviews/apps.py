from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Review cycles")

    def ready(self) -> None:
        # school sits below reviews and never imports it: reviews adds its part of the
        # home page and of the demo school through school's hooks.
        from school import demo, selectors

        from . import demo as reviews_demo
        from .home import cycles_home_sections

        selectors.home_section_provider_register(cycles_home_sections)
        demo.demo_extension_register(reviews_demo.demo_cycles_create)
