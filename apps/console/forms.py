"""Admin plumbing shared by every app whose writes go through services.

- `ServiceAdminMixin` + `ServiceValidatedForm`: the form validates by a dry run of the service that
  will save it (so a broken rule shows next to its field and nothing is written), `save_model()` calls
  the same service for real, and a rule that still fails at save time (a concurrent save won the race,
  PostgreSQL's constraint refused the row) re-renders the form with the message instead of a 500.
- `LocalRangeDateTimeFilter` / `LocalRangeDateFilter`: unfold's range filters, reading what was
  typed as local time in the portal's time zone (aware, both ends inclusive).
"""

import copy
from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.text import capfirst
from unfold.contrib.filters.admin import RangeDateFilter, RangeDateTimeFilter
from unfold.contrib.filters.forms import RangeDateTimeForm
from unfold.utils import parse_date_str, parse_datetime_str

from apps.core.saving import instance_validate

# --- forms and admins that validate and save through the services ------------------------------------


class ServiceValidatedForm(forms.ModelForm):
    """A model form whose model validation is a dry run of the service that will save it.

    Django's own `_post_clean` (copy the data onto the instance, `full_clean()`) is replaced: the
    service checks the object with every rule it has, and writes nothing.
    """

    # bound per request by ServiceAdminMixin.get_form: (form, *, dry_run) -> the object
    run_service = None
    rejected_at_save: ValidationError | None = None  # the same POST failed at save (see ServiceAdminMixin)

    def _post_clean(self):
        if self._errors:
            return  # fields failed their own cleaning; the service would only repeat it
        try:
            self.run_service(self, dry_run=True)
        except ValidationError as error:
            self.add_service_error(error)
        else:
            if self.rejected_at_save is not None:
                self.add_service_error(self.rejected_at_save)

    def check_unsaved_copy(self, validate: Callable[[models.Model], None]) -> None:
        """A dry run for services with a separate `<entity>_validate(instance)`.

        Runs it, then `full_clean()`, on a copy of the instance carrying the cleaned data, exactly as
        the saving service will (`apps.core.saving.instance_validate`); the form's instance is untouched.
        """
        candidate = construct_instance(self, copy.copy(self.instance), self._meta.fields, self._meta.exclude)
        instance_validate(instance=candidate, validate=partial(validate, candidate))

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            if field in self.fields:
                self.add_error(field, errors)
                continue
            # a read-only or derived field: say which one at the top of the form
            label = self._field_label(field)
            self.add_error(None, [f"{label}{message}" for item in errors for message in item.messages])

    def _field_label(self, field: str) -> str:
        if field == NON_FIELD_ERRORS:
            return ""
        try:
            return f"{capfirst(self._meta.model._meta.get_field(field).verbose_name)}: "
        except FieldDoesNotExist:
            return ""


class _RejectedAtSave(Exception):
    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class ServiceAdminMixin:
    """Validate through the service, save through the service; a save-time refusal is a form error.

    Subclasses implement `run_service(request, form, *, dry_run)`: with `dry_run=True` it checks and
    writes nothing; otherwise it saves and returns the saved object. A ValidationError while saving
    leaves the admin view's transaction (rolling back anything written), and the view runs once more on
    the same POST with the error handed to the form, which then shows it.
    """

    form = ServiceValidatedForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Fail when the admin is registered (at startup), not on a supervisor's first save.
        if not callable(getattr(self, "run_service", None)):
            raise ImproperlyConfigured(f"{type(self).__name__} must define run_service(request, form, *, dry_run).")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)  # a new class on every call
        form_class.run_service = staticmethod(partial(self.run_service, request))
        form_class.rejected_at_save = getattr(request, "_portal_rejected_at_save", None)
        return form_class

    def save_model(self, request, obj, form, change):
        try:
            saved = self.run_service(request, form, dry_run=False)
        except ValidationError as error:
            raise _RejectedAtSave(error) from error
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        try:
            super().save_related(request, form, formsets, change)
        except ValidationError as error:
            raise _RejectedAtSave(error) from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _RejectedAtSave as rejected:
            request._portal_rejected_at_save = rejected.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    @staticmethod
    def service_fields(form, allowed) -> dict[str, Any]:
        """The cleaned data the service may change."""
        return {name: value for name, value in form.cleaned_data.items() if name in allowed}


def adopt(obj: models.Model, saved: models.Model | None) -> None:
    """Make the admin's own object the row a service saved: the admin logs and redirects with it."""
    if saved is None or saved is obj:
        return
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding, obj._state.db = False, saved._state.db


# --- range filters in local time ----------------------------------------------------------------------


class LeanRangeDateTimeForm(RangeDateTimeForm):
    """unfold's date-time range form, each input's classes written once: unfold's date and time widgets add their
    input classes to those the form already gives them (some 550 bytes twice on each of the four inputs)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            for widget in getattr(field.widget, "widgets", [field.widget]):
                if "class" in widget.attrs:
                    widget.attrs["class"] = " ".join(dict.fromkeys(widget.attrs["class"].split()))


class LocalRangeDateTimeFilter(RangeDateTimeFilter):
    """unfold's date-time range, reading what was typed as the reader's local time (unfold compares naive ones).

    A bound typed in an hour a clock change repeats takes the reading that keeps the range widest (the first
    for "from", the second for "to"): a filter narrows a list, it writes nothing, so it need not refuse.
    """

    form_class = LeanRangeDateTimeForm

    def queryset(self, request, queryset):
        bounds = {}
        for end, lookup in (("from", "gte"), ("to", "lte")):
            day = self.used_parameters.get(f"{self.parameter_name}_{end}_0")
            time = self.used_parameters.get(f"{self.parameter_name}_{end}_1")
            moment = parse_datetime_str(f"{day} {time}") if day and time else None
            if moment is not None:  # a bound left empty, or unreadable, does not filter
                bounds[f"{self.parameter_name}__{lookup}"] = timezone.make_aware(moment.replace(fold=int(end == "to")))
        return queryset.filter(**bounds)


class LocalRangeDateFilter(RangeDateFilter):
    """A from/to date range on a datetime column, by calendar day in the portal's time zone.

    unfold's RangeDateFilter compares the column with midnight (naive, and excluding the "to" day
    itself); comparing the column's local date keeps both ends inclusive and aware.
    """

    def queryset(self, request, queryset):
        bounds = {}
        for suffix, lookup in (("_from", "gte"), ("_to", "lte")):
            day = parse_date_str(self.used_parameters.get(f"{self.parameter_name}{suffix}") or "")
            if day is not None:
                bounds[f"{self.field_path}__date__{lookup}"] = day
        return queryset.filter(**bounds)
