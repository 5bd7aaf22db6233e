#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    if "DJANGO_SETTINGS_MODULE" not in os.environ:
        # Without an explicit settings module this is a developer's shell: development
        # defaults. Production and tests name their settings (scripts/web.sh, pytest).
        os.environ.setdefault("DEBUG", "1")
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
