"""People spreadsheets: employee ID as key, no password or permission columns, new accounts cannot log in."""

import pytest
import tablib

from apps.accounts.models import User
from apps.accounts.resources import UserResource
from apps.dataio.services import import_dataset
from tests.factories import LocationFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = [
    "Employee ID",
    "Username",
    "First Name",
    "Last Name",
    "Email",
    "Title",
    "Department",
    "Phone",
    "Home Location",
    "Active",
]


def run(*rows, headers=HEADERS, user):
    dataset = tablib.Dataset(*rows, headers=headers)
    return import_dataset(resource_class=UserResource, dataset=dataset, by=user, dry_run=False, reason="Test")


def counts(outcome):
    return outcome.new, outcome.updated, outcome.unchanged, [str(error) for error in outcome.errors]


def test_the_columns_carry_no_password_role_or_permission():
    headers = UserResource().get_export_headers()
    assert headers == HEADERS
    assert not {"Password", "Superuser", "Staff", "Groups", "User Permissions"} & set(headers)


def test_reimport_of_an_export_changes_nothing(alex, sam, root):
    alex.title, alex.phone = "MCR operator", "+44 20 7946 0000"
    alex.save()
    before = User.history.count()
    people = User.objects.filter(pk__in=[alex.pk, sam.pk, root.pk])
    exported = UserResource().export(people.order_by("employee_id"))
    assert exported[1] == (
        "E10001",
        "alex",
        "Alex",
        "Doe",
        "alex@example.org",
        "MCR operator",
        "",
        "+44 20 7946 0000",
        "LON-HQ",
        "yes",
    )
    outcome = import_dataset(
        resource_class=UserResource,
        dataset=tablib.Dataset().load(exported.csv, format="csv"),
        by=root,
        dry_run=False,
        reason="Test",
    )
    assert counts(outcome) == (0, 0, 3, [])
    assert User.history.count() == before


def test_new_people_get_an_account_that_cannot_log_in(london_hq, root):
    outcome = run(
        ["E20001", "kim", "Kim", "Lee", "kim@example.org", "Engineer", "Transmission", "", "lon-hq", "YES"],
        ["e20002", "lou", "Lou", "Fox", "", "", "", "", "", "no"],
        user=root,
    )
    assert counts(outcome) == (2, 0, 0, [])
    kim = User.objects.get(employee_id="E20001")
    assert (kim.home_location, kim.department, kim.is_active) == (london_hq, "Transmission", True)
    assert not kim.has_usable_password()
    assert not (kim.is_staff or kim.is_superuser) and not kim.groups.exists()
    lou = User.objects.get(username="lou")
    assert lou.employee_id == "e20002" and not lou.is_active and lou.home_location is None
    record = kim.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", root, "Test")


def test_an_update_changes_only_the_columns_present_and_finds_people_in_any_case(alex, root):
    outcome = run(["e10001", "Night shift lead"], headers=["employee id", "TITLE"], user=root)
    assert counts(outcome) == (0, 1, 0, [])
    alex.refresh_from_db()
    assert (alex.title, alex.username, alex.email, alex.home_location.code) == (
        "Night shift lead",
        "alex",
        "alex@example.org",
        "LON-HQ",
    )
    assert alex.check_password("pass-Word-123")  # an update leaves the password alone
    record = alex.history.first()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("~", root, "Test")


def test_bad_rows_name_row_column_and_reason_and_nothing_is_written(alex, london_hq, root):
    outcome = run(
        ["E20001", "kim", "Kim", "Lee", "", "", "", "", "LON-HQ", "yes"],
        ["E20002", "ALEX", "Al", "Ex", "", "", "", "", "LON-HQ", "yes"],
        ["E20003", "kim", "Kim", "Two", "", "", "", "", "NOWHERE", "maybe"],
        ["E20004", "", "No", "Name", "not-an-email", "", "", "", "", "yes"],
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Username: The username “ALEX” is taken by another person.",
        "Row 4, Home Location: No location with code “NOWHERE”.",
        "Row 4, Active: “maybe” is not yes or no.",
        "Row 5, Username: This field cannot be blank.",
        "Row 5, Email: Enter a valid email address.",
    ]
    assert not User.objects.filter(employee_id__startswith="E2").exists()


def test_two_new_people_of_one_file_cannot_share_a_username(root):
    outcome = run(
        ["E20001", "kim"],
        ["E20002", "Kim"],
        headers=["Employee ID", "Username"],
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Username: The username “Kim” is taken by the person on row 2."
    ]
    assert not User.objects.filter(username__iexact="kim").exists()


def test_a_supervisor_cannot_import_people_of_another_location(alex, supervisor):
    paris = LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris")
    UserFactory(username="pierre", employee_id="E30001", home_location=paris)
    outcome = run(
        ["E10001", "alex", "Senior operator", "LON-HQ"],
        ["E30001", "pierre", "Senior operator", "PAR"],
        ["E30002", "paul", "Operator", "PAR"],
        headers=["Employee ID", "Username", "Title", "Home Location"],
        user=supervisor,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Home Location: No location with code “PAR”.",
        "Row 4, Home Location: No location with code “PAR”.",
    ]
    alex.refresh_from_db()
    assert alex.title == ""
