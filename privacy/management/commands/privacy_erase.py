from django.conf import settings
from django.core.management.base import BaseCommand

from privacy import services


class Command(BaseCommand):
    help = (
        "Anonymise students who left longer than STUDENT_RETENTION_DAYS ago (also run nightly by Celery beat). "
        "With --dry-run, only list them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the students due; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        run = services.erase_left_students(dry_run=dry_run)
        days = settings.STUDENT_RETENTION_DAYS
        if dry_run:
            self.stdout.write(f"{len(run.due)} student(s) left more than {days} days ago and would be anonymised.")
            for pk in run.due:
                self.stdout.write(f"  student #{pk}")
            return
        if run.stamped:
            self.stdout.write(f"{run.stamped} inactive student(s) without a leaving date: their retention starts now.")
        self.stdout.write(self.style.SUCCESS(f"Anonymised {len(run.erased)} student(s) (retention {days} days)."))
