"""Local time, one rule: what a person types or reads is the wall-clock time of the row's location; storage is UTC.

`moment_from_local(naive, zone)` turns a typed wall-clock time into the instant it names, and refuses the two
kinds of time a clock change makes: one that never happens (the clocks jump over it) and one that happens
twice (the clocks go back over it). Both refusals give the readings the time could have, so the person can
type the one they mean. Forms, imports and the roster all reach it.

`local_text(moment, zone, viewer_zone)` is a time as a person reads it: in the row's zone, the zone named
where it differs from the reader's own.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError


def zone_name(zone) -> str:
    return getattr(zone, "key", None) or str(zone)


def _reading(moment: datetime, zone) -> str:
    local = moment.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()} ({moment.astimezone(UTC):%H:%M} UTC)"


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def moment_from_local(naive: datetime, zone) -> datetime:
    """The aware instant that the wall-clock time `naive` names in `zone`.

    Refused with a sentence (a ValidationError, code `nonexistent_time` or `ambiguous_time`) when a clock
    change makes the time never happen or happen twice: the portal never guesses which one was meant.
    """
    if naive.tzinfo is not None:
        return naive
    earlier = naive.replace(tzinfo=zone, fold=0)
    later = naive.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    first, second = sorted((earlier.astimezone(UTC), later.astimezone(UTC)))
    typed = f"{naive:%H:%M} on {_day(naive.date())}"
    where = zone_name(zone)
    if first.astimezone(zone).replace(tzinfo=None) != naive:  # the round trip moves it: the clocks skip it
        raise ValidationError(
            f"{typed} does not exist in {where}: the clocks go forward over it. "
            f"It could mean {_reading(first, zone)} or {_reading(second, zone)}; type the time you mean.",
            code="nonexistent_time",
        )
    raise ValidationError(
        f"{typed} happens twice in {where}: the clocks go back over it. "
        f"It could mean {_reading(first, zone)} or {_reading(second, zone)}; type a time outside that hour, "
        "or change it after saving.",
        code="ambiguous_time",
    )


def local_text(moment: datetime | None, zone, viewer_zone=None, *, with_day: bool = True) -> str:
    """'Tue 3 Mar 14:45', and its zone ('Tue 3 Mar 09:45 EST') where it differs from the reader's."""
    if moment is None:
        return "–"
    local = moment.astimezone(zone)
    text = f"{local:%a} {local.day} {local:%b} {local:%H:%M}" if with_day else f"{local:%H:%M}"
    if viewer_zone is None or zone_name(viewer_zone) != zone_name(zone):
        text = f"{text} {local.tzname()}"
    return text


def as_zone(value) -> ZoneInfo:
    """A ZoneInfo from a ZoneInfo or a name."""
    return value if isinstance(value, ZoneInfo) else ZoneInfo(str(value))


def clock_change_days(zone, year: int) -> list[date]:
    """The days of `year` on which `zone` changes its clocks (for tests and messages)."""
    days, moment = [], datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment.year == year:
        moment += timedelta(hours=1)
        now = moment.astimezone(zone).utcoffset()
        if now != offset:
            days.append(moment.astimezone(zone).date())
            offset = now
    return days
