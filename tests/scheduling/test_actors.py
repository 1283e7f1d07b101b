"""The system account is an actor like any other, passed explicitly (the walk over every service is
tests/architecture/test_actors.py)."""

import pytest

from apps.core.actors import system_user


@pytest.mark.django_db
def test_the_system_account_is_an_actor_it_is_passed_explicitly(alex, mcr):
    from apps.scheduling.services import shift_create
    from tests.scheduling.conftest import london

    shift = shift_create(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=london(2026, 3, 3, 6),
        ends_at=london(2026, 3, 3, 14),
        by=system_user(),
    )

    assert shift.history.get().history_user == system_user()
