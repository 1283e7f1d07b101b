"""DRF's page-number pagination: `?page=`, `?page_size=` up to 200 (a larger value is capped, not refused)."""

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 200


class ProjectingPaginator(Paginator):
    """Counts the rows as they are filtered, then reads the page's rows as tuples of `columns` (a projection).

    Applying the columns only to the page keeps the count free of the joins that the columns need.
    """

    def __init__(self, object_list, per_page, *, columns=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.columns = columns

    def _get_page(self, object_list, *args, **kwargs):
        if self.columns is not None:
            object_list = object_list.values_list(*self.columns)
        return super()._get_page(object_list, *args, **kwargs)


class PortalPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = f"Rows per page (default 50, at most {MAX_PAGE_SIZE}; larger values are capped)."
    columns = None  # the projection's columns, set by a list that reads its page as tuples

    def django_paginator_class(self, queryset, page_size):
        return ProjectingPaginator(queryset, page_size, columns=self.columns)
