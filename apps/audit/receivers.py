"""Every history row carries its change context's request id and is indexed on the Activity page."""

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from .history import HistoricalChangeContext, current_change
from .services import activity_record


@receiver(pre_create_historical_record)
def stamp_request_id(sender, history_instance, **kwargs):
    context = current_change()
    if (
        context is not None
        and isinstance(history_instance, HistoricalChangeContext)
        and not history_instance.request_id
    ):
        history_instance.request_id = context.request_id


@receiver(post_create_historical_record)
def index_history_row(sender, instance, history_instance, **kwargs):
    if isinstance(history_instance, HistoricalChangeContext):
        activity_record(history_row=history_instance, instance=instance)
