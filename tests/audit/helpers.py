"""Assertions on who, why and which request a history row names — and its Activity entry agreeing."""

from django.contrib.contenttypes.models import ContentType

from apps.audit.models import ActivityEntry


def activity_of(history_row) -> ActivityEntry:
    content_type = ContentType.objects.get_for_model(history_row.instance_type)
    return ActivityEntry.objects.get(content_type=content_type, history_id=history_row.history_id)


def assert_attributed(history_row, *, user, reason: str, request_id: str) -> None:
    assert history_row.history_user_id == (user.pk if user is not None else None)
    assert history_row.history_change_reason == reason
    assert history_row.request_id == request_id
    entry = activity_of(history_row)
    assert (entry.user_id, entry.change_reason, entry.request_id) == (
        history_row.history_user_id,
        reason,
        request_id,
    )
