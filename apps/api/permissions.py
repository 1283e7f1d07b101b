"""Which role may call which verb on which resource: one declared table, read by the views and by the tests.

A verb a role may not call answers 403 with a sentence naming who may; a verb the contract does not list
for a resource answers 405 (the router offers no such route). Which *rows* a caller reaches is the scope
(`apps.api.rows`, from the selectors), checked after this table: a row out of scope answers 404.
"""

from collections.abc import Iterable

from rest_framework.permissions import BasePermission

from apps.core.actors import is_system
from apps.core.roles import Role
from apps.core.scope import read_scope_once

ADMINISTRATOR, SUPERVISOR, STAFF, AUDITOR = Role.ADMINISTRATOR, Role.SUPERVISOR, Role.STAFF, Role.AUDITOR
EVERYONE = frozenset(Role)
MANAGERS = frozenset({ADMINISTRATOR, SUPERVISOR})
WRITERS = frozenset({ADMINISTRATOR, SUPERVISOR, STAFF})  # auditors write nothing
ADMINISTRATORS = frozenset({ADMINISTRATOR})

LIST, RETRIEVE, CREATE, UPDATE = "list", "retrieve", "create", "partial_update"
READ = {LIST: EVERYONE, RETRIEVE: EVERYONE}

# resource -> verb -> the roles that may call it. What a role may then do with one row (staff: their own
# time entries while submitted, their own pending time off; a ticket's workflow step) is the services' rule.
VERBS: dict[str, dict[str, frozenset[str]]] = {
    "profiles": {**READ, CREATE: ADMINISTRATORS, UPDATE: WRITERS},  # own phone and photo; administrators all
    "locations": {**READ, CREATE: ADMINISTRATORS},
    "facilities": {**READ, CREATE: ADMINISTRATORS},
    "shifts": {**READ, CREATE: MANAGERS},  # a draft
    "incident-types": {**READ},
    "incident-tickets": {**READ, CREATE: WRITERS, UPDATE: WRITERS},  # anyone reports; steps by the workflow's rules
    "service-tickets": {**READ, CREATE: MANAGERS, UPDATE: WRITERS},  # requested by supervisors (roles.json)
    "time-entries": {**READ, CREATE: WRITERS, UPDATE: WRITERS},  # staff: their own
    "scheduled-events": {**READ, CREATE: MANAGERS, UPDATE: MANAGERS},
    "time-off-requests": {**READ, CREATE: WRITERS, UPDATE: WRITERS},  # staff: their own
    "send-email": {CREATE: MANAGERS},
}

VERB_WORDS = {LIST: "list", RETRIEVE: "read", CREATE: "add", UPDATE: "change"}
DOING = {("send-email", CREATE): "send e-mail"}  # where "<verb> <resource>" does not read
ROLE_PLURALS = {
    ADMINISTRATOR: "administrators",
    SUPERVISOR: "supervisors",
    STAFF: "staff",
    AUDITOR: "auditors",
}


def roles_of(user) -> frozenset[str]:
    """The portal roles `user` holds (superusers are administrators), read once per request and cached on it.

    The same query reads the locations they cover (`apps.core.scope.read_scope_once`), so that the request's
    scoped queries name them by id and no selector asks again whether the caller sees everything.
    """
    if user is None or not user.is_authenticated or not user.is_active or is_system(user):
        return frozenset()
    return read_scope_once(user)


def may(user, resource: str, verb: str) -> bool:
    return bool(roles_of(user) & VERBS.get(resource, {}).get(verb, frozenset()))


def reads_reference_only(user) -> bool:
    """Staff (and only staff): they see their own rows plus the reference data a form needs (API.md)."""
    roles = roles_of(user)
    return STAFF in roles and not roles & {ADMINISTRATOR, SUPERVISOR, AUDITOR}


def _roles_sentence(roles: Iterable[str]) -> str:
    names = [ROLE_PLURALS[role] for role in Role if role in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def refusal(resource: str, verb: str) -> str:
    allowed = VERBS.get(resource, {}).get(verb, frozenset())
    doing = DOING.get((resource, verb), f"{VERB_WORDS[verb]} {resource.replace('-', ' ')}")
    if not allowed:
        return f"Nobody may {doing} through the API."
    return f"Only {_roles_sentence(allowed)} may {doing}."


class RoleVerbPermission(BasePermission):
    """The table above, for the view's `resource` and DRF's action (list, retrieve, create, partial_update)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401: not signed in
        verb = getattr(view, "action", None) or getattr(view, "verb", None)
        if verb not in VERB_WORDS:
            return True  # a method the resource does not offer (PUT, DELETE, OPTIONS): DRF answers 405

        if may(user, view.resource, verb):
            return True
        self.message = refusal(view.resource, verb)
        return False
