"""The permission matrix: the world it runs in, the outcome each case expects, and the HTTP probe that observes it.

Expectations come from fixtures/roles.json and matrix_spec.py only, never from the admin's own
has_*_permission methods. One rule orders them, as Django's views do: the permission first, then the scope.
Without the permission the answer is 403; for an object out of scope a 404 is accepted too (both refuse without
revealing whether the object exists). With the permission, an object out of scope is 404.
"""

import functools
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse
from guardian.shortcuts import assign_perm

from tests import factories as f

from .matrix_spec import IN, MODEL_SPECS, OUT, ROLES, Place, role_permissions

LOGIN, INDEX = "302 login", "302 index"
STANDARD_PERMISSIONS = ("view", "add", "change", "delete")
ROLE_PERMISSIONS = role_permissions()


class UnmappedPermission(Exception):
    pass


# --- the world: two locations, one user per role, a row in and out of each role's scope per model ------------


@dataclass
class World:
    users: dict[str, object]
    rows: dict[tuple[str, type], dict[str, object]] = field(default_factory=dict)  # (role, model) -> {side: row}


def build_world() -> World:
    location_a = f.LocationFactory(code="MX-A", name="Matrix A")
    location_b = f.LocationFactory(code="MX-B", name="Matrix B")
    users = {}
    for role, facts in ROLES.items():
        user = f.UserFactory(username=f"matrix-{role.lower()}", is_staff=facts.console, home_location=location_a)
        user.groups.add(Group.objects.get(name=role))
        if facts.covers:
            assign_perm("facilities.cover_location", user, location_a)
        users[role] = user
    coverers = tuple(user for role, user in users.items() if ROLES[role].covers)
    person_a = f.UserFactory(username="matrix-person-a", home_location=location_a)
    person_b = f.UserFactory(username="matrix-person-b", home_location=location_b)
    facility_a = f.FacilityFactory(location=location_a, code="MX-A-STU")
    facility_b = f.FacilityFactory(location=location_b, code="MX-B-STU")
    world = World(users=users)
    for model, spec in MODEL_SPECS.items():  # model by model: the spec's order is the order rows are created in
        for role, user in users.items():
            places = {
                IN: Place(location_a, facility_a, person_a, owner=user, coverers=coverers),
                OUT: Place(location_b, facility_b, person_b, owner=person_b, coverers=()),
            }
            world.rows[role, model] = {side: spec.build(places[side]) for side in spec.scope.sides()}
    return world


# --- expectations --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grants:
    """What `role` may do with `model`: its roles.json permissions, less what the admin refuses to everyone."""

    role: str
    model: type

    @property
    def spec(self):
        return MODEL_SPECS[self.model]

    def raw(self, action: str) -> bool:
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}" in ROLE_PERMISSIONS[self.role]

    def can(self, action: str) -> bool:
        if action == "view":
            return self.raw("view") or self.raw("change")
        if action in self.spec.administrators_only and not ROLES[self.role].sees_everything:
            return False
        return self.raw(action) and action not in self.spec.read_only

    def can_run(self, permissions) -> bool:
        """An action's `permissions` (None: offered to whoever reaches the list)."""
        return all(self._permission(name) for name in permissions or ())

    def _permission(self, name: str) -> bool:
        if "." in name:
            return name in ROLE_PERMISSIONS[self.role]
        if name in STANDARD_PERMISSIONS:
            return self.can(name)
        if name in self.spec.action_permissions:
            return self.spec.action_permissions[name] in ROLE_PERMISSIONS[self.role]
        raise UnmappedPermission(
            f"{self.model._meta.label}: an action needs the custom permission {name!r}; add the model permission "
            f"has_{name}_permission checks to its ModelSpec.action_permissions in tests/permissions/matrix_spec.py"
        )


def expected(grants: Grants, op: str, side: str, action_permissions=None) -> frozenset[str]:
    facts = ROLES[grants.role]
    if not facts.console:
        return frozenset({LOGIN})
    visible = facts.sees_everything or side == IN

    def gated(allowed: bool, *outcomes: str) -> frozenset[str]:
        if not allowed:
            return frozenset({"403"} if visible else {"403", "404"})
        return frozenset(outcomes if visible else {"404"})

    can = grants.can
    if op == "list":
        return frozenset({"403"} if not can("view") else {"200 row" if visible else "200 no row"})
    if op == "add":
        return frozenset({"200" if can("add") else "403"})
    if op == "view":
        return gated(can("view"), "200 save" if can("change") else "200 no save")
    if op == "change":
        return gated(can("change"), "allowed")
    if op == "delete":
        return gated(can("delete"), "200")
    if op == "history":
        return gated(can("view"), "200")
    if op == "permissions":
        if grants.spec.object_permissions in ROLE_PERMISSIONS[grants.role] and not can("change"):
            return frozenset({INDEX})  # guardian's own refusal
        return gated(grants.spec.object_permissions in ROLE_PERMISSIONS[grants.role], "200")
    if op.startswith("detail:"):
        return gated(grants.can_run(action_permissions), "allowed")
    if op.startswith("action:"):
        if not can("view"):
            return frozenset({"403"})
        if not grants.can_run(action_permissions):
            return frozenset({"not offered"})
        # Django runs the action on the selected rows that are in the list: none, for a row out of scope
        return frozenset({"ran on object"} if visible else {"ran on no rows", "nothing selected"})
    raise ValueError(op)


# --- probes: one real request each -------------------------------------------------------------------------------


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def outcome(response) -> str:
    if response.status_code != 302:
        return str(response.status_code)
    path = urlparse(response["Location"]).path
    if path == reverse("admin:login"):
        return LOGIN
    if path == reverse("admin:index"):
        return INDEX
    return f"302 {path}"


def observe_list(client, model, rows: dict[str, object]) -> dict[str, str]:
    """The changelist narrowed to the matrix rows (`?id__in=`); a row is there when the page shows it."""
    pk_name = model._meta.pk.attname
    response = client.get(url(model, "changelist"), {f"{pk_name}__in": ",".join(str(row.pk) for row in rows.values())})
    if response.status_code != 200:
        return dict.fromkeys(rows, outcome(response))
    changelist = response.context["cl"]
    shown = {row.pk for row in changelist.result_list}
    html = response.content.decode()
    observed = {}
    for side, row in rows.items():
        link = url(model, "change", row.pk) in html
        if row.pk in shown:
            observed[side] = "200 row" if link or not changelist.list_display_links else "200 row without its link"
        else:
            observed[side] = "200 no row" if not link else "200 no row, but its link"
    return observed


def observe_view(client, model, row) -> str:
    response = client.get(url(model, "change", row.pk))
    if response.status_code != 200:
        return outcome(response)
    return "200 save" if 'name="_save"' in response.content.decode() else "200 no save"


def observe_change(client, model, row) -> str:
    """An empty POST: re-rendered with errors (200) or saved (302 onwards) both prove the change was allowed."""
    response = client.post(url(model, "change", row.pk), {})
    result = outcome(response)
    return "allowed" if result == "200" or (result.startswith("302 ") and result not in (LOGIN, INDEX)) else result


def observe_page(client, model, view: str, row) -> str:
    return outcome(client.get(url(model, view, row.pk)))


def observe_detail_action(client, model, name: str, row) -> str:
    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=[row.pk]))
    result = outcome(response)
    return result if result in ("403", "404", LOGIN) else "allowed"


def observe_action(client, model, name: str, row, calls: list[set]) -> str:
    """POST the changelist's action form with the row selected; the spy on the action says what it ran on."""
    calls.clear()
    data = {"action": name, "index": "0", "_selected_action": [str(row.pk)]}
    response = client.post(url(model, "changelist"), data, follow=True)
    if response.redirect_chain and urlparse(response.redirect_chain[0][0]).path == reverse("admin:login"):
        return LOGIN
    if calls:
        return "ran on object" if any(row.pk in pks for pks in calls) else "ran on no rows"
    if response.status_code != 200:
        return outcome(response)
    html = response.content.decode()
    if "Items must be selected in order to perform actions on them" in html:
        return "nothing selected"
    return "not offered"  # "No action selected.", or a list without this action (or without any action)


# --- actions, and spies on them --------------------------------------------------------------------------------


def list_actions(model_admin) -> list[tuple[str, object]]:
    """(name, permissions) of every changelist action the admin may offer, Django's delete_selected included."""
    return [(name, getattr(func, "allowed_permissions", None)) for func, name, _ in model_admin._get_base_actions()]


def detail_actions(model_admin) -> list[tuple[str, object]]:
    """unfold's per-object actions (detail and row): (name, permissions)."""
    names = model_admin._extract_action_names([*model_admin.actions_detail, *model_admin.actions_row])
    return [(name, getattr(getattr(model_admin, name), "allowed_permissions", None)) for name in names]


def spy_on_actions(monkeypatch, model_admin) -> list[set]:
    """Wrap each changelist action (site-wide and the admin's own) to record the rows it is called with."""
    calls: list[set] = []

    def spy(func):
        @functools.wraps(func)
        def recording(modeladmin, request, queryset, *args, **kwargs):
            calls.append(set(queryset.values_list("pk", flat=True)))
            return func(modeladmin, request, queryset, *args, **kwargs)

        return recording

    site = model_admin.admin_site
    own = set(model_admin.actions or ())
    for name, func in list(site._actions.items()):
        if name not in own:
            monkeypatch.setitem(site._actions, name, spy(func))
    for name in own:
        if not isinstance(name, str):
            admin_name = type(model_admin).__name__
            raise TypeError(f"{admin_name}.actions: give {name!r} by name (a string) to let the matrix spy on it")
        monkeypatch.setattr(type(model_admin), name, spy(getattr(type(model_admin), name)))
    return calls


# --- the cases of one role and one model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    op: str
    side: str
    expected: frozenset[str]
    observed: str

    @property
    def ok(self) -> bool:
        return self.observed in self.expected


def run_cases(client, monkeypatch, role: str, model, rows: dict[str, object]) -> list[Case]:
    model_admin = admin.site._registry[model]
    grants = Grants(role, model)
    calls = spy_on_actions(monkeypatch, model_admin)
    cases = []

    def case(op, side, observed, permissions=None):
        try:
            want = expected(grants, op, side, permissions)
        except UnmappedPermission as error:
            want = frozenset({str(error)})
        cases.append(Case(op, side, want, observed))

    for side, observed in observe_list(client, model, rows).items():
        case("list", side, observed)
    case("add", "-", outcome(client.get(url(model, "add"))))
    for side, row in rows.items():
        case("view", side, observe_view(client, model, row))
        case("history", side, observe_page(client, model, "history", row))
        case("delete", side, observe_page(client, model, "delete", row))
        if MODEL_SPECS[model].object_permissions:
            case("permissions", side, observe_page(client, model, "permissions", row))
        case("change", side, observe_change(client, model, row))
        for name, permissions in detail_actions(model_admin):
            case(f"detail:{name}", side, observe_detail_action(client, model, name, row), permissions)
        for name, permissions in list_actions(model_admin):
            case(f"action:{name}", side, observe_action(client, model, name, row, calls), permissions)
    return cases


def table(role: str, model, cases: list[Case]) -> str:
    lines = [f"{'role':<14}{'model':<34}{'case':<26}{'object':<8}{'expected':<34}observed"]
    for c in cases:
        expected_text = " | ".join(sorted(c.expected))
        lines.append(f"{role:<14}{model._meta.label:<34}{c.op:<26}{c.side:<8}{expected_text:<34}{c.observed}")
    return "\n".join(lines)


def object_permissions_url_exists(model) -> bool:
    try:
        url(model, "permissions", 1)
    except NoReverseMatch:
        return False
    return True
