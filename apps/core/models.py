"""Shared model pieces: the timestamped base and the gap-free reference counters."""

from django.db import models


class TimeStampedModel(models.Model):
    """Base of every domain model: when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ReferenceCounter(models.Model):
    """The last number handed out for a human reference prefix (INC, SRV).

    A row is locked (SELECT ... FOR UPDATE) for the length of the transaction that
    creates the ticket, so numbers are never duplicated, and a rolled-back ticket
    rolls its number back too: no gaps.
    """

    prefix = models.CharField(max_length=8, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "reference counter"

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_value}"
