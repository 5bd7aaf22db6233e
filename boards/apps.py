from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = _("Boards")

    def ready(self) -> None:
        # school sits below boards and never imports it: boards adds its part of the home page through school's hook.
        from school import demo, selectors

        from .demo import demo_boards_create
        from .home import boards_home_sections

        selectors.home_section_provider_register(boards_home_sections)
        # After mentoring's (INSTALLED_APPS order): the demo boards sit beside the review rounds.
        demo.demo_extension_register(demo_boards_create)
