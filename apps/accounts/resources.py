"""Spreadsheets of people: keyed by employee ID, never carrying passwords, roles or permissions."""

from django.core.exceptions import ValidationError
from django.db.models.functions import Upper
from import_export import fields

from apps.dataio.resources import PortalResource
from apps.dataio.widgets import NaturalKeyWidget, TextWidget, YesNoWidget
from apps.facilities.resources import LOOKUP_CHUNK, CaseInsensitiveKeyMixin, location_widget

from .models import User
from .services import user_create


def person_widget() -> NaturalKeyWidget:
    """A cell naming a person by employee ID (reporters, assignees, the person a row is about)."""
    return NaturalKeyWidget(User, "employee_id", noun="person", select_related=("home_location",))


class UserResource(CaseInsensitiveKeyMixin, PortalResource):
    """One row per person. A new person gets an account with an unusable password (apps.accounts.services).

    Passwords, superuser and staff flags, roles and permissions are not columns: they are not imported,
    and not exported either.
    """

    employee_id = fields.Field(attribute="employee_id", column_name="Employee ID", widget=TextWidget())
    username = fields.Field(attribute="username", column_name="Username", widget=TextWidget())
    first_name = fields.Field(attribute="first_name", column_name="First Name", widget=TextWidget())
    last_name = fields.Field(attribute="last_name", column_name="Last Name", widget=TextWidget())
    email = fields.Field(attribute="email", column_name="Email", widget=TextWidget())
    title = fields.Field(attribute="title", column_name="Title", widget=TextWidget())
    department = fields.Field(attribute="department", column_name="Department", widget=TextWidget())
    phone = fields.Field(attribute="phone", column_name="Phone", widget=TextWidget())
    home_location = fields.Field(attribute="home_location", column_name="Home Location", widget=location_widget())
    is_active = fields.Field(attribute="is_active", column_name="Active", widget=YesNoWidget())

    scope_location_path = "home_location"
    scope_field = "home_location"
    batch_checks_uniqueness = True  # employee IDs by the index, usernames in prepare_rules

    class Meta(PortalResource.Meta):
        model = User
        name = "People"
        import_id_fields = ("employee_id",)
        fields = (
            "employee_id",
            "username",
            "first_name",
            "last_name",
            "email",
            "title",
            "department",
            "phone",
            "home_location",
            "is_active",
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._usernames: dict[str, tuple[int | None, int]] = {}  # casefolded username -> (holder's pk, row)

    def get_queryset(self):
        return User.objects.select_related("home_location")

    def init_instance(self, row=None):
        person = User()
        # what user_create() would give them, set before full_clean() reads the row
        person.set_unusable_password()
        return person

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("home_location")

    # --- usernames are unique (case aside, as the console's add form has it), checked for the whole file -----

    def prepare_rules(self, dataset):
        self._usernames = {}
        if "Username" not in self._columns:
            return
        field = self.fields["username"]
        names = {self._clean_or_none(field, {field.column_name: value}) for value in dataset["Username"]}
        wanted = sorted({name.upper() for name in names if name})
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            holders = (
                User.objects.alias(username_upper=Upper("username"))
                .filter(username_upper__in=wanted[start : start + LOOKUP_CHUNK])
                .values_list("pk", "username")
            )
            for pk, username in holders:
                self._usernames[username.casefold()] = (pk, 0)

    def validate_rules(self, instance):
        key = instance.username.casefold()
        taken = self._usernames.get(key)
        if taken is not None and (instance.pk is None or taken[0] != instance.pk):
            by = f"the person on row {taken[1] + 1}" if taken[1] else "another person"
            raise ValidationError({"username": f"The username “{instance.username}” is taken by {by}."})
        self._usernames[key] = (instance.pk, self._row_number)

    # --- new people: through the accounts service, which gives them an unusable password ---------------------

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                for person in self.create_instances:
                    user_create(by=self.user, user=person)
            except Exception as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()
