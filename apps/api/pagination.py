"""DRF's page-number pagination: `?page=`, `?page_size=` up to 200 (a larger value is capped, not refused)."""

from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 200


class PortalPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = f"Rows per page (default 50, at most {MAX_PAGE_SIZE}; larger values are capped)."
