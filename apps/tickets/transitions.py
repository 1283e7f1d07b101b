"""The ticket workflows' shared parts: transition tables, who may do what, and running an action on many tickets.

A small hand-written table rather than a state-machine library (django-fsm-2, viewflow's fsm): those hang
transitions on model methods and mark them on the status field, while here every transition is a service
that also checks the user's role and location scope, sets timestamps, moves SLA clocks, writes history with
a reason and queues e-mails. The table only has to answer "from which statuses, to which, and who", and the
console reads it to say why a transition is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from apps.core.actors import is_system
from apps.core.scope import is_live, location_in_scope, sees_everything


class WorkflowError(ValidationError):
    """A transition refused: wrong status, wrong person, or a missing input. The message says which."""


@dataclass(frozen=True)
class Transition:
    name: str
    verb: str  # "put on hold": reads in "only ... can be put on hold", "cannot put ... on hold"
    sources: tuple[str, ...]
    target: str
    supervisor_only: bool = False


def transition_table(*transitions: Transition) -> dict[str, Transition]:
    return {transition.name: transition for transition in transitions}


def is_supervisor_of(user, ticket, *, permission: str) -> bool:
    """Administrators, the portal's own account (tasks, commands), and whoever holds `permission` (a
    supervisor's role) and covers the ticket's location. Nobody else: no actor at all (`None`) is nobody's
    supervisor, so a forgotten `by` fails closed."""
    if is_system(user):
        return True
    if sees_everything(user):
        return True
    return is_live(user) and user.has_perm(permission) and location_in_scope(user, ticket.facility.location)


def check_transition(ticket, transition: Transition, *, by, permission: str, status_label: Callable) -> None:
    """Refuse `transition` of `ticket` by `by`, naming the reason, unless the table and the role allow it.

    Handling a ticket (everything not `supervisor_only`) is for its assignee and the supervisors of its
    location; supervisor-only steps (close, reopen, duplicate, cancel) for the latter alone.
    """
    if ticket.status not in transition.sources:
        allowed = " or ".join(f"“{status_label(source)}”" for source in transition.sources)
        raise WorkflowError(
            f"{ticket.reference} is “{status_label(ticket.status)}”: only a ticket that is {allowed} "
            f"can be {_past_participle(transition.verb)}.",
            code="invalid_transition",
        )
    supervisor = is_supervisor_of(by, ticket, permission=permission)
    if supervisor:
        return
    if transition.supervisor_only:
        raise WorkflowError(
            f"Only a supervisor of {ticket.facility.location} can {transition.verb} {ticket.reference}.",
            code="not_allowed",
        )
    if ticket.assignee_id is None or ticket.assignee_id != getattr(by, "pk", None):
        raise WorkflowError(
            f"Only {ticket.reference}'s assignee or a supervisor of {ticket.facility.location} "
            f"can {transition.verb} it.",
            code="not_allowed",
        )


def check_supervisor(ticket, *, by, permission: str, doing: str) -> None:
    if not is_supervisor_of(by, ticket, permission=permission):
        raise WorkflowError(
            f"Only a supervisor of {ticket.facility.location} can {doing} {ticket.reference}.", code="not_allowed"
        )


_PARTICIPLES = {
    "acknowledge": "acknowledged",
    "start work on": "started",
    "put on hold": "put on hold",
    "resume": "resumed",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
    "mark as a duplicate": "marked as a duplicate",
    "schedule": "scheduled",
    "start": "started",
    "set waiting": "set waiting",
    "complete": "completed",
    "cancel": "cancelled",
}


def _past_participle(verb: str) -> str:
    return _PARTICIPLES.get(verb, verb)
