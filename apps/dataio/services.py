"""Running an import: one service for the admin's preview and confirm, the background job and the benchmarks.

`import_dataset` runs a resource over a dataset inside one transaction and returns an `ImportOutcome`:
counts per kind of row, every error with its spreadsheet row number, column and reason, and the
failing rows as a dataset with an "Errors" column, ready to fix and upload again. When any row fails,
or on a preview (`dry_run`), the transaction is rolled back: nothing is written.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.module_loading import import_string
from import_export.results import Result, RowResult

from apps.audit.history import change_context
from apps.core.actors import writes

from .formats import cyclic_gc_paused
from .resources import ERRORS_COLUMN, PortalResource

PROGRESS_EVERY = 500


@dataclass(frozen=True)
class RowError:
    row: int | None  # as a spreadsheet numbers it: the header is row 1; None for the file as a whole
    column: str  # "" when the error is about the row (or file), not one cell
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row is not None else "File"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportOutcome:
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # per data row: new / update / skip / invalid / error
    dry_run: bool = True

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.failed

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors if error.row is not None})

    def summary(self) -> str:
        parts = [f"{self.new} new", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.failed:
            parts.append(f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}")
        return ", ".join(parts)


def resource_path(resource_class: type[PortalResource]) -> str:
    return f"{resource_class.__module__}.{resource_class.__qualname__}"


def resource_class_at(path: str) -> type[PortalResource]:
    """The resource class a job names; only the portal's own resources."""
    resource_class = import_string(path)
    if not (isinstance(resource_class, type) and issubclass(resource_class, PortalResource)):
        raise ValueError(f"{path} is not an import resource")
    return resource_class


def _messages(value) -> list[str]:
    if isinstance(value, ValidationError):
        return list(value.messages)
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _row_errors(resource: PortalResource, number: int, exc: Exception) -> list[RowError]:
    row = number + 1
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        columns = {field.attribute: field.column_name for field in resource.get_import_fields() if field.attribute}
        errors = []
        for name, items in exc.error_dict.items():
            column = "" if name == NON_FIELD_ERRORS else columns.get(name, name.replace("_", " "))
            errors.extend(RowError(row, column, message) for message in _messages(items))
        return errors
    if isinstance(exc, ValidationError):
        return [RowError(row, "", message) for message in exc.messages]
    return [RowError(row, "", f"Could not be saved: {exc}")]


def outcome_of(resource: PortalResource, result: Result, *, dry_run: bool) -> ImportOutcome:
    outcome = ImportOutcome(total=result.total_rows, dry_run=dry_run)
    outcome.errors.extend(RowError(None, "", str(error.error)) for error in result.base_errors)
    for index, row_result in enumerate(result.rows, 1):
        outcome.statuses.append(row_result.import_type)
        if row_result.import_type == RowResult.IMPORT_TYPE_NEW:
            outcome.new += 1
        elif row_result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            outcome.updated += 1
        elif row_result.import_type == RowResult.IMPORT_TYPE_SKIP:
            outcome.unchanged += 1
        elif row_result.import_type == RowResult.IMPORT_TYPE_INVALID:
            outcome.errors.extend(_row_errors(resource, index, row_result.validation_error))
        elif row_result.import_type == RowResult.IMPORT_TYPE_ERROR:
            for error in row_result.errors:
                outcome.errors.extend(_row_errors(resource, index, error.error))
    return outcome


class ProgressReporter:
    """Counts rows as the resource goes, publishing every few hundred to the cache the console polls."""

    def __init__(self, key: str | None, total: int, callback: Callable[[int, int], None] | None = None):
        self.key, self.total, self.callback, self.done = key, total, callback, 0

    def tick(self) -> None:
        self.done += 1
        if self.done % PROGRESS_EVERY == 0 or self.done == self.total:
            self.publish()

    def publish(self) -> None:
        if self.key:
            cache.set(self.key, self.done, timeout=24 * 3600)
        if self.callback:
            self.callback(self.done, self.total)


@writes
def import_dataset(
    *,
    resource_class: type[PortalResource],
    dataset: tablib.Dataset,
    by,
    dry_run: bool,
    reason: str = "",
    progress: ProgressReporter | None = None,
) -> ImportOutcome:
    """Run the import in one transaction, as `by`; written only when not `dry_run` and no row failed.

    `by`'s scope decides which rows the file may name and change. History rows carry `by`, `reason`
    (e.g. "Import job 3f2c…: shifts.csv") and one request id.
    """
    user = by
    resource = resource_class(user=user)
    resource.progress = progress
    # the rows' objects hold no cycles worth collecting meanwhile; a collector left running rescans the
    # growing pile of them again and again (a third of the time of a 100,000-row import)
    with change_context(user=user, reason=reason or "Imported from a spreadsheet"), cyclic_gc_paused():
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            use_transactions=True,
            collect_failed_rows=False,
            rollback_on_validation_errors=True,
        )
    if progress is not None:
        progress.publish()
    return outcome_of(resource, result, dry_run=dry_run)


def failed_rows_dataset(dataset: tablib.Dataset, outcome: ImportOutcome) -> tablib.Dataset:
    """The rows that failed, as uploaded, with an "Errors" column saying what to fix in each."""
    by_row: dict[int, list[str]] = {}
    for error in outcome.errors:
        if error.row is not None:
            by_row.setdefault(error.row, []).append(
                f"{error.column}: {error.message}" if error.column else error.message
            )
    failed = tablib.Dataset(headers=[*(dataset.headers or []), ERRORS_COLUMN])
    for row_number in sorted(by_row):
        failed.append([*dataset[row_number - 2], "; ".join(by_row[row_number])])
    return failed


def background_threshold() -> int:
    return settings.IMPORT_BACKGROUND_ROWS
