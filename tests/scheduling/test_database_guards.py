"""The database's own guards: exclusion constraints on PostgreSQL (also under concurrent saves), none on SQLite."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from apps.core.actors import system_user
from apps.scheduling import services
from apps.scheduling.choices import EventKind, EventStatus, ShiftStatus
from apps.scheduling.models import EVENT_OVERLAP_MESSAGE, SHIFT_OVERLAP_MESSAGE, ScheduledEvent, Shift
from apps.scheduling.services import scheduled_event_confirm, scheduled_event_create, shift_create
from tests.factories import FacilityFactory, LocationFactory, ScheduledEventFactory, ShiftFactory, UserFactory

from .conftest import london

EXCLUSION_CONSTRAINTS = {
    Shift: "shift_no_overlap_per_user",
    ScheduledEvent: "event_no_overlap_per_facility",
}
CHECK_CONSTRAINTS = {Shift: "shift_ends_after_start", ScheduledEvent: "event_ends_after_start"}


@pytest.mark.django_db
@pytest.mark.parametrize("model", EXCLUSION_CONSTRAINTS, ids=lambda m: m.__name__)
def test_the_migrated_schema_has_the_exclusion_constraint_only_on_postgres(model, on_postgres):
    """The migrations ran to build this test database, SQLite included; the overlap guard exists only on PostgreSQL."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)

    assert CHECK_CONSTRAINTS[model] in constraints
    assert (EXCLUSION_CONSTRAINTS[model] in constraints) is on_postgres


# --- the constraints themselves ---------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_a_raw_overlapping_shift():
    shift = ShiftFactory(starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))

    with pytest.raises(IntegrityError) as exc_info, transaction.atomic():
        Shift.objects.create(
            user=shift.user,
            facility=shift.facility,
            position="x",
            starts_at=london(2026, 3, 3, 13),
            ends_at=london(2026, 3, 3, 20),
        )

    assert exc_info.value.__cause__.diag.constraint_name == "shift_no_overlap_per_user"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_allows_raw_back_to_back_and_cancelled_shifts():
    shift = ShiftFactory(starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))
    common = {"user": shift.user, "facility": shift.facility, "position": "x"}

    Shift.objects.create(**common, starts_at=london(2026, 3, 3, 14), ends_at=london(2026, 3, 3, 22))
    Shift.objects.create(
        **common, starts_at=london(2026, 3, 3, 7), ends_at=london(2026, 3, 3, 9), status=ShiftStatus.CANCELLED
    )

    assert Shift.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_a_raw_overlapping_confirmed_event_but_not_a_tentative_one():
    event = ScheduledEventFactory(
        starts_at=london(2026, 3, 3, 18), ends_at=london(2026, 3, 3, 19), status=EventStatus.CONFIRMED
    )
    common = {"facility": event.facility, "starts_at": london(2026, 3, 3, 18, 30), "ends_at": london(2026, 3, 3, 20)}

    ScheduledEvent.objects.create(title="Pilot", status=EventStatus.TENTATIVE, **common)
    with pytest.raises(IntegrityError) as exc_info, transaction.atomic():
        ScheduledEvent.objects.create(title="Sport", status=EventStatus.CONFIRMED, **common)

    assert exc_info.value.__cause__.diag.constraint_name == "event_no_overlap_per_facility"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_service_turns_the_constraint_violation_into_its_message_and_keeps_the_transaction(monkeypatch):
    """With every check in Python switched off, the database is the guard; the service reports it cleanly."""
    shift = ShiftFactory(starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))
    monkeypatch.setattr(services, "shift_validate", lambda *, shift, by: None)
    monkeypatch.setattr(Shift, "full_clean", lambda self, *args, **kwargs: None)
    by = system_user()

    with transaction.atomic():
        with pytest.raises(ValidationError) as exc_info:
            shift_create(
                user=shift.user,
                facility=shift.facility,
                position="x",
                starts_at=london(2026, 3, 3, 10),
                ends_at=london(2026, 3, 3, 18),
                by=by,
            )
        # the savepoint was rolled back, not the transaction: it goes on
        shift_create(
            user=shift.user,
            facility=shift.facility,
            position="x",
            starts_at=london(2026, 3, 3, 14),
            ends_at=london(2026, 3, 3, 22),
            by=by,
        )

    assert exc_info.value.messages == [SHIFT_OVERLAP_MESSAGE]
    assert isinstance(exc_info.value.__cause__, IntegrityError)
    assert Shift.objects.count() == 2


# --- two supervisors saving at the same moment ------------------------------------------------------------------


def _race(monkeypatch, model, attempts):
    """Run each attempt in its own thread (its own connection), all held until every one has passed full_clean().

    Returns what each attempt returned or raised.
    """
    barrier = threading.Barrier(len(attempts), timeout=20)
    original_full_clean = model.full_clean

    def full_clean_then_wait(self, *args, **kwargs):
        original_full_clean(self, *args, **kwargs)
        barrier.wait()  # every attempt has passed every check in Python; now they all save

    monkeypatch.setattr(model, "full_clean", full_clean_then_wait)
    outcomes = [None] * len(attempts)

    def run(index, attempt):
        try:
            outcomes[index] = attempt()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, attempt)) for i, attempt in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _one_won_one_was_told(outcomes, model, message):
    saved = [o for o in outcomes if isinstance(o, model)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(saved), len(refused)) == (1, 1), outcomes
    assert refused[0].messages == [message]
    assert isinstance(refused[0].__cause__, IntegrityError)  # the database caught it, not Python
    return saved[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_overlapping_shifts_exactly_one_commits(monkeypatch):
    """The exclusion constraint is the last guard for a path that skips the person's lock (the services take it:
    see test_shift_race.py); with the lock switched off here, both saves pass every check in Python at once."""
    person = UserFactory()
    facility = FacilityFactory(location=LocationFactory(timezone="Europe/London"))
    monkeypatch.setattr(services, "people_lock", lambda user_ids: None)
    by = system_user()

    def attempt(starts_at):
        return lambda: shift_create(
            user=person,
            facility=facility,
            position="MCR operator",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=8),
            by=by,
        )

    outcomes = _race(monkeypatch, Shift, [attempt(london(2026, 3, 3, 6)), attempt(london(2026, 3, 3, 10))])

    winner = _one_won_one_was_told(outcomes, Shift, SHIFT_OVERLAP_MESSAGE)
    assert list(Shift.objects.filter(user=person).values_list("pk", flat=True)) == [winner.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_overlapping_confirmed_events_exactly_one_commits(monkeypatch):
    facility = FacilityFactory(location=LocationFactory(timezone="Europe/London"))
    by = system_user()

    def attempt(title, starts_at):
        event = scheduled_event_create(
            title=title,
            kind=EventKind.LIVE_BROADCAST,
            facility=facility,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            by=by,
        )
        return lambda: scheduled_event_confirm(event=event, by=by)

    outcomes = _race(
        monkeypatch,
        ScheduledEvent,
        [attempt("Evening news", london(2026, 3, 3, 18)), attempt("Sport", london(2026, 3, 3, 18, 30))],
    )

    winner = _one_won_one_was_told(outcomes, ScheduledEvent, EVENT_OVERLAP_MESSAGE)
    confirmed = ScheduledEvent.objects.filter(facility=facility, status=EventStatus.CONFIRMED)
    assert list(confirmed.values_list("pk", flat=True)) == [winner.pk]


@pytest.mark.django_db
def test_a_shift_is_not_created_with_a_status_of_its_choosing(alex, mcr):
    """New shifts are drafts; a status comes from a step (publish, cancel), never from the create call."""
    with pytest.raises(TypeError, match="status"):
        shift_create(
            user=alex,
            facility=mcr,
            position="MCR operator",
            starts_at=london(2026, 3, 3, 6),
            ends_at=london(2026, 3, 3, 14),
            status=ShiftStatus.PUBLISHED,
            by=system_user(),
        )

    assert not Shift.objects.exists()
