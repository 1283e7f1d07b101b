import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import GroupFactory, LocationFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(SuperUserFactory(username="root"))
    return client


def _inline_management(response) -> dict:
    """The management forms of the page's inlines (the location scope rows), as the page rendered them."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{name}": value for name, value in formset.management_form.initial.items()})
    return data


def test_user_changelist_lists_people_with_roles(admin_client):
    supervisors = GroupFactory(name="Supervisor")
    person = UserFactory(first_name="Ada", last_name="Lovelace", title="MCR operator", department="Playout")
    person.groups.add(supervisors)

    response = admin_client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Ada Lovelace" in content
    assert person.employee_id in content
    assert "Supervisor" in content


@pytest.mark.parametrize(
    ("params", "expected", "hidden"),
    [
        ({"q": "E-LOVE"}, "Lovelace", "Hopper"),
        ({"q": "hopper"}, "Hopper", "Lovelace"),
        ({"department": "Playout"}, "Lovelace", "Hopper"),
        ({"is_active__exact": "0"}, "Hopper", "Lovelace"),
    ],
)
def test_user_changelist_search_and_filters(admin_client, params, expected, hidden):
    UserFactory(employee_id="E-LOVE", last_name="Lovelace", department="Playout")
    UserFactory(employee_id="E-HOPP", last_name="Hopper", department="News", is_active=False)

    response = admin_client.get(reverse("admin:accounts_user_changelist"), params)

    assert response.status_code == 200
    content = response.content.decode()
    assert expected in content
    assert hidden not in content


def test_user_changelist_filters_by_group_and_location(admin_client):
    group = GroupFactory(name="Auditor")
    london = LocationFactory(code="LON", name="London")
    auditor = UserFactory(last_name="Auditorson", home_location=LocationFactory(code="MAN"))
    auditor.groups.add(group)
    UserFactory(last_name="Londoner", home_location=london)
    url = reverse("admin:accounts_user_changelist")

    by_group = admin_client.get(url, {"groups__id__exact": group.pk}).content.decode()
    by_location = admin_client.get(url, {"home_location__id__exact": london.pk}).content.decode()

    assert "Auditorson" in by_group and "Londoner" not in by_group
    assert "Londoner" in by_location and "Auditorson" not in by_location


def test_user_changelist_has_no_query_per_row(admin_client):
    group = GroupFactory(name="Staff")
    url = reverse("admin:accounts_user_changelist")
    for _ in range(10):
        UserFactory().groups.add(group)
    admin_client.get(url)  # warm session and content types
    with CaptureQueriesContext(connection) as ten_rows:
        assert admin_client.get(url).status_code == 200
    for _ in range(20):
        UserFactory().groups.add(group)
    with CaptureQueriesContext(connection) as thirty_rows:
        assert admin_client.get(url).status_code == 200

    assert len(thirty_rows) == len(ten_rows)


def test_user_add_flow_creates_a_user_with_a_password(admin_client):
    location = LocationFactory()
    staff = GroupFactory(name="Staff")
    url = reverse("admin:accounts_user_add")

    response = admin_client.post(
        url,
        {
            **_inline_management(admin_client.get(url)),
            "username": "newbie",
            "usable_password": "true",
            "password1": "Sturdy-Pass-4821",
            "password2": "Sturdy-Pass-4821",
            "first_name": "New",
            "last_name": "Operator",
            "email": "newbie@example.org",
            "employee_id": "E-NEW-1",
            "title": "MCR operator",
            "department": "Playout",
            "home_location": location.pk,
            "groups": [staff.pk],
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newbie")
    assert user.check_password("Sturdy-Pass-4821")
    assert user.employee_id == "E-NEW-1"
    assert user.home_location == location
    assert list(user.groups.all()) == [staff]
    assert user.history.first().history_user.username == "root"


def test_user_add_requires_employee_id(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "noid",
            "usable_password": "true",
            "password1": "Sturdy-Pass-4821",
            "password2": "Sturdy-Pass-4821",
        },
    )

    assert response.status_code == 200
    assert "employee_id" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="noid").exists()


def test_user_change_updates_profile(admin_client):
    person = UserFactory(title="Operator")
    response = admin_client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        _inline_management(response),
        title="Senior operator",
        groups=[],
        user_permissions=[],
        home_location=person.home_location_id,
        date_joined_0=person.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=person.date_joined.strftime("%H:%M:%S"),
        avatar="",
    )

    response = admin_client.post(reverse("admin:accounts_user_change", args=[person.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.title == "Senior operator"


def test_user_autocomplete_searches_employee_id(admin_client):
    UserFactory(employee_id="E-77777", last_name="Findme")
    UserFactory(employee_id="E-11111", last_name="Other")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "dataio", "model_name": "importjob", "field_name": "created_by", "term": "77777"},
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == [str(User.objects.get(employee_id="E-77777"))]


def test_group_admin_lists_permission_counts(admin_client):
    group = GroupFactory(name="Supervisor")
    group.permissions.set(Permission.objects.filter(content_type__app_label="facilities")[:3])

    response = admin_client.get(reverse("admin:auth_group_changelist"), {"q": "super"})

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [(g.name, g.permission_total) for g in rows] == [("Supervisor", 3)]


def test_group_admin_is_unfold():
    from django.contrib import admin as django_admin
    from unfold.admin import ModelAdmin

    assert isinstance(django_admin.site._registry[Group], ModelAdmin)


def test_staff_member_sees_only_themselves(client):
    me = UserFactory(is_staff=True)
    me.user_permissions.set(Permission.objects.filter(codename="view_user"))
    UserFactory(last_name="Someone-Else")
    client.force_login(me)

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [me]
