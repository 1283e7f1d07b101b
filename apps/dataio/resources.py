"""The base of every import-export resource in the portal, built on django-import-export's hooks.

What it adds to `ModelResource`, for every model:

- headers are matched without regard to case or spacing; an unknown column or a missing key column
  stops the import before any row is read, naming the columns (`check_headers`);
- rows name related objects by natural key (`NaturalKeyWidget`), prefetched in one query per column;
- existing rows are found by natural key in one query per batch (`existing_index`), and two rows of
  one file with the same key are reported, both row numbers named;
- a row whose key exists updates only the columns the file has; a row that changes nothing is
  skipped and writes no history (a snapshot replaces import-export's deepcopy diff);
- validation: `full_clean()` (without per-row uniqueness queries when the resource checks keys in
  batches), the importing user's location scope, then the resource's rules (`validate_rules`),
  which call the services' rule functions;
- writes go through simple-history's bulk writers, so every created or changed row has its history
  row, attributed to the change context (the importing user, "Import job …").
"""

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from import_export import fields, resources
from import_export.results import Error, RowResult
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.core.scope import location_at, location_scope_checker, visible_rows

from .widgets import NaturalKeyWidget

ERRORS_COLUMN = "Errors"  # the column the failing-rows file adds; ignored when that file comes back


class Cell(NamedTuple):
    column: str
    name: str
    attname: str
    widget: Any
    nullable: bool


class HeaderError(ValueError):
    """The file's columns do not fit the resource; the message names them."""


def _normalise(header) -> str:
    return " ".join(str(header or "").split()).casefold()


class PortalResource(resources.ModelResource):
    """Subclasses declare their fields with human `column_name`s and `Meta.import_id_fields` (natural key)."""

    # the location scope: the lookup from the model to its Location, the field named in the refusal,
    # and (optionally) the attribute holding the owner whose own rows are exempt (their own time off)
    scope_location_path: str | None = None
    scope_field: str | None = None
    scope_owner_attname: str | None = None
    # True when the resource checks its natural key and other unique fields itself, in batches
    batch_checks_uniqueness = False
    progress = None  # apps.dataio.services.ProgressReporter, set by the import service

    class Meta:
        abstract = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_diff = True
        use_bulk = True
        batch_size = 1000

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._existing: dict[Any, models.Model] = {}
        self._seen: dict[Any, int] = {}
        self._row_number = 0
        self._columns: frozenset[str] = frozenset()
        self._scope = None
        self._plan: list[Cell] = []
        self._looked_up: list = []
        self._not_read: list[str] = []
        self._create_problem = ""
        self._import_fields = None
        self._memo_row, self._memo = None, {}

    # --- columns --------------------------------------------------------------------------------------

    @classmethod
    def noun(cls) -> str:
        return str(cls._meta.model._meta.verbose_name)

    def column_fields(self) -> dict[str, fields.Field]:
        return {field.column_name: field for field in self.get_import_fields() if field.attribute}

    def key_columns(self) -> list[str]:
        return [self.fields[name].column_name for name in self.get_import_id_fields()]

    def create_columns(self) -> list[str]:
        """Columns a new row cannot do without: those of the model's required fields."""
        required = []
        for column, field in self.column_fields().items():
            try:
                model_field = self._meta.model._meta.get_field(field.attribute.split("__")[0])
            except Exception:
                continue
            if not (model_field.blank or model_field.has_default() or model_field.null):
                required.append(column)
        return required

    def check_headers(self, headers: Iterable) -> list[str]:
        """The canonical column names for `headers`, or HeaderError naming unknown and missing columns."""
        known = {}
        for column, field in self.column_fields().items():
            known[_normalise(column)] = column
            known.setdefault(_normalise(field.attribute.replace("_", " ")), column)
        canonical, unknown = [], []
        for header in headers:
            if _normalise(header) == ERRORS_COLUMN.casefold():
                canonical.append(ERRORS_COLUMN)
                continue
            column = known.get(_normalise(header))
            if column is None:
                unknown.append(str(header))
            canonical.append(column or str(header))
        problems = []
        if unknown:
            names = ", ".join(f"“{name}”" for name in unknown)
            accepted = ", ".join(self.column_fields())
            problems.append(f"Unknown column{'s' if len(unknown) > 1 else ''} {names}. The columns are: {accepted}.")
        missing = [column for column in self.key_columns() if column not in canonical]
        if missing:
            names = ", ".join(f"“{name}”" for name in missing)
            problems.append(
                f"Missing required column{'s' if len(missing) > 1 else ''} {names}: "
                f"each row is matched to an existing {self.noun()} by it."
            )
        if problems:
            raise HeaderError(" ".join(problems))
        return canonical

    # --- before the rows: headers, batched lookups -----------------------------------------------------

    def before_import(self, dataset, **kwargs):
        try:
            dataset.headers = self.check_headers(dataset.headers or [])
        except HeaderError:
            dataset.wipe()  # no row is read when the columns are wrong
            raise
        if ERRORS_COLUMN in dataset.headers:
            del dataset[ERRORS_COLUMN]
        self._columns = frozenset(dataset.headers)
        self._plan = self.cell_plan()
        self._looked_up = [
            (self._meta.model._meta.get_field(field.attribute), column)
            for column, field in self.column_fields().items()
            if isinstance(field.widget, NaturalKeyWidget)
        ]
        # what full_clean() checks: the fields the file sets (the others keep values already valid),
        # except related rows found by natural key, which exist
        read = {cell.name for cell in self._plan} - {model_field.name for model_field, _ in self._looked_up}
        self._not_read = [field.name for field in self._meta.model._meta.fields if field.name not in read]
        missing = [column for column in self.create_columns() if column not in self._columns]
        names = ", ".join(f"“{name}”" for name in missing)
        self._create_problem = (
            f"This would be a new {self.noun()}, which needs the column{'s' if len(missing) > 1 else ''} "
            f"{names}; the file does not have {'them' if len(missing) > 1 else 'it'}."
            if missing
            else ""
        )
        self._seen = {}
        self._scope = location_scope_checker(self.user)
        for column, field in self.column_fields().items():
            if callable(getattr(field.widget, "scope_to", None)):  # every widget that finds rows by key
                field.widget.scope_to(self.user)
            if column in self._columns and isinstance(field.widget, NaturalKeyWidget):
                field.widget.prefetch(dataset[column])
        self._existing = self.existing_index(dataset)
        self.prepare_rules(dataset)

    def cell_plan(self) -> list["Cell"]:
        """The file's columns this resource writes, with their widgets and model fields, worked out once."""
        plan = []
        for column, field in self.column_fields().items():
            if column in self._columns and not field.readonly:
                model_field = self._meta.model._meta.get_field(field.attribute)
                plan.append(Cell(column, model_field.name, model_field.attname, field.widget, model_field.null))
        return plan

    def get_import_fields(self):
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def import_queryset(self) -> models.QuerySet:
        """The rows an import may find by key: `get_queryset()` within the importing person's scope.

        A key that exists outside their scope is then treated exactly like one that does not exist, so
        the preview tells nothing about rows they cannot see. Every `existing_index` starts here.
        """
        return visible_rows(self.get_queryset(), user=self.user)

    def existing_index(self, dataset) -> dict[Any, models.Model]:
        """Existing rows keyed like `row_key()`, in one query (a single-column natural key by default)."""
        (name,) = self.get_import_id_fields()
        field = self.fields[name]
        keys = {self._clean_or_none(field, {field.column_name: value}) for value in dataset[field.column_name]}
        keys.discard(None)
        index = {}
        attribute = field.attribute
        lookup = f"{attribute}__in"
        values = [getattr(key, "pk", key) for key in keys]
        for start in range(0, len(values), 5000):
            for obj in self.import_queryset().filter(**{lookup: values[start : start + 5000]}):
                index[self.instance_key(obj)] = obj
        return index

    def instance_key(self, obj) -> Any:
        (name,) = self.get_import_id_fields()
        value = self.fields[name].get_value(obj)
        return value.casefold() if isinstance(value, str) else value

    def row_key(self, row) -> Any:
        """The natural key of `row`, cleaned; ValidationError when a key cell is unreadable."""
        (name,) = self.get_import_id_fields()
        field = self.fields[name]
        value = self._clean_cell(field, row)
        if value in (None, ""):
            raise ValidationError({field.attribute: f"“{field.column_name}” is empty; every row needs it."})
        return value.casefold() if isinstance(value, str) else value

    def _clean_cell(self, field, row, **kwargs):
        """A cell read before the row's turn (its key, its time zone), remembered for `import_instance`."""
        try:
            value = field.clean(row, **kwargs)
        except ValueError as exc:
            raise ValidationError({field.attribute: str(exc)}) from None
        self._remember(row, field.column_name, value)
        return value

    def _clean_or_none(self, field, row, **kwargs):
        try:
            value = field.clean(row, **kwargs)
        except (ValueError, ValidationError):
            return None
        self._remember(row, field.column_name, value)
        return value

    def _remember(self, row, column: str, value) -> None:
        if self._memo_row is not row:
            self._memo_row, self._memo = row, {}
        self._memo[column] = value

    def prepare_rules(self, dataset) -> None:
        """Load what the rules need for the whole file (subclasses)."""

    # --- each row -------------------------------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        self._row_number = kwargs.get("row_number", 0)

    def import_row(self, row, instance_loader, **kwargs):
        """import-export's `import_row`, lean: no deepcopy and diff per row, no str() of each object.

        The same steps and result types: find or make the instance, read the cells, skip it when nothing
        changed, else validate and queue it for the bulk write. Deleting rows by import is not offered.
        """
        row_result = RowResult()
        try:
            self.before_import_row(row, **kwargs)
            instance, new = self.get_or_init_instance(instance_loader, row)
            self.after_init_instance(instance, new, row, **kwargs)
            errors = {}
            try:
                self.import_instance(instance, row, **kwargs)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
            if self.skip_row(instance, None, row, errors):
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            else:
                self.validate_instance(instance, errors)
                self.save_instance(instance, new, row, **kwargs)
                row_result.import_type = RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            row_result.object_id = instance.pk
            self.after_import_row(row, row_result, **kwargs)
        except ValidationError as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = exc
        except Exception as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(Error(exc, row=row, number=kwargs.get("row_number")))
        finally:
            if self.progress is not None:
                self.progress.tick()
        return row_result

    def get_or_init_instance(self, instance_loader, row):
        key = self.row_key(row)
        first = self._seen.setdefault(key, self._row_number)
        if first != self._row_number:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: f"Same {', '.join(self.key_columns())} as row {first + 1}: "
                    f"a file may name each {self.noun()} once."
                }
            )
        instance = self._existing.get(key)
        if instance is not None:
            return instance, False
        return self.init_instance(row), True

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._import_snapshot = None if new else instance.__dict__.copy()
        if not new and self.scope_location_path is not None:
            # where the row is now: a row at a location the user does not cover is not theirs to move in
            instance._import_was_at = location_at(instance, self.scope_location_path)

    def import_instance(self, instance, row, **kwargs):
        """Read the file's cells into `instance`; every unreadable cell is reported, keyed by its field.

        An empty cell of a field that cannot be empty keeps the default (new rows) or the current value.
        """
        context = self.cell_context(instance, row)
        memo = self._memo if self._memo_row is row else {}
        errors = {}
        for cell in self._plan:
            if cell.column in memo:
                value = memo[cell.column]
            else:
                try:
                    value = cell.widget.clean(row[cell.column], row=row, **context)
                except ValueError as exc:
                    errors[cell.name] = ValidationError(str(exc), code="invalid")
                    continue
            if value is None and not cell.nullable:
                continue
            setattr(instance, cell.name, value)
        if errors:
            raise ValidationError(errors)

    def cell_context(self, instance, row) -> dict[str, Any]:
        """Extra keyword arguments for the widgets of this row (e.g. the location's time zone)."""
        return {}

    def changed_attnames(self, instance) -> list[str]:
        snapshot = instance._import_snapshot
        return [cell.attname for cell in self._plan if snapshot.get(cell.attname) != getattr(instance, cell.attname)]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None or not self._meta.skip_unchanged:
            return False
        return not self.changed_attnames(instance)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.pk is None and self._create_problem:
            errors.setdefault(NON_FIELD_ERRORS, []).append(self._create_problem)
        # a related row found by natural key exists: Django would check it again with one query per row
        for model_field, column in self._looked_up:
            if (
                not model_field.null
                and getattr(instance, model_field.attname) is None
                and model_field.name not in errors
            ):
                errors[model_field.name] = [f"“{column}” is empty; it is required."]
        try:
            instance.full_clean(
                exclude=[key for key in errors if key != NON_FIELD_ERRORS] + self._not_read,
                validate_unique=not self.batch_checks_uniqueness,
                validate_constraints=not self.batch_checks_uniqueness,
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not errors:
            try:
                self.check_scope(instance)
                self.validate_rules(instance)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def check_scope(self, instance) -> None:
        if self.scope_location_path is None:
            return
        owner = self.scope_owner(instance)
        path, field = self.scope_location_path, self.scope_field
        if instance.pk is not None:
            self._scope(row=instance, location_path=path, field=field, owner=owner, location=instance._import_was_at)
        self._scope(row=instance, location_path=path, field=field, owner=owner)

    def scope_owner(self, instance):
        """Whose own row is exempt from the location scope (their own time off); None: nobody's."""
        return getattr(instance, self.scope_owner_attname) if self.scope_owner_attname else None

    def validate_rules(self, instance) -> None:
        """The services' rules across rows for `instance` (subclasses); raise ValidationError."""

    def export_field(self, field, instance, **kwargs):
        # widgets that ask for it see the object: times are written in the zone of its location
        if getattr(field.widget, "renders_with_object", False):
            kwargs = {"obj": instance, **kwargs}
        return super().export_field(field, instance, **kwargs)

    export_field.only_adds_object = True  # apps.dataio.exporting renders cells the same way, without this call

    # --- writes ---------------------------------------------------------------------------------------

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is not None and hasattr(instance, "updated_at"):
            instance.updated_at = timezone.now()  # bulk_update() does not run auto_now

    def get_bulk_update_fields(self):
        names = []
        for column, field in self.column_fields().items():
            if column in self._columns and not field.readonly and column not in self.key_columns():
                names.append(self._meta.model._meta.get_field(field.attribute).name)
        if hasattr(self._meta.model, "updated_at"):
            names.append("updated_at")
        return names

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                bulk_create_with_history(self.create_instances, self._meta.model, batch_size=batch_size)
            except Exception as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                bulk_update_with_history(
                    self.update_instances, self._meta.model, self.get_bulk_update_fields(), batch_size=batch_size
                )
            except Exception as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.update_instances.clear()
