"""Logging in to the console from a bookmark, and what a login leaves behind (nothing in the change history)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from apps.audit.models import ActivityEntry
from apps.core.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"  # tests.factories.UserFactory


@pytest.fixture
def person(db):
    call_command("load_reference_data", verbosity=0)
    user = UserFactory(username="pat", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.SUPERVISOR))
    return user


def test_login_from_a_bookmark_lands_on_the_console_home(client, person):
    login = reverse("admin:login")
    assert client.get(login).status_code == 200  # the bookmarked page, no ?next=

    response = client.post(login, {"username": "pat", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


def test_login_with_next_still_goes_where_it_was_asked(client, person):
    wanted = reverse("admin:scheduling_shift_changelist")
    response = client.post(f"{reverse('admin:login')}?next={wanted}", {"username": "pat", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == wanted


def test_login_writes_no_history_row_for_the_person(client, person):
    before_history = person.history.count()
    before_activity = ActivityEntry.objects.filter(object_id=person.pk).count()

    response = client.post(reverse("admin:login"), {"username": "pat", "password": PASSWORD})

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.last_login is not None  # the login itself was recorded on the row
    assert person.history.count() == before_history
    assert ActivityEntry.objects.filter(object_id=person.pk).count() == before_activity


def test_a_real_change_to_a_person_is_still_in_history(person):
    before = person.history.count()
    person.title = "Duty supervisor"
    person.save(update_fields=["title"])
    assert person.history.count() == before + 1
