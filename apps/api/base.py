"""The base views: every API call is one unit of work named after itself, GETs carry ETags, writes call services.

A resource view says which rows its caller reaches (`rows(user)`, from the selectors), how they render
(`output`), which verbs it offers (the router routes those only: anything else is 405) and, per write, which
service it calls. History rows written by a call carry the reason "API: <METHOD> <path>" and the request id
of the call (`apps.audit.middleware`).
"""

from django.db import transaction
from django.http import JsonResponse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.history import change_context

from .conditional import ConditionalGetMixin, check_if_match
from .filters import PortalOrderingFilter, PortalSearchFilter
from .permissions import RoleVerbPermission
from .projection import projection_of

HTTP_METHODS = ["get", "post", "patch", "head"]  # no PUT, no DELETE, no OPTIONS: 405 (CORS preflight aside)


class UnitOfWork:
    """The call's writes share the request's id and the reason "API: <METHOD> <path>"."""

    def dispatch(self, request, *args, **kwargs):
        with change_context(reason=f"API: {request.method} {request.path}"):
            return super().dispatch(request, *args, **kwargs)


class ApiView(UnitOfWork, ConditionalGetMixin, APIView):
    http_method_names = HTTP_METHODS


class ResourceViewSet(UnitOfWork, ConditionalGetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """List and read a resource's rows in the caller's scope; `create` / `partial_update` where a resource has them.

    Subclasses set `resource` (the key of the role × verb table), `output` (the serializer of a row),
    `rows_from` (which rows the caller reaches) and, for writes, `create_input` / `update_input` with
    `perform_create` / `perform_update`.
    """

    resource: str = ""
    output = None
    create_input = None
    update_input = None
    field_names: dict[str, str] = {}  # a model field the API names otherwise: its errors under the API's name

    http_method_names = HTTP_METHODS
    permission_classes = [IsAuthenticated, RoleVerbPermission]
    filter_backends = [DjangoFilterBackend, PortalSearchFilter, PortalOrderingFilter]
    lookup_value_regex = r"-?[0-9]{1,18}"  # a longer number names no row: the JSON 404 below

    rows_from = None  # the caller's rows: `staticmethod(rows.<resource>)` (apps/api/rows.py)

    def rows(self, user):
        return self.rows_from(user)

    def get_queryset(self):
        return self.rows(self.request.user)

    def list(self, request, *args, **kwargs):
        """A page of rows; read as tuples of the columns the output shows where it can be (`projection.py`)."""
        projection = projection_of(self.output)
        if projection is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        self.paginator.columns = projection.columns
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(projection.rows(page, request.user, listed_from=self.rows_from))

    def get_serializer_class(self):
        if self.action == "create" and self.create_input is not None:
            return self.create_input
        if self.action == "partial_update" and self.update_input is not None:
            return self.update_input
        return self.output

    def render(self, instance) -> dict:
        """The row as a GET of it answers: re-read through the caller's scope, so labels are fresh."""
        fresh = self.get_queryset().filter(pk=instance.pk).first() or instance
        return self.output(fresh, context=self.get_serializer_context()).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self.output(self.get_object(), context=self.get_serializer_context()).data)


class Creates:
    """POST on the list: parse with `create_input`, call the service in `perform_create`, answer 201 with the row."""

    def create(self, request, *args, **kwargs):
        given = self.create_input(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        instance = self.perform_create(given.validated_data)
        return Response(self.render(instance), status=status.HTTP_201_CREATED)

    def perform_create(self, data: dict):
        raise NotImplementedError


class Updates:
    """PATCH on a row: lock it, honour `If-Match`, parse with `update_input`, call the services (`perform_update`)."""

    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            locked = type(instance)._default_manager.select_for_update().filter(pk=instance.pk)
            list(locked.values_list("pk", flat=True))  # the row cannot change between the If-Match check and the write
            instance = self.get_object()
            check_if_match(request, self.output(instance, context=self.get_serializer_context()).data)
            given = self.update_input(instance, data=request.data, partial=True, context=self.get_serializer_context())
            given.is_valid(raise_exception=True)
            instance = self.perform_update(instance, given.validated_data)
        return Response(self.render(instance))

    def perform_update(self, instance, data: dict):
        raise NotImplementedError


def not_found(request, *args, **kwargs):
    """Any other path under /api/: a JSON 404, as the frontend expects, not the site's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)
