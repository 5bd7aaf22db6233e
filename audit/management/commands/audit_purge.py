from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import audit_purge, axes_logs_purge


class Command(BaseCommand):
    help = (
        "Remove audit events older than AUDIT_RETENTION_DAYS (or --days) and django-axes' login records "
        "(logins, failed logins, lockout counters) older than AXES_LOG_RETENTION_DAYS (or --axes-days)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Keep this many days of audit events.")
        parser.add_argument("--axes-days", type=int, default=None, help="Keep this many days of login records.")

    def handle(self, *args, days: int | None = None, axes_days: int | None = None, **options) -> None:
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        axes_days = settings.AXES_LOG_RETENTION_DAYS if axes_days is None else axes_days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if axes_days < 1:
            raise CommandError("--axes-days must be at least 1.")
        removed = audit_purge(days=days)
        self.stdout.write(f"Removed {removed} audit events older than {days} days.")
        counts = axes_logs_purge(days=axes_days)
        self.stdout.write(
            f"Removed {sum(counts.values())} login records older than {axes_days} days "
            f"({counts['access_logs']} logins, {counts['access_failure_logs']} failed logins, "
            f"{counts['access_attempts']} lockout counters)."
        )
