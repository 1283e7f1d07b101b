"""People: the four demo logins, then each site's crew, with names, HR numbers, titles and phones."""

import re
import unicodedata
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.accounts.models import User
from apps.core.roles import CONSOLE_ROLES, Role
from apps.core.scope import COVER_PERMISSION
from apps.demo.logins import DEMO_PASSWORD
from apps.facilities.models import LocationUserObjectPermission

from .catalogue import DEMO_LOGINS, DISCIPLINES, FIRST_NAMES, LAST_NAMES, STAFFING
from .context import CHANGE_REASON, DEMO_EMAIL_DOMAIN, Person, SeedContext, World

FIRST_EMPLOYEE_NUMBER = 10001


class Directory:
    """Hands out usernames and employee IDs not yet taken (by earlier rows or by this seed)."""

    def __init__(self):
        rows = User.objects.values_list("username", "employee_id")
        self.usernames = {username for username, _ in rows}
        self.employee_ids = {employee_id for _, employee_id in rows}
        self.next_number = FIRST_EMPLOYEE_NUMBER

    def employee_id(self) -> str:
        while f"E{self.next_number}" in self.employee_ids:
            self.next_number += 1
        employee_id = f"E{self.next_number}"
        self.employee_ids.add(employee_id)
        return employee_id

    def username(self, first_name: str, last_name: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", f"{first_name}.{last_name}").encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z.]", "", ascii_name.lower())
        candidate, suffix = base, 1
        while candidate in self.usernames:
            suffix += 1
            candidate = f"{base}{suffix}"
        self.usernames.add(candidate)
        return candidate


def _new_user(ctx: SeedContext, directory: Directory, *, username, first_name, last_name, discipline, site, role):
    spec = DISCIPLINES[discipline]
    number = len(site.people) + 1 if site else 1
    user = User(
        username=username,
        employee_id=directory.employee_id(),
        first_name=first_name,
        last_name=last_name,
        email=f"{username}@{DEMO_EMAIL_DOMAIN}",
        password=ctx.password_hash,
        title=spec.title,
        department=spec.department,
        phone=site.phone_format.format(n=number, nn=number % 100, a=number // 100, b=number % 100) if site else "",
        home_location=site.location if site else None,
        is_staff=role in CONSOLE_ROLES,
        is_active=True,
    )
    joined = ctx.now - timedelta(days=ctx.rng.randint(180, 8 * 365), minutes=ctx.rng.randint(0, 1440))
    user.date_joined = joined
    return ctx.stamp(user, joined)


def seed_admin(ctx: SeedContext, world: World) -> None:
    """The `admin` superuser comes first: every other demo row's history names it."""
    ctx.password_hash = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo account
    ctx.directory = Directory()
    admin = User.objects.filter(username="admin").first()
    world.admin_is_new = admin is None
    if admin is None:
        _, _, discipline, first_name, last_name, _ = DEMO_LOGINS[0]
        admin = _new_user(
            ctx,
            ctx.directory,
            username="admin",
            first_name=first_name,
            last_name=last_name,
            discipline=discipline,
            site=None,
            role=Role.ADMINISTRATOR,
        )
        admin.is_superuser = admin.is_staff = True
        ctx.write(User, [admin], label="users")
    ctx.history_user = admin
    world.admin_user = admin


def seed_people(ctx: SeedContext, world: World) -> None:
    directory, rng = ctx.directory, ctx.rng
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    hq = world.sites[0]
    new_users, memberships, people = [], [], []

    def enrol(user, role, discipline, site, *, new=True):
        person = Person(user, role, discipline, site, len(people))
        people.append(person)
        site.people.append(person)
        if new:
            new_users.append(user)
            memberships.append(User.groups.through(user=user, group=groups[role]))
        return person

    # the demo logins: `admin` exists already; the others are reused when a previous seed left them
    existing = {user.username: user for user in User.objects.filter(username__in=[d[0] for d in DEMO_LOGINS])}
    for username, role, discipline, first_name, last_name, _ in DEMO_LOGINS:
        if username == "admin":
            admin = world.admin_user
            world.admin = enrol(admin, role, discipline, hq, new=False)
            if world.admin_is_new or not admin.groups.filter(name=role).exists():
                memberships.append(User.groups.through(user=admin, group=groups[role]))
            continue
        if username in existing:
            enrol(existing[username], role, discipline, hq, new=False)
            continue
        user = _new_user(
            ctx,
            directory,
            username=username,
            first_name=first_name,
            last_name=last_name,
            discipline=discipline,
            site=hq,
            role=role,
        )
        enrol(user, role, discipline, hq)

    for site in world.sites:
        for role, discipline, how_many in STAFFING[site.kind]:
            for _ in range(how_many):
                first_name = rng.choice(FIRST_NAMES[site.locale])
                last_name = rng.choice(LAST_NAMES[site.locale])
                user = _new_user(
                    ctx,
                    directory,
                    username=directory.username(first_name, last_name),
                    first_name=first_name,
                    last_name=last_name,
                    discipline=discipline,
                    site=site,
                    role=role,
                )
                enrol(user, role, discipline, site)

    # `admin` was written before the locations existed: give it its home now (with a history row)
    admin = world.admin.user
    if admin.home_location_id is None or admin.home_location_id != hq.location.pk:
        admin.home_location = hq.location
        admin.phone = admin.phone or hq.phone_format.format(n=0, nn=0, a=0, b=0)
        admin.updated_at = ctx.now
        if not ctx.dry_run:
            admin._history_date = ctx.now
            bulk_update_with_history(
                [admin],
                User,
                ["home_location", "phone", "updated_at"],
                default_user=admin,
                default_change_reason=CHANGE_REASON,
            )

    ctx.write(User, new_users, label="users")
    ctx.write_plain(User.groups.through, memberships, label="role memberships")
    world.people = people
    _grant_location_scope(ctx, world)


def _grant_location_scope(ctx: SeedContext, world: World) -> None:
    """Supervisors cover their own site; the auditor covers every site (guardian rows, with history)."""
    cover = Permission.objects.get(content_type__app_label="facilities", codename=COVER_PERMISSION)
    every_location = [site.location for site in world.sites]
    wanted = []
    for person in world.people:
        if person.role == Role.SUPERVISOR:
            wanted.extend((person.user, location) for location in [person.site.location])
        elif person.role == Role.AUDITOR:
            wanted.extend((person.user, location) for location in every_location)
    existing = set(
        LocationUserObjectPermission.objects.filter(permission=cover).values_list("user_id", "content_object_id")
    )
    grants = [
        LocationUserObjectPermission(user=user, permission=cover, content_object=location)
        for user, location in wanted
        if (user.pk, location.pk) not in existing
    ]
    ctx.count("location scope grants", len(grants))
    if grants and not ctx.dry_run:
        bulk_create_with_history(
            grants, LocationUserObjectPermission, default_user=ctx.history_user, default_change_reason=CHANGE_REASON
        )
