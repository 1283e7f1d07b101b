"""A rule the database enforces, refused there: 409 with the constraint's sentence, the one the console shows.

Another supervisor confirms an event in a transaction still open when the API's call confirms an overlapping
one: the call's own check reads the committed roster (no clash yet), its save then waits on PostgreSQL's
exclusion constraint until the other transaction commits, and is refused.
"""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from apps.scheduling.choices import EventStatus
from apps.scheduling.models import EVENT_OVERLAP_MESSAGE, ScheduledEvent
from apps.scheduling.services import scheduled_event_confirm
from tests import factories as f
from tests.conftest import cover

from .conftest import person, signed_in

HOLD_SECONDS = 1.5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_overlap_the_database_refuses_is_a_409_with_the_consoles_sentence():
    call_command("load_reference_data", verbosity=0)
    site = f.LocationFactory(code="API-RACE")
    facility = f.FacilityFactory(location=site, code="API-RACE-1")
    supervisor = cover(person("api-race-super", "Supervisor", site), site)
    other = cover(person("api-race-other", "Supervisor", site), site)
    starts = datetime(2031, 5, 5, 18, tzinfo=UTC)
    first, second = (
        f.ScheduledEventFactory(facility=facility, title=title, starts_at=starts, ends_at=starts + timedelta(hours=1))
        for title in ("News", "Special")
    )
    confirmed = threading.Event()

    def the_other_supervisor():
        try:
            with transaction.atomic():
                scheduled_event_confirm(event=first, by=other)
                confirmed.set()
                time.sleep(HOLD_SECONDS)  # the API's call checks and saves meanwhile
        finally:
            connection.close()

    holder = threading.Thread(target=the_other_supervisor)
    holder.start()
    assert confirmed.wait(10)
    response = signed_in(supervisor).patch(
        f"/api/scheduled-events/{second.pk}/", {"status": "confirmed"}, content_type="application/json"
    )
    holder.join(10)

    assert response.status_code == 409, response.content
    assert response.json() == {"detail": EVENT_OVERLAP_MESSAGE}
    assert ScheduledEvent.objects.get(pk=second.pk).status == EventStatus.TENTATIVE
    assert ScheduledEvent.objects.get(pk=first.pk).status == EventStatus.CONFIRMED
