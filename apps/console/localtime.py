"""Local time in the console: every datetime typed or read is the wall-clock time of the row's location.

- `ViewerTimeZoneMiddleware` reads pages in the signed-in person's own zone (their home location's), so a time
  that belongs to no location (an e-mail sent, an import run) is theirs.
- `LocalTimeAdminMixin` (on every console admin): a change form reads and takes its times in the zone of the
  row's location (`local_time_via`: the field naming the facility, location or person the row belongs to).
  A time a clock change makes impossible or double is refused with its readings (`apps.core.localtime`).
  A form typed in one zone and sent with a facility in another is refused rather than read in the new zone.
- `local_column(field)`: a list column showing a time in its row's zone, the zone named where it differs
  from the reader's.
"""

from datetime import datetime

from django import forms
from django.contrib.admin.utils import display_for_value, unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSplitDateTimeWidget

from apps.accounts.models import User
from apps.core.localtime import as_zone, moment_from_local, zone_name
from apps.facilities.models import Facility, Location

ZONE_FIELD = "typed_in_time_zone"
SESSION_ZONE = "_portal_zone"


def zone_of(row):
    """The zone whose clock a row's times follow: a facility's or location's, or a person's home location's."""
    if isinstance(row, Location):
        return as_zone(row.timezone)
    if isinstance(row, Facility):
        return as_zone(row.location.timezone)
    if isinstance(row, User) and row.home_location_id is not None:
        return as_zone(row.home_location.timezone)
    return None


def viewer_zone(request, user=None):
    """The reader's own zone: their home location's, else the portal's (TIME_ZONE). Kept in the session."""
    user = user or getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.home_location_id is None:
        return timezone.get_default_timezone()
    session = getattr(request, "session", None)
    kept = session.get(SESSION_ZONE) if session is not None else None
    if kept and kept[0] == user.home_location_id:
        return as_zone(kept[1])
    zone = zone_of(user) or timezone.get_default_timezone()
    if session is not None:
        session[SESSION_ZONE] = [user.home_location_id, zone_name(zone)]
    return zone


def remember_viewer_zone(sender, request, user, **kwargs):
    """On signing in, keep the person's zone in their session: their pages then read it without a query."""
    if request is not None and getattr(request, "session", None) is not None:
        viewer_zone(request, user=user)


class ViewerTimeZoneMiddleware:
    """Console pages read in the signed-in person's zone; after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            return self.get_response(request)  # the API speaks UTC with `Z`
        with timezone.override(viewer_zone(request)):
            return self.get_response(request)  # template responses are rendered inside, in this zone


class LocalSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date + time pair, read as wall-clock time in the zone active for the form."""

    def compress(self, data_list):
        if not data_list:
            return None
        if data_list[0] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if data_list[1] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return moment_from_local(datetime.combine(*data_list), timezone.get_current_timezone())


class LocalTimeAdminMixin:
    """Change forms in the zone of the row's location; see the module's docstring."""

    local_time_via: str | None = None  # "facility", "location", "user": the form field the zone follows

    formfield_overrides = {
        models.DateTimeField: {"form_class": LocalSplitDateTimeField, "widget": UnfoldAdminSplitDateTimeWidget},
    }

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["console/localtime.css"]})

    # --- which zone ----------------------------------------------------------------------------------------

    def _named_row(self, request, raw):
        """The facility / location / person a form field's raw value names, looked up in the user's scope."""
        if not raw or not self.local_time_via:
            return None
        field = self.model._meta.get_field(self.local_time_via)
        related = field.related_model
        from apps.core.scope import visible_rows

        try:
            return visible_rows(related._default_manager.all(), user=request.user).filter(pk=int(raw)).first()
        except (TypeError, ValueError, OverflowError):
            return None

    def row_zone(self, request, obj=None):
        """The zone this form reads and takes times in, or None for the reader's own."""
        if not self.local_time_via:
            return None
        related = None
        if request.method == "POST":
            related = self._named_row(request, request.POST.get(self.local_time_via))
        if related is None and obj is not None:
            related = getattr(obj, self.local_time_via, None)
        if related is None:
            related = self._named_row(request, request.GET.get(self.local_time_via))
        return zone_of(related) if related is not None else None

    # --- the form ------------------------------------------------------------------------------------------

    def _in_row_zone(self, request, object_id, view, *args, render: bool = True):
        """Run an object's page (its form, a past version) in the row's zone, and render it there (`render`)."""
        obj = None
        if object_id and self.local_time_via:
            rows = self.get_queryset(request).select_related(self.local_time_via)
            try:
                obj = rows.filter(pk=unquote(object_id)).first()
            except (ValueError, TypeError, ValidationError, OverflowError):
                obj = None  # the view itself answers for an id that names nothing
        zone = self.row_zone(request, obj) or timezone.get_current_timezone()
        with timezone.override(zone):
            response = view(*args)
            if render and hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # rendered here, in the row's zone, not later in the reader's
            return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The whole view, form and page, in the row's zone (the reader's where the row has none yet)."""
        parent = super().changeform_view
        return self._in_row_zone(request, object_id, parent, request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """The changes' values read in the row's zone (labelled); when each change was made, in the reader's."""
        parent = super().history_view
        return self._in_row_zone(request, object_id, parent, request, object_id, extra_context, render=False)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        parent = super().history_form_view
        return self._in_row_zone(request, object_id, parent, request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not self.local_time_via:
            return super().get_form(request, obj, change=change, **kwargs)
        zone = zone_name(timezone.get_current_timezone())
        base = kwargs.get("form", self.form)
        kwargs["form"] = type(
            base.__name__,
            (base,),
            {
                ZONE_FIELD: forms.CharField(widget=forms.HiddenInput, required=False, initial=zone),
                "clean": _refusing_another_zone(base.clean, zone),
            },
        )
        form_class = super().get_form(request, obj, change=change, **kwargs)
        for field in form_class.base_fields.values():
            if isinstance(field, LocalSplitDateTimeField):
                field.help_text = _("Local time at the facility: %(zone)s.") % {"zone": zone}
        return form_class

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.local_time_via:
            return fieldsets
        first, *rest = fieldsets
        name, options = first
        fieldsets = [(name, {**options, "fields": [*options["fields"], ZONE_FIELD]}), *rest]
        return self._zone_named_on_read_only_times(request, obj, fieldsets)

    def _zone_named_on_read_only_times(self, request, obj, fieldsets):
        """A section showing stored times (created, reviewed at, or times typed in) says their zone at its top.
        (Not by asking which fields are read-only: for a reader who may change nothing, that asks the fieldsets.)"""
        times = {
            field.name for field in self.model._meta.concrete_fields if isinstance(field, models.DateTimeField)
        }
        zone = zone_name(timezone.get_current_timezone())
        named = []
        for name, options in fieldsets:
            fields = {field for row in options["fields"] for field in (row if isinstance(row, list | tuple) else [row])}
            if fields & times and not options.get("description"):
                options = {**options, "description": _("Times in %(zone)s time.") % {"zone": zone}}
            named.append((name, options))
        return named


def _refusing_another_zone(clean, zone: str):
    """`clean` that refuses a form typed while it showed another zone (the facility was changed), and re-shows it."""

    def checked(form):
        cleaned = clean(form)
        key = form.add_prefix(ZONE_FIELD)
        sent = form.data.get(key) if form.is_bound else None
        if sent and sent != zone:
            form.data = form.data.copy()
            form.data[key] = zone  # shown again in this zone: the next save is read in it
            raise ValidationError(
                _(
                    "The times were typed while the form showed %(sent)s time, but this facility keeps %(zone)s "
                    "time: check that they are %(zone)s times and save again."
                )
                % {"sent": sent, "zone": zone},
                code="time_zone_changed",
            )
        return cleaned

    return checked


def local_display(moment, zone, empty: str = "-") -> str:
    """A moment as the console's lists show one ("3 Dec 2026, 2:05 p.m."), in `zone`; the zone's abbreviation
    added where it is not the reader's ("3 Dec 2026, 9:05 a.m. EST")."""
    if moment is None:
        return empty
    reader = timezone.get_current_timezone()
    zone = zone or reader
    with timezone.override(zone):
        shown = display_for_value(moment, empty)
    if zone_name(zone) != zone_name(reader):
        shown = f"{shown} {moment.astimezone(zone).tzname()}"
    return shown


def local_column(field: str, description: str, *, via: str = "facility", ordering: str | None = None):
    """A list column: the row's `field` in its zone (`via` names the facility, location or person), labelled."""

    @display(description=description, ordering=ordering or field)
    def column(self, obj):
        return local_display(getattr(obj, field), zone_of(getattr(obj, via)))

    column.__name__ = f"local_{field}"
    return column
