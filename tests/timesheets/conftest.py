"""The scheduling tests' people and places, shared here."""

from tests.scheduling.conftest import alex, mcr, root, root_client, sam, supervisor  # noqa: F401
