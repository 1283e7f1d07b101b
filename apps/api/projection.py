"""Lists read as tuples: an output serializer's fields compiled into the columns they show and a row builder.

A page of 50 incidents built about 300 model objects (the ticket and six linked rows each, every timestamp
parsed) to show 30 fields, and most of a list request went there. A projection asks the database for those
30 values only (`values_list`) and builds each row's dict from them, with the serializer's own fields doing
the converting, so a list row is exactly what a GET of the row answers (`tests/api/test_projection.py`).

It is compiled once per output serializer from its declared fields:
- a field whose source walks model fields (`facility.location_id`, `status`) reads its column;
- a linked row's label (`label("facility")`) reads the columns the linked model's `__str__` reads, which
  the model lists as `label_fields`, and builds the label with the model's own `label_from`;
- a choice's label (`choice_label("status")`) reads the choice's column.
An output with any other field (a method field, a label of a model without `label_fields`) has no projection:
its lists are read as model objects through the serializer, as before.
"""

from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from rest_framework import serializers

from .fields import ChoiceLabelField, walks_fields_only

_projections: dict = {}
_NONE = object()


class Projection:
    """The columns a list reads (`values_list`) and how each output field is built from a tuple of them."""

    def __init__(self, columns: list[str], builders: list[tuple[str, Callable]], links: dict):
        self.columns = columns
        self.builders = builders
        self.links = links  # hidden link -> (index of its id column, the rows(user) its ids must be among)

    def rows(self, tuples, user, *, listed_from=None) -> list[dict]:
        """The output dicts of `tuples`; `listed_from` is the `rows(user)` the page was read from, if known."""
        builders = self.builders
        items = [{name: build(row) for name, build in builders} for row in tuples]
        if self.links:
            self._hide_links(tuples, items, user, listed_from)
        return items

    def _hide_links(self, tuples, items: list[dict], user, listed_from) -> None:
        """A linked row the caller may not see shows as no link at all (its id and label null), as a GET shows it.

        A link to a row of the page itself (a duplicate of another incident listed) is seen without asking.
        """
        from .rows import links_seen_by  # rows imports permissions: not at import time of this module

        listed = {item["id"] for item in items}
        wanted = {}
        for link, (index, rows) in self.links.items():
            ids = {row[index] for row in tuples} - {None}
            wanted[link] = ids - listed if rows is listed_from else ids
        seen = links_seen_by(user, {link: rows for link, (_index, rows) in self.links.items()}, wanted)
        if seen is None:
            return
        for row, item in zip(tuples, items, strict=True):
            for link, (index, _rows) in self.links.items():
                linked = row[index]
                if linked is not None and linked in wanted[link] and (link, linked) not in seen:
                    item[link] = None
                    item[f"{link}_label"] = None


def projection_of(output) -> Projection | None:
    """The projection of an output serializer class, compiled on first use; None where it has none."""
    found = _projections.get(output, _NONE)
    if found is _NONE:
        found = _projections[output] = _compile(output())
    return found


def _compile(serializer) -> Projection | None:
    model = serializer.Meta.model
    columns: dict[str, int] = {}

    def column(path: str) -> int:
        return columns.setdefault(path, len(columns))

    builders = []
    for field in serializer._readable_fields:
        build = _builder(model, field, column)
        if build is None:
            return None
        builders.append((field.field_name, build))
    links = {link: (column(link), rows) for link, rows in serializer.hidden_links.items()}
    return Projection(list(columns), builders, links)


def _builder(model, field, column: Callable[[str], int]) -> Callable | None:
    attrs = field.source_attrs
    if isinstance(field, serializers.SerializerMethodField | serializers.Serializer) or not attrs:
        return None
    if isinstance(field, ChoiceLabelField):
        index, labels = column(field.choice_field), field.labels
        return lambda row: None if row[index] is None else labels.get(row[index], str(row[index]))
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        if len(attrs) != 1 or not model._meta.get_field(attrs[0]).many_to_one:
            return None
        index = column(attrs[0])
        return lambda row: row[index]
    if not walks_fields_only(model, attrs):
        return None
    path, target = _path_of(model, attrs)
    convert = field.to_representation
    if target is None:  # a column: the value converted by the serializer's field, None as None
        index = column(path)
        return lambda row: None if row[index] is None else convert(row[index])
    label_fields, label_from = getattr(target, "label_fields", None), getattr(target, "label_from", None)
    if label_fields is None or label_from is None:
        return None
    link = column(path)
    indexes = [column(f"{path}{LOOKUP_SEP}{name}") for name in label_fields]
    return lambda row: None if row[link] is None else convert(label_from(*[row[index] for index in indexes]))


def _path_of(model, attrs: list[str]) -> tuple[str, type | None]:
    """The lookup path of a source walking model fields, and the linked model where it ends on a row (a label)."""
    names = []
    for attr in attrs:
        try:
            field = model._meta.get_field(attr)  # found by its attname too
        except FieldDoesNotExist:
            field = next(each for each in model._meta.concrete_fields if each.attname == attr)
        if field.is_relation and attr == field.attname != field.name:  # `<link>_id`: the link's own column
            return LOOKUP_SEP.join([*names, field.name]), None
        names.append(field.name)
        if not field.is_relation:
            return LOOKUP_SEP.join(names), None
        model = field.related_model
    return LOOKUP_SEP.join(names), model
