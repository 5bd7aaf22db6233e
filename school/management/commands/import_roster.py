"""`python manage.py import_roster PATH [--school ID] [--dry-run]`: the roster import without the web page."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from school.importers.roster import ENTITIES
from school.models import School
from school.services import ImportResult, roster_import, roster_import_record


class Command(BaseCommand):
    help = (
        "Import a roster: a folder or zip with a OneRoster 1.1 CSV export or the simple CSV set "
        "(docs/roster-import.md). All or nothing; with --dry-run nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="folder or zip file with the CSV files")
        parser.add_argument(
            "--school",
            type=int,
            help="id of the school to import into (default: the OneRoster export's school, found by its "
            "sourcedId or created; or the installation's only school)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, then roll everything back")

    def handle(self, *args, path: Path, school: int | None, dry_run: bool, **options) -> None:
        target = None
        if school is not None:
            target = School.objects.filter(pk=school).first()
            if target is None:
                raise CommandError(f"There is no school with id {school}.")
        result = roster_import(school=target, source=path, dry_run=dry_run)
        roster_import_record(result=result)
        if not result.ok:
            for issue in result.errors:
                self.stderr.write(str(issue))
            raise CommandError(_("The roster was not imported: %(count)s problem(s).") % {"count": len(result.errors)})
        self._summary(result)

    def _summary(self, result: ImportResult) -> None:
        header = f"{'':<24}{_('New'):>10}{_('Changed'):>10}{_('Deactivated or removed'):>26}"
        self.stdout.write(header)
        for name, label in ENTITIES.items():
            counts = result.counts[name]
            self.stdout.write(f"{label!s:<24}{counts.created:>10}{counts.updated:>10}{counts.deactivated:>26}")
        school = f"{result.school} (id {result.school.pk})" if result.school else ""
        if result.dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written. %(school)s") % {"school": school}))
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported into %(school)s.") % {"school": school}))
