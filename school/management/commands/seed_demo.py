"""`manage.py seed_demo`: build the demo school "Het Demolyceum" with its demo logins (demo mode only)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from school import demo
from school.models import School


class Command(BaseCommand):
    help = "Create the demo school with a login for every role (password 'demo'). Only in demo mode (DEMO_MODE=1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--students",
            type=int,
            default=demo.DEFAULT_STUDENTS,
            help=f"upper-school students (default {demo.DEFAULT_STUDENTS}); more than 240 adds parallel classes",
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="the same seed always gives the same school"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the database has a school already (make run)"
        )

    def handle(self, *args, students: int, seed: int, if_empty: bool, **options) -> None:
        # Checked before demo mode: when nothing would be created there is nothing to refuse,
        # so `make run` keeps working on an imported roster with DEMO_MODE=0.
        if if_empty and School.objects.exists():
            self.stdout.write("The database has a school already; the demo school is not seeded.")
            return
        if not settings.DEMO_MODE:
            raise CommandError("Demo logins only exist in demo mode: set DEMO_MODE=1 (make run does).")
        started = time.monotonic()
        try:
            # The school and what other apps add to it (a review cycle in progress…): all or nothing.
            with transaction.atomic():
                result = demo.demo_school_create(students=students, seed=seed, with_logins=True)
                extras = demo.demo_extensions_run(result, seed=seed)
        except demo.DemoSchoolError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {result.school}: {result.students} students in {result.class_groups} classes, "
                f"{result.staff} staff, {result.teaching_groups} teaching groups, {result.guardians} guardians "
                f"(seed {seed}, {time.monotonic() - started:.1f} s)."
            )
        )
        for line in extras:
            self.stdout.write(f"  {line}")
