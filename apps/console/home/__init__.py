"""The console's home: what needs the signed-in person now, in their scope (UNFOLD["DASHBOARD_CALLBACK"])."""
