"""The change lists' rows, rendered lean: the same table unfold draws, for a fraction of the time and bytes.

unfold builds each cell of a change list through its generic path: the column headers are rebuilt for every cell
(some 600 times for a page of 50 rows), every label and the row's checkbox go through a template of their own, and
every cell carries the same 26 utility classes. A page of 50 incidents took about 250 ms and 350 KB in its rows.

Here, per page: the headers once; each column's kind (link, label, header, plain value, checkbox) decided once;
a label rendered once per distinct value through unfold's own template and reused (its whitespace folded); one
short class on each checkbox and on each cell (`console.css` spells out unfold's cell styles for it, at both widths);
and the rows joined into one piece of HTML inside unfold's table (`admin/console_change_list_results.html`), with
the classes of unfold's rows, so the table and its phone cards are unfold's.

What a cell shows is Django's and unfold's: Django's `lookup_field`, unfold's `display_for_value` and
`display_for_field`, its label template and header markup. One difference: a first column that is neither the
checkbox nor a link is named by its header on a phone (unfold names it "Select record"). Columns with a dropdown,
or a list with editable fields, go through unfold's own path.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable
from typing import Any

from django.contrib.admin.templatetags.admin_list import _coerce_field_name, result_hidden_fields
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from unfold.templatetags import unfold_list
from unfold.utils import display_for_field, display_for_value

CELL = "cl-cell"  # console.css: unfold's ROW_CLASSES
CHECK_CELL = "action-checkbox cl-check"  # console.css: unfold's CHECKBOX_CLASSES (its script finds .action-checkbox)
LABEL_TYPES = ("info", "danger", "warning", "success", "primary")  # unfold's label colours; any other is grey

# each short class console.css spells out, and the utility classes unfold writes in its place (the lean rows' test
# reads every cell back through this table and compares it with unfold's own)
UNFOLD_CLASSES = {
    "cl-row": "block border border-base-200 mb-3 relative rounded-default lg:table-row lg:border-none lg:mb-0 "
    "lg:rounded-none dark:border-base-800",
    "cl-body": "block relative lg:table-row-group",
    "cl-stripe": "bg-base-50 dark:bg-white/[.02]",
    "cl-link": "text-font-important-light dark:text-font-important-dark",
    "cl-hd": "flex gap-4 items-center",
    "cl-hd-text": "flex flex-col text-right lg:text-left",
    "cl-hd-main": "block font-normal",
    "cl-hd-sub": "text-base-500",
    "cl-label": "inline-block font-semibold rounded-default text-[11px] uppercase whitespace-nowrap h-6 leading-6 px-2",
    "cl-label-grey": "bg-base-500/8 text-base-700 dark:bg-base-500/20 dark:text-base-200",
    "cl-label-info": "bg-blue-100 text-blue-700 dark:bg-blue-500/20 dark:text-blue-400",
    "cl-label-danger": "bg-red-100 text-red-700 dark:bg-red-500/20 dark:text-red-400",
    "cl-label-warning": "bg-orange-100 text-orange-700 dark:bg-orange-500/20 dark:text-orange-400",
    "cl-label-success": "bg-green-100 text-green-700 dark:bg-green-500/20 dark:text-green-400",
    "cl-label-primary": "bg-primary-100 text-primary-700 dark:bg-primary-500/20 dark:text-primary-400",
}

# a row, as unfold's `change_list_results.html` draws one: its table and its phone cards are unfold's
BODY = '<tbody class="cl-body{}"><tr class="data-row cl-row">'
STRIPE = " cl-stripe"  # every other row, as unfold's {% cycle %}


def lean_rows_supported(cl, context) -> bool:
    """Whether this list is drawn here: not one with editable fields, dropdown columns, sortable rows, expandable
    sections or row action menus (unfold's template draws those)."""
    admin = cl.model_admin
    if getattr(cl, "formset", None) or context.get("actions_row"):
        return False
    if getattr(admin, "ordering_field", None) or getattr(admin, "list_sections", None):
        return False
    for name in cl.list_display:
        attr = getattr(admin, name, None) if isinstance(name, str) else name
        if getattr(attr, "dropdown", False):
            return False
    return True


def result_list(context: dict[str, Any], cl) -> dict[str, Any]:
    """What `admin/console_change_list_results.html` reads: the rows as one piece where the list allows, else what
    unfold's `change_list_results.html` reads."""
    if not lean_rows_supported(cl, context):
        return {**unfold_list.result_list(context, cl), "lean": False}
    headers = list(unfold_list.result_headers(cl))
    rows = Rows(cl, headers)
    body = "".join(
        BODY.format(STRIPE if number % 2 else "") + "".join(rows.cells(result)) + "</tr></tbody>"
        for number, result in enumerate(cl.result_list)
    )
    return {
        "lean": True,
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "rows": mark_safe(body),  # every cell is format_html'd, or unfold's own rendered markup
    }


class Rows:
    """The cells of one page of `cl`, column by column (see the module)."""

    def __init__(self, cl, headers: list[dict]):
        self.cl = cl
        self.admin = cl.model_admin
        self.labels = [str(header["text"]) for header in headers]
        self.empty = self.admin.get_empty_value_display()
        self.links = self._link_columns()
        self.label_memo: dict[tuple, SafeString] = {}
        self.select = conditional_escape(_("Select record"))
        self.pk_attname = str(cl.to_field) if cl.to_field else cl.lookup_opts.pk.attname
        self.ordering_field = getattr(self.admin, "ordering_field", None)
        self.hide_ordering_field = getattr(self.admin, "hide_ordering_field", False)

    def _link_columns(self) -> set[int]:
        display, links = list(self.cl.list_display), self.cl.list_display_links
        if links is None:
            return set()
        if not links:
            first = next((index for index, name in enumerate(display) if name != "action_checkbox"), None)
            return {first} if first is not None else set()
        return {index for index, name in enumerate(display) if name in links}

    def cells(self, result) -> list[SafeString]:
        found, first_link = [], True
        for index, name in enumerate(self.cl.list_display):
            classes = f"{CELL} field-{_coerce_field_name(name, index)}"
            if name == "action_checkbox":
                value = conditional_escape(str(result.pk))
                found.append(
                    mark_safe(
                        f'<td class="{CHECK_CELL}" data-label="{self.select}"><input type="checkbox" '
                        f'name="_selected_action" value="{value}" class="cl-box action-select" '
                        f'aria-label="{self.select}"></td>'
                    )
                )
                continue
            shown, nowrap = self._shown(name, result)
            if nowrap:
                classes += " nowrap"
            if self.ordering_field and name == self.ordering_field and self.hide_ordering_field:
                classes += " !hidden"
            label = self.labels[index]
            if index in self.links:
                tag = "th" if first_link else "td"
                first_link = False
                shown = self._linked(result, shown)
                found.append(format_html('<{} class="{}" data-label="{}">{}</{}>', tag, classes, label, shown, tag))
            else:
                found.append(format_html('<td class="{}" data-label="{}">{}</td>', classes, label, shown))
        return found

    def _shown(self, name, result) -> tuple[Any, bool]:
        """The cell's content as unfold shows it, and whether it keeps to one line."""
        try:
            field, attr, value = lookup_field(name, result, self.admin)
        except ObjectDoesNotExist:
            return self.empty, False
        empty = getattr(attr, "empty_value_display", self.empty)
        if field is None or field.auto_created:
            nowrap = isinstance(value, datetime.date | datetime.time)
            label = getattr(attr, "label", False)
            if label:
                return self._label(name, value, empty, label), nowrap
            if getattr(attr, "header", False):
                return self._header(value, empty), nowrap
            return display_for_value(value, empty, getattr(attr, "boolean", False)), nowrap
        nowrap = isinstance(field, models.DateField | models.TimeField | models.ForeignKey)
        if isinstance(field.remote_field, models.ManyToOneRel):
            related = getattr(result, field.name)
            return (empty if related is None else related), nowrap
        return display_for_field(value, field, empty), nowrap

    def _label(self, name, value, empty, label) -> SafeString:
        """unfold's label for `value` (`unfold/helpers/display_label.html`), with console.css's short classes;
        rendered once per distinct value on the page."""
        try:
            key = (name, value if not isinstance(value, list) else tuple(value))
            hash(key)
        except TypeError:
            return label_html(value, label)
        shown = self.label_memo.get(key)
        if shown is None:
            shown = self.label_memo[key] = label_html(value, label)
        return shown

    @staticmethod
    def _header(value, empty) -> SafeString:
        """unfold's header cell (`unfold/helpers/display_header.html`): a title and a line under it, with initials;
        a picture goes through unfold's template."""
        if not isinstance(value, list | tuple):
            return unfold_list.display_for_header(value, empty)
        value = list(value) + [None] * (4 - len(value))
        title, line, initials, picture = value[:4]
        if picture:
            return unfold_list.display_for_header(value, empty)
        badge = (
            format_html(  # unfold's initials badge, kept as it is (few lists show one)
                '<span class="bg-white border border-base-200 flex font-medium h-8 justify-center items-center '
                'rounded-full text-xs uppercase w-8 dark:bg-base-900 dark:border-base-700">{}</span>',
                initials,
            )
            if initials
            else ""
        )
        title = format_html('<strong class="cl-hd-main">{}</strong>', title) if title else ""
        line = format_html('<p class="cl-hd-sub">{}</p>', line) if line else ""
        return format_html(
            '<span class="cl-hd">{}<span class="cl-hd-text">{}{}</span></span>',
            badge,
            title,
            line,
        )

    def _linked(self, result, shown) -> SafeString:
        cl = self.cl
        try:
            url = cl.url_for_result(result)
        except NoReverseMatch:
            return shown
        url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
        popup = ""
        if cl.is_popup:
            popup = format_html(' data-popup-opener="{}"', result.serializable_value(self.pk_attname))
        return format_html('<a href="{}" class="cl-link"{}>{}</a>', url, popup, shown)


def label_html(value, label) -> SafeString:
    """unfold's `display_for_label` (the colour from the `label` mapping, a (key, text) pair or a list of them),
    drawn with console.css's classes."""
    kind = None
    if isinstance(label, dict):
        if isinstance(value, tuple):
            try:
                kind, value = label[value[0]], value[1]
            except KeyError:
                value = value[0]
        elif isinstance(value, Hashable) and value in label:
            kind = label[value]
    if not value:
        return mark_safe("-")
    colour = f"cl-label-{kind}" if kind in LABEL_TYPES else "cl-label-grey"
    items = value if isinstance(value, tuple | list) else [value]
    return mark_safe(" ".join(format_html('<span class="cl-label {}">{}</span>', colour, item) for item in items))
