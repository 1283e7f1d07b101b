"""Which rows each caller reaches through the API: the console's selectors, and what API.md adds for staff.

Every function starts from the app's selector (`apps.<app>.selectors`, built on `apps.core.scope.scoped`), so
the console's scope holds: supervisors and auditors see their locations, administrators everything, everyone
their own rows. The API adds, for staff only, the reference data a form needs (every active location, the
facilities there, every active incident type, the active people of their home location) and keeps drafts
for the supervisors who plan them: a person reads their own shifts once published. All in SQL, one query.
"""

from django.db.models import Prefetch, Q, QuerySet, Value

from apps.accounts.models import User
from apps.accounts.selectors import users_visible_to
from apps.core.actors import SYSTEM_USERNAME
from apps.core.scope import covered_locations_lookup, sees_everything
from apps.facilities.models import Facility, Location
from apps.facilities.selectors import facilities_visible_to, locations_visible_to
from apps.scheduling.choices import ShiftStatus
from apps.scheduling.selectors import scheduled_events_visible_to, shifts_visible_to, time_off_requests_visible_to
from apps.tickets.selectors import incident_types_visible_to, incidents_visible_to, service_tickets_visible_to
from apps.timesheets.selectors import time_entries_visible_to

from .permissions import reads_reference_only, roles_of


def _widened(selected: QuerySet, extra: Q) -> QuerySet:
    """The selector's rows, or `extra`: one query (`pk IN (<selector>) OR <extra>`)."""
    model = selected.model
    return model._default_manager.filter(Q(pk__in=selected.order_by().values("pk")) | extra)


def links_seen_by(user, links: dict, wanted: dict) -> set | None:
    """Which of the `wanted` linked ids (`{link: {ids}}`) `user` may see, as `{(link, id)}`; None: all of them.

    `links` names each link's rows (`{"incident": plain_incidents}`). One query for all the links of a page,
    and none when the page links nothing or the caller sees everything.
    """
    if sees_everything(user):
        return None
    asks = [
        links[field](user).filter(pk__in=ids).order_by().annotate(link=Value(field)).values_list("link", "pk")
        for field, ids in wanted.items()
        if ids
    ]
    if not asks:
        return set()
    return set(asks[0].union(*asks[1:], all=True) if len(asks) > 1 else asks[0])


def visible_links(items: list, user, links: dict) -> None:
    """Mark on each row `<link>_visible` for its linked rows (`{"incident": plain_incidents}`): may the caller see them?

    A row the caller sees may link one they may not (a time entry of their location's person, on an incident
    elsewhere): the output then shows neither its id nor its label. One query for a whole page (`links_seen_by`).
    """
    wanted = {field: {getattr(item, f"{field}_id") for item in items} - {None} for field in links}
    found = links_seen_by(user, links, wanted)
    for item in items:
        for field in links:
            linked = getattr(item, f"{field}_id")
            setattr(item, f"{field}_visible", linked is None or found is None or (field, linked) in found)


def _ready(user) -> None:
    roles_of(user)  # one query for the roles; primes the scope's "sees everything" flag too


def locations(user) -> QuerySet[Location]:
    _ready(user)
    selected = locations_visible_to(user=user)
    if reads_reference_only(user):
        return _widened(selected, Q(is_active=True))
    return selected


def facilities(user) -> QuerySet[Facility]:
    _ready(user)
    selected = facilities_visible_to(user=user)
    if reads_reference_only(user):
        selected = _widened(selected, Q(location__is_active=True))
    return selected.select_related("location")


def people(user) -> QuerySet[User]:
    """Active accounts only, never the system account (API.md: lists of people)."""
    _ready(user)
    selected = users_visible_to(user=user)
    if reads_reference_only(user) and user.home_location_id is not None:
        selected = _widened(selected, Q(home_location_id=user.home_location_id))
    return selected.filter(is_active=True).exclude(username=SYSTEM_USERNAME).select_related("home_location")


def incident_types(user):
    _ready(user)
    selected = incident_types_visible_to(user=user)
    return selected.filter(is_active=True) if reads_reference_only(user) else selected


def shifts(user):
    """The selector's shifts, less the drafts of locations the caller does not cover (their own included)."""
    _ready(user)
    selected = shifts_visible_to(user=user)
    if not sees_everything(user):
        selected = selected.exclude(
            Q(status=ShiftStatus.DRAFT) & ~Q(facility__location__in=covered_locations_lookup(user))
        )
    return selected.select_related("user", "facility__location")


def incidents(user):
    _ready(user)
    return incidents_visible_to(user=user).select_related("duplicate_of")


def service_tickets(user):
    _ready(user)
    return service_tickets_visible_to(user=user).select_related("scheduled_event__facility__location")


def time_entries(user):
    _ready(user)
    return time_entries_visible_to(user=user).select_related(
        "user", "reviewed_by", "shift__user", "shift__facility__location", "incident", "service_ticket"
    )


def scheduled_events(user, *, crew: bool = True):
    """The crew listed is the crew the caller may see (people lists: active, in scope)."""
    _ready(user)
    selected = scheduled_events_visible_to(user=user)
    return selected.prefetch_related(Prefetch("crew", queryset=people(user))) if crew else selected


def plain_events(user):
    """Events without their crew: for looking ids up."""
    return scheduled_events(user, crew=False)


def time_off_requests(user):
    _ready(user)
    return time_off_requests_visible_to(user=user)
