"""The timesheets tests use the shared people and places of tests/conftest.py (alex, sam, mcr, supervisor, root)."""
