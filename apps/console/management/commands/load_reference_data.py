"""Load the portal's reference data: the four roles with their permissions, and the incident types.

Idempotent: rows are matched by natural key (group name, incident type code); a row that
already matches its fixture is left alone, a row that differs is brought back to it (and
gets a history entry), a missing row is created. Running it twice changes nothing the
second time.

    python manage.py load_reference_data [--dry-run]
"""

import json
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import CommandError
from django.db import transaction

from apps.audit.system import SystemCommand

FIXTURES = ("roles.json", "incident_types.json")


def fixture_path(name: str) -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / name


def _is_automatic_timestamp(field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


class Command(SystemCommand):
    help = "Load roles (groups and their permissions) and incident types from fixtures/, idempotently."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created or updated, and change nothing.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        verbosity = options["verbosity"]
        totals: Counter = Counter()
        with transaction.atomic():
            for name in FIXTURES:
                totals.update(self._load(fixture_path(name), verbosity=verbosity))
            if dry_run:
                transaction.set_rollback(True)

        prefix = "Dry run: would have " if dry_run else ""
        summary = (
            f"{prefix}created {totals['created']}, updated {totals['updated']}, "
            f"left {totals['unchanged']} unchanged reference rows."
        )
        self.stdout.write(self.style.SUCCESS(summary))

    def _load(self, path: Path, *, verbosity: int) -> Counter:
        if not path.exists():
            raise CommandError(f"Fixture {path} is missing.")
        text = path.read_text(encoding="utf-8")
        entries = json.loads(text)
        counts: Counter = Counter()
        # The deserializer resolves natural keys (the row's own and its permissions'); the raw
        # entries say which fields the fixture sets, so fields it leaves out keep their values.
        for entry, deserialized in zip(entries, serializers.deserialize("json", text), strict=True):
            outcome = self._apply(entry, deserialized)
            counts[outcome] += 1
            if verbosity >= 2 or (verbosity >= 1 and outcome != "unchanged"):
                self.stdout.write(f"  {outcome}: {deserialized.object._meta.label} {deserialized.object}")
        if verbosity >= 1:
            self.stdout.write(
                f"{path.name}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
            )
        return counts

    def _apply(self, entry: dict, deserialized) -> str:
        incoming = deserialized.object
        model = type(incoming)
        m2m_data = deserialized.m2m_data or {}
        # Timestamps in a fixture are only for plain `loaddata` (raw saves fill in nothing);
        # here the model's own auto_now/auto_now_add keep them true.
        field_names = [
            name
            for name in entry["fields"]
            if name not in m2m_data and not _is_automatic_timestamp(model._meta.get_field(name))
        ]

        existing = model._default_manager.filter(pk=incoming.pk).first() if incoming.pk is not None else None
        target = existing if existing is not None else model()

        fields_changed = False
        for name in field_names:
            attname = model._meta.get_field(name).attname
            value = getattr(incoming, attname)
            if getattr(target, attname) != value:
                setattr(target, attname, value)
                fields_changed = True

        m2m_changed = {}
        for name, pks in m2m_data.items():
            wanted = {int(pk) for pk in pks}
            current = set() if existing is None else set(getattr(existing, name).values_list("pk", flat=True))
            if wanted != current:
                m2m_changed[name] = wanted

        if existing is not None and not (fields_changed or m2m_changed):
            return "unchanged"
        if existing is None or fields_changed:
            target.full_clean()
            target.save()
        for name, wanted in m2m_changed.items():
            getattr(target, name).set(wanted)
        return "created" if existing is None else "updated"
