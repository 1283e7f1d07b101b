"""Errors as the contract spells them (API.md, Errors), with the services' own sentences.

- Django's `ValidationError` (a service's or a workflow's refusal) → 400, field by field, the sentence
  unchanged; a model field the API names otherwise (`home_location` → `location`) under the API's name.
- A refusal by a database constraint (an overlap two concurrent saves raced for) → 409 with the
  constraint's sentence, the one the console shows: `apps.core.saving.instance_save` raises it as a
  ValidationError coded with the constraint's name; a bare IntegrityError naming a constraint is mapped too.
- `PermissionDenied` → 403 with its sentence; `Http404` → 404, the same for a missing row and one out of scope.
"""

from functools import cache

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NOT_FOUND = "Not found."
DATABASE_REFUSED = "The database refused this change: another change got there first. Reload and try again."


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "This row has changed since you read it (If-Match): read it again, then retry your change."
    default_code = "precondition_failed"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = DATABASE_REFUSED
    default_code = "conflict"


@cache
def database_constraints() -> dict[str, object]:
    """Every model's named constraints, by name (and by violation code where one is set)."""
    found = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            found[constraint.name] = constraint
            if getattr(constraint, "violation_error_code", None):
                found[constraint.violation_error_code] = constraint
    return found


def _database_refusal(exc: DjangoValidationError) -> str | None:
    """The sentence of a constraint the database enforced, when `exc` is one (see apps.core.saving)."""
    if hasattr(exc, "error_dict") or hasattr(exc, "error_list") and len(exc.error_list) != 1:
        return None
    error = exc.error_list[0] if hasattr(exc, "error_list") else exc
    if error.code and error.code in database_constraints():
        return error.messages[0] if hasattr(error, "messages") else str(error.message)
    return None


def validation_body(exc: DjangoValidationError, names: dict[str, str] | None = None) -> dict[str, list[str]]:
    names = names or {}
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": list(exc.messages)}
    body: dict[str, list[str]] = {}
    for field, messages in exc.message_dict.items():
        key = "non_field_errors" if field == NON_FIELD_ERRORS else names.get(field, field)
        body.setdefault(key, []).extend(messages)
    return body


def _integrity_sentence(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    constraint = database_constraints().get(name) if name else None
    if constraint is None:
        text = str(exc)
        constraint = next((c for n, c in database_constraints().items() if n in text), None)
    return str(constraint.get_violation_error_message()) if constraint is not None else DATABASE_REFUSED


def api_exception_handler(exc, context):
    view = context.get("view")
    names = getattr(view, "field_names", {}) or {}
    if isinstance(exc, DjangoValidationError):
        refused = _database_refusal(exc)
        if refused is not None:
            return Response({"detail": refused}, status=status.HTTP_409_CONFLICT)
        return Response(validation_body(exc, names), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response({"detail": _integrity_sentence(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied) and not exc.args:
        exc = PermissionDenied("You do not have permission to perform this action.")
    return drf_exception_handler(exc, context)
