from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = _("Boards")

    def ready(self) -> None:
        # school sits below boards and never imports it: boards adds its part of the home page through school's hook.
        from school import selectors

        from .home import boards_home_sections

        selectors.home_section_provider_register(boards_home_sections)
