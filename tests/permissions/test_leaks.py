"""No surface of the console shows a supervisor what hangs below a location they do not cover (real HTTP).

The world: a supervisor covering London; for each scoped model one object below London ("Alder ...") and one
below Paris ("Quince ..."). No response may contain "quince" (search terms go out as "QUINCE", so the echoed
search box is not a leak); pages that should list the London objects must show them, so nothing passes on an
empty page. Cases come from the admin registry: a new admin, autocomplete, filter or export is covered at once.
"""

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from guardian.shortcuts import assign_perm
from import_export.resources import ModelResource
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.contrib.filters.admin.mixins import AutocompleteMixin

from apps.accounts.models import User
from apps.audit.history import change_context
from apps.audit.models import ActivityEntry
from apps.core.roles import Role
from apps.core.scope import selector_for
from apps.dataio.models import ImportJob
from apps.facilities.models import Facility, Location
from apps.notifications.models import OutboundEmail
from apps.scheduling.models import ScheduledEvent, Shift, TimeOffRequest
from apps.tickets.models import IncidentTicket, IncidentType, ServiceTicket, TicketNote
from apps.timesheets.models import TimeEntry
from tests import factories as f
from tests.tickets.html_forms import form_data

pytestmark = pytest.mark.django_db

REQUEST_IN, REQUEST_OUT = "req-in-0001", "req-out-0001"
MISSING_PK = 987654321
REFERENCE_DATA = {IncidentType}  # every signed-in person reads all of it: nothing is out of scope


# --- the world ----------------------------------------------------------------------------------------------------


def _below(location, word: str, code: str, *, kind, import_owner=None) -> dict:
    """One object of each location-scoped model below `location`, each named with `word`."""
    person = f.UserFactory(
        username=f"{word.lower()}.person", first_name="Pat", last_name=word, employee_id=f"E-{code}",
        home_location=location,
    )  # fmt: skip
    facility = f.FacilityFactory(location=location, code=f"{code}-STU", name=f"{word} Studio")
    incident = f.IncidentTicketFactory(
        reference=f"INC-{code}", title=f"{word} transmitter fire", facility=facility, reporter=person,
        incident_type=kind,
    )  # fmt: skip
    service = f.ServiceTicketFactory(
        reference=f"SRV-{code}", title=f"{word} lens repair", facility=facility, requested_by=person
    )
    shift = f.ShiftFactory(user=person, facility=facility, position=f"{word} camera operator")
    event = f.ScheduledEventFactory(title=f"{word} evening news", facility=facility)
    event.crew.add(person)
    return {
        Location: location, User: person, Facility: facility, IncidentTicket: incident, ServiceTicket: service,
        TicketNote: f.TicketNoteFactory(incident=incident, author=person, text=f"{word} note: encoder restarted"),
        Shift: shift, ScheduledEvent: event,
        TimeOffRequest: f.TimeOffRequestFactory(user=person, reason=f"{word} family holiday"),
        TimeEntry: f.TimeEntryFactory(user=person, notes=f"{word} overtime"),
        ImportJob: f.ImportJobFactory(created_by=import_owner or person),
    }  # fmt: skip


@pytest.fixture
def world(db):
    call_command("load_reference_data", verbosity=0)
    london = f.LocationFactory(code="LON-ALD", name="Alder London HQ")
    paris = f.LocationFactory(code="PAR-QNC", name="Quince Paris HQ")
    supervisor = f.UserFactory(
        username="alder.supervisor", first_name="Sue", last_name="Visor", is_staff=True, home_location=london
    )
    supervisor.groups.add(Group.objects.get(name=Role.SUPERVISOR))
    leeds = f.LocationFactory(code="LDS-ALD", name="Alder Leeds")  # two of each in scope: filters show
    for location in (london, leeds):
        assign_perm("facilities.cover_location", supervisor, location)
    f.FacilityFactory(location=leeds, code="ALD-GAL", name="Alder gallery")
    kind = f.IncidentTypeFactory(code="alder-outage", name="Alder outage")
    with change_context(request_id=REQUEST_IN, reason="Set up"):
        inside = _below(london, "Alder", "ALD", kind=kind, import_owner=supervisor)
    with change_context(request_id=REQUEST_OUT, reason="Set up"):
        outside = _below(paris, "Quince", "QNC", kind=kind)
        outside[Group] = Group.objects.create(name="Quince crew")
        outside[User].groups.add(outside[Group])
        outside[OutboundEmail] = f.OutboundEmailFactory(subject="Quince outage notice")
    inside[Group], inside[IncidentType] = Group.objects.get(name=Role.SUPERVISOR), kind
    for objects in (inside, outside):  # the Activity row of the incident's creation
        incident = objects[IncidentTicket]
        created = {"object_id": incident.pk, "content_type__model": "incidentticket", "history_type": "+"}
        objects[ActivityEntry] = ActivityEntry.objects.get(**created)
    return SimpleNamespace(supervisor=supervisor, inside=inside, outside=outside)


@pytest.fixture
def sup(client, world):
    client.force_login(world.supervisor)
    return client


# --- helpers ------------------------------------------------------------------------------------------------------


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def text(response) -> str:
    """The body; a streamed one (exports, apps/console/dataio/exports) is read once and kept."""
    if not hasattr(response, "_leak_text"):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        response._leak_text = body.decode()
    return response._leak_text


def assert_no_leak(response) -> None:
    body = text(response).replace("QUINCE", "")  # the search term, echoed back
    assert "quince" not in body.lower(), f"out-of-scope text in {response.request['PATH_INFO']}"


def may(user, model, action: str = "view") -> bool:
    return user.has_perm(f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}")


def marker(obj) -> str:
    """What a list shows of `obj`: its change link (an Activity row links to its object's history)."""
    if isinstance(obj, ActivityEntry):
        return url(obj.content_type.model_class(), "history", obj.object_id)
    return url(type(obj), "change", obj.pk)


def options(response) -> dict[str, list[str]]:
    """The values of the <option>s of each <select> in the page, by the select's name."""
    found: dict[str, list[str]] = {}
    reader = HTMLParser()

    def start(tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            reader.select = found.setdefault(attrs.get("name"), [])
        elif tag == "option" and getattr(reader, "select", None) is not None and attrs.get("value"):
            reader.select.append(attrs["value"])

    reader.handle_starttag = start
    reader.handle_endtag = lambda tag: setattr(reader, "select", None) if tag == "select" else None
    reader.feed(text(response))
    return found


def registered() -> list:
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def _filters(model, kind) -> list[str]:
    entries = admin.site._registry[model].list_filter
    return [entry[0] for entry in entries if isinstance(entry, tuple) and issubclass(entry[1], kind)]


def _target(model, path: str):
    field = get_fields_from_path(model, path)[-1]
    return field, field.remote_field.model


def autocomplete_cases() -> list:
    """(source model, field name) of every autocomplete field and autocomplete filter whose target is scoped."""
    cases = {}
    for model in registered():
        paths = [*admin.site._registry[model].autocomplete_fields, *_filters(model, AutocompleteMixin)]
        for path in paths:
            field, target = _target(model, path)
            if selector_for(target) is not None:
                cases[(field.model, field.name)] = pytest.param(field.model, field.name, id=f"{model.__name__}.{path}")
    return list(cases.values())


def filter_cases(kind) -> list:
    return [
        pytest.param(model, path, id=f"{model.__name__}.{path}")
        for model in registered()
        for path in _filters(model, kind)
    ]


def lookup(model, path: str) -> str:
    field, _ = _target(model, path)
    return f"{path}__{field.target_field.name}__exact"


# --- autocomplete -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "field_name"), autocomplete_cases())
def test_autocomplete_offers_only_rows_in_scope(world, sup, source, field_name):
    target = source._meta.get_field(field_name).remote_field.model
    assert target in world.outside or target in REFERENCE_DATA, f"add an out-of-scope {target.__name__} to the world"
    params = {"app_label": source._meta.app_label, "model_name": source._meta.model_name, "field_name": field_name}
    everything = sup.get(reverse("admin:autocomplete"), {**params, "term": ""})
    if not may(world.supervisor, target):
        assert everything.status_code == 403
        return
    assert everything.status_code == 200
    ids = {row["id"] for row in everything.json()["results"]}
    assert str(world.inside[target].pk) in ids
    assert_no_leak(everything)
    if target in world.outside:
        assert str(world.outside[target].pk) not in ids
        searched = sup.get(reverse("admin:autocomplete"), {**params, "term": "quince"})
        assert searched.json()["results"] == []


# --- changelists: rows, search, popups, filter choices ------------------------------------------------------------

LISTS = {
    "list": ({}, True),
    "popup": ({"_popup": "1", "_to_field": "id"}, True),
    "facets": ({"_facets": "1"}, True),
    "search-out": ({"q": "QUINCE"}, False),
    "search-in": ({"q": "ALDER"}, True),
}


@pytest.mark.parametrize("query", LISTS)
@pytest.mark.parametrize("model", registered(), ids=lambda model: model.__name__)
def test_changelist_rows_search_and_popup_stay_in_scope(world, sup, model, query):
    params, lists_inside = LISTS[query]
    response = sup.get(url(model, "changelist"), params)
    assert response.status_code == (200 if may(world.supervisor, model) else 403)
    assert_no_leak(response)
    if model in world.outside and response.status_code == 200:
        assert marker(world.outside[model]) not in text(response)
    if model in world.inside and response.status_code == 200 and lists_inside:
        assert marker(world.inside[model]) in text(response)


@pytest.mark.parametrize(("model", "path"), filter_cases(RelatedDropdownFilter))
def test_related_filters_offer_and_name_only_rows_in_scope(world, sup, model, path):
    """A dropdown lists its choices, an autocomplete filter names its current value: never a row out of scope."""
    _, target = _target(model, path)
    if not may(world.supervisor, model):
        assert sup.get(url(model, "changelist")).status_code == 403
        return
    name, visible = lookup(model, path), selector_for(target)(user=world.supervisor).values_list("pk", flat=True)
    chosen = sup.get(url(model, "changelist"), {name: world.inside[target].pk})
    assert_no_leak(chosen)
    assert str(world.inside[target].pk) in options(chosen)[name]
    assert set(options(chosen)[name]) <= {str(pk) for pk in visible}
    if target in world.outside:  # an id out of scope typed into the URL is not named either
        assert_no_leak(sup.get(url(model, "changelist"), {name: world.outside[target].pk}))


# --- forms --------------------------------------------------------------------------------------------------------


def _prefill(model, objects: dict) -> dict:
    """GET parameters pre-filling every relation of `model`'s add form with `objects` of the target model."""
    return {
        field.name: objects[field.remote_field.model].pk
        for field in model._meta.get_fields()
        if (field.many_to_one or field.many_to_many) and field.concrete and field.remote_field.model in objects
    }


@pytest.mark.parametrize("model", registered(), ids=lambda model: model.__name__)
def test_form_choices_stay_in_scope_even_when_prefilled(world, sup, model):
    """Add forms (pre-filled through the URL with rows out of scope, then in scope) and change forms in scope."""
    if model in world.inside and may(world.supervisor, model):
        change = sup.get(url(model, "change", world.inside[model].pk))
        assert change.status_code == 200
        assert_no_leak(change)
    if not may(world.supervisor, model, "add"):
        assert sup.get(url(model, "add")).status_code == 403
        return
    assert_no_leak(sup.get(url(model, "add")))
    outside_values, inside_values = _prefill(model, world.outside), _prefill(model, world.inside)
    outside = sup.get(url(model, "add"), outside_values)
    assert outside.status_code == 200
    assert_no_leak(outside)
    inside = options(sup.get(url(model, "add"), inside_values))
    shown = [name for name in inside_values if name in inside]
    assert shown, "no relation of the add form could be checked"
    for name in shown:  # the scoped value is kept (so the check is not vacuous), the other one dropped
        assert str(inside_values[name]) in inside[name]
        assert str(outside_values.get(name)) not in options(outside).get(name, [])


# --- pages of one object out of scope: as if it did not exist -----------------------------------------------------

OUTSIDE = [Location, User, Group, Facility, IncidentTicket, ServiceTicket, TicketNote, Shift, ScheduledEvent]
OUTSIDE += [TimeOffRequest, TimeEntry, ImportJob, OutboundEmail, ActivityEntry]


def _pages(model, pk, obj) -> list[tuple[str, dict]]:
    pages = [("change", (pk,), {}), ("change", (pk,), {"_popup": "1", "_to_field": "id"})]
    pages += [("history", (pk,), {}), ("delete", (pk,), {})]
    if hasattr(model._meta, "simple_history_manager_attribute"):
        pages.append(("simple_history", (pk, obj.history.earliest().history_id), {}))
    if getattr(admin.site._registry[model], "object_permissions", False):
        pages.append(("permissions", (pk,), {}))
    return pages


@pytest.mark.parametrize("model", OUTSIDE, ids=lambda model: model.__name__)
def test_pages_of_an_object_out_of_scope_answer_as_for_a_missing_one(world, sup, model):
    assert set(world.outside) == set(OUTSIDE)
    obj = world.outside[model]
    pages = zip(_pages(model, obj.pk, obj), _pages(model, MISSING_PK, obj), strict=True)
    for (view, args, query), (_, missing_args, _) in pages:
        response, missing = sup.get(url(model, view, *args), query), sup.get(url(model, view, *missing_args), query)
        assert (response.status_code, response.get("Location")) == (missing.status_code, missing.get("Location"))
        assert response.status_code in (403, 404), (view, query)
        if view == "change" and may(world.supervisor, model):
            assert response.status_code == 404
        assert_no_leak(response)


@pytest.mark.parametrize("model", [IncidentTicket, ServiceTicket, Location], ids=lambda model: model.__name__)
def test_object_permission_pages_name_no_one_out_of_scope(world, sup, model):
    """Guardian's per-person and per-role pages: an object in scope with someone out of scope, and the reverse."""
    inside, outside = world.inside, world.outside
    for view, related in [("permissions_manage_user", User), ("permissions_manage_group", Group)]:
        for args in [(inside[model].pk, outside[related].pk), (outside[model].pk, inside[related].pk)]:
            response = sup.get(url(model, view, *args))
            assert response.status_code in (403, 404)
            assert_no_leak(response)


# --- writes into a location out of scope --------------------------------------------------------------------------

FUTURE = {"starts_at_0": "01/06/2030", "starts_at_1": "06:00:00", "ends_at_0": "01/06/2030", "ends_at_1": "14:00:00"}
ADDED = {
    IncidentTicket: lambda world: {"title": "Posted fire", "incident_type": world.inside[IncidentType].pk},
    Shift: lambda world: {"user": world.inside[User].pk, "position": "Posted operator", **FUTURE},
}


@pytest.mark.parametrize("model", ADDED, ids=lambda model: model.__name__)
def test_adding_into_a_facility_out_of_scope_is_refused_and_writes_nothing(world, sup, model):
    add = url(model, "add")
    data = {**form_data(sup.get(add), f"{model._meta.model_name}_form"), **ADDED[model](world)}
    before = (model.objects.count(), ActivityEntry.objects.count())
    refused = sup.post(add, {**data, "facility": world.outside[Facility].pk})
    assert refused.status_code == 200
    assert "facility" in refused.context["adminform"].form.errors
    assert (model.objects.count(), ActivityEntry.objects.count()) == before
    assert_no_leak(refused)
    accepted = sup.post(add, {**data, "facility": world.inside[Facility].pk})  # the same form, in scope: saved
    assert accepted.status_code == 302, accepted.context and accepted.context["adminform"].form.errors
    assert model.objects.count() == before[0] + 1


# --- exports ------------------------------------------------------------------------------------------------------


def _export(client, user, model):
    """What posting the export form (CSV, every field) downloads; None when the export is refused."""
    page = client.get(url(model, "export"))
    if page.status_code == 403:
        return None
    assert page.status_code == 200
    assert_no_leak(page)
    model_admin, request = admin.site._registry[model], RequestFactory().get("/")
    request.user = user
    formats = model_admin.get_export_formats()
    form = model_admin.get_export_form_class()(formats, model_admin.get_export_resource_classes(request))
    data = {"resource": "0", "format": next(str(i) for i, kind in enumerate(formats) if kind().get_title() == "csv")}
    data.update({name: "on" for name, field in form.fields.items() if isinstance(field, forms.BooleanField)})
    download = client.post(url(model, "export"), data)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    return download


EXPORTING = [model for model in registered() if hasattr(admin.site._registry[model], "export_action")]


@pytest.mark.parametrize("model", EXPORTING, ids=lambda model: model.__name__)
def test_every_export_is_refused_or_lists_only_rows_in_scope(world, sup, model):
    download = _export(sup, world.supervisor, model)
    if download is not None:
        assert_no_leak(download)


def test_an_export_once_offered_lists_only_rows_in_scope(world, sup, monkeypatch):
    class IncidentResource(ModelResource):
        class Meta:
            model = IncidentTicket
            fields = ("reference", "title")

    monkeypatch.setattr(admin.site._registry[IncidentTicket], "resource_classes", [IncidentResource])
    download = _export(sup, world.supervisor, IncidentTicket)
    assert "Alder transmitter fire" in text(download)
    assert_no_leak(download)


# --- the Activity page --------------------------------------------------------------------------------------------

ACTIVITY = {
    "all": ({}, True),
    "request-in": ({"request_id": REQUEST_IN}, True),
    "request-out": ({"request_id": REQUEST_OUT}, False),
    "search-in": ({"q": "ALDER"}, True),
    "search-out": ({"q": "QUINCE"}, False),
    "search-request-out": ({"q": REQUEST_OUT}, False),
    "model": ({"model": IncidentTicket}, True),
}


@pytest.mark.parametrize("query", ACTIVITY)
def test_activity_page_lists_only_changes_in_scope(world, sup, query):
    params, lists_inside = ACTIVITY[query]
    if "model" in params:
        params = {"model": ContentType.objects.get_for_model(params["model"]).pk}
    response = sup.get(reverse("admin:audit_activityentry_changelist"), params)
    assert response.status_code == 200
    assert_no_leak(response)
    for model, obj in world.outside.items():
        if model in admin.site._registry and model is not ActivityEntry:
            assert url(model, "history", obj.pk) not in text(response)
    assert (marker(world.inside[ActivityEntry]) in text(response)) is lists_inside
