"""/api/send-email/: a message to people of the portal, queued through the outbox (`apps.notifications`).

Supervisors and administrators only; every recipient is an active person the sender can see (named by id or
by their portal address: one out of scope reads exactly like one that does not exist); throttled per person;
an `Idempotency-Key` header makes a retry answer the first answer instead of queueing a second message.
"""

import re

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.notifications.models import OutboundEmail
from apps.notifications.services import email_queue

from . import rows
from .base import ApiView
from .fields import MAX_ID
from .permissions import RoleVerbPermission
from .throttles import SendEmailThrottle

MAX_RECIPIENTS = 100
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")  # printable ASCII, no spaces, as a header value travels


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "format": "email"}]})
class RecipientField(serializers.Field):
    default_error_messages = {"invalid": "Name a person by their id (an integer) or their portal e-mail address."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            return data
        if isinstance(data, str) and data.strip():
            text = data.strip()
            return int(text) if text.isdigit() else text
        self.fail("invalid")

    def to_representation(self, value):
        return value


class SendEmailInput(serializers.Serializer):
    to = serializers.ListField(child=RecipientField(), min_length=1, max_length=MAX_RECIPIENTS)
    subject = serializers.CharField(max_length=255)
    body = serializers.CharField()


SendEmailAccepted = inline_serializer(
    "SendEmailAccepted",
    {
        "id": serializers.IntegerField(help_text="The outbox id of the queued message."),
        "recipients": serializers.ListField(child=serializers.EmailField()),
        "subject": serializers.CharField(),
    },
)


def recipients_of(*, names: list, by) -> list[str]:
    """Each name (an id or an address) as the address of an active person `by` can see, or a 400 saying which."""
    people = rows.people(by).exclude(email="")
    ids = [name for name in names if isinstance(name, int) and -MAX_ID <= name <= MAX_ID]
    addresses = [name for name in names if isinstance(name, str)]
    condition = Q(pk__in=ids)
    for address in addresses:
        condition |= Q(email__iexact=address)
    found = list(people.filter(condition).values_list("pk", "email"))
    by_id = dict(found)
    by_address = {email.casefold(): email for _pk, email in found}
    result, missing = [], []
    for name in names:
        email = by_id.get(name) if isinstance(name, int) else by_address.get(name.casefold())
        if email is None:
            missing.append(f"the id {name}" if isinstance(name, int) else f"the address {name}")
        elif email not in result:
            result.append(email)
    if missing:
        raise serializers.ValidationError(
            {"to": [f"No active person you can see with an e-mail address has {what}." for what in missing]}
        )
    return result


class SendEmailView(ApiView):
    resource = "send-email"
    verb = "create"
    permission_classes = [IsAuthenticated, RoleVerbPermission]
    throttle_classes = [SendEmailThrottle]

    @extend_schema(
        operation_id="send_email",
        tags=["send email"],
        summary="Queue an e-mail to people of the portal (supervisors, administrators)",
        request=SendEmailInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Retrying with the same key answers the first answer; no second e-mail is queued.",
            )
        ],
        responses={202: SendEmailAccepted},
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
            raise serializers.ValidationError(
                {"non_field_errors": ["Idempotency-Key must be 1 to 100 printable characters without spaces."]}
            )
        idempotency_key = f"api:send-email:{request.user.pk}:{key}" if key else None
        email = OutboundEmail.objects.filter(idempotency_key=idempotency_key).first() if key else None
        if email is None:
            email = self.queue(request, idempotency_key)
        body = {"id": email.pk, "recipients": email.recipients, "subject": email.subject}
        return Response(body, status=status.HTTP_202_ACCEPTED)

    def queue(self, request, idempotency_key: str | None) -> OutboundEmail:
        given = SendEmailInput(data=request.data)
        given.is_valid(raise_exception=True)
        return email_queue(
            by=request.user,
            recipients=recipients_of(names=given.validated_data["to"], by=request.user),
            subject=given.validated_data["subject"],
            body=given.validated_data["body"],
            idempotency_key=idempotency_key,
        )
