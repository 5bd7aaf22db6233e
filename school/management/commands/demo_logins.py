"""`manage.py demo_logins`: the demo logins that exist, for `make run` to print (demo mode only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from school import demo


class Command(BaseCommand):
    help = "Print the demo logins (username, password, role, name) when demo mode is on and they exist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--markdown",
            action="store_true",
            help="print the table for the README from its definition, without looking at the database",
        )

    def handle(self, *args, markdown: bool, **options) -> None:
        if markdown:
            self.stdout.write(demo.demo_logins_markdown())
            return
        # Not an error: `make run` calls this every time, also with DEMO_MODE=0.
        if not settings.DEMO_MODE:
            self.stdout.write("Demo mode is off, so there are no demo logins.")
            return
        rows = demo.demo_login_users()
        if not rows:
            self.stdout.write("There are no demo logins in this database (seed_demo runs only on an empty one).")
            return
        self.stdout.write(f'Demo logins (password "{demo.DEMO_PASSWORD}"):')
        self.stdout.write(demo.demo_logins_table(rows))
