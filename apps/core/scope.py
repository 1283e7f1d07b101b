"""Permission scope, in SQL, from one place.

Who sees which rows:
- administrators (the Administrator role, superusers) see every row;
- anyone holding `facilities.cover_location` on a Location (a django-guardian object permission, given
  to the person or to one of their groups; supervisors and auditors in practice) sees what hangs below
  that location: its facilities, the tickets, shifts and events there, the people based there and their
  time off and time entries;
- everyone sees their own rows (their shifts, tickets they reported or are assigned to...);
- a single object shared with a person or a group (a guardian permission on that object) is visible to
  them too.

What they may *do* with the rows they see is their role's model permissions (the admin checks them).

Every selector builds its queryset with `scoped()`; `register_selector()` makes the selector of each
model findable by the admin, the Activity page and the tests.
"""

import operator
from collections.abc import Callable
from functools import reduce
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models import Q, QuerySet
from django.utils.module_loading import module_has_submodule

from .actors import is_system
from .roles import Role

COVER_PERMISSION = "cover_location"
# ids named one by one in a scoped query up to this many; beyond, the subquery that finds them
LITERAL_IDS_MAX = 200

Selector = Callable[..., QuerySet]
_selectors: dict[type[models.Model], Selector] = {}


def register_selector(model: type[models.Model]) -> Callable[[Selector], Selector]:
    """Decorator: `selector(*, user)` is the answer to "which `model` rows may this user see"."""

    def register(selector: Selector) -> Selector:
        _selectors[model] = selector
        return selector

    return register


def selector_for(model: type[models.Model]) -> Selector | None:
    if model not in _selectors:
        _import_selectors_of(model)  # the admin may be registered before the app's selectors were imported
    return _selectors.get(model)


def _import_selectors_of(model: type[models.Model]) -> None:
    app_module = model._meta.app_config.module
    if module_has_submodule(app_module, "selectors"):
        import_module(f"{app_module.__name__}.selectors")


def scoped_models() -> dict[type[models.Model], Selector]:
    return dict(_selectors)


def is_live(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def prime_scope(user) -> None:
    """Mark `user` as one request's own object (the console does, for each request): their roles and covered
    locations are read once, on first use (`read_scope_once`), and scoped queries then name rows by id."""
    user._portal_prime_scope = True


def _scope_read(user) -> bool:
    """Whether `user`'s scope is known for this request, reading it now if the request asked (`prime_scope`)."""
    if getattr(user, "_portal_covered_location_ids", None) is not None:
        return True
    if getattr(user, "_portal_prime_scope", False) and is_live(user):
        read_scope_once(user)
        return True
    return False


def sees_everything(user) -> bool:
    """Superusers and administrators: no row is out of their scope. Cached on the user object."""
    if not is_live(user):
        return False
    if user.is_superuser:
        return True
    _scope_read(user)
    cached = getattr(user, "_portal_sees_everything", None)
    if cached is None:
        cached = user.groups.filter(name=Role.ADMINISTRATOR).exists()
        user._portal_sees_everything = cached
    return cached


def read_scope_once(user) -> frozenset[str]:
    """Read, in one query, the portal roles `user` holds and the locations they cover; keep both on the user object.

    For one request (the API calls it as it authenticates): `sees_everything` and `covered_location_ids` then
    answer from memory, so every scoped query of the request names the covered locations by id instead of
    re-deriving them from the permission tables in a subquery of its own, which is slower for the ORM to build
    and for PostgreSQL to plan. Code that keeps a user object longer than a request (a task, a test) does not
    call it: a grant made meanwhile would not be seen. Returns the role names (superusers are administrators).
    """
    cached = getattr(user, "_portal_roles", None)
    if cached is not None:
        return cached
    if not is_live(user):
        return frozenset()
    Location, LocationUserObjectPermission, LocationGroupObjectPermission = location_models()
    memberships = user.__class__.groups.through
    member_of = memberships._meta.get_field("group").column
    member = memberships._meta.get_field(user.__class__.groups.field.m2m_field_name()).column

    def table(model) -> str:
        return connections[router.db_for_read(model)].ops.quote_name(model._meta.db_table)

    role_names = ", ".join(["%s"] * len(Role))
    roles_sql = (
        f"SELECT g.name, CAST(NULL AS BIGINT) FROM {table(Group)} g "
        f"JOIN {table(memberships)} m ON m.{member_of} = g.id WHERE m.{member} = %s AND g.name IN ({role_names})"
    )
    direct_sql = (
        f"SELECT CAST(NULL AS VARCHAR(150)), p.content_object_id FROM {table(LocationUserObjectPermission)} p "
        f"JOIN {table(Permission)} a ON a.id = p.permission_id WHERE p.user_id = %s AND a.codename = %s"
    )
    groups_sql = (
        f"SELECT CAST(NULL AS VARCHAR(150)), p.content_object_id FROM {table(LocationGroupObjectPermission)} p "
        f"JOIN {table(memberships)} m ON m.{member_of} = p.group_id "
        f"JOIN {table(Permission)} a ON a.id = p.permission_id WHERE m.{member} = %s AND a.codename = %s"
    )
    params = [user.pk, *Role.values, user.pk, COVER_PERMISSION, user.pk, COVER_PERMISSION]
    with connections[router.db_for_read(Location)].cursor() as cursor:
        cursor.execute(f"{roles_sql} UNION ALL {direct_sql} UNION ALL {groups_sql}", params)
        found = cursor.fetchall()
    roles = {name for name, _ in found if name is not None}
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    user._portal_roles = frozenset(roles)
    user._portal_sees_everything = Role.ADMINISTRATOR in roles
    user._portal_covered_location_ids = tuple(sorted({location for _, location in found if location is not None}))
    return user._portal_roles


def location_models() -> tuple[type[models.Model], type[models.Model], type[models.Model]]:
    """The location model and guardian's direct (user, group) permission tables on it.

    Named in `settings.PORTAL_SCOPE_MODELS`, as `AUTH_USER_MODEL` names the user: the ground floor
    knows the shape of scope, not the app that holds locations.
    """
    names = settings.PORTAL_SCOPE_MODELS
    return (
        apps.get_model(names["location"]),
        apps.get_model(names["user_permission"]),
        apps.get_model(names["group_permission"]),
    )


def covered_location_ids(user) -> QuerySet:
    """The ids of the locations `user` covers, as a subquery (no query runs here).

    The two ways in (granted to the person, granted to one of their groups) are a UNION, not an OR of two
    IN lists: PostgreSQL estimates the union as the handful of locations it is, and plans a scoped list
    from the location's own rows. With the OR it took the scope for most of the table and sorted all of
    it: a supervisor's page of 50 incidents on 30,000 went from 25 ms to 1.5 ms.
    """
    Location, LocationUserObjectPermission, LocationGroupObjectPermission = location_models()

    if not is_live(user):
        return Location.objects.none().values("pk")
    known = getattr(user, "_portal_covered_location_ids", None)
    if known is not None:  # read for this request by read_scope_once
        return (Location.objects.filter(pk__in=known) if known else Location.objects.none()).values("pk")
    direct = LocationUserObjectPermission.objects.filter(user=user, permission__codename=COVER_PERMISSION)
    through_groups = LocationGroupObjectPermission.objects.filter(
        group__user=user, permission__codename=COVER_PERMISSION
    )
    granted = direct.values("content_object").union(through_groups.values("content_object"))
    return Location.objects.filter(pk__in=granted).values("pk")


def covered_locations_lookup(user):
    """The right-hand side of a `<location>__in` lookup for `user`: their covered ids where this request read them
    (`read_scope_once`), a subquery otherwise. The ids as literals make the simplest SQL to build and to plan."""
    known = getattr(user, "_portal_covered_location_ids", None)
    return known if known is not None else covered_location_ids(user)


def _shared_with(user, shared: type[models.Model], group_shared: type[models.Model] | None) -> list[Q]:
    conditions = [Q(pk__in=shared.objects.filter(user=user).values("content_object"))]
    if group_shared is not None:
        conditions.append(Q(pk__in=group_shared.objects.filter(group__user=user).values("content_object")))
    return conditions


def scoped(
    queryset: QuerySet,
    *,
    user,
    location: str | None = None,
    own: Callable[[object], Q] | None = None,
    shared: tuple[type[models.Model], type[models.Model] | None] | None = None,
) -> QuerySet:
    """`queryset` narrowed to what `user` may see, in SQL.

    - `location`: the lookup from the model to its Location ("facility__location", "pk" for Location);
    - `own(user)`: the rows that are the user's own, whatever their location;
    - `shared`: guardian's (user, group) direct permission models for objects shared one by one.

    Several ways in become `pk IN (<ids by location> UNION <own ids> UNION <shared ids>)`: each branch
    is an indexed lookup and the cost follows the rows the user may see. One OR over them made
    PostgreSQL walk the list's whole ordering index and filter (about 5x slower on a scoped list of a
    30,000-incident table, see bench/scope_admin.py).
    """
    if sees_everything(user):
        return queryset
    if not is_live(user):
        return queryset.none()
    if getattr(user, "_portal_prime_scope", False) and _scope_read(user):
        # a console request (prime_scope): conditions naming ids, on the table's own columns. The API reads the
        # same scope once too (read_scope_once) but keeps the union of id lists its five-query budget was
        # measured with (bench/api.py): the ids of the facilities and shared rows would cost it two queries more.
        return _scoped_by_ids(queryset, user=user, location=location, own=own, shared=shared)
    conditions = []
    if location is not None:
        covered = covered_locations_lookup(user)
        if covered != ():
            conditions.append(Q(**{f"{location}__in": covered}))
    if own is not None:
        conditions.append(own(user))
    if shared is not None:
        conditions.extend(_shared_with(user, *shared))
    if not conditions:
        return queryset.none()
    if len(conditions) == 1:
        return queryset.filter(conditions[0])
    rows = queryset.model._default_manager
    branches = [rows.filter(condition).order_by().values("pk") for condition in conditions]
    return queryset.filter(pk__in=branches[0].union(*branches[1:]))


def _scoped_by_ids(queryset: QuerySet, *, user, location, own, shared) -> QuerySet:
    """`scoped()` for a user whose scope this request has read: one OR of conditions on the model's own columns,
    each naming ids (the rows' facility among the facilities at the covered locations, the person among the
    people based there, the row among those shared with the user), so each can walk an index of the table and
    PostgreSQL estimates each from that column's statistics. Where the share is small it reads those rows
    (a bitmap of the indexes) whatever the table's size; where it is most of the table it scans it once.
    The ids a model needs are read in one query, once per request (kept on the user object, as the covered
    locations are)."""
    hop = _location_hop(queryset.model, location, user)
    _read_ids_once(user, hop, shared)
    memo = _memo(user)
    conditions = []
    if location is not None and user._portal_covered_location_ids:
        if hop is None:
            field = "pk" if location == "pk" else location
            conditions.append(Q(**{f"{field}__in": user._portal_covered_location_ids}))
        elif len(memo[hop.key]) > LITERAL_IDS_MAX:
            # most of the table (an auditor's every facility): a subquery, which PostgreSQL hashes once; a list this
            # long, each id sent as the smallest integer type, is compared one by one on every row
            conditions.append(Q(**{f"{hop.first}__in": hop.rows.values("pk")}))
        elif memo[hop.key]:
            conditions.append(Q(**{f"{hop.first}__in": memo[hop.key]}))
    if own is not None:
        conditions.append(own(user))
    if shared is not None and memo[("shared", shared[0])]:
        conditions.append(Q(pk__in=memo[("shared", shared[0])]))
    if not conditions:
        return queryset.none()
    return queryset.filter(reduce(operator.or_, conditions))


def _memo(user) -> dict:
    memo = getattr(user, "_portal_scope_ids", None)
    if memo is None:
        memo = user._portal_scope_ids = {}
    return memo


class _Hop:
    """The first link of a location path that does not name the location itself ("facility" of
    "facility__location"): the model's rows are in scope by that column, among the related rows at the covered
    locations."""

    def __init__(self, model: type[models.Model], path: str, covered: tuple):
        self.first, _, rest = path.partition("__")
        related = model._meta.get_field(self.first).related_model
        self.rows = related._default_manager.filter(**{f"{rest}__in": covered}).order_by()
        self.key = ("location", related, rest)


def _location_hop(model: type[models.Model], path: str | None, user) -> _Hop | None:
    if path is None or path == "pk" or "__" not in path or not user._portal_covered_location_ids:
        return None
    return _Hop(model, path, user._portal_covered_location_ids)


def _read_ids_once(user, hop: _Hop | None, shared) -> None:
    """Read, in one query, the ids this request has not read yet: the related rows at the covered locations (up to
    one more than LITERAL_IDS_MAX) and the objects shared with `user` or one of their groups one by one."""
    memo = _memo(user)
    branches = []  # (memo key, queryset of ids, limit)
    if hop is not None and hop.key not in memo:
        branches.append((hop.key, hop.rows.values_list("pk"), LITERAL_IDS_MAX + 1))
    if shared is not None and ("shared", shared[0]) not in memo:
        model, group_model = shared
        rows = model.objects.filter(user=user).order_by().values_list("content_object")
        if group_model is not None:
            rows = rows.union(group_model.objects.filter(group__user=user).order_by().values_list("content_object"))
        branches.append((("shared", model), rows, None))
    if not branches:
        return
    connection = connections[router.db_for_read(branches[0][1].model)]
    parts, params = [], []
    for number, (_, rows, limit) in enumerate(branches):
        sql, part_params = rows.query.get_compiler(connection=connection).as_sql()
        limited = f" LIMIT {int(limit)}" if limit else ""
        parts.append(f"SELECT {number} AS branch, b.* FROM ({sql}) b{limited}")
        params.extend(part_params)
    found = {key: [] for key, _, _ in branches}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT * FROM ({part}) p{n}" for n, part in enumerate(parts)), params)
        for branch, row_id in cursor.fetchall():
            found[branches[branch][0]].append(row_id)
    for key, ids in found.items():
        memo[key] = tuple(sorted(set(ids)))


def visible_rows(queryset: QuerySet, *, user) -> QuerySet:
    """`queryset` narrowed to the rows its model's selector lets `user` see, in SQL (one subquery).

    For lookups by key on a path that names rows (an import's related columns and existing rows): a
    row outside the user's scope is then exactly as absent as a row that does not exist. The system
    account and administrators see every row; a model without a selector shows nobody else anything.
    """
    if is_system(user) or sees_everything(user):
        return queryset
    selector = selector_for(queryset.model)
    if selector is None or not is_live(user):
        return queryset.none()
    return queryset.filter(pk__in=selector(user=user).order_by().values("pk"))


def location_in_scope(user, location) -> bool:
    """True when `user` may put things at `location` (administrators and the location's coverers)."""
    if sees_everything(user):
        return True
    if location is None or not is_live(user):
        return False
    return covered_location_ids(user).filter(pk=location.pk).exists()


def check_row_in_scope(*, by, row: models.Model, location_path: str, field: str, owner=None) -> None:
    """`check_location_in_scope` for the location at the end of `location_path` from `row`.

    Checked on every save, not only on a move: a row outside `by`'s locations is not theirs to change
    (tickets are the exception, being shareable one by one: see the tickets services).
    """
    check_location_in_scope(by=by, location=location_at(row, location_path), field=field, owner=owner)


_FOLLOW = object()


def location_scope_checker(by) -> Callable[..., None]:
    """`check_row_in_scope` for many rows at once: `by`'s locations are read in one query, then checked in memory.

    Used by imports, where one query per row would dominate the time; the refusal reads the same.
    """
    unchecked = is_system(by) or sees_everything(by)
    allowed = None if unchecked else frozenset(covered_location_ids(by).values_list("pk", flat=True))

    def check(*, row: models.Model, location_path: str, field: str, owner=None, location=_FOLLOW) -> None:
        """Refuse `row` when its location (or `location`, e.g. where an existing row was) is not `by`'s."""
        if allowed is None:
            return
        if location is _FOLLOW:
            location = location_at(row, location_path)
        if location is None or location.pk in allowed:
            return
        if owner is not None and by is not None and getattr(owner, "pk", owner) == by.pk:
            return
        raise ValidationError({field: _outside_message(location)}, code="out_of_scope")

    return check


def _outside_message(location) -> str:
    return f"{location} is outside the locations you cover."


def location_at(row: models.Model, path: str):
    """The object at the end of `path` ("facility__location"), or None where a link is empty."""
    current = row
    for name in path.split("__"):
        field = current._meta.get_field(name)
        if getattr(current, field.attname) is None:
            return None
        current = getattr(current, name)
    return current


def check_location_in_scope(*, by, location, field: str, owner=None) -> None:
    """A service's refusal to create or move something into a location outside `by`'s scope.

    Not scoped: the system account (commands, tasks), and a row that is `by`'s own (`owner`, e.g. their
    own time off). Nobody (`None`) is refused like anyone else outside the location: the check fails
    closed. No location yet (a required field left empty) is the model's own validation to report.
    """
    if location is None or is_system(by):
        return
    if by is None:
        raise ValidationError({field: _outside_message(location)}, code="out_of_scope")
    if owner is not None and getattr(owner, "pk", owner) == by.pk:
        return
    if location_in_scope(by, location):
        return
    raise ValidationError({field: _outside_message(location)}, code="out_of_scope")
