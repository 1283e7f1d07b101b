"""Permission-scoped reads of the outbox."""

from django.db.models import QuerySet

from apps.core.roles import sees_all_rows

from .models import OutboundEmail


def outbound_emails_visible_to(*, user) -> QuerySet[OutboundEmail]:
    """Messages `user` may read: all of them for the console roles, none for anyone else."""
    if sees_all_rows(user):
        return OutboundEmail.objects.all()
    return OutboundEmail.objects.none()
