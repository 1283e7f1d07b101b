"""`bulk_create()` through PostgreSQL's COPY, for the tables imports fill by the hundred thousand.

Django's bulk INSERT spends most of its time preparing each value in Python; COPY streams rows in the
driver's C code. The ids are taken from the table's sequence first (one query), so objects come back
with their primary keys exactly as from Django's `bulk_create()` on PostgreSQL, and what depends on
them (simple-history's rows, the Activity log) can follow.

Used as the manager of shifts, of every history table and of the Activity log. Anything COPY cannot do
(conflict handling, other databases, a handful of rows) goes to Django's own `bulk_create()`.
"""

from django.db import connections, models
from django.utils import timezone

COPY_MIN_ROWS = 50  # below this, one INSERT is as quick

# Field types whose Python value psycopg takes as is: no per-value preparation by Django.
PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.DateField,
    models.ForeignKey,
)


def value_getter(field: models.Field, connection, *, now=None):
    """How to read `field`'s database value from an object, as cheaply as the field allows.

    With `now`, auto_now / auto_now_add fields are stamped with it (what `pre_save(add=True)` does).
    """
    attname = field.attname
    if now is not None and isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):

        def stamp(obj):
            setattr(obj, attname, now)
            return now

        return stamp
    foreign = isinstance(field, models.ForeignKey)
    if isinstance(field, PLAIN_FIELDS) and not (foreign and not isinstance(field.target_field, PLAIN_FIELDS)):
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def allocate_ids(model: type[models.Model], count: int, *, using: str) -> list[int]:
    """`count` new primary keys from `model`'s sequence (or identity column), in one query."""
    if not count:
        return []
    opts = model._meta
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, count],
        )
        return [value for (value,) in cursor.fetchall()]


def copy_rows(*, table: str, columns: list[str], rows, using: str) -> None:
    """COPY `rows` (sequences of database values, in `columns` order) into `table`."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {quote(table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def copy_supported(using: str, count: int) -> bool:
    return connections[using].vendor == "postgresql" and count >= COPY_MIN_ROWS


def copy_insert(model: type[models.Model], objs: list[models.Model], *, using: str) -> list[models.Model]:
    connection = connections[using]
    opts = model._meta
    fields = [field for field in opts.concrete_fields if not getattr(field, "generated", False)]
    missing = [obj for obj in objs if obj.pk is None]
    for obj, value in zip(missing, allocate_ids(model, len(missing), using=using), strict=True):
        setattr(obj, opts.pk.attname, value)
    now = timezone.now()
    getters = [value_getter(field, connection, now=now) for field in fields]
    copy_rows(
        table=opts.db_table,
        columns=[field.column for field in fields],
        rows=([get(obj) for get in getters] for obj in objs),
        using=using,
    )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs


class CopyQuerySet(models.QuerySet):
    def bulk_create(self, objs, batch_size=None, ignore_conflicts=False, update_conflicts=False, **kwargs):
        objs = list(objs)
        plain = not (ignore_conflicts or update_conflicts or kwargs.get("update_fields") or kwargs.get("unique_fields"))
        if not (plain and copy_supported(self.db, len(objs))):
            return super().bulk_create(
                objs,
                batch_size=batch_size,
                ignore_conflicts=ignore_conflicts,
                update_conflicts=update_conflicts,
                **kwargs,
            )
        for parent in self.model._meta.get_parent_list():
            raise ValueError(f"COPY cannot insert {self.model.__name__}: it inherits from {parent.__name__}")
        self._for_write = True
        return copy_insert(self.model, objs, using=self.db)


class CopyManager(models.Manager.from_queryset(CopyQuerySet)):
    pass
