"""The OpenAPI schema's house rules: every error the contract names, conditional-request headers, per operation.

drf-spectacular documents bodies, parameters, filters, search and ordering from the views; this adds what
the views do not say themselves: 400/401/403/404/409/412/415/429 bodies where each can happen, `ETag` on
GET and PATCH answers, `If-None-Match` (304) on GET and `If-Match` (412) on PATCH.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorDetail = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
ErrorDetail.help_text = "A sentence saying what is wrong."


class ValidationErrors(serializers.Serializer):
    """400: each field's messages under its name; rules across fields under `non_field_errors`."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


ERRORS = {
    "400": ("Invalid input: the services' sentences, field by field.", ValidationErrors),
    "401": ("Not signed in.", ErrorDetail),
    "403": ("Signed in, but not allowed (role, the service's rule), or the CSRF check failed.", ErrorDetail),
    "404": ("No such row, or one outside the caller's scope (the same answer).", ErrorDetail),
    "409": ("The database refused the change (a concurrent overlap won): the console's sentence.", ErrorDetail),
    "412": ("`If-Match` names a version of the row that is no longer current.", ErrorDetail),
    "415": ("The body is not JSON (or multipart, where a file is accepted).", ErrorDetail),
    "429": ("Throttled: retry after the `Retry-After` header's seconds.", ErrorDetail),
}
ANONYMOUS_OPERATIONS = {"csrf", "login", "logout"}


class PortalAutoSchema(AutoSchema):
    def _operation_name(self) -> str:
        return self.get_operation_id()

    def _error_codes(self) -> list[str]:
        method = self.method
        view = self.view
        detail = "{" in self.path
        anonymous = self._operation_name() in ANONYMOUS_OPERATIONS
        codes = []
        if method in ("POST", "PATCH") or (method == "GET" and not detail and hasattr(view, "filterset_class")):
            codes.append("400")
        if not anonymous:
            codes.append("401")
        if self._operation_name() != "csrf":
            codes.append("403")
        if detail or (method == "GET" and getattr(view, "pagination_class", None) and self._is_list_view()):
            codes.append("404")
        if method in ("POST", "PATCH") and not anonymous:
            codes.append("409")
        if method == "PATCH":
            codes.append("412")
        if method in ("POST", "PATCH"):
            codes.append("415")
        if getattr(view, "throttle_classes", None):
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                description, serializer = ERRORS[code]
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=serializer, description=description), code, direction=direction
                )
        if self.method == "GET":
            responses.setdefault("304", {"description": "Not modified: `If-None-Match` names the current ETag."})
        return responses

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "GET":
            parameters += [
                OpenApiParameter(
                    "If-None-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="An ETag this caller read: answers 304 with no body while it is still current.",
                ),
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=[200, 304],
                    description="The version of this answer, for `If-None-Match` (and `If-Match` on a row).",
                ),
            ]
        if self.method == "PATCH":
            parameters += [
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="The ETag of the row as read: the change is refused (412) if the row changed since.",
                ),
                OpenApiParameter(
                    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200], description="The new version."
                ),
            ]
        return parameters


class PortalSessionScheme(OpenApiAuthenticationExtension):
    """The session cookie (from /api/auth/login/), with `X-CSRFToken` on every unsafe method."""

    target_class = "apps.api.authentication.PortalSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
