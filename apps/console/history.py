"""History in the console: scoped history pages, readable differences, revert through the services, and
the change reason of every write made from the console.

PortalModelAdmin mixes this in before SimpleHistoryAdmin, so each hook here wraps simple-history's view.

- Scope: simple-history shows the latest history row of any object missing from `get_queryset()`, which
  would reveal objects outside the user's scope. Here an object that exists but is out of scope answers
  404; the history of a deleted object is shown only to those who see everything.
- Revert (POST on a version page) needs the change permission on the object as it is now, runs in one
  transaction under the reason "Reverted to the version of …", and saves through the admin's own form
  and `save_model()` — for service-backed admins that is the service, so its rules apply. The form is
  bound to the current row (not simple-history's copy of the old one): the service then sees the real
  "before", permission checks see the current state, and fields the form does not edit (those owned by a
  workflow) stay as they are.
- Reasons: add/change forms, deletes, every action and guardian's object-permission screens run inside a
  change context naming what was done; the request's id (if the middleware opened a context) is kept.
"""

import functools
from contextlib import contextmanager

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets, model_format_dict, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from simple_history.utils import get_m2m_reverse_field_name

from apps.audit.diffs import ReadableRecordContextHelper, local_moment
from apps.audit.history import change_context
from apps.console.forms import _RejectedAtSave
from apps.core.scope import sees_everything

ADDED = "Added in the console"
CHANGED = "Changed in the console"
DELETED = "Deleted in the console"
ACTION = "Console action: {}"
PERMISSIONS = "Object permissions changed in the console"
REVERTED = "Reverted to the version of {when} (#{history_id})"


@contextmanager
def console_change(request, reason: str):
    """Writes inside are recorded with `reason`, the request's user, and the request's id when it has one."""
    with change_context(reason=reason, request=request) as context:
        yield context


class HistoryAdminMixin:
    # the request each change was made in, linking to everything that request changed (the Activity page).
    # simple-history heads the column with the very name it reads the value by (from this admin, then from each
    # row), so the name is the header a person reads.
    history_list_display = ["Request"]

    # --- reasons for console writes ------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        adding = object_id is None or "_saveasnew" in request.POST
        with console_change(request, ADDED if adding else CHANGED):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with console_change(request, DELETED):
            return super().delete_view(request, object_id, extra_context)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        # guardian's "Object permissions" screen writes permission rows that keep a history (scope grants)
        with console_change(request, PERMISSIONS):
            return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        with console_change(request, PERMISSIONS):
            return super().obj_perms_manage_group_view(request, object_pk, group_id)

    def response_action(self, request, queryset):
        with console_change(request, self._action_reason(request)):
            return super().response_action(request, queryset)

    def _action_reason(self, request) -> str:
        # the same choice Django makes: the action of the button pressed (one per changelist form)
        names = request.POST.getlist("action")
        try:
            name = names[int(request.POST.get("index", 0))]
        except (ValueError, IndexError):
            name = names[0] if names else ""
        if name == "delete_selected":
            return DELETED
        action = self.get_actions(request).get(name)
        description = str(action[2]) % model_format_dict(self.opts) if action else name
        return ACTION.format(description)

    def get_unfold_action(self, action: str):
        """unfold's list/row/detail/submit-line actions run under "Console action: <description>"."""
        unfold_action = super().get_unfold_action(action)
        method, reason = unfold_action.method, ACTION.format(unfold_action.description)

        @functools.wraps(method)
        def run_with_reason(request, *args, **kwargs):
            with console_change(request, reason):
                return method(request, *args, **kwargs)

        unfold_action.method = run_with_reason
        return unfold_action

    # --- scoped history pages -------------------------------------------------------------------------

    def history_subject(self, request, object_id):
        """The object as the user may see it now; None for a deleted one (only those who see everything).

        Raises PermissionDenied without the view permission and Http404 when the object is out of scope,
        so its existence is not revealed.
        """
        if not self.has_view_history_or_change_history_permission(request):
            raise PermissionDenied
        pk = unquote(object_id)
        try:
            current = self.get_queryset(request).filter(pk=pk).first()
            exists = current is not None or self.model._default_manager.filter(pk=pk).exists()
        except (ValueError, ValidationError):
            raise Http404 from None
        if current is None and (exists or not sees_everything(request.user)):
            raise Http404(f"No {self.opts.verbose_name} matches the given query.")
        request._portal_history_subject = current
        return current

    def history_view(self, request, object_id, extra_context=None):
        self.history_subject(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self.history_subject(request, object_id)
        history = getattr(self.model, self.opts.simple_history_manager_attribute)
        try:
            version = history.get(**{self.opts.pk.attname: unquote(object_id)}, history_id=version_id)
        except (history.model.DoesNotExist, ValueError, ValidationError):
            raise Http404 from None
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        if self.revert_disabled(request):
            raise PermissionDenied
        return self._revert(request, object_id, current, version, extra_context)

    def _revert(self, request, object_id, current, version, extra_context):
        reason = REVERTED.format(when=local_moment(version.history_date), history_id=version.history_id)
        version_id = str(version.history_id)
        request._portal_revert_target, request._portal_revert_reason = current, reason
        with console_change(request, reason):
            try:
                with transaction.atomic():
                    return super().history_form_view(request, object_id, version_id, extra_context)
            except _RejectedAtSave as rejected:
                # ServiceAdminMixin's mechanism: everything was rolled back; the same POST runs once more
                # and its form shows the error
                request._portal_rejected_at_save = rejected.error
            request._portal_revert_target = self.get_queryset(request).get(pk=current.pk)  # the save changed it
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        version = getattr(obj, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if version is None:  # not a version page
            return form_class
        target = getattr(request, "_portal_revert_target", None)
        return _version_form(
            form_class, version, instance=target if target is not None and target.pk == obj.pk else None
        )

    def get_readonly_fields(self, request, obj=None):
        """A version page the user cannot revert from shows the version, read-only: fields to edit with no button
        to send them would be a control that fails."""
        fields = super().get_readonly_fields(request, obj)
        if getattr(obj, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None) is not None and self.revert_disabled(request, obj):
            # a form field that is disabled already shows without an input (a password's hash), and the form
            # may need it (unfold's user form does)
            declared = getattr(self.form, "declared_fields", {})
            shown = flatten_fieldsets(self.get_fieldsets(request, obj))
            editable = [name for name in shown if name not in fields and not getattr(declared.get(name), "disabled", 0)]
            return [*fields, *editable]
        return fields

    def revert_disabled(self, request, obj=None):
        """No revert button, and no revert, without the change permission on the object as it is now."""
        if getattr(settings, "SIMPLE_HISTORY_REVERT_DISABLED", False):
            return True
        current = getattr(request, "_portal_history_subject", obj)
        return current is None or not self.has_change_history_permission(request, current)

    def response_change(self, request, obj):
        if getattr(request, "_portal_revert_target", None) is None:
            return super().response_change(request, obj)
        message = f"The {self.opts.verbose_name} “{obj}” was reverted: {request._portal_revert_reason}."
        self.message_user(request, message, messages.SUCCESS)
        history_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk])
        return HttpResponseRedirect(history_url)

    # --- readable differences -----------------------------------------------------------------------------

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableRecordContextHelper(self.model, historical_record)

    def request_link(self, record) -> str:
        """History list column: a short request id, linking to the Activity page filtered by that request."""
        if not record.request_id:
            return "—"
        url = reverse("admin:audit_activityentry_changelist")
        return format_html('<a href="{}?request_id={}">{}</a>', url, record.request_id, record.request_id[:8])

    Request = request_link  # the column named in history_list_display


def _version_form(form_class, version, *, instance=None):
    """The form of a version page: the version's many-to-many values (simple-history's copy of the old row
    carries only its own columns), and, when reverting, bound to `instance` (the row as it is now)."""
    m2m_initial = {
        field.name: list(getattr(version, field.name).values_list(get_m2m_reverse_field_name(field), flat=True))
        for field in version._history_m2m_fields
        if field.name in form_class.base_fields
    }

    class VersionForm(form_class):
        def __init__(self, *args, **kwargs):
            if instance is not None:
                kwargs["instance"] = instance
            kwargs["initial"] = {**m2m_initial, **(kwargs.get("initial") or {})}
            super().__init__(*args, **kwargs)

    VersionForm.__name__ = VersionForm.__qualname__ = form_class.__name__
    # (a model form subclass builds its fields afresh, so its own fields are the ones to widen)
    for name, pks in m2m_initial.items():
        # like the current values (admin_scope), the version's own stay valid even when now out of scope
        field = VersionForm.base_fields[name]
        field.queryset = field.queryset.model._default_manager.filter(
            Q(pk__in=field.queryset.values("pk")) | Q(pk__in=pks)
        )
    return VersionForm
