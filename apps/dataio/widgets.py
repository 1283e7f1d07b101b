"""Cell readers and writers for spreadsheets: natural keys, choices by label, local dates and times.

Each widget turns one cell into a Python value (`clean`) or a value into a cell (`render`), raising
ValueError with a sentence an administrator can act on. Lookups of related rows are batched: the
resource calls `prefetch()` with every value of the column once, then each row is a dict lookup.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import widgets

from apps.core.localtime import moment_from_local
from apps.core.scope import visible_rows

from .exporting import restore_neutralised

EMPTY = (None, "")

# Day first, as the operation's spreadsheets are written; ISO forms are tried before these.
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%H.%M")
EXCEL_EPOCH = datetime(1899, 12, 30)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def parse_excel_serial(value) -> datetime | None:
    """A number like 46084.25 is how Excel stores 2026-03-03 06:00 when a cell lost its date format."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if not 1 <= value < 2958466:  # Excel's range: 1900-01-01 to 9999-12-31
        return None
    return EXCEL_EPOCH + timedelta(days=float(value))


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    serial = parse_excel_serial(value)
    if serial is not None:
        return serial.date()
    text = _text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a date; write it as 2026-03-31 or 31/03/2026.")


def parse_naive_datetime(value) -> datetime:
    """A wall-clock time (no zone attached yet), or an aware one when the cell carries an offset."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    serial = parse_excel_serial(value)
    if serial is not None:
        return serial.replace(microsecond=0) if serial.microsecond > 999_000 else serial
    text = _text(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    day_part, _, time_part = text.partition(" ")
    if time_part:
        try:
            day = parse_date(day_part)
        except ValueError:
            day = None
        if day is not None:
            for fmt in TIME_FORMATS:
                try:
                    return datetime.combine(day, datetime.strptime(time_part.strip(), fmt).time())
                except ValueError:
                    continue
    raise ValueError(f"“{text}” is not a date and time; write it as 2026-03-31 06:00 or 31/03/2026 06:00.")


class ChoiceWidget(widgets.Widget):
    """A TextChoices cell: accepts the stored value or the label, in any case; writes the label."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.labels = {str(value): str(label) for value, label in choices}
        self.lookup = {}
        for value, label in self.labels.items():
            self.lookup[value.casefold()] = value
            self.lookup[label.casefold()] = value

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None
        try:
            return self.lookup[text.casefold()]
        except KeyError:
            accepted = ", ".join(self.labels.values())
            raise ValueError(f"“{text}” is not one of: {accepted}.") from None

    def render(self, value, obj=None, **kwargs):
        return self.labels.get(value, "" if value is None else str(value))


class TextWidget(widgets.CharWidget):
    """Text cells: stripped; an empty cell is an empty string (the models' text fields are not nullable)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a code typed as 1001 in a spreadsheet arrives as 1001.0
        # our exports quote text a spreadsheet would run as a formula ("'=1+1"): read back as written
        return restore_neutralised(_text(value))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(widgets.Widget):
    TRUE = frozenset({"yes", "y", "true", "1", "x", "on"})
    FALSE = frozenset({"no", "n", "false", "0", "off"})

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _text(value).casefold()
        if text in self.TRUE:
            return True
        if text == "":
            return None  # an empty cell changes nothing (a new row keeps the field's default)
        if text in self.FALSE:
            return False
        raise ValueError(f"“{_text(value)}” is not yes or no.")

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class LocalDateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in EMPTY or _text(value) == "":
            return None
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class LocalDateTimeWidget(widgets.Widget):
    """Date and time read in the time zone of the row's location (`zone` passed by the resource).

    A cell with an explicit offset (2026-03-03T06:00:00+01:00) is taken as written. Written back as
    the location's wall-clock time, so an exported file re-imports to the same instants.
    """

    renders_with_object = True  # apps.dataio.exporting hands it the object being exported

    def __init__(self, zone_of: Callable[[object], ZoneInfo | None] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.zone_of = zone_of  # exporting: the object's zone

    def clean(self, value, row=None, zone: ZoneInfo | None = None, **kwargs):
        if type(value) is str:  # the common case first: a text cell in ISO form
            value = value.strip()
            if not value:
                return None
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = parse_naive_datetime(value)
        elif value is None:
            return None
        else:
            moment = parse_naive_datetime(value)
        if timezone.is_aware(moment):
            return moment
        try:  # a time a clock change skips or repeats is refused with its readings, never guessed
            return moment_from_local(moment, zone or timezone.get_current_timezone())
        except ValidationError as refused:
            raise ValueError(refused.messages[0]) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        zone = (self.zone_of(obj) if self.zone_of and obj is not None else None) or timezone.get_current_timezone()
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A related row named by its natural key (a code, an employee ID), matched without regard to case.

    `prefetch(values)` loads every row the column names in one query; later cells are dict lookups.
    A value not prefetched (or a widget used without prefetch) falls back to one query.

    Bound to the importing person (`scope_to`), it finds only the rows their selector shows them: a row
    outside their locations reads "No facility with code …", exactly like one that does not exist, so
    an import can neither name it nor tell it exists.
    """

    def __init__(self, model, field: str, *, noun: str, select_related: Iterable[str] = (), **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.noun = noun
        self.select_related = tuple(select_related)
        self._cache: dict[str, object] = {}
        self._scoped_to = None
        self._scoped = False

    def scope_to(self, user) -> None:
        """Look up only what `user` may see from now on (the import's rows); forgets earlier lookups."""
        self._scoped_to, self._scoped, self._cache = user, True, {}

    def queryset(self):
        queryset = self.model._default_manager.all()
        if self._scoped:
            queryset = visible_rows(queryset, user=self._scoped_to)
        return queryset.select_related(*self.select_related) if self.select_related else queryset

    def prefetch(self, values: Iterable) -> None:
        wanted = {_text(value) for value in values} - {""}
        missing = [value for value in wanted if value.casefold() not in self._cache]
        for start in range(0, len(missing), 5000):
            chunk = missing[start : start + 5000]
            for obj in self.queryset().filter(**{f"{self.field}__in": chunk}):
                self._cache[str(getattr(obj, self.field)).casefold()] = obj
            # codes differing only in case from the file's spelling
            unmatched = [value for value in chunk if value.casefold() not in self._cache]
            if unmatched:
                from django.db.models import Q

                condition = Q()
                for value in unmatched[:200]:
                    condition |= Q(**{f"{self.field}__iexact": value})
                for obj in self.queryset().filter(condition):
                    self._cache[str(getattr(obj, self.field)).casefold()] = obj

    def clean(self, value, row=None, **kwargs):
        if type(value) is str:
            text = value.strip()
        else:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            text = _text(value)
        if not text:
            return None
        key = text.casefold()
        found = self._cache.get(key)
        if found is None:
            found = self.queryset().filter(**{f"{self.field}__iexact": text}).first()
            if found is None:
                raise ValueError(f"No {self.noun} with {self.field.replace('_', ' ')} “{text}”.")
            self._cache[key] = found
        return found

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(getattr(value, self.field))
