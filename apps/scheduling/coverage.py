"""Writes on coverage requirements ("MCR needs 1 MCR operator 24/7"), which the roster reads to show its gaps
(apps.scheduling.roster.coverage_gaps).

A requirement hangs below its facility's location: only someone covering that location (or an administrator,
or the portal itself) creates, changes or deletes one, and a change cannot move it to a facility out of their
scope. A requirement is one per facility and position (the database's constraint, whose message the form and
the import show); the position is kept as shifts name it, its spaces tidied.
"""

from typing import Any

from django.db import transaction

from apps.core.actors import writes
from apps.core.saving import instance_delete, instance_validate_and_save, reject_unknown_fields
from apps.core.scope import check_row_in_scope

from .models import CoverageRequirement
from .services import stored_in_scope

COVERAGE_FIELDS = frozenset({"facility", "position", "people"})
COVERAGE_SCOPE = {"location_path": "facility__location", "field": "facility"}


def coverage_requirement_check(*, requirement: CoverageRequirement, by) -> None:
    """What a requirement's save checks beyond `full_clean()`: its facility is at a location `by` covers."""
    if requirement.facility_id is not None:
        check_row_in_scope(by=by, row=requirement, **COVERAGE_SCOPE)


def _tidy(position: str) -> str:
    return " ".join((position or "").split())


@writes
@transaction.atomic
def coverage_requirement_create(*, facility, position: str, people: int = 1, by) -> CoverageRequirement:
    """A facility needs `people` of `position` on shift around the clock."""
    requirement = CoverageRequirement(facility=facility, position=_tidy(position), people=people)
    instance_validate_and_save(
        instance=requirement, validate=lambda: coverage_requirement_check(requirement=requirement, by=by), by=by
    )
    return requirement


@writes
@transaction.atomic
def coverage_requirement_update(*, requirement: CoverageRequirement, by, **fields: Any) -> CoverageRequirement:
    """Change any of facility, position, people: where it is now and where it goes must both be `by`'s."""
    reject_unknown_fields(fields, COVERAGE_FIELDS, "coverage_requirement_update")
    stored_in_scope(requirement, by=by, **COVERAGE_SCOPE)
    if "position" in fields:
        fields["position"] = _tidy(fields["position"])
    for name, value in fields.items():
        setattr(requirement, name, value)
    instance_validate_and_save(
        instance=requirement, validate=lambda: coverage_requirement_check(requirement=requirement, by=by), by=by
    )
    return requirement


@writes
@transaction.atomic
def coverage_requirement_delete(*, requirement: CoverageRequirement, by, reason: str) -> None:
    """The facility no longer needs the position staffed: the roster stops reporting its gaps (history keeps it)."""
    stored_in_scope(requirement, by=by, **COVERAGE_SCOPE)
    instance_delete(instance=requirement, by=by, reason=reason)
