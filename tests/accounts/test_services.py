import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.accounts.selectors import groups_visible_to, users_visible_to
from apps.accounts.services import user_create, user_update
from apps.core.roles import Role
from tests.conftest import cover
from tests.factories import GroupFactory, LocationFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_user_create_sets_password_groups_and_history_user():
    admin = SuperUserFactory()
    staff = GroupFactory(name=Role.STAFF)

    user = user_create(
        by=admin,
        username="op1",
        employee_id="E-1",
        password="Sturdy-Pass-4821",
        groups=[staff],
        home_location=LocationFactory(),
    )

    assert user.check_password("Sturdy-Pass-4821")
    assert list(user.groups.all()) == [staff]
    assert user.history.get().history_user == admin


def test_user_create_without_password_cannot_log_in():
    user = user_create(by=SuperUserFactory(), username="op2", employee_id="E-2")

    assert not user.has_usable_password()


def test_user_create_validates():
    UserFactory(employee_id="E-TAKEN")

    with pytest.raises(ValidationError) as excinfo:
        user_create(by=SuperUserFactory(), username="op3", employee_id="E-TAKEN")

    assert "employee_id" in excinfo.value.message_dict


def test_user_update_changes_fields_and_groups():
    person = UserFactory(title="Operator")
    supervisors = GroupFactory(name=Role.SUPERVISOR)

    user_update(user=person, by=SuperUserFactory(), title="Senior operator", groups=[supervisors])

    person.refresh_from_db()
    assert person.title == "Senior operator"
    assert list(person.groups.all()) == [supervisors]


def test_people_are_seen_by_whoever_covers_their_location_and_by_themselves():
    london, leeds = LocationFactory(code="LON", name="London"), LocationFactory(code="LEEDS", name="Leeds")
    auditors, staff = GroupFactory(name=Role.AUDITOR), GroupFactory(name=Role.STAFF)
    auditor = UserFactory(home_location=leeds)  # based elsewhere than the location they cover
    auditor.groups.add(auditors)
    cover(auditor, london)
    uncovered_auditor = UserFactory(home_location=london)
    uncovered_auditor.groups.add(auditors)
    staff_member = UserFactory(home_location=london)
    staff_member.groups.add(staff)
    in_leeds = UserFactory(home_location=leeds)
    administrator = UserFactory(home_location=leeds)
    administrator.groups.add(GroupFactory(name=Role.ADMINISTRATOR))

    assert set(users_visible_to(user=auditor)) == {auditor, uncovered_auditor, staff_member}
    assert in_leeds not in users_visible_to(user=auditor)
    assert list(users_visible_to(user=uncovered_auditor)) == [uncovered_auditor]  # a role alone shows nobody else
    assert list(users_visible_to(user=staff_member)) == [staff_member]
    assert users_visible_to(user=administrator).count() == User.objects.count() == 5


def test_roles_are_listed_in_full_for_administrators_only():
    auditors, staff = GroupFactory(name=Role.AUDITOR), GroupFactory(name=Role.STAFF)
    auditor = cover(UserFactory(), LocationFactory())
    auditor.groups.add(auditors)
    staff_member = UserFactory()
    staff_member.groups.add(staff)
    administrator = UserFactory()
    administrator.groups.add(GroupFactory(name=Role.ADMINISTRATOR))

    assert list(groups_visible_to(user=staff_member)) == [staff]
    assert list(groups_visible_to(user=auditor)) == [auditors]
    assert groups_visible_to(user=administrator).count() == 3


def test_people_other_than_administrators_change_only_their_own_phone_and_photo(london_hq):
    from django.core.exceptions import PermissionDenied

    paris = LocationFactory(code="PAR", name="Paris")
    supervisor = cover(UserFactory(username="sup", phone="1"), london_hq)
    ours = UserFactory(username="ours", home_location=london_hq)
    theirs = UserFactory(username="theirs", home_location=paris)
    supervisors = GroupFactory(name=Role.SUPERVISOR)
    only_own = "You may change only your own phone and photo; administrators change everything else."

    user_update(user=supervisor, by=supervisor, phone="+44 20 7946 0000")
    with pytest.raises(PermissionDenied) as promoted_self:
        user_update(user=supervisor, by=supervisor, is_superuser=True)
    supervisor.refresh_from_db()  # the refused change was set on this very object before the service said no
    with pytest.raises(PermissionDenied) as retitled:
        user_update(user=ours, by=supervisor, title="Senior operator")
    with pytest.raises(ValidationError) as elsewhere:
        user_update(user=theirs, by=supervisor, title="Poached")
    with pytest.raises(PermissionDenied) as given_a_role:
        user_update(user=ours, by=supervisor, groups=[supervisors])

    assert str(promoted_self.value) == str(retitled.value) == only_own
    assert elsewhere.value.message_dict == {"home_location": ["Paris (PAR) is outside the locations you cover."]}
    assert str(given_a_role.value) == "Only administrators give people their roles."
    for person in (supervisor, ours, theirs):
        person.refresh_from_db()
    assert (supervisor.phone, supervisor.is_superuser) == ("+44 20 7946 0000", False)
    assert (ours.title, list(ours.groups.all()), theirs.title) == ("", [], "")
