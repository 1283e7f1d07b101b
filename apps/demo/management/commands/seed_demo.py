"""Seed a believable broadcast station for the demo console.

Five sites in three time zones (London, Manchester, a transmitter park, Paris, New York), their
studios, master control rooms, transmitters, edit suites, OB vans and offices; about fifty
people with the demo logins `admin`, `supervisor`, `staff` and `auditor` (password in
apps/demo/logins.py); four weeks of rosters in each site's local time; incidents and service
tickets in every status with their notes; scheduled events with crew; time off; time sheets;
the outbox. `--scale N` adds a region per step beyond 1 (a broadcast centre, studios, a
transmitter and a newsroom, about as big as the base station) and multiplies the tickets with it.

Idempotent: when the demo sites exist it says so and adds nothing. Everything is written in one
transaction, with history rows ("Demo data", by `admin`).

    python manage.py seed_demo                     # scale 1, the fixed seed
    python manage.py seed_demo --scale 20 --seed 7
    python manage.py seed_demo --clear             # delete the demo data, then seed again
    python manage.py seed_demo --dry-run -v 2      # what would be created, per step
"""

import argparse
from time import perf_counter

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from apps.audit.system import SystemCommand
from apps.core.roles import Role
from apps.demo.generators import SeedContext, demo_clear, demo_seed, existing_demo_site
from apps.tickets.models import IncidentType

DEFAULT_SEED = 20250101


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


class Command(SystemCommand):
    help = (
        "Seed the demo broadcast station (people, places, rosters, tickets, events, time off, time sheets). "
        "Adds nothing when the demo data is already there; --clear deletes it and seeds again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=positive_int,
            default=1,
            help="Multiply people, facilities, extra locations and every volume by N (default 1).",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Delete the demo domain data (tickets, rosters, events, time off and entries, outbox, imports, "
            "facilities, locations, the non-superuser people the seed created) and its history, then seed again.",
        )
        parser.add_argument("--force", action="store_true", help="Allow --clear when DEBUG is off.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be created, and write nothing (any clearing or reference data is rolled back).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed; the same seed gives the same data (default {DEFAULT_SEED}).",
        )

    def handle(self, *args, scale=1, clear=False, force=False, dry_run=False, seed=DEFAULT_SEED, **options):
        self.verbosity = options.get("verbosity", 1)
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        if clear and not settings.DEBUG and not force:
            raise CommandError("Refusing to --clear with DEBUG off: this deletes data. Add --force if you mean it.")

        started = perf_counter()
        with transaction.atomic():
            if clear:
                self._clear(dry_run=dry_run)
            found = existing_demo_site()
            if found:
                self._say(
                    self.style.WARNING(
                        f"Demo data already seeded (location {found} exists): nothing added. "
                        "Use --clear to seed it again."
                    )
                )
                return
            self._ensure_reference_data(dry_run=dry_run)
            ctx = SeedContext(
                scale=scale,
                seed=seed,
                dry_run=dry_run,
                now=timezone.now().replace(second=0, microsecond=0),
                log=self._detail,
            )
            self._detail(f"Seeding the demo station at scale {scale} (seed {seed}):")
            demo_seed(ctx)
            if dry_run:
                transaction.set_rollback(True)
        self._summary(ctx, dry_run=dry_run, elapsed=perf_counter() - started)

    def _clear(self, *, dry_run: bool) -> None:
        counts = demo_clear()  # in a dry run, rolled back with the rest: the plan still starts from nothing
        verb = "Would delete" if dry_run else "Deleted"
        listed = ", ".join(f"{number} {label}" for label, number in counts.items() if number)
        self._say(f"{verb} the demo data: {listed or 'nothing to delete'}.")

    def _ensure_reference_data(self, *, dry_run: bool) -> None:
        has_roles = Group.objects.filter(name__in=Role.values).count() == len(Role.values)
        if has_roles and IncidentType.objects.exists():
            return
        self._say(
            "Reference data missing: loading roles and incident types first" + (" (rolled back)." if dry_run else ".")
        )
        call_command("load_reference_data", verbosity=max(0, self.verbosity - 1), stdout=self.stdout)

    def _summary(self, ctx: SeedContext, *, dry_run: bool, elapsed: float) -> None:
        total = sum(ctx.counts.values())
        if dry_run:
            heading = (
                f"Dry run: would create {total} rows (scale {ctx.scale}, seed {ctx.rng_seed}); nothing was written."
            )
        else:
            heading = (
                f"Seeded the demo station: {total} rows (scale {ctx.scale}, seed {ctx.rng_seed}) in {elapsed:.1f} s."
            )
        self._say(self.style.SUCCESS(heading))
        width = max(len(label) for label in ctx.counts)
        for label, number in ctx.counts.items():
            self._say(f"  {label:<{width}}  {number:>8,}")

    def _say(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def _detail(self, message: str) -> None:
        if self.verbosity >= 2:
            self.stdout.write(message)
