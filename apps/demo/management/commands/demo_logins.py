"""Print the demo logins (one per role) so a new visitor can sign in to the demo portal.

Only in demo mode (DEBUG on and PORTAL_ENVIRONMENT other than "production") and only for
demo accounts that exist (seed_demo creates them); otherwise it prints a one-line note.
It never prints anything about real accounts. Quiet at --verbosity 0.

    python manage.py demo_logins
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.models import User
from apps.demo.logins import DEMO_PASSWORD, DEMO_USERNAMES

ROLE_OF = {
    "admin": "Administrator (superuser)",
    "supervisor": "Supervisor (console)",
    "staff": "Staff (frontend/API; no console)",
    "auditor": "Auditor (console, read-only)",
}


def demo_mode() -> bool:
    return bool(settings.DEBUG) and settings.PORTAL_ENVIRONMENT != "production"


class Command(BaseCommand):
    help = "Print the demo logins (usernames and the demo password), in demo mode only."

    def handle(self, *args, **options):
        if options["verbosity"] < 1:
            return
        if not demo_mode():
            self.stdout.write("Demo logins are only shown in demo mode (DEBUG on, not production).")
            return
        existing = set(
            User.objects.filter(username__in=DEMO_USERNAMES, is_active=True).values_list("username", flat=True)
        )
        if not existing:
            self.stdout.write("No demo users yet: run `python manage.py seed_demo` first.")
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(name) for name in existing)
        for username in DEMO_USERNAMES:
            if username in existing:
                self.stdout.write(f"  {username:<{width}}  {ROLE_OF[username]}")
        self.stdout.write(self.style.SUCCESS(f"{len(existing)} demo login(s) ready at /admin/."))
