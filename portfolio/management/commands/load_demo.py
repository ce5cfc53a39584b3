"""Load the demo portfolio (idempotent): ``python manage.py load_demo``."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from portfolio import demo
from portfolio.hooks import project_states


class Command(BaseCommand):
    help = (
        "Create the demo firm: organisations, people in every role, projects in every stage, "
        "then let every app with a demo module add its part. Running it again adds only what "
        "is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the table of demo logins."
        )

    def handle(self, *args, quiet_logins=False, **options):
        started = time.monotonic()
        with transaction.atomic():
            result = demo.build(log=self.stdout.write)
            for label, extend in demo.extenders():
                self.stdout.write(f"Demo: adding {label}…")
                extend(result)
            # The extenders write history (gates, readings) directly: the states' inputs are
            # read from it once, at the end.
            project_states.refresh()
        self.stdout.write(
            self.style.SUCCESS(f"Demo portfolio ready in {time.monotonic() - started:.1f} s.")
        )
        if not quiet_logins:
            self.stdout.write("")
            self.stdout.write(demo.format_logins())
            self.stdout.write(
                f"Everybody else in the demo ({len(result.people)} people) signs in with the "
                "same password; see /admin/ for the full list."
            )
