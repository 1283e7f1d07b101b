"""Locations and their facilities: the base station, plus one region per scale step beyond 1."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from apps.facilities.models import Facility, Location

from .catalogue import BASE_SITES, FACILITIES, REGION_CITIES, REGION_PARTS, SiteSpec
from .context import SeedContext, Site, World

# A region's name when its city is used again at a larger scale: "Bristol Harbourside Broadcast Centre".
DISTRICTS = ("", "North", "South", "East", "West", "Central", "Harbourside", "Riverside", "Park", "Hill")


def region_specs(region: int) -> list[SiteSpec]:
    """The sites of region `region` (1-based): a broadcast centre, studios, a transmitter and a newsroom."""
    abbr, city, zone, locale, phone_format = REGION_CITIES[(region - 1) % len(REGION_CITIES)]
    cycle = (region - 1) // len(REGION_CITIES)
    if cycle:
        district = DISTRICTS[cycle] if cycle < len(DISTRICTS) else str(cycle + 1)
        abbr, city = f"{abbr}{cycle + 1}", f"{city} {district}"
    specs = []
    for suffix, name, kind in REGION_PARTS:
        address = f"{10 + region % 80} Media Street\n{city}"
        specs.append(SiteSpec(f"{abbr}-{suffix}", name.format(city=city), address, zone, kind, locale, phone_format))
    return specs


def seed_places(ctx: SeedContext, world: World) -> None:
    specs = list(BASE_SITES)
    for region in range(1, ctx.scale):
        specs.extend(region_specs(region))

    opened = ctx.now - timedelta(days=5 * 365)
    locations, facilities = [], []
    for number, spec in enumerate(specs):
        created = opened + timedelta(days=3 * number)
        location = ctx.stamp(
            Location(code=spec.code, name=spec.name, address=spec.address, timezone=spec.zone, is_active=True),
            created,
        )
        site = Site(location, ZoneInfo(spec.zone), spec.kind, spec.locale, spec.phone_format)
        for position, facility_spec in enumerate(FACILITIES[spec.kind]):
            facility = Facility(
                location=location,
                code=f"{spec.code}-{facility_spec.suffix}",
                name=facility_spec.name,
                kind=facility_spec.kind,
                status=facility_spec.status,
                on_air_critical=facility_spec.on_air_critical,
            )
            # a facility that is not operational changed status recently
            changed = (
                ctx.now - timedelta(days=ctx.rng.randint(1, 20)) if facility_spec.status != "operational" else None
            )
            ctx.stamp(facility, created + timedelta(hours=position + 1), changed)
            site.facilities.append(facility)
            facilities.append(facility)
        locations.append(location)
        world.sites.append(site)

    ctx.write(Location, locations)
    ctx.write(Facility, facilities)
