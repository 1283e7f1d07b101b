"""Coverage requirements: what must be staffed around the clock, so the roster shows where it is not.

Every working, on-air-critical master control room needs one MCR operator at all times, every working main
transmitter one transmission engineer, every data centre one broadcast IT engineer: the positions the seeded
shifts are worked in (catalogue.DISCIPLINES). The rotas are not built to cover them hour by hour, so the demo's
roster shows real gaps (nights and days off) for a supervisor to fill.
"""

from datetime import timedelta

from apps.facilities.choices import FacilityKind, FacilityStatus
from apps.scheduling.models import CoverageRequirement

from .catalogue import DISCIPLINES
from .context import SeedContext, World

# facility kind -> the position that must be on shift there, one person 24/7
NEEDED = {
    FacilityKind.MASTER_CONTROL: DISCIPLINES["mcr"].position,
    FacilityKind.TRANSMITTER: DISCIPLINES["tx"].position,
    FacilityKind.DATA_CENTRE: DISCIPLINES["it"].position,
}
NOT_WORKING = (FacilityStatus.DOWN, FacilityStatus.MAINTENANCE)


def seed_coverage(ctx: SeedContext, world: World) -> None:
    requirements = []
    for site in world.sites:
        for facility in site.facilities:
            position = NEEDED.get(facility.kind)
            if position is None or not facility.on_air_critical or facility.status in NOT_WORKING:
                continue
            requirement = CoverageRequirement(facility=facility, position=position, people=1)
            ctx.stamp(requirement, ctx.now - timedelta(days=ctx.rng.randint(30, 90)))
            requirements.append(requirement)
    ctx.write(CoverageRequirement, requirements)
