"""Spreadsheets of time entries: keyed by person, day, activity and the linked item; the timesheets rules.

The model's natural key is (employee ID, work date, activity), but one person may log the same activity twice
on a day against different items (two incidents), as the database's unique line has it. So the linked item's
columns (Shift, Incident, Service Ticket) are part of the key when the file has them; without them a row
matches the one entry of that person, day and activity, and is refused when there are several.

Every related column finds only what the importing person may see: a person, shift, incident or service
ticket outside their scope reads exactly as one that does not exist. The Status column may say what an
entry's status is, not change it: entries are approved or rejected from the console (a review needs a
reviewer, never the entry's own person); a reviewed entry keeps what was reviewed.
"""

from contextlib import suppress
from datetime import UTC, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields, widgets

from apps.accounts.resources import person_widget
from apps.core.scope import visible_rows
from apps.dataio.resources import PortalResource
from apps.dataio.widgets import ChoiceWidget, LocalDateWidget, NaturalKeyWidget, TextWidget, parse_naive_datetime
from apps.scheduling.models import Shift
from apps.scheduling.resources import StatusRefusedMixin
from apps.scheduling.services import day_label, people_lock, person_name
from apps.tickets.models import IncidentTicket, ServiceTicket
from apps.tickets.resources import WholeNumberWidget

from .choices import Activity, TimeEntryStatus
from .models import TimeEntry
from .services import time_entry_change_check, time_entry_validate

LINKS = ("shift", "incident", "service_ticket")
LOCAL_MINUTE = "%Y-%m-%d %H:%M"


def _local_start(shift: Shift) -> str:
    return shift.starts_at.astimezone(shift.facility.location.timezone).strftime(LOCAL_MINUTE)


class ShiftStartWidget(widgets.Widget):
    """A shift of the row's person, named by its local start (in the time zone of the shift's facility).

    `prefetch(people, moments)` loads the people's shifts around the file's moments in one query; a cell
    with an offset (2026-07-01T06:00+01:00) is matched as the instant it names. Bound to the importing person
    (`scope_to`), it finds only the shifts they may see: another is "no shift starting at …", as a missing one.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._by_local: dict[tuple[int, str], Shift] = {}
        self._loaded: set[int] = set()
        self._scoped_to, self._scoped = None, False

    def scope_to(self, user) -> None:
        """Find only shifts `user` may see: one outside their scope reads as no shift at all."""
        self._scoped_to, self._scoped = user, True
        self._by_local, self._loaded = {}, set()

    def _queryset(self):
        queryset = Shift.objects.select_related("facility__location", "user")
        return visible_rows(queryset, user=self._scoped_to) if self._scoped else queryset

    def prefetch(self, user_ids, moments) -> None:
        if not user_ids or not moments:
            return
        # wall-clock times of unknown zones: two days either side cover every zone
        naive = [moment.replace(tzinfo=None) for moment in moments]
        start, end = (
            (min(naive) - timedelta(days=2)).replace(tzinfo=UTC),
            (max(naive) + timedelta(days=2)).replace(tzinfo=UTC),
        )
        for shift in self._queryset().filter(user_id__in=user_ids, starts_at__range=(start, end)):
            self._by_local[shift.user_id, _local_start(shift)] = shift
        self._loaded |= set(user_ids)

    def clean(self, value, row=None, person=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text or person is None:
            return None
        moment = parse_naive_datetime(value)
        if moment.tzinfo is not None:
            shift = self._queryset().filter(user_id=person.pk, starts_at=moment).first()
        else:
            key = (person.pk, moment.strftime(LOCAL_MINUTE))
            shift = self._by_local.get(key)
            if shift is None and person.pk not in self._loaded:
                self.prefetch({person.pk}, [moment])
                shift = self._by_local.get(key)
        if shift is None:
            raise ValueError(f"{person_name(person)} has no shift starting at {text}.")
        return shift

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else _local_start(value)


class TimeEntryResource(StatusRefusedMixin, PortalResource):
    """One row per time entry. People may import their own entries; others' only where they cover the person."""

    status_refusal = (
        "An import does not change the status of time entries: approve or reject them with the actions of "
        "Timesheets → Time entries."
    )

    employee = fields.Field(attribute="user", column_name="Employee ID", widget=person_widget())
    work_date = fields.Field(attribute="work_date", column_name="Work Date", widget=LocalDateWidget())
    activity = fields.Field(attribute="activity", column_name="Activity", widget=ChoiceWidget(Activity.choices))
    minutes = fields.Field(attribute="minutes", column_name="Minutes", widget=WholeNumberWidget())
    shift = fields.Field(attribute="shift", column_name="Shift", widget=ShiftStartWidget())
    incident = fields.Field(
        attribute="incident",
        column_name="Incident",
        widget=NaturalKeyWidget(IncidentTicket, "reference", noun="incident"),
    )
    service_ticket = fields.Field(
        attribute="service_ticket",
        column_name="Service Ticket",
        widget=NaturalKeyWidget(ServiceTicket, "reference", noun="service ticket"),
    )
    notes = fields.Field(attribute="notes", column_name="Notes", widget=TextWidget())
    status = fields.Field(attribute="status", column_name="Status", widget=ChoiceWidget(TimeEntryStatus.choices))

    scope_location_path = "user__home_location"
    scope_field = "user"
    scope_owner_attname = "user_id"
    batch_checks_uniqueness = True  # the unique line by the index; minutes by time_entry_validate

    class Meta(PortalResource.Meta):
        model = TimeEntry
        name = "Time entries"
        import_id_fields = ("employee", "work_date", "activity")
        fields = (
            "employee",
            "work_date",
            "activity",
            "minutes",
            "shift",
            "incident",
            "service_ticket",
            "notes",
            "status",
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._person_row = None
        self._person = None
        self._by_day: dict[tuple, list[TimeEntry]] = {}
        self._accepted: dict[int, list[TimeEntry]] = {}

    def get_queryset(self):
        return TimeEntry.objects.select_related("user__home_location")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("user", "shift__facility__location", "incident", "service_ticket")

    def cell_context(self, instance, row):
        """The row's person, for the Shift column (a shift is named by its start among the person's)."""
        if self._person_row is not row:
            self._person_row, self._person = row, self._clean_or_none(self.fields["employee"], row)
        return {"person": self._person}

    # --- the key: person, day, activity, and the linked item where the file names it --------------------------

    def _day_key(self, row) -> tuple:
        key = []
        for name in ("employee", "work_date", "activity"):
            value = self._clean_cell(self.fields[name], row)
            if value in (None, ""):
                field = self.fields[name]
                raise ValidationError({field.attribute: f"“{field.column_name}” is empty; every row needs it."})
            key.append(value)
        person, work_date, activity = key
        return (person.pk, work_date, activity)

    def _links(self, row) -> dict[str, int | None]:
        """The linked items the row's columns name (ids by attname); a column the file lacks is left out."""
        links = {}
        for name in LINKS:
            field = self.fields[name]
            if field.column_name in self._columns:
                # an unreadable cell counts as empty here; reading the row reports it with the others
                item = self._clean_or_none(field, row, **self.cell_context(None, row))
                links[f"{name}_id"] = item.pk if item is not None else None
        return links

    def row_key(self, row):
        day_key = self._day_key(row)
        links = self._links(row)
        matching = [
            entry
            for entry in self._by_day.get(day_key, ())
            if all(getattr(entry, attname) == value for attname, value in links.items())
        ]
        if len(matching) > 1:
            person, work_date, activity = matching[0].user, day_key[1], Activity(day_key[2]).label
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: f"{person_name(person)} has {len(matching)} “{activity}” entries on "
                    f"{day_label(work_date)} {work_date.year}; add the Shift, Incident and Service Ticket columns "
                    f"to say which one this row is."
                }
            )
        if matching:
            return self.instance_key(matching[0])
        return (*day_key, *(links.get(f"{name}_id") for name in LINKS))

    def instance_key(self, obj):
        return (obj.user_id, obj.work_date, obj.activity, obj.shift_id, obj.incident_id, obj.service_ticket_id)

    def existing_index(self, dataset):
        user_ids, days, moments = set(), set(), []
        for values in dataset:
            row = dict(zip(dataset.headers, values, strict=False))
            try:
                user_id, work_date, _activity = self._day_key(row)
            except ValidationError:
                continue
            user_ids.add(user_id)
            days.add(work_date)
            if "Shift" in self._columns and row["Shift"] not in (None, ""):
                with suppress(ValueError):  # the row's own error is reported when it is read
                    moments.append(parse_naive_datetime(row["Shift"]))
        self.fields["shift"].widget.prefetch(user_ids, moments)  # scoped to the importer by the base resource
        self._by_day = {}
        if not user_ids:
            return {}
        people_lock(user_ids)  # as time_entry_create does: the day total has no database constraint
        entries = self.import_queryset().filter(user_id__in=user_ids, work_date__in=days)
        for entry in entries:
            self._by_day.setdefault((entry.user_id, entry.work_date, entry.activity), []).append(entry)
        return {self.instance_key(entry): entry for entry in entries}

    def prepare_rules(self, dataset):
        self._accepted = {}

    def validate_rules(self, instance):
        if instance.pk is not None:
            stored = TimeEntry(status=self.status_before(instance))
            time_entry_change_check(time_entry=stored, changed=self.changed_fields(instance))
        accepted = self._accepted.setdefault(instance.user_id, [])
        time_entry_validate(time_entry=instance, pending=accepted)
        accepted.append(instance)
