"""Two shift writes for one person at the same moment are serialised by the person's lock: the 8-hour rest rule
(which no database constraint guards) cannot be broken by a race.

The two shifts do not overlap (the exclusion constraint would catch that): 06:00–14:00 and 18:00–22:00 leave
4 hours of rest. Each thread opens its transaction, waits for the other at a barrier, writes, then holds its
transaction open until the other has written too (or a short wait has passed). Without the lock both writes
read a roster without the other's shift, both pass the rules and both commit. With it the second writer
queues behind the first one's lock, reads the roster once the first has committed, and is refused with the
rule's sentence.
"""

import contextlib
import threading

import pytest
import tablib
from django.db import connection, transaction

from apps.dataio.services import import_dataset
from apps.scheduling.models import Shift
from apps.scheduling.resources import ShiftResource
from apps.scheduling.services import shift_create

from .conftest import london

HOLD_SECONDS = 2  # how long a writer holding the lock waits for the other before it commits

AFTER_THE_EARLY_ONE = (
    "Alex Doe would have 4 h of rest after the shift at LON-MCR1 ending Tue 3 Mar 14:00; the minimum is 8 h."
)
BEFORE_THE_LATE_ONE = (
    "Alex Doe would have 4 h of rest before the shift at LON-MCR1 starting Tue 3 Mar 18:00; the minimum is 8 h."
)


def _by_the_form_service(alex, mcr, root, starts_at, ends_at):
    """What the console's Save runs: shift_create; its refusal is a ValidationError."""

    def write():
        shift_create(user=alex, facility=mcr, position="MCR operator", starts_at=starts_at, ends_at=ends_at, by=root)

    return write


def _by_an_import(alex, mcr, root, starts_at, ends_at):
    """What the console's Import confirm runs: the import service; its refusal is a row error."""
    row = ["E10001", "LON-MCR1", "MCR operator", f"{starts_at:%Y-%m-%d %H:%M}", f"{ends_at:%Y-%m-%d %H:%M}", "Draft"]
    dataset = tablib.Dataset(row, headers=["Employee ID", "Facility", "Position", "Starts", "Ends", "Status"])

    def write():
        outcome = import_dataset(resource_class=ShiftResource, dataset=dataset, by=root, dry_run=False)
        if outcome.errors:
            raise RuntimeError(" ".join(error.message for error in outcome.errors))

    return write


def _race(*writes):
    start, written = threading.Barrier(len(writes), timeout=20), threading.Barrier(len(writes), timeout=HOLD_SECONDS)
    refusals: dict[int, str] = {}

    def run(index, write):
        try:
            with transaction.atomic():
                start.wait()
                write()
                # keep this transaction open until the other has written too, or, when it is queued behind our
                # lock (the barrier breaks after HOLD_SECONDS), commit and let it go on
                with contextlib.suppress(threading.BrokenBarrierError):
                    written.wait()
        except Exception as exc:  # the refusal is what the test reads
            refusals[index] = " ".join(getattr(exc, "messages", [str(exc)]))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, write)) for index, write in enumerate(writes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return refusals


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", [_by_the_form_service, _by_an_import], ids=["service", "import"])
def test_two_concurrent_shifts_that_break_the_rest_rule_only_one_is_saved(alex, mcr, root, second):
    early = _by_the_form_service(alex, mcr, root, london(2026, 3, 3, 6), london(2026, 3, 3, 14))
    late = second(alex, mcr, root, london(2026, 3, 3, 18), london(2026, 3, 3, 22))

    refusals = _race(early, late)

    saved = list(Shift.objects.filter(user=alex).values_list("starts_at", flat=True))
    assert len(saved) == 1, f"both shifts were saved: {saved}"
    assert len(refusals) == 1
    (refused, message), (winner,) = next(iter(refusals.items())), saved
    if refused == 1:  # the early shift won: the late one is told about it
        assert (winner, message) == (london(2026, 3, 3, 6), AFTER_THE_EARLY_ONE)
    else:
        assert (winner, message) == (london(2026, 3, 3, 18), BEFORE_THE_LATE_ONE)
