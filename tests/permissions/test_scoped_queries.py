"""Scoped changelists keep their query count flat as rows grow, for the roles that read them.

The scope is a WHERE clause (subqueries on guardian's permission tables), never a query per row: a
supervisor covering every location list 40 rows with no more queries than 10.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from apps.core.roles import Role
from apps.dataio.models import ImportJob
from apps.facilities.models import Location
from tests import factories as f
from tests.test_admin_smoke import REGISTERED, ROW_BUILDERS, _url

pytestmark = pytest.mark.django_db

# auditors are scoped by the same selectors (the same SQL); supervisors read the most models
SCOPED_ROLES = (Role.SUPERVISOR,)
ROLES_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "roles.json"
# rows only their creator sees (the builders create them as other people): the list is empty but still counted
OWN_ROWS_ONLY = {ImportJob}


def _reads(role: str, model) -> bool:
    permissions = next(
        g["fields"]["permissions"] for g in json.loads(ROLES_FIXTURE.read_text()) if g["fields"]["name"] == role
    )
    name = model._meta.model_name
    return any(
        p[1:] == [model._meta.app_label, name] and p[0] in (f"view_{name}", f"change_{name}") for p in permissions
    )


CASES = [
    pytest.param(model, role, id=f"{model._meta.label}-{role}")
    for model in REGISTERED
    for role in SCOPED_ROLES
    if _reads(role, model)
]


def _login_covering_every_location(client, role: str):
    user = f.UserFactory(username=f"scoped-{role.lower()}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    for location in Location.objects.all():
        assign_perm("facilities.cover_location", user, location)
    client.force_login(user)


@pytest.mark.parametrize(("model", "role"), CASES)
def test_scoped_changelist_queries_do_not_grow_with_rows(client, model, role):
    call_command("load_reference_data", verbosity=0)
    url = _url(model, "changelist")
    for n in range(10):
        ROW_BUILDERS[model](n)
    _login_covering_every_location(client, role)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as ten_rows:
        ten = client.get(url)
    for n in range(10, 35):  # still one page, with the reference data's rows (a second page adds one query, once)
        ROW_BUILDERS[model](n)
    for location in Location.objects.all():  # locations the builders just made are covered too
        assign_perm("facilities.cover_location", Group.objects.get(name=role), location)

    with CaptureQueriesContext(connection) as more_rows:
        more = client.get(url)

    assert ten.status_code == more.status_code == 200
    if model not in OWN_ROWS_ONLY:
        assert len(more.context["cl"].result_list) > len(ten.context["cl"].result_list)
    assert len(more_rows) <= len(ten_rows), "\n".join(q["sql"] for q in more_rows.captured_queries)
