"""Deleting roster rows from the console: administrators only, through the delete services, in history.

Supervisors hold the model's delete permission in fixtures/roles.json, but shifts, events, time off and time
entries are cancelled (or rejected) by everyone but administrators: the row stays, with its story. So the
delete page and the list's bulk delete are the administrators' alone (`has_delete_permission`), and what they
delete goes through the model's `<entity>_delete(…, by, reason)` service (`delete_model` / `delete_queryset`),
so the history row names them and the reason, and the Activity page shows it. Rows a delete would strip of
their link (a shift's time entries, an event's service tickets) are listed on Django's confirmation page as
protected, and nothing is deleted.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst

from apps.console.history import DELETED
from apps.core.batch import error_text, for_each
from apps.core.scope import sees_everything


class AdministratorDeletesMixin:
    """Subclasses implement `delete_row(obj, *, by, reason)` with the model's delete service, and may list in
    `delete_blockers(obj)` the rows that keep `obj` from being deleted (the service refuses it then too)."""

    def delete_row(self, obj, *, by, reason: str) -> None:
        raise NotImplementedError

    def delete_blockers(self, obj) -> list:
        return []

    def has_delete_permission(self, request, obj=None):
        return sees_everything(request.user) and super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            protected += [f"{capfirst(blocker._meta.verbose_name)}: {blocker}" for blocker in self.delete_blockers(obj)]
        return to_delete, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        self.delete_row(obj, by=request.user, reason=DELETED)

    def delete_queryset(self, request, queryset):
        """Django's bulk delete, once confirmed: each row through the service; a refusal is reported, not a 500."""
        outcomes = for_each(list(queryset), lambda obj: self.delete_model(request, obj) or "")
        for outcome in outcomes:
            if not outcome.done:
                self.message_user(request, f"Not deleted {outcome.item}: {outcome.message}", messages.WARNING)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:  # refused at the last moment (a time entry logged meanwhile): rolled back
            self.message_user(request, f"Not deleted: {error_text(error)}", messages.ERROR)
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[unquote(object_id)]))
