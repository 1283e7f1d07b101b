import json
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from apps.core.roles import Role
from apps.tickets.models import IncidentType

pytestmark = pytest.mark.django_db

PORTAL_MODELS = {
    "accounts": ["user"],
    "facilities": ["location", "facility"],
    "tickets": ["incidenttype", "incidentticket", "serviceticket", "ticketnote"],
    "scheduling": ["shift", "scheduledevent", "timeoffrequest"],
    "timesheets": ["timeentry"],
    "notifications": ["outboundemail"],
    "dataio": ["importjob"],
}
# The outbox belongs to no location: only administrators read it, so no other role is given it.
ADMINISTRATORS_ONLY = {"notifications.view_outboundemail"}
# Location scope and tickets shared one by one (django-guardian's direct object permission rows).
GRANT_MODELS = {
    "facilities": ["locationuserobjectpermission", "locationgroupobjectpermission"],
    "tickets": [
        "incidentticketuserobjectpermission",
        "incidentticketgroupobjectpermission",
        "serviceticketuserobjectpermission",
        "serviceticketgroupobjectpermission",
    ],
}


def portal_views() -> set[str]:
    return {f"{app}.view_{model}" for app, models in PORTAL_MODELS.items() for model in models}


def fixture_permissions(role: str) -> set[str]:
    """What fixtures/roles.json gives `role`, read from the file itself."""
    entries = json.loads((settings.BASE_DIR / "fixtures/roles.json").read_text())
    (role_entry,) = [entry for entry in entries if entry["model"] == "auth.group" and entry["fields"]["name"] == role]
    return {f"{app}.{codename}" for codename, app, _model in role_entry["fields"]["permissions"]}


def load(*args) -> str:
    out = StringIO()
    call_command("load_reference_data", *args, stdout=out)
    return out.getvalue()


def perms_of(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")
    }


def snapshot():
    groups = {g.name: sorted(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    types = list(IncidentType.objects.order_by("code").values())
    return groups, types


def test_loads_roles_and_incident_types():
    output = load()

    assert set(Group.objects.values_list("name", flat=True)) == set(Role.values)
    assert IncidentType.objects.count() == len(
        json.loads((settings.BASE_DIR / "fixtures/incident_types.json").read_text())
    )
    assert "created" in output


def test_running_twice_changes_nothing():
    load()
    before = snapshot()
    history_rows = IncidentType.history.count()

    output = load()

    assert snapshot() == before
    assert IncidentType.history.count() == history_rows
    assert "created 0, updated 0" in output


def test_drifted_rows_are_brought_back():
    load()
    IncidentType.objects.filter(code="transmitter-off-air").update(response_sla_minutes=99, resolve_sla_minutes=999)
    Group.objects.get(name=Role.STAFF).permissions.clear()

    output = load()

    assert "updated 2" in output
    assert IncidentType.objects.get(code="transmitter-off-air").response_sla_minutes == 5
    assert "tickets.add_incidentticket" in perms_of(Role.STAFF)


def test_dry_run_writes_nothing():
    output = load("--dry-run")

    assert not Group.objects.exists()
    assert not IncidentType.objects.exists()
    assert "Dry run: would have created" in output


def test_verbosity_zero_prints_only_the_summary():
    out = StringIO()
    call_command("load_reference_data", verbosity=0, stdout=out)
    assert out.getvalue().count("\n") == 1


def test_administrator_manages_everything_in_the_portal():
    load()
    perms = perms_of(Role.ADMINISTRATOR)

    for app, models in PORTAL_MODELS.items():
        for model in models:
            for action in ("add", "change", "delete", "view"):
                assert f"{app}.{action}_{model}" in perms
    for app, models in GRANT_MODELS.items():
        for model in models:
            for action in ("add", "change", "delete", "view"):
                assert f"{app}.{action}_{model}" in perms
    assert {"auth.add_group", "auth.change_group", "auth.delete_group", "auth.view_group"} <= perms
    assert "django_celery_beat.change_periodictask" in perms
    assert not any(".add_historical" in p or "view_historical" in p for p in perms)


def test_supervisor_permissions():
    load()
    perms = perms_of(Role.SUPERVISOR)

    assert portal_views() - ADMINISTRATORS_ONLY <= perms
    assert not perms & ADMINISTRATORS_ONLY
    assert "tickets.change_incidentticket" in perms
    assert "scheduling.add_shift" in perms and "scheduling.change_shift" in perms
    # shifts and events are cancelled, not deleted, by supervisors; administrators delete, through the services
    assert "scheduling.delete_shift" not in perms and "scheduling.delete_scheduledevent" not in perms
    assert "tickets.add_ticketnote" in perms and "tickets.delete_ticketnote" not in perms  # the journal is append-only
    assert "timesheets.change_timeentry" in perms
    assert "tickets.delete_incidentticket" not in perms
    assert "accounts.change_user" not in perms
    assert "notifications.change_outboundemail" not in perms
    assert not any(p.endswith("objectpermission") for p in perms)  # granting scope is for administrators


def test_auditor_only_views():
    load()
    perms = perms_of(Role.AUDITOR)

    assert all(p.split(".")[1].startswith("view_") for p in perms)
    assert portal_views() - ADMINISTRATORS_ONLY <= perms
    assert not perms & ADMINISTRATORS_ONLY
    assert not any(p.endswith("objectpermission") for p in perms)
    assert perms == fixture_permissions(Role.AUDITOR)


def test_staff_permissions():
    load()
    perms = perms_of(Role.STAFF)

    assert {
        "tickets.view_incidentticket",
        "scheduling.view_shift",
        "scheduling.view_scheduledevent",
        "scheduling.view_timeoffrequest",
        "timesheets.view_timeentry",
        "tickets.add_incidentticket",
        "scheduling.add_timeoffrequest",
        "timesheets.add_timeentry",
        "tickets.add_ticketnote",
    } <= perms
    assert not any(p.split(".")[1].startswith(("change_", "delete_")) for p in perms)
    assert not any(p.startswith(("accounts.", "notifications.", "dataio.")) for p in perms)


def test_fixtures_also_load_with_loaddata_idempotently():
    call_command("loaddata", "fixtures/roles.json", "fixtures/incident_types.json", verbosity=0)
    call_command("loaddata", "fixtures/roles.json", "fixtures/incident_types.json", verbosity=0)

    assert Group.objects.count() == 4
    assert IncidentType.objects.count() == 12
    for role in Role.values:
        assert Permission.objects.filter(group__name=role).count() == len(fixture_permissions(role)), role


def test_incident_types_have_ordered_slas():
    load()
    for incident_type in IncidentType.objects.all():
        assert 0 < incident_type.response_sla_minutes <= incident_type.resolve_sla_minutes
