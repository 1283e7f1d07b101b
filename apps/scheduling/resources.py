"""Spreadsheets of shifts, scheduled events and time off: natural keys, local times, the services' rules.

Rows are matched, and related rows named, only among what the importing person may see (apps.dataio).
The Status column follows the workflows (apps.scheduling.steps):
- shifts and events: a changed status runs its step — publish, cancel, restore; confirm, cancel, restore —
  with the step's rules, and a move no step makes is refused with the step's sentence; shifts published by
  an import are e-mailed to their people once the import commits, as the Publish action does;
- time off: the column may not change a status (a review needs a reviewer's judgement per request): the row
  is refused, saying where to approve, deny or cancel; a reviewed request keeps its person, kind and days.
"""

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch, Q
from import_export import fields, widgets

from apps.accounts.models import User
from apps.core.actors import is_system
from apps.core.scope import sees_everything
from apps.dataio.resources import PortalResource
from apps.dataio.widgets import (
    ChoiceWidget,
    LocalDateTimeWidget,
    LocalDateWidget,
    NaturalKeyWidget,
    TextWidget,
    parse_naive_datetime,
)
from apps.facilities.models import Facility

from .choices import EventKind, EventStatus, ShiftStatus, TimeOffKind, TimeOffStatus
from .models import ScheduledEvent, Shift, TimeOffRequest
from .notifications import shifts_published_notify
from .services import (
    ShiftRuleBook,
    people_lock,
    scheduled_event_validate,
    time_off_request_change_check,
    time_off_request_validate,
)
from .steps import EVENT_STEPS, SHIFT_STEPS, step_named, step_to

SHIFT_START_TAKEN = next(
    constraint.violation_error_message
    for constraint in Shift._meta.constraints
    if constraint.name == "shift_unique_user_start"
)
PUBLISH = step_named(SHIFT_STEPS, "publish")


def _zone_of_facility(obj):
    return obj.facility.location.timezone


def person_widget() -> NaturalKeyWidget:
    return NaturalKeyWidget(User, "employee_id", noun="person", select_related=("home_location",))


def facility_widget() -> NaturalKeyWidget:
    return NaturalKeyWidget(Facility, "code", noun="facility", select_related=("location",))


# --- the Status column -----------------------------------------------------------------------------------------


class StatusColumnMixin:
    """The Status column through the workflow: `status_check(instance, before)` is called for a row whose
    status the file changes (`before`: the stored status, or the default of a new row), before the row's
    other checks, and raises a ValidationError keyed "status" to refuse it."""

    def status_before(self, instance) -> str:
        snapshot = instance._import_snapshot
        return snapshot["status"] if snapshot is not None else self._meta.model._meta.get_field("status").default

    def status_check(self, instance, before: str) -> None:
        raise NotImplementedError

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        instance._import_step = None
        before = self.status_before(instance)
        if "status" not in errors and instance.status != before:
            try:
                self.status_check(instance, before)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)

    def changed_fields(self, instance) -> set[str]:
        """The model fields the row changes (names, not attnames)."""
        if instance._import_snapshot is None:
            return set()
        changed = set(self.changed_attnames(instance))
        return {field.name for field in self._meta.model._meta.concrete_fields if field.attname in changed}


class StatusStepsMixin(StatusColumnMixin):
    """A changed status runs the step that makes it (`status_steps`), or is refused with the step's sentence."""

    status_steps = ()
    status_choices = None

    def status_check(self, instance, before: str) -> None:
        try:
            instance._import_step = step_to(
                self.status_steps, current=before, target=instance.status, choices=self.status_choices
            )
        except ValidationError as exc:
            raise ValidationError({"status": exc.messages}) from None


class StatusRefusedMixin(StatusColumnMixin):
    """A changed status is refused, saying where the step is taken (`status_refusal`)."""

    status_refusal = ""

    def status_check(self, instance, before: str) -> None:
        raise ValidationError({"status": ValidationError(self.status_refusal, code="status_by_import")})


# --- shifts --------------------------------------------------------------------------------------------------------


class ShiftResource(StatusStepsMixin, PortalResource):
    """One row per shift, keyed by the person's employee ID and the local start time."""

    employee = fields.Field(attribute="user", column_name="Employee ID", widget=person_widget())
    facility = fields.Field(attribute="facility", column_name="Facility", widget=facility_widget())
    position = fields.Field(attribute="position", column_name="Position", widget=TextWidget())
    starts_at = fields.Field(
        attribute="starts_at", column_name="Starts", widget=LocalDateTimeWidget(zone_of=_zone_of_facility)
    )
    ends_at = fields.Field(
        attribute="ends_at", column_name="Ends", widget=LocalDateTimeWidget(zone_of=_zone_of_facility)
    )
    status = fields.Field(attribute="status", column_name="Status", widget=ChoiceWidget(ShiftStatus.choices))
    notes = fields.Field(attribute="notes", column_name="Notes", widget=TextWidget())

    scope_location_path = "facility__location"
    scope_field = "facility"
    batch_checks_uniqueness = True
    status_steps, status_choices = SHIFT_STEPS, ShiftStatus

    class Meta(PortalResource.Meta):
        model = Shift
        name = "Shifts"
        import_id_fields = ("employee", "starts_at")
        fields = ("employee", "facility", "position", "starts_at", "ends_at", "status", "notes")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._rules: ShiftRuleBook | None = None
        self._zone_row = None
        self._zone = None
        self._starts_taken: dict[tuple, Shift] = {}
        self._published: list[Shift] = []

    def get_queryset(self):
        return Shift.objects.select_related("user", "facility__location")

    def filter_export(self, queryset, **kwargs):
        # Only the columns the file shows, and the people and facilities read once per chunk of rows and shared
        # (prefetched): a join would build a person, a facility and a location object for each of 100,000 rows.
        return (
            queryset.select_related(None)
            .only("user_id", "facility_id", "position", "starts_at", "ends_at", "status", "notes")
            .prefetch_related(
                Prefetch("user", queryset=User.objects.only("employee_id")),
                Prefetch(
                    "facility",
                    queryset=Facility.objects.only("code", "location__timezone").select_related("location"),
                ),
            )
        )

    # --- the row's time zone: its facility's location, else the person's home location ----------------

    def row_zone(self, instance, row):
        if self._zone_row is row:
            return self._zone
        facility = None
        if "Facility" in self._columns:
            facility = self._clean_or_none(self.fields["facility"], row)
        if facility is None and instance is not None and instance.facility_id is not None:
            facility = instance.facility
        if facility is not None:
            zone = facility.location.timezone
        else:
            person = self._clean_or_none(self.fields["employee"], row)
            zone = person.home_location.timezone if person is not None and person.home_location else None
        self._zone_row, self._zone = row, zone
        return zone

    def cell_context(self, instance, row):
        return {"zone": self.row_zone(instance, row)}

    # --- natural key and batched lookups ----------------------------------------------------------------

    def row_key(self, row):
        person = self._clean_cell(self.fields["employee"], row)
        if person is None:
            raise self._empty("employee")
        starts_at = self._clean_cell(self.fields["starts_at"], row, zone=self.row_zone(None, row))
        if starts_at is None:
            raise self._empty("starts_at")
        return (person.pk, starts_at)

    def _empty(self, name):
        from django.core.exceptions import ValidationError

        field = self.fields[name]
        return ValidationError({field.attribute: f"“{field.column_name}” is empty; every row needs it."})

    def instance_key(self, obj):
        return (obj.user_id, obj.starts_at)

    def _period(self, dataset):
        """The file's span, read loosely (zones unknown yet): a day's margin either side covers them all."""
        moments = []
        for column in ("Starts", "Ends"):
            if column in self._columns:
                for value in dataset[column]:
                    try:
                        moment = parse_naive_datetime(value)
                    except (ValueError, TypeError):
                        continue
                    moments.append(moment.replace(tzinfo=None))
        if not moments:
            return None
        from datetime import UTC

        return (min(moments) - timedelta(days=2)).replace(tzinfo=UTC), (max(moments) + timedelta(days=2)).replace(
            tzinfo=UTC
        )

    def existing_index(self, dataset):
        """The shifts the file may name: the importer's visible shifts of its people. The rules need more: every
        shift of those people around the file's dates, wherever it is (a person cannot work two places at once),
        read here once, after locking the people so no other shift write for them runs meanwhile."""
        widget = self.fields["employee"].widget
        people = {person.pk: person for person in widget._cache.values()}
        user_ids = set(people)
        period = self._period(dataset)
        self._user_ids, self._window = user_ids, period
        self._starts_taken, self._published = {}, []
        if not user_ids or period is None:
            self._loaded = []
            return {}
        people_lock(user_ids)
        # every shift of these people that could be named by the file or clash with it, cancelled included;
        # read without joins (100,000 rows): the people and facilities come from the lookups already made
        around = Q(user_id__in=user_ids) & (
            Q(starts_at__gte=period[0], starts_at__lte=period[1]) | Q(starts_at__lt=period[1], ends_at__gt=period[0])
        )
        loaded = list(Shift.objects.filter(around))
        facilities = {facility.pk: facility for facility in self.fields["facility"].widget._cache.values()}
        unknown = {shift.facility_id for shift in loaded} - set(facilities)
        facilities.update(Facility.objects.select_related("location").in_bulk(unknown))
        for shift in loaded:
            Shift.user.field.set_cached_value(shift, people[shift.user_id])
            Shift.facility.field.set_cached_value(shift, facilities[shift.facility_id])
        self._loaded = loaded
        self._starts_taken = {(shift.user_id, shift.starts_at): shift for shift in loaded}
        if is_system(self.user) or sees_everything(self.user):
            matchable = loaded
        else:  # a shift the importer cannot see is not theirs to update: its key reads as a new row
            visible = set(self.import_queryset().filter(around).values_list("pk", flat=True))
            matchable = [shift for shift in loaded if shift.pk in visible]
        return {self.instance_key(shift): shift for shift in matchable}

    def prepare_rules(self, dataset):
        if not self._user_ids or self._window is None:
            self._rules = ShiftRuleBook(viewer=self.user)
            return
        self._rules = ShiftRuleBook.with_shifts(
            self._loaded, user_ids=self._user_ids, period=self._window, viewer=self.user
        )
        self._loaded = []

    def validate_rules(self, instance):
        self._rules.check(instance)
        taken = self._starts_taken.get((instance.user_id, instance.starts_at))
        if taken is not None and taken.pk != instance.pk:
            # a shift of this person starting then that the importer cannot see, or a cancelled one: the form's
            # full_clean() says this (the unique constraint's message), and so does the import
            raise ValidationError({"starts_at": ValidationError(SHIFT_START_TAKEN, code="shift_unique_user_start")})
        self._rules.add(instance)
        if instance._import_step is PUBLISH:
            self._published.append(instance)

    def after_import(self, dataset, result, **kwargs):
        """Shifts the file published: each person is e-mailed once with theirs, as by the Publish action (the
        message is queued in the import's transaction and sent once it commits)."""
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors() or not self._published:
            return
        by_person: dict[int, list[Shift]] = defaultdict(list)
        for shift in self._published:
            by_person[shift.user_id].append(shift)
        batch = uuid.uuid4().hex
        for shifts in by_person.values():
            shifts_published_notify(person=shifts[0].user, shifts=shifts, batch=batch, by=self.user)
        self._published = []


# --- scheduled events ----------------------------------------------------------------------------------------


def _empty_key(field) -> ValidationError:
    return ValidationError({field.attribute: f"“{field.column_name}” is empty; every row needs it."})


class CrewWidget(widgets.Widget):
    """A crew: employee IDs separated by ";" (or ","), in any case; written sorted, "E10001; E10002"."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.people = person_widget()

    def scope_to(self, user) -> None:
        """Find only the people `user` may see: anyone else reads as an unknown employee ID."""
        self.people.scope_to(user)

    @staticmethod
    def employee_ids(value) -> list[str]:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else str(value)
        return [part.strip() for part in re.split(r"[;,\n]", text) if part.strip()]

    def prefetch(self, values: Iterable) -> None:
        self.people.prefetch(employee_id for value in values for employee_id in self.employee_ids(value))

    def clean(self, value, row=None, **kwargs):
        crew, unknown = {}, []
        for employee_id in self.employee_ids(value):
            try:
                person = self.people.clean(employee_id)
            except ValueError:
                unknown.append(f"“{employee_id}”")
                continue
            crew[person.pk] = person
        if unknown:
            raise ValueError(f"No person with employee ID {', '.join(unknown)}.")
        return list(crew.values())

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        people = value.all() if hasattr(value, "all") else value
        return "; ".join(sorted(person.employee_id for person in people))


def _crews_write(events: list[ScheduledEvent]) -> None:
    """Give the events the crews the file changed, and snapshot each event's crew on its new history row.

    simple-history's bulk history rows carry no many-to-many snapshot: without one, the History page would
    read every written event's crew as removed. The through rows are written without m2m signals, so no
    second history row per event. A few queries in all, whatever the number of events.
    """
    through = ScheduledEvent.crew.through
    changed = {event.pk: event._crew_after for event in events if getattr(event, "_crew_after", None) is not None}
    if changed:
        through.objects.filter(scheduledevent_id__in=list(changed)).delete()
        through.objects.bulk_create(
            through(scheduledevent_id=event_id, user_id=user_id)
            for event_id, crew in changed.items()
            for user_id in crew
        )
    history = ScheduledEvent.history.model
    (crew_field,) = history._history_m2m_fields
    crew_history = getattr(history, crew_field.name).model
    event_ids = [event.pk for event in events]
    latest = dict(
        history.objects.filter(id__in=event_ids)
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("id", "latest")
    )
    members = through.objects.filter(scheduledevent_id__in=event_ids)
    crew_history.objects.bulk_create(
        crew_history(id=member.pk, scheduledevent_id=event_id, user_id=member.user_id, history_id=latest[event_id])
        for member in members
        if (event_id := member.scheduledevent_id) in latest
    )


class ScheduledEventResource(StatusStepsMixin, PortalResource):
    """One row per event, keyed by facility, local start and title; the crew as employee IDs."""

    facility = fields.Field(attribute="facility", column_name="Facility", widget=facility_widget())
    starts_at = fields.Field(
        attribute="starts_at", column_name="Starts", widget=LocalDateTimeWidget(zone_of=_zone_of_facility)
    )
    title = fields.Field(attribute="title", column_name="Title", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="Kind", widget=ChoiceWidget(EventKind.choices))
    ends_at = fields.Field(
        attribute="ends_at", column_name="Ends", widget=LocalDateTimeWidget(zone_of=_zone_of_facility)
    )
    status = fields.Field(attribute="status", column_name="Status", widget=ChoiceWidget(EventStatus.choices))
    # read by the resource itself (see import_instance): the bulk writes skip many-to-many fields
    crew = fields.Field(attribute="crew", column_name="Crew", widget=CrewWidget(), readonly=True)

    scope_location_path = "facility__location"
    scope_field = "facility"
    batch_checks_uniqueness = True  # the key by the index; the overlap by scheduled_event_validate
    status_steps, status_choices = EVENT_STEPS, EventStatus

    class Meta(PortalResource.Meta):
        model = ScheduledEvent
        name = "Scheduled events"
        import_id_fields = ("facility", "starts_at", "title")
        fields = ("facility", "starts_at", "title", "kind", "ends_at", "status", "crew")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._zone_row = None
        self._zone = None
        self._accepted: list[ScheduledEvent] = []

    def get_queryset(self):
        return ScheduledEvent.objects.select_related("facility__location").prefetch_related("crew")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("facility__location").prefetch_related("crew")

    def cell_context(self, instance, row):
        """Times are read in the time zone of the row's facility."""
        if self._zone_row is not row:
            facility = self._clean_or_none(self.fields["facility"], row)
            if facility is None and instance is not None and instance.facility_id is not None:
                facility = instance.facility
            self._zone_row, self._zone = row, facility.location.timezone if facility is not None else None
        return {"zone": self._zone}

    def row_key(self, row):
        facility = self._clean_cell(self.fields["facility"], row)
        if facility is None:
            raise _empty_key(self.fields["facility"])
        starts_at = self._clean_cell(self.fields["starts_at"], row, **self.cell_context(None, row))
        if starts_at is None:
            raise _empty_key(self.fields["starts_at"])
        title = self._clean_cell(self.fields["title"], row)
        if not title:
            raise _empty_key(self.fields["title"])
        return (facility.pk, starts_at, title)

    def instance_key(self, obj):
        return (obj.facility_id, obj.starts_at, obj.title)

    def existing_index(self, dataset):
        facility_ids, starts = set(), set()
        for values in dataset:
            row = dict(zip(dataset.headers, values, strict=False))
            try:
                facility_id, starts_at, _title = self.row_key(row)
            except ValidationError:
                continue
            facility_ids.add(facility_id)
            starts.add(starts_at)
        if not facility_ids:
            return {}
        events = self.import_queryset().filter(facility_id__in=facility_ids, starts_at__in=starts)
        return {self.instance_key(event): event for event in events}

    def prepare_rules(self, dataset):
        self._accepted = []
        # the base resource has scoped the crew's lookups to the importer (CrewWidget.scope_to): someone outside
        # their scope reads as an unknown employee ID, as the form's choices leave them out
        if "Crew" in self._columns:
            self.fields["crew"].widget.prefetch(dataset["Crew"])

    # --- the crew: read with the row, compared for the skip decision, written after the events --------------

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "Crew" in self._columns:
            try:
                instance._import_crew = self.fields["crew"].widget.clean(row["Crew"])
            except ValueError as exc:
                errors["crew"] = [ValidationError(str(exc), code="invalid")]
        if errors:
            raise ValidationError(errors)

    def _crew_after(self, instance) -> list[int] | None:
        """The crew's ids when the row changes it, else None."""
        crew = getattr(instance, "_import_crew", None)
        if crew is None:
            return None
        before = set() if instance.pk is None else {person.pk for person in instance.crew.all()}
        after = [person.pk for person in crew]
        return after if set(after) != before else None

    def changed_attnames(self, instance):
        changed = super().changed_attnames(instance)
        return [*changed, "crew"] if self._crew_after(instance) is not None else changed

    def validate_rules(self, instance):
        scheduled_event_validate(event=instance, pending=self._accepted)
        instance._crew_after = self._crew_after(instance)
        self._accepted.append(instance)  # every row that passes is written

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors() or not self._accepted:
            return  # a preview, or an import rolled back
        _crews_write(self._accepted)


# --- time off ----------------------------------------------------------------------------------------------------


class TimeOffRequestResource(StatusRefusedMixin, PortalResource):
    """One row per request, keyed by the person's employee ID, the kind of time off and its first day.

    People may import their own requests whatever their location; others' only where they cover it.
    The Status column may say what a request's status is, not change it (see the module's docstring).
    """

    status_refusal = (
        "An import does not change the status of time off: approve, deny or cancel requests with the actions "
        "of Scheduling → Time off requests, or on a request's own page."
    )

    employee = fields.Field(attribute="user", column_name="Employee ID", widget=person_widget())
    kind = fields.Field(attribute="kind", column_name="Kind", widget=ChoiceWidget(TimeOffKind.choices))
    starts_on = fields.Field(attribute="starts_on", column_name="First Day", widget=LocalDateWidget())
    ends_on = fields.Field(attribute="ends_on", column_name="Last Day", widget=LocalDateWidget())
    reason = fields.Field(attribute="reason", column_name="Reason", widget=TextWidget())
    status = fields.Field(attribute="status", column_name="Status", widget=ChoiceWidget(TimeOffStatus.choices))

    scope_location_path = "user__home_location"
    scope_field = "user"
    scope_owner_attname = "user_id"
    batch_checks_uniqueness = True  # the key by the index; the overlap by time_off_request_validate

    class Meta(PortalResource.Meta):
        model = TimeOffRequest
        name = "Time off requests"
        import_id_fields = ("employee", "kind", "starts_on")
        fields = ("employee", "kind", "starts_on", "ends_on", "reason", "status")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._accepted: dict[int, list[TimeOffRequest]] = {}

    def get_queryset(self):
        return TimeOffRequest.objects.select_related("user__home_location")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("user")

    def row_key(self, row):
        key = []
        for name in ("employee", "kind", "starts_on"):
            value = self._clean_cell(self.fields[name], row)
            if value in (None, ""):
                raise _empty_key(self.fields[name])
            key.append(value)
        person, kind, starts_on = key
        return (person.pk, kind, starts_on)

    def instance_key(self, obj):
        return (obj.user_id, obj.kind, obj.starts_on)

    def existing_index(self, dataset):
        user_ids, days = set(), set()
        for values in dataset:
            try:
                user_id, _kind, starts_on = self.row_key(dict(zip(dataset.headers, values, strict=False)))
            except ValidationError:
                continue
            user_ids.add(user_id)
            days.add(starts_on)
        if not user_ids:
            return {}
        people_lock(user_ids)  # as time_off_request_create does: the overlap rule has no database constraint
        requests = self.import_queryset().filter(user_id__in=user_ids, starts_on__in=days)
        return {self.instance_key(request): request for request in requests}

    def prepare_rules(self, dataset):
        self._accepted = {}

    def validate_rules(self, instance):
        if instance.pk is not None:
            before = self.status_before(instance)
            stored = TimeOffRequest(status=before)
            time_off_request_change_check(time_off_request=stored, changed=self.changed_fields(instance))
        accepted = self._accepted.setdefault(instance.user_id, [])
        time_off_request_validate(time_off_request=instance, pending=accepted)
        accepted.append(instance)
