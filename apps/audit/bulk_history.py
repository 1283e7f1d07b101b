"""History rows and their Activity entries for thousands of objects at once, through COPY.

simple-history's `bulk_history_create` builds one historical model instance per object and INSERTs them;
for an import of 100,000 rows that, and the Activity entries after it, cost more than the import itself.
This writes the same rows — every tracked field, the history user, date, type, reason and request id —
straight from the objects, with ids taken from the history table's sequence so the Activity entries can
point at them. `PortalHistoryManager.bulk_history_create` sends large batches on PostgreSQL here.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.utils import timezone
from simple_history.utils import get_change_reason_from_object

from apps.core.bulk import allocate_ids, copy_rows, value_getter

from .models import ActivityEntry
from .services import OBJECT_REPR_LENGTH


def copy_history(
    history_model,
    objs: list,
    *,
    update: bool,
    default_user,
    default_change_reason: str,
    default_date,
    custom_historical_attrs: dict,
) -> None:
    using = history_model.objects.db
    connection = connections[using]
    opts = history_model._meta
    history_type = "~" if update else "+"
    date = default_date or timezone.now()
    default_user_id = getattr(default_user, "pk", None)
    # read through the tracked model's own fields: a file field's value is its name (simple-history's copy is text)
    tracked = {field.attname: field for field in history_model.tracked_fields}
    ids = allocate_ids(history_model, len(objs), using=using)
    users = [getattr(getattr(obj, "_history_user", None), "pk", None) or default_user_id for obj in objs]
    reasons = [get_change_reason_from_object(obj) or default_change_reason for obj in objs]
    dates = [getattr(obj, "_history_date", None) or date for obj in objs]

    columns, getters = [], []
    for field in opts.concrete_fields:
        attname = field.attname
        if field is opts.pk:
            getter = None  # from `ids`
        elif attname == "history_user_id":
            getter = "user"
        elif attname == "history_change_reason":
            getter = "reason"
        elif attname == "history_date":
            getter = "date"
        elif attname == "history_type":
            getter = (lambda value: lambda obj: value)(history_type)
        elif attname in custom_historical_attrs:
            getter = (lambda value: lambda obj: value)(custom_historical_attrs[attname])
        elif attname in tracked:
            getter = value_getter(tracked[attname], connection)
        else:
            getter = (lambda value: lambda obj: value)(field.get_default())  # e.g. request_id outside a change context
        columns.append(field.column)
        getters.append(getter)

    def rows():
        for index, obj in enumerate(objs):
            row = []
            for getter in getters:
                if getter is None:
                    row.append(ids[index])
                elif getter == "user":
                    row.append(users[index])
                elif getter == "reason":
                    row.append(reasons[index])
                elif getter == "date":
                    row.append(dates[index])
                else:
                    row.append(getter(obj))
            yield row

    copy_rows(table=opts.db_table, columns=columns, rows=rows(), using=using)

    content_type_id = ContentType.objects.get_for_model(history_model.instance_type).pk
    request_id = custom_historical_attrs.get("request_id", "")
    entries = (
        (
            content_type_id,
            obj.pk,
            ids[index],
            history_type,
            dates[index],
            users[index],
            reasons[index] or "",
            request_id,
            str(obj)[:OBJECT_REPR_LENGTH],
        )
        for index, obj in enumerate(objs)
    )
    activity = ActivityEntry._meta
    copy_rows(
        table=activity.db_table,
        columns=[
            activity.get_field(name).column
            for name in (
                "content_type",
                "object_id",
                "history_id",
                "history_type",
                "history_date",
                "user",
                "change_reason",
                "request_id",
                "object_repr",
            )
        ],
        rows=entries,
        using=using,
    )
