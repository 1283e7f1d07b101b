"""Permission-scoped reads of the outbox."""

from django.db.models import QuerySet

from apps.core.scope import register_selector, scoped

from .models import OutboundEmail


@register_selector(OutboundEmail)
def outbound_emails_visible_to(*, user) -> QuerySet[OutboundEmail]:
    """The outbox belongs to no location: administrators read it, nobody else."""
    return scoped(OutboundEmail.objects.all(), user=user)
