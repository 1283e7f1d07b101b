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
