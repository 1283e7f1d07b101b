"""What a ticket change leaves behind: the reason its history row gives, and the caller's object up to date.

Used by the services and the workflows alike; nothing here writes (the services save with
`apps.core.saving.instance_save`).
"""

from django.db import models

from apps.audit.history import current_change


def history_reason(reason: str = "") -> str:
    """The reason a ticket's history row gives: the unit of work's own first ("Added in the console", "Import
    job …", "Reverted to …"), then the service's ("Reported")."""
    context = current_change()
    outer = context.reason if context is not None else ""
    return "; ".join(part for part in (outer, reason) if part)


def ticket_copy_state(*, source: models.Model, target: models.Model) -> None:
    """Bring the caller's object up to date with the row a service just saved (from a locked copy of it)."""
    if target is source:
        return
    for field in source._meta.concrete_fields:
        # setting a foreign key's id drops its stale cached object
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db
