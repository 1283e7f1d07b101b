"""Roster, event and time off actions in the console: every write is a service (apps.scheduling.publishing,
services, time_off), and these actions are the only way a status moves (the change forms show it read-only).

Changelist actions run on the selected rows; those that need input first answer with a form (an
intermediate page, like Django's delete confirmation) posting back with the same `action`, the selected ids
and an `apply` marker. "Publish a week…" and "Copy a week…" are buttons above the list (unfold `actions_list`)
with their own page: location and week, in the user's scope. Every run reports what was done, per row, and
why any row was skipped; the weekly-hours warnings come as warnings.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from unfold.decorators import action
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldBooleanSwitchWidget,
)

from apps.accounts.selectors import users_visible_to
from apps.core.batch import Outcome, error_text, for_each
from apps.facilities.selectors import locations_visible_to
from apps.scheduling.publishing import (
    shift_cancel,
    shift_copy_week,
    shift_publish,
    shift_reassign,
    shift_restore,
    shifts_of_week,
)
from apps.scheduling.rules import local_span, location_zone, person_name, shift_warnings
from apps.scheduling.services import scheduled_event_cancel, scheduled_event_confirm, scheduled_event_restore
from apps.scheduling.time_off import time_off_request_approve, time_off_request_cancel, time_off_request_deny

APPLY = "apply"
MAX_MESSAGES = 20
TEMPLATE = "admin/scheduling/action_form.html"


# --- forms -------------------------------------------------------------------------------------------------------


class WeekForm(forms.Form):
    location = forms.ModelChoiceField(queryset=None, widget=UnfoldAdminSelectWidget)
    week_of = forms.DateField(
        label="Week of",
        help_text="Any day of the week (Monday to Sunday, local time).",
        widget=UnfoldAdminSingleDateWidget,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations_visible_to(user=user)


class CopyWeekForm(WeekForm):
    weeks = forms.IntegerField(
        label="Copy to the next … weeks", min_value=1, max_value=12, initial=1, widget=UnfoldAdminIntegerFieldWidget
    )


class ReassignForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, widget=UnfoldAdminSelectWidget)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = users_visible_to(user=user).filter(is_active=True).order_by("last_name")


class ConfirmForm(forms.Form):
    """Nothing to fill in: the page names the rows, the button confirms."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class ReviewForm(forms.Form):
    note = forms.CharField(required=False, widget=UnfoldAdminTextareaWidget, help_text="Sent to the requester.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class ApproveForm(ReviewForm):
    cancel_overlapping = forms.BooleanField(
        required=False, label="Cancel the overlapping shifts", widget=UnfoldBooleanSwitchWidget
    )
    reassign_to = forms.ModelChoiceField(
        queryset=None,
        required=False,
        widget=UnfoldAdminSelectWidget,
        label="Or give the overlapping shifts to",
        help_text="Every rule is checked for them; a request whose shifts cannot all go to them is not approved.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["reassign_to"].queryset = (
            users_visible_to(user=user).filter(is_active=True).order_by("last_name", "first_name")
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("cancel_overlapping") and cleaned.get("reassign_to"):
            raise forms.ValidationError("Cancel the overlapping shifts or give them to someone, not both.")
        return cleaned


# --- shared ------------------------------------------------------------------------------------------------------


def shift_label(shift) -> str:
    zone = location_zone(shift.facility)
    return f"{person_name(shift.user)}, {shift.facility.code} {local_span(shift.starts_at, shift.ends_at, zone)}"


class ActionPagesMixin:
    def render_action_form(self, request, *, title, form, rows=(), action_name=None, button=None):
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "rows": [str(row) for row in rows],
            "selected": [row.pk for row in rows] if action_name else [],
            "action_name": action_name,
            "apply_marker": APPLY,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "button": button or title,
            "cancel_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, TEMPLATE, context)

    def selection_form(self, request, form_class, queryset, *, title, action_name):
        """(form, None) when valid input came with the selection, else (None, the form page)."""
        applying = APPLY in request.POST
        form = form_class(request.POST if applying else None, user=request.user)
        if applying and form.is_valid():
            return form, None
        rows = list(queryset)
        return None, self.render_action_form(request, title=title, form=form, rows=rows, action_name=action_name)

    def report(self, request, verb: str, outcomes: list[Outcome], label=str) -> None:
        done = [outcome for outcome in outcomes if outcome.done]
        skipped = [outcome for outcome in outcomes if not outcome.done]
        if done:
            listed = "; ".join(label(outcome.item) for outcome in done[:MAX_MESSAGES])
            more = f" and {len(done) - MAX_MESSAGES} more" if len(done) > MAX_MESSAGES else ""
            self.message_user(request, f"{verb} {len(done)}: {listed}{more}.", messages.SUCCESS)
        for outcome in [outcome for outcome in done if outcome.message][:MAX_MESSAGES]:
            self.message_user(request, outcome.message, messages.WARNING)
        for outcome in skipped[:MAX_MESSAGES]:
            self.message_user(request, f"Skipped {label(outcome.item)}: {outcome.message}", messages.WARNING)
        if len(skipped) > MAX_MESSAGES:
            self.message_user(request, f"… and {len(skipped) - MAX_MESSAGES} more skipped.", messages.WARNING)
        if not outcomes:
            self.message_user(request, "Nothing to do: no matching shifts.", messages.INFO)


# --- shifts --------------------------------------------------------------------------------------------------------


class ShiftActionsMixin(ActionPagesMixin):
    actions = ["publish_selected", "cancel_selected", "restore_selected", "reassign_selected"]
    actions_list = ["publish_week", "copy_week"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for warning in shift_warnings(shift=obj):
            self.message_user(request, warning, messages.WARNING)

    @action(description="Publish the selected drafts", permissions=["change"], icon="publish")
    def publish_selected(self, request, queryset):
        self.report(request, "Published", shift_publish(shifts=list(queryset), by=request.user), shift_label)

    @action(description="Cancel the selected shifts", permissions=["change"], icon="event_busy")
    def cancel_selected(self, request, queryset):
        step = lambda shift: shift_cancel(shift=shift, by=request.user) and ""  # noqa: E731
        self.report(request, "Cancelled", for_each(list(queryset), step), shift_label)

    @action(description="Restore the selected cancelled shifts as drafts", permissions=["change"], icon="undo")
    def restore_selected(self, request, queryset):
        step = lambda shift: " ".join(shift_warnings(shift=shift_restore(shift=shift, by=request.user)))  # noqa: E731
        self.report(request, "Restored as drafts", for_each(list(queryset), step), shift_label)

    @action(description="Reassign the selected shifts…", permissions=["change"], icon="swap_horiz")
    def reassign_selected(self, request, queryset):
        form, page = self.selection_form(
            request, ReassignForm, queryset, title="Reassign shifts", action_name="reassign_selected"
        )
        if page is not None:
            return page
        person = form.cleaned_data["person"]
        outcomes = for_each(
            list(queryset),
            lambda shift: " ".join(shift_warnings(shift=shift_reassign(shift=shift, user=person, by=request.user))),
        )
        self.report(request, f"Reassigned to {person_name(person)}", outcomes, shift_label)
        return None

    @action(description="Publish a week…", url_path="publish-week", permissions=["change"], icon="publish")
    def publish_week(self, request):
        return self._week_page(request, WeekForm, title="Publish a week", button="Publish the drafts")

    @action(description="Copy a week…", url_path="copy-week", permissions=["change"], icon="content_copy")
    def copy_week(self, request):
        return self._week_page(request, CopyWeekForm, title="Copy a week as drafts", button="Copy")

    def _week_page(self, request, form_class, *, title, button):
        initial = {"week_of": timezone.localdate() + timedelta(days=7)}
        form = form_class(request.POST if request.method == "POST" else None, initial=initial, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if form_class is CopyWeekForm:
                    outcomes = shift_copy_week(
                        location=data["location"], week_of=data["week_of"], weeks=data["weeks"], by=request.user
                    )
                    self.report(request, "Copied as drafts", outcomes, shift_label)
                else:
                    drafts = shifts_of_week(
                        location=data["location"], week_of=data["week_of"], by=request.user, statuses=("draft",)
                    )
                    self.report(request, "Published", shift_publish(shifts=list(drafts), by=request.user), shift_label)
            except ValidationError as error:
                form.add_error(None, error_text(error))
            else:
                return HttpResponseRedirect(reverse("admin:scheduling_shift_changelist"))
        return self.render_action_form(request, title=title, form=form, button=button)


# --- scheduled events ------------------------------------------------------------------------------------------------


class EventActionsMixin(ActionPagesMixin):
    """Confirm, cancel and restore: the event's workflow steps (a confirmed event holds its facility)."""

    actions = ["confirm_selected", "cancel_selected", "restore_selected"]

    def _run(self, request, queryset, service, verb: str) -> None:
        step = lambda event: service(event=event, by=request.user) and ""  # noqa: E731
        self.report(request, verb, for_each(list(queryset), step))

    @action(description="Confirm the selected events", permissions=["change"], icon="event_available")
    def confirm_selected(self, request, queryset):
        self._run(request, queryset, scheduled_event_confirm, "Confirmed")

    @action(description="Cancel the selected events", permissions=["change"], icon="event_busy")
    def cancel_selected(self, request, queryset):
        self._run(request, queryset, scheduled_event_cancel, "Cancelled")

    @action(description="Restore the selected cancelled events as tentative", permissions=["change"], icon="undo")
    def restore_selected(self, request, queryset):
        self._run(request, queryset, scheduled_event_restore, "Restored as tentative")


# --- time off --------------------------------------------------------------------------------------------------------


def time_off_label(request) -> str:
    return str(request)


class TimeOffActionsMixin(ActionPagesMixin):
    actions = ["approve_selected", "deny_selected", "cancel_selected"]
    actions_detail = ["approve_detail", "deny_detail", "cancel_detail"]

    def has_review_permission(self, request, object_id=None) -> bool:
        """The request page's approve/deny: the role's change permission (the service judges each request)."""
        return request.user.has_perm("scheduling.change_timeoffrequest")

    def _approving(self, request, form):
        """The approve step, with the form's note and what to do with overlapping shifts."""
        note, cancel = form.cleaned_data["note"], form.cleaned_data["cancel_overlapping"]
        reassign_to = form.cleaned_data["reassign_to"]

        def approve(time_off) -> str:
            shifts = time_off_request_approve(
                time_off_request=time_off,
                by=request.user,
                note=note,
                cancel_overlapping=cancel,
                reassign_to=reassign_to,
            )
            if not shifts:
                return ""
            listed = "; ".join(shift_label(shift) for shift in shifts)
            if cancel:
                return f"{time_off}: cancelled the overlapping shifts: {listed}."
            if reassign_to is not None:
                return f"{time_off}: the overlapping shifts went to {person_name(reassign_to)}: {listed}."
            return (
                f"{time_off} overlaps live shifts, still on the roster: {listed} "
                f"(approve with “Cancel the overlapping shifts”, or cancel or reassign them)."
            )

        return approve

    def _denying(self, request, form):
        note = form.cleaned_data["note"]

        def deny(time_off) -> str:
            time_off_request_deny(time_off_request=time_off, by=request.user, note=note)
            return ""

        return deny

    @action(description="Approve the selected requests…", permissions=["change"], icon="check")
    def approve_selected(self, request, queryset):
        form, page = self.selection_form(
            request, ApproveForm, queryset, title="Approve time off", action_name="approve_selected"
        )
        if page is not None:
            return page
        self.report(request, "Approved", for_each(list(queryset), self._approving(request, form)), time_off_label)
        return None

    @action(description="Deny the selected requests…", permissions=["change"], icon="block")
    def deny_selected(self, request, queryset):
        form, page = self.selection_form(
            request, ReviewForm, queryset, title="Deny time off", action_name="deny_selected"
        )
        if page is not None:
            return page
        self.report(request, "Denied", for_each(list(queryset), self._denying(request, form)), time_off_label)
        return None

    @action(description="Cancel the selected requests", permissions=["change"], icon="event_busy")
    def cancel_selected(self, request, queryset):
        self.report(request, "Cancelled", for_each(list(queryset), self._cancelling(request, None)), time_off_label)

    @action(description="Approve…", permissions=["review"], icon="check", url_path="approve")
    def approve_detail(self, request, object_id):
        return self._review_on_page(request, object_id, ApproveForm, "Approve time off", "Approved", self._approving)

    @action(description="Deny…", permissions=["review"], icon="block", url_path="deny")
    def deny_detail(self, request, object_id):
        return self._review_on_page(request, object_id, ReviewForm, "Deny time off", "Denied", self._denying)

    @action(description="Cancel…", permissions=["review"], icon="event_busy", url_path="cancel")
    def cancel_detail(self, request, object_id):
        return self._review_on_page(request, object_id, ConfirmForm, "Cancel time off", "Cancelled", self._cancelling)

    def _cancelling(self, request, form):
        def cancel(time_off) -> str:
            time_off_request_cancel(time_off_request=time_off, by=request.user)
            return ""

        return cancel

    def _review_on_page(self, request, object_id, form_class, title, verb, make_step):
        """GET: the form for this one request; POST: review it, report, and go back to its page."""
        time_off = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = form_class(request.POST if request.method == "POST" else None, user=request.user)
        if request.method == "POST" and form.is_valid():
            self.report(request, verb, for_each([time_off], make_step(request, form)), time_off_label)
            return redirect(reverse("admin:scheduling_timeoffrequest_change", args=[time_off.pk]))
        return self.render_action_form(request, title=title, form=form, rows=[time_off])
