"""The demo accounts' shared password. Used by seed_demo (creates them) and demo_logins (prints them)."""

DEMO_PASSWORD = "broadcast-demo"

# One login per role, in the order demo_logins prints them.
DEMO_USERNAMES = ("admin", "supervisor", "staff", "auditor")
