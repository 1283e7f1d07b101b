"""The date drill-down above a list ("2025 2026", then the months, then the days), from one query.

Django's own reads the first and last date of the list (MIN/MAX, which an index answers), then the distinct
years, months or days of every row in the list (a scan of all of them: 30,000 incidents on an administrator's
list, a year of them once drilled down). Here the first and last dates of what is listed bound the choices, and
each period between them is offered: one MIN/MAX query, whatever the list's size. A period between the two with
no row in it (a whole month without incidents) shows an empty list, with its count of 0.

Same context as Django's `date_hierarchy`, drawn by the same template (unfold's).
"""

import calendar
import datetime

from django.contrib.admin.utils import get_fields_from_path
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def date_hierarchy(cl) -> dict:
    if not cl.date_hierarchy:
        return {"show": False}
    name = cl.date_hierarchy
    field = get_fields_from_path(cl.model, name)[-1]
    year_field, month_field, day_field = f"{name}__year", f"{name}__month", f"{name}__day"
    year, month, day = (_number(cl.params.get(key)) for key in (year_field, month_field, day_field))
    if (year and not datetime.MINYEAR <= year <= datetime.MAXYEAR) or (month and not 1 <= month <= 12):
        return {"show": False}  # the list refuses such a date itself (its error page); nothing to draw

    def link(filters):
        return cl.get_query_string(filters, [f"{name}__"])

    if year and month and day:
        try:
            chosen = datetime.date(year, month, day)
        except ValueError:  # the list itself refuses such a date (its error page); nothing to draw
            return {"show": False}
        return {
            "show": True,
            "back": {"link": link({year_field: year, month_field: month}), "title": _month_title(chosen)},
            "choices": [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
        }
    first, last = _first_and_last(cl.queryset, name, isinstance(field, models.DateTimeField))
    if not (year or month) and first is not None and first.year == last.year:
        year = first.year  # as Django: one year listed opens on its months, one month on its days
        if first.month == last.month:
            month = first.month
    if year and month:
        days = _days(year, month, first, last)
        back = {"link": link({year_field: year}), "title": str(year)}
        choices = [
            {
                "link": link({year_field: year, month_field: month, day_field: chosen.day}),
                "title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT")),
            }
            for chosen in days
        ]
        return {"show": True, "back": back, "choices": choices}
    if year:
        months = _months(year, first, last)
        back = {"link": link({}), "title": _("All dates")}
        choices = [
            {"link": link({year_field: year, month_field: chosen.month}), "title": _month_title(chosen)}
            for chosen in months
        ]
        return {"show": True, "back": back, "choices": choices}
    years = range(first.year, last.year + 1) if first is not None else ()
    choices = [{"link": link({year_field: str(chosen)}), "title": str(chosen)} for chosen in years]
    return {"show": True, "back": None, "choices": choices}


def _number(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _first_and_last(queryset, name: str, is_datetime: bool) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last dates of what is listed, in the reader's zone (as Django's drill-down reads them)."""
    found = queryset.order_by().aggregate(first=models.Min(name), last=models.Max(name))
    first, last = found["first"], found["last"]
    if first is None or last is None:
        return None, None
    if is_datetime:
        first, last = (timezone.localtime(value) if timezone.is_aware(value) else value for value in (first, last))
        return first.date(), last.date()
    return first, last


def _months(year: int, first, last) -> list[datetime.date]:
    """The months of `year` between the first and last dates listed."""
    if first is None:
        return []
    start = first.month if first.year == year else 1
    end = last.month if last.year == year else 12
    return [datetime.date(year, number, 1) for number in range(start, end + 1)]


def _days(year: int, month: int, first, last) -> list[datetime.date]:
    """The days of the month between the first and last dates listed."""
    if first is None:
        return []
    start = first.day if (first.year, first.month) == (year, month) else 1
    end = last.day if (last.year, last.month) == (year, month) else calendar.monthrange(year, month)[1]
    return [datetime.date(year, month, number) for number in range(start, end + 1)]


def _month_title(chosen: datetime.date) -> str:
    return capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT"))
