from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import audit_purge


class Command(BaseCommand):
    help = "Remove audit events older than AUDIT_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Keep this many days instead of the setting.")

    def handle(self, *args, days: int | None = None, **options) -> None:
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        removed = audit_purge(days=days)
        self.stdout.write(f"Removed {removed} audit events older than {days} days.")
