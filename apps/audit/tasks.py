"""Thin Celery tasks of the audit trail."""

import logging

from celery import shared_task
from django.conf import settings

from apps.core.actors import system_user

from .services import history_prune

logger = logging.getLogger(__name__)


@shared_task
def prune_history() -> dict[str, int]:
    """Keep history for HISTORY_RETENTION_DAYS (scheduled daily); with the setting unset, keep it all."""
    days = settings.HISTORY_RETENTION_DAYS
    if days is None:
        logger.info("HISTORY_RETENTION_DAYS is not set: all history is kept")
        return {}
    deleted = history_prune(older_than_days=days, by=system_user())
    summary = ", ".join(f"{count} {label}" for label, count in sorted(deleted.items())) or "nothing"
    logger.info("history older than %s days pruned: %s", days, summary)
    return deleted
