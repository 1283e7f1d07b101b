"""The Shift form opened from the Roster page: prefilled, offering the people free then, and back to the week.

- A cell's "+" opens it at that day's 06:00 local time (for the cell's person, or at the cell's facility); a
  coverage gap opens it for the gap's facility, position and hours. Times come as ISO moments with their offset
  (`?starts_at=`, `?ends_at=`); the form shows them in the zone times are entered in, and proposes an eight-hour
  shift when no end is given.
- Opened for a facility and hours without a person (a gap, or a facility's "+"), the person field offers only
  the people based at that facility's location for whom that shift breaks no rule (apps.scheduling.rules.
  people_free_for: overlap, rest, length, approved time off), those whose job title is the position first.
- Saved with a plain "Save", the form goes back to the roster week it was opened from (`?roster=`).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseRedirect
from django.utils import timezone
from unfold.widgets import UnfoldAdminSelectWidget

from apps.accounts.models import User
from apps.accounts.selectors import users_visible_to
from apps.core.actors import SYSTEM_USERNAME
from apps.facilities.models import Facility
from apps.facilities.selectors import facilities_visible_to
from apps.scheduling.roster import NEW_SHIFT_LENGTH, RETURN_PARAMETER
from apps.scheduling.rules import local_span, people_free_for

from .actions import roster_return

ADD_VIEW = "scheduling_shift_add"
# the buttons of Django's change form that stay on the Shift pages rather than go back to the roster
STAYING = ("_continue", "_addanother", "_saveasnew", "_popup")


@dataclass(frozen=True)
class Slot:
    facility: Facility
    position: str
    starts_at: datetime
    ends_at: datetime


def _moment(raw: str | None) -> datetime | None:
    """An aware moment from an ISO string with its offset; None for anything else."""
    try:
        moment = datetime.fromisoformat(raw or "")
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def _span(request) -> tuple[datetime | None, datetime | None]:
    starts_at = _moment(request.GET.get("starts_at"))
    if starts_at is None:
        return None, None
    ends_at = _moment(request.GET.get("ends_at"))
    return starts_at, ends_at if ends_at is not None and ends_at > starts_at else starts_at + NEW_SHIFT_LENGTH


def roster_slot(request) -> Slot | None:
    """The facility and hours the add form was opened for without a person, in the user's scope; else None."""
    if not hasattr(request, "_roster_slot"):
        request._roster_slot = _read_slot(request)
    return request._roster_slot


def _read_slot(request) -> Slot | None:
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != ADD_VIEW or request.GET.get("user"):
        return None
    starts_at, ends_at = _span(request)
    facility_id = request.GET.get("facility", "")
    if starts_at is None or not facility_id.isdigit():
        return None
    facility = facilities_visible_to(user=request.user).select_related("location").filter(pk=facility_id).first()
    if facility is None:
        return None
    return Slot(facility, " ".join(request.GET.get("position", "").split()), starts_at, ends_at)


class RosterShiftFormMixin:
    """For ShiftAdmin: the add form prefilled from the roster, its person field, and the way back."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name in ("starts_at", "ends_at", RETURN_PARAMETER):
            initial.pop(name, None)
        starts_at, ends_at = _span(request)
        if starts_at is not None:
            initial["starts_at"] = timezone.localtime(starts_at)
            initial["ends_at"] = timezone.localtime(ends_at)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        slot = roster_slot(request) if db_field.name == "user" else None
        if slot is None:
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        free = self.people_free_for_slot(request, slot)
        kwargs["queryset"] = User.objects.filter(pk__in=[person.pk for person in free]).order_by(
            Case(When(title__iexact=slot.position, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "last_name",
            "first_name",
        )
        kwargs["widget"] = UnfoldAdminSelectWidget
        when = local_span(slot.starts_at, slot.ends_at, slot.facility.location.timezone)
        location = slot.facility.location.name
        kwargs["help_text"] = (
            f"The people based at {location} for whom a shift {when} breaks no rule (overlap, rest, length, "
            "approved time off)."
            if free
            else f"Nobody based at {location} is free for a shift {when}: change the hours, or add the shift from "
            "the Shifts list for someone else."
        )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.label_from_instance = lambda person: f"{person} — {person.title}" if person.title else str(person)
        return field

    def people_free_for_slot(self, request, slot: Slot) -> list:
        candidates = (
            users_visible_to(user=request.user)
            .filter(is_active=True, home_location_id=slot.facility.location_id)
            .exclude(username=SYSTEM_USERNAME)
        )
        return people_free_for(
            candidates=candidates,
            facility=slot.facility,
            position=slot.position,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            viewer=request.user,
        )

    def response_add(self, request, obj, post_url_continue=None):
        return self._back_to_roster(request, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._back_to_roster(request, super().response_change(request, obj))

    def _back_to_roster(self, request, response):
        if response.status_code != 302 or any(name in request.POST for name in STAYING):
            return response
        back = roster_return(request, request.GET.get(RETURN_PARAMETER))
        return HttpResponseRedirect(back) if back else response
