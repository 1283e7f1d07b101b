"""Deleting places: administrators only, through the services, recorded in history and on Activity."""

import pytest
from django.urls import reverse

from apps.audit.models import ActivityEntry
from apps.facilities.models import Facility
from tests.conftest import cover
from tests.factories import FacilityFactory, ShiftFactory

pytestmark = pytest.mark.django_db


def delete_url(facility):
    return reverse("admin:facilities_facility_delete", args=[facility.pk])


def test_an_administrator_deletes_a_facility_and_history_names_them(client, root, london_hq):
    facility = FacilityFactory(location=london_hq, code="LON-OLD", name="Old studio")
    client.force_login(root)

    response = client.post(delete_url(facility), {"post": "yes"})

    assert response.status_code == 302
    assert not Facility.objects.filter(pk=facility.pk).exists()
    last = Facility.history.filter(id=facility.pk).latest("history_date")
    assert (last.history_type, last.history_user) == ("-", root)
    entry = ActivityEntry.objects.get(history_id=last.history_id, history_type="-")
    assert entry.user == root and entry.object_repr == str(facility)


def test_a_supervisor_cannot_delete_a_facility_they_cover(client, supervisor, mcr):
    cover(supervisor, mcr.location)
    client.force_login(supervisor)

    page = client.get(delete_url(mcr))
    post = client.post(delete_url(mcr), {"post": "yes"})

    assert page.status_code == post.status_code == 403
    assert Facility.objects.filter(pk=mcr.pk).exists()


def test_a_facility_still_rostered_is_not_deleted_and_the_page_says_why(client, root, mcr, alex):
    ShiftFactory(user=alex, facility=mcr)
    client.force_login(root)

    page = client.get(delete_url(mcr))
    post = client.post(delete_url(mcr), {"post": "yes"})

    assert page.status_code == post.status_code == 200
    assert "would require deleting the following protected related objects" in page.content.decode()
    assert Facility.objects.filter(pk=mcr.pk).exists()


def test_the_delete_services_refuse_everyone_but_administrators_and_name_what_holds_a_row(supervisor, root, mcr, alex):
    from django.core.exceptions import PermissionDenied, ValidationError

    from apps.facilities.services import facility_delete, location_delete

    ShiftFactory(user=alex, facility=mcr)

    with pytest.raises(PermissionDenied) as refused:
        facility_delete(facility=mcr, by=supervisor)
    with pytest.raises(ValidationError) as held:
        location_delete(location=mcr.location, by=root)

    assert str(refused.value) == "Only administrators delete facilities."
    assert held.value.messages == [f"{mcr.location} cannot be deleted: facilities still refer to it."]
    assert Facility.objects.filter(pk=mcr.pk).exists()
