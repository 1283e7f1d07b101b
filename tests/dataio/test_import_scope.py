"""Generated over every import the console offers: a related row outside the importer's scope is refused
exactly like one that does not exist, in the preview and on confirm, and nothing is written.

For each resource and each column naming a related row, a supervisor of London imports a row naming a
row of Paris (which they cannot see); the Paris row is then deleted and the same file imported again. The
two refusals must read the same, word for word — the preview tells nothing about rows out of scope — and
the refusal must be about that column (the row was read that far).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import tablib
from django.contrib import admin
from django.db import models

from apps.accounts.models import User
from apps.dataio.services import import_dataset
from apps.dataio.widgets import ChoiceWidget, LocalDateTimeWidget, LocalDateWidget, YesNoWidget
from apps.facilities.models import Facility, Location
from apps.scheduling.models import ScheduledEvent, Shift
from apps.tickets.models import IncidentTicket, IncidentType, ServiceTicket
from tests.factories import (
    FacilityFactory,
    IncidentTicketFactory,
    IncidentTypeFactory,
    LocationFactory,
    ScheduledEventFactory,
    ServiceTicketFactory,
    ShiftFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = datetime.now().date() + timedelta(days=30)


def _import_resources():
    found = []
    for model_admin in admin.site._registry.values():
        for resource_class in getattr(model_admin, "resource_classes", None) or ():
            found.append(resource_class)
    return sorted(set(found), key=lambda cls: cls.__qualname__)


def _relation_columns(resource_class):
    """(resource, column) for each imported column whose model field names another row."""
    resource = resource_class()
    model = resource._meta.model
    for column, field in resource.column_fields().items():
        if field.readonly:
            continue
        try:
            model_field = model._meta.get_field(field.attribute.split("__")[0])
        except Exception:
            continue
        if model_field.is_relation:
            yield pytest.param(resource_class, column, id=f"{resource_class.__name__}-{column}")


# Reference data every console user reads whole (no location): nothing to hide, so nothing to probe.
SEEN_BY_EVERYONE = {IncidentType}
SCOPED_MODELS = {Location, Facility, User, IncidentTicket, ServiceTicket, ScheduledEvent, Shift}
CASES = [case for resource_class in _import_resources() for case in _relation_columns(resource_class)]


def test_every_related_column_is_probed_or_reference_data():
    for case in CASES:
        resource_class, column = case.values
        field = resource_class().column_fields()[column]
        target = resource_class._meta.model._meta.get_field(field.attribute.split("__")[0]).related_model
        assert target in SCOPED_MODELS | SEEN_BY_EVERYONE, f"{case.id}: add {target.__name__} to this test"


def _hidden(model, *, paris_site, alex):
    """A row of `model` that the London supervisor cannot see (Paris), named as the row's person would."""
    at = datetime.combine(DAY, time(6), tzinfo=PARIS)
    builders = {
        Location: lambda: LocationFactory(code="PAR-HIDDEN", timezone="Europe/Paris"),
        Facility: lambda: FacilityFactory(location=paris_site.location, code="PAR-HIDDEN"),
        User: lambda: UserFactory(employee_id="E-HIDDEN", home_location=paris_site.location),
        IncidentTicket: lambda: IncidentTicketFactory(facility=paris_site),
        ServiceTicket: lambda: ServiceTicketFactory(facility=paris_site),
        ScheduledEvent: lambda: ScheduledEventFactory(
            facility=paris_site, starts_at=at, ends_at=at + timedelta(hours=2)
        ),
        Shift: lambda: ShiftFactory(user=alex, facility=paris_site, starts_at=at, ends_at=at + timedelta(hours=8)),
    }
    return builders[model]()


def _row(resource, tested_column, hidden, *, visible):
    """A row with a plausible value in every column, the tested column naming `hidden`."""
    row = {}
    for column, field in resource.column_fields().items():
        if field.readonly:
            continue
        widget = field.widget
        if column == tested_column:
            row[column] = (
                widget.render(hidden, obj=None)
                if not isinstance(hidden, Shift)
                else (hidden.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"))
            )
            continue
        model_field = resource._meta.model._meta.get_field(field.attribute.split("__")[0])
        if model_field.is_relation:
            target = model_field.related_model
            row[column] = widget.render(visible[target]) if target in visible else ""
        elif isinstance(widget, ChoiceWidget):
            row[column] = next(iter(widget.labels.values()))
        elif isinstance(widget, LocalDateTimeWidget):
            hour = 14 if column.lower().startswith("end") else 9
            row[column] = f"{DAY.isoformat()} {hour:02d}:00"
        elif isinstance(widget, LocalDateWidget):
            row[column] = (DAY + timedelta(days=1 if "last" in column.lower() else 0)).isoformat()
        elif isinstance(widget, YesNoWidget):
            row[column] = "no"
        elif isinstance(model_field, models.IntegerField):
            row[column] = "60"
        else:
            row[column] = "Scope probe"
    return row


def _run(resource_class, row, user, *, dry_run):
    dataset = tablib.Dataset([*row.values()], headers=list(row))
    return import_dataset(resource_class=resource_class, dataset=dataset, by=user, dry_run=dry_run, reason="Probe")


def _target(resource_class, column):
    field = resource_class().column_fields()[column]
    return resource_class._meta.model._meta.get_field(field.attribute.split("__")[0]).related_model


PROBED = [case for case in CASES if _target(*case.values) in SCOPED_MODELS]


@pytest.mark.parametrize(("resource_class", "column"), PROBED)
def test_an_out_of_scope_row_reads_like_a_missing_one(resource_class, column, supervisor, mcr, alex, london_hq):
    paris_site = FacilityFactory(code="PAR-MCR", location=LocationFactory(code="PAR", timezone="Europe/Paris"))
    resource = resource_class()
    target = _target(resource_class, column)
    hidden = _hidden(target, paris_site=paris_site, alex=alex)
    visible = {Facility: mcr, User: alex, Location: london_hq, IncidentType: IncidentTypeFactory(code="outage")}
    row = _row(resource, column, hidden, visible=visible)
    before = resource._meta.model.objects.count()

    preview = _run(resource_class, row, supervisor, dry_run=True)
    confirm = _run(resource_class, row, supervisor, dry_run=False)
    seen = [str(error) for error in preview.errors]
    assert seen == [str(error) for error in confirm.errors]
    assert any(f", {column}:" in message for message in seen), f"the {column} column was not refused: {seen}"
    assert resource._meta.model.objects.count() == before

    target.objects.filter(pk=hidden.pk).delete()  # now the same key names nothing at all
    missing = _run(resource_class, row, supervisor, dry_run=True)

    assert seen == [str(error) for error in missing.errors]
