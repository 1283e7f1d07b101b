"""What the write paths share: acting for someone else, and the workflow step a PATCH's `status` names.

Staff create time off, time entries and incident reports for themselves only: naming another person is
refused (403) unless the caller may act for them, which is the location scope's rule
(`apps.core.scope.location_in_scope` on the person's home location; administrators everyone).
"""

from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.scope import location_in_scope, sees_everything


def check_acting_for(*, by, person, doing: str) -> None:
    """Refuse `by` naming `person` (not themself) for `doing` ("report incidents") unless they cover them."""
    if person is None or person.pk == by.pk or sees_everything(by):
        return
    if location_in_scope(by, person.home_location):
        return
    raise PermissionDenied(f"You can only {doing} for yourself.")


def check_model_permission(*, by, permission: str, doing: str) -> None:
    """The console's own gate on a change form (the role's model permission), for the same plain-field edits."""
    if not by.has_perm(permission):
        raise PermissionDenied(f"Your role may not {doing}; the workflow's steps (`status`) are open to you.")


def no_step_to(status_label: str) -> ValidationError:
    return ValidationError({"status": f"No step of the workflow leads to “{status_label}”."}, code="no_step")
