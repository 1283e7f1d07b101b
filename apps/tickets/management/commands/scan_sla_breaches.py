"""Tell supervisors of new SLA breaches: what the minutely periodic task does, for cron or a demo without beat.

    python manage.py scan_sla_breaches [--dry-run] [--every SECONDS]

With Celery beat running (docker compose, `make run` with REDIS_URL) the periodic task "sla-breach-scan"
does this every minute and this command is not needed. `make run` on SQLite, which has no beat, runs it
with `--every 60` beside the web server.
"""

import time

from django.db import transaction

from apps.audit.system import SystemCommand
from apps.core.actors import system_user
from apps.tickets.breaches import incident_breach_scan


class Command(SystemCommand):
    help = "Tell the location's supervisors of every SLA breach not yet told (once per breach)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report the breaches found, tell nobody.")
        parser.add_argument(
            "--every", type=int, default=0, metavar="SECONDS", help="Scan again every SECONDS until stopped."
        )

    def handle(self, *args, dry_run: bool = False, every: int = 0, **options):
        while True:
            with transaction.atomic():
                told = incident_breach_scan(by=system_user())
                if dry_run:
                    transaction.set_rollback(True)
            if options["verbosity"] and (told or not every):
                verb = "would be told" if dry_run else "told"
                self.stdout.write(self.style.SUCCESS(f"{told} SLA breach{'es' if told != 1 else ''} {verb}."))
            if not every:
                return
            time.sleep(every)
