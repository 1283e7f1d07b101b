"""`manage.py seed_demo`: a believable station, every status, every rule of DESIGN.md, idempotent."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
from apps.core.actors import SYSTEM_USERNAME, system_user
from apps.core.models import ReferenceCounter
from apps.core.roles import Role
from apps.core.services import reference_allocate, reference_allocate_block
from apps.demo.generators import SeedContext, demo_seed
from apps.demo.logins import DEMO_PASSWORD, DEMO_USERNAMES
from apps.facilities.choices import FacilityKind, FacilityStatus
from apps.facilities.models import Facility, Location
from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import EventStatus, ShiftStatus, TimeOffStatus
from apps.scheduling.models import CoverageRequirement, ScheduledEvent, Shift, TimeOffRequest
from apps.scheduling.roster import roster_week, week_start_of
from apps.scheduling.time_off import shifts_over_time_off
from apps.tickets.breaches import incident_breach_scan
from apps.tickets.choices import IncidentStatus, ServiceStatus
from apps.tickets.models import IncidentTicket, ServiceTicket, TicketNote
from apps.tickets.sla import incident_due_times
from apps.timesheets.choices import TimeEntryStatus
from apps.timesheets.models import TimeEntry

pytestmark = pytest.mark.django_db

SEEDED_MODELS = (
    User,
    Location,
    Facility,
    CoverageRequirement,
    Shift,
    ScheduledEvent,
    TimeOffRequest,
    IncidentTicket,
    ServiceTicket,
    TicketNote,
    TimeEntry,
    OutboundEmail,
)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    """Rows in every table of the project's apps (history tables included), plus groups and memberships."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in {"accounts", "facilities", "tickets", "scheduling", "timesheets", "notifications"}
        or model._meta.label in {"auth.Group", "core.ReferenceCounter"}
    }
    counts["accounts.User_groups"] = User.groups.through.objects.count()
    return counts


@pytest.fixture
def seeded(db):
    return seed()


@pytest.mark.smoke
def test_seed_creates_a_believable_station(seeded):
    assert "Seeded the demo station" in seeded

    locations = list(Location.objects.all())
    assert len(locations) >= 3
    offsets = {datetime(2025, 1, 15, 12, tzinfo=location.timezone).utcoffset() for location in locations}
    assert len(offsets) >= 2, "locations span at least two real time zones"

    assert Facility.objects.count() >= 25
    assert set(Facility.objects.values_list("kind", flat=True)) >= set(FacilityKind.values)
    statuses = set(Facility.objects.values_list("status", flat=True))
    assert {FacilityStatus.DEGRADED, FacilityStatus.DOWN, FacilityStatus.MAINTENANCE} <= statuses

    assert User.objects.count() >= 40
    people = User.objects.exclude(is_superuser=True).exclude(username=SYSTEM_USERNAME)
    assert not people.filter(employee_id="").exists() and not people.filter(home_location=None).exists()
    assert people.exclude(phone="").count() == people.count()
    roles = Counter(User.groups.through.objects.values_list("group__name", flat=True))
    assert roles[Role.SUPERVISOR] >= 3 and roles[Role.STAFF] >= 20 and roles[Role.AUDITOR] >= 1

    assert IncidentTicket.objects.count() >= 300
    assert ServiceTicket.objects.count() >= 150
    assert set(IncidentTicket.objects.values_list("status", flat=True)) == set(IncidentStatus.values)
    assert set(ServiceTicket.objects.values_list("status", flat=True)) == set(ServiceStatus.values)
    assert set(TimeOffRequest.objects.values_list("status", flat=True)) == set(TimeOffStatus.values)
    assert set(Shift.objects.values_list("status", flat=True)) == set(ShiftStatus.values)
    assert set(ScheduledEvent.objects.values_list("status", flat=True)) == set(EventStatus.values)
    assert set(TimeEntry.objects.values_list("status", flat=True)) == set(TimeEntryStatus.values)
    assert TicketNote.objects.filter(incident__isnull=False).exists()
    assert TicketNote.objects.filter(service_ticket__isnull=False).exists()
    assert ServiceTicket.objects.filter(scheduled_event__kind="maintenance").exists()
    assert ScheduledEvent.crew.through.objects.exists()
    assert OutboundEmail.objects.exists()


def test_the_demo_roster_has_coverage_requirements_and_shows_their_gaps(seeded):
    """Master control, the main transmitters and the data centres must be staffed around the clock; the rotas
    leave hours uncovered, which the roster shows as gaps for a supervisor to fill."""
    positions = set(CoverageRequirement.objects.values_list("facility__kind", "position"))
    assert positions == {
        (FacilityKind.MASTER_CONTROL, "MCR operator"),
        (FacilityKind.TRANSMITTER, "Transmission engineer"),
        (FacilityKind.DATA_CENTRE, "Broadcast IT engineer"),
    }
    assert not CoverageRequirement.objects.filter(facility__on_air_critical=False).exists()
    headquarters = Location.objects.get(code="LON-HQ")
    root = User.objects.get(username="admin")
    this_week = week_start_of(timezone.localdate())
    assert roster_week(user=root, location=headquarters, week_start=this_week).gap_count > 0


def test_a_request_to_review_falls_on_next_weeks_shifts(seeded):
    """Approving it shows the supervisor, first, the shifts it would leave uncovered."""
    next_monday = week_start_of(timezone.localdate()) + timedelta(days=7)
    pending = TimeOffRequest.objects.filter(
        status=TimeOffStatus.PENDING,
        user__home_location__code="LON-HQ",
        starts_on__gte=next_monday,
        ends_on__lt=next_monday + timedelta(days=7),
    )
    assert any(shifts_over_time_off(time_off_request=request) for request in pending)


def test_demo_logins_authenticate_with_their_roles(seeded):
    expected = {
        "admin": (Role.ADMINISTRATOR, True, True),
        "supervisor": (Role.SUPERVISOR, True, False),
        "staff": (Role.STAFF, False, False),
        "auditor": (Role.AUDITOR, True, False),
    }
    assert set(expected) == set(DEMO_USERNAMES)
    for username, (role, is_staff, is_superuser) in expected.items():
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.groups.filter(name=role).exists()
        assert (user.is_staff, user.is_superuser) == (is_staff, is_superuser)


def test_shifts_cover_four_weeks_in_local_time(seeded):
    shifts = Shift.objects.select_related("facility__location")
    local_starts = {shift.starts_at.astimezone(shift.facility.location.timezone).time() for shift in shifts}
    assert local_starts <= {time(6), time(14), time(22), time(9)}
    first, last = min(s.starts_at for s in shifts), max(s.starts_at for s in shifts)
    assert timedelta(days=26) <= last - first <= timedelta(days=29)
    past = [s for s in shifts if s.ends_at < first + timedelta(days=14)]
    assert past and all(s.status != ShiftStatus.DRAFT for s in past), "past weeks are published"
    assert shifts.filter(status=ShiftStatus.DRAFT).exists()


def test_ticket_timestamps_follow_the_workflow(seeded):
    rows = IncidentTicket.objects.select_related("incident_type").order_by("reference")
    for incident in rows:
        if incident.acknowledged_at:
            assert incident.acknowledged_at >= incident.occurred_at
        finished = incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
        assert (incident.resolved_at is not None) == finished, incident.reference
        assert (incident.closed_at is not None) == (incident.status == IncidentStatus.CLOSED)
        assert bool(incident.resolution) == finished
        if incident.closed_at:
            assert incident.closed_at >= incident.resolved_at >= incident.acknowledged_at
        assert (incident.duplicate_of_id is not None) == (incident.status == IncidentStatus.DUPLICATE)
        assert (incident.response_due_at, incident.resolve_due_at) == incident_due_times(
            incident_type=incident.incident_type, severity=incident.severity, occurred_at=incident.occurred_at
        )
    assert rows.filter(off_air_seconds__gt=0, facility__kind__in=["transmitter", "master_control"]).exists()
    assert rows.filter(status=IncidentStatus.ON_HOLD, on_hold_since__isnull=False).exists()
    # breaches from before the seed count as told: the first scan of a fresh demo e-mails nobody
    assert rows.filter(response_breach_notified_at__isnull=False).exists()
    assert incident_breach_scan(by=system_user()) == 0
    assert not rows.filter(off_air_seconds__gt=0).exclude(facility__kind__in=["transmitter", "master_control"])

    # notes follow their ticket, each at its own moment (a note's natural key is its ticket and time)
    notes = TicketNote.objects.values_list(
        "incident_id", "service_ticket_id", "created_at", "incident__created_at", "service_ticket__created_at"
    )
    for *_, created_at, incident_created, service_created in notes:
        assert created_at >= (incident_created or service_created)
    assert len({(incident, service, created_at) for incident, service, created_at, *_ in notes}) == len(notes)

    # references are gap-free, from the counter
    for model, prefix in ((IncidentTicket, "INC"), (ServiceTicket, "SRV")):
        references = sorted(model.objects.values_list("reference", flat=True))
        assert references == [f"{prefix}-{n:06d}" for n in range(1, len(references) + 1)]
        assert ReferenceCounter.objects.get(prefix=prefix).last_value == len(references)


def test_data_obeys_the_rules_of_the_design(seeded):
    # a person never has two overlapping non-cancelled shifts (one pass, ordered by person and start)
    previous_user, previous_end = None, None
    rows = (
        Shift.objects.exclude(status=ShiftStatus.CANCELLED)
        .order_by("user_id", "starts_at")
        .values_list("user_id", "starts_at", "ends_at")
    )
    for user_id, starts_at, ends_at in rows:
        assert ends_at > starts_at
        if user_id == previous_user:
            assert starts_at >= previous_end, f"user {user_id} has overlapping shifts at {starts_at}"
        previous_user, previous_end = user_id, ends_at

    # a facility never has two overlapping confirmed events
    previous_facility, previous_end = None, None
    rows = (
        ScheduledEvent.objects.filter(status=EventStatus.CONFIRMED)
        .order_by("facility_id", "starts_at")
        .values_list("facility_id", "starts_at", "ends_at")
    )
    for facility_id, starts_at, ends_at in rows:
        assert ends_at > starts_at
        if facility_id == previous_facility:
            assert starts_at >= previous_end, f"facility {facility_id} has overlapping confirmed events"
        previous_facility, previous_end = facility_id, ends_at

    # a published shift never covers a day of approved time off (days in the shift location's zone)
    leave = defaultdict(list)
    for user_id, starts_on, ends_on in TimeOffRequest.objects.filter(status=TimeOffStatus.APPROVED).values_list(
        "user_id", "starts_on", "ends_on"
    ):
        leave[user_id].append((starts_on, ends_on))
    assert leave
    published = Shift.objects.filter(status=ShiftStatus.PUBLISHED, user_id__in=list(leave)).values_list(
        "user_id", "starts_at", "ends_at", "facility__location__timezone"
    )
    for user_id, starts_at, ends_at, zone in published:
        first_day = starts_at.astimezone(zone).date()
        last_day = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
        for starts_on, ends_on in leave[user_id]:
            assert last_day < starts_on or first_day > ends_on, f"user {user_id} works on approved leave"

    assert not TimeOffRequest.objects.filter(ends_on__lt=F("starts_on")).exists()
    entries = list(
        TimeEntry.objects.values_list(
            "user_id", "work_date", "activity", "shift_id", "incident_id", "service_ticket_id", "minutes"
        )
    )
    assert all(0 < row[-1] <= 1440 for row in entries)
    assert len({row[:-1] for row in entries}) == len(entries), "one entry per person, day, activity and item"
    day_totals = Counter()
    for user_id, work_date, *_, minutes in entries:
        day_totals[user_id, work_date] += minutes
    assert max(day_totals.values()) <= 1440
    shift_entries = TimeEntry.objects.filter(shift__isnull=False)
    assert not shift_entries.exclude(shift__status=ShiftStatus.PUBLISHED).exists()
    assert not shift_entries.exclude(user_id=F("shift__user_id")).exists()


def test_rosters_keep_local_hours_across_a_dst_change(db):
    """Shifts are built from wall-clock times in each site's zone: a night over the spring change is 7 hours."""
    call_command("load_reference_data", verbosity=0)
    now = datetime(2026, 3, 30, 12, tzinfo=UTC)  # the Monday after Europe's clocks went forward (29 March)
    with transaction.atomic():
        demo_seed(SeedContext(scale=1, seed=1, dry_run=False, now=now))
    london = ZoneInfo("Europe/London")
    nights = Shift.objects.filter(facility__location__code="LON-HQ", starts_at__date=date(2026, 3, 28))
    nights = [s for s in nights if s.starts_at.astimezone(london).time() == time(22)]
    assert nights, "someone works the Saturday night of the change"
    assert all(s.ends_at - s.starts_at == timedelta(hours=7) for s in nights)
    assert all(s.ends_at.astimezone(london).time() == time(6) for s in nights)
    entries = TimeEntry.objects.filter(shift__in=nights)
    assert entries and all(e.minutes in (420, 450, 480, 510) for e in entries)


def test_every_seeded_row_has_a_history_row(seeded):
    for model in SEEDED_MODELS:
        created = model.history.filter(history_type="+").values("id").distinct().count()
        assert created == model._default_manager.count(), model._meta.label
        not_demo = model.history.filter(history_type="+").exclude(history_change_reason="Demo data")
        if model is User:  # the system account, created by the command's first write that names no one
            not_demo = not_demo.exclude(username=SYSTEM_USERNAME)
        assert not not_demo.exists()
    admin = User.objects.get(username="admin")
    assert IncidentTicket.history.filter(history_user=admin).count() == IncidentTicket.objects.count()
    historical_crew = apps.get_model("scheduling", "HistoricalScheduledEvent_crew")
    assert historical_crew.objects.count() == ScheduledEvent.crew.through.objects.count()


def test_a_second_run_adds_nothing(seeded):
    before = table_counts()
    output = seed()
    assert "already seeded" in output
    assert table_counts() == before


def test_clear_refuses_without_debug_and_reseeds_the_same_station(seeded, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed("--clear")

    settings.DEBUG = True
    before = {model._meta.label: model._default_manager.count() for model in SEEDED_MODELS}
    usernames = sorted(User.objects.values_list("username", flat=True))
    output = seed("--clear")
    assert "Deleted the demo data" in output
    assert {model._meta.label: model._default_manager.count() for model in SEEDED_MODELS} == before
    assert sorted(User.objects.values_list("username", flat=True)) == usernames, "same seed, same people"
    assert IncidentTicket.objects.filter(reference="INC-000001").exists()
    # history was cleared with the data: one creation row per row again
    assert Shift.history.count() == Shift.objects.count()


def test_dry_run_writes_nothing(db):
    before = table_counts()
    output = seed("--dry-run")
    assert "Dry run: would create" in output
    assert "incident tickets" in output
    assert table_counts() == before


def test_scale_must_be_positive(db):
    with pytest.raises(CommandError):
        seed("--scale", "0")
    with pytest.raises(CommandError):
        call_command("seed_demo", scale=0, stdout=StringIO())


def test_reference_blocks_are_contiguous_and_follow_single_references(db):
    with transaction.atomic():
        assert reference_allocate(prefix="TST") == "TST-000001"
        assert reference_allocate_block(prefix="TST", count=3) == ["TST-000002", "TST-000003", "TST-000004"]
        assert reference_allocate_block(prefix="TST", count=0) == []
        assert reference_allocate(prefix="TST") == "TST-000005"
