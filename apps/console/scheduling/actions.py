"""Roster and event actions in the console, and the pages they share with time off review (time_off_actions.py):
every write is a service (apps.scheduling.publishing, services, time_off), and these actions are the only way a
status moves (the change forms show it read-only).

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
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from unfold.decorators import action
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
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
from apps.scheduling.roster import RETURN_PARAMETER
from apps.scheduling.rules import local_span, location_zone, person_name, shift_warnings
from apps.scheduling.services import scheduled_event_cancel, scheduled_event_confirm, scheduled_event_restore

APPLY = "apply"
MAX_MESSAGES = 20
MAX_COPY_WEEKS = 12
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
        label="Copy to the next … weeks",
        min_value=1,
        max_value=MAX_COPY_WEEKS,
        initial=1,
        widget=UnfoldAdminIntegerFieldWidget,
    )


class ReassignForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, widget=UnfoldAdminSelectWidget)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = users_visible_to(user=user).filter(is_active=True).order_by("last_name")


# --- shared ------------------------------------------------------------------------------------------------------


def roster_return(request, target: str | None) -> str | None:
    """`target` when it is a Roster page of this site (where a form opened from the roster goes back to), else
    None: never an address elsewhere, whatever the query string says."""
    if not target or not target.startswith(reverse("scheduling_roster")):
        return None
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else None


def shift_label(shift) -> str:
    zone = location_zone(shift.facility)
    return f"{person_name(shift.user)}, {shift.facility.code} {local_span(shift.starts_at, shift.ends_at, zone)}"


class ActionPagesMixin:
    def render_action_form(
        self, request, *, title, form, rows=(), action_name=None, button=None, details=None, back=None
    ):
        """`details(row)`: lines to show under a row before the button is pressed (what it would touch); `back`:
        the roster week the page was posted from, to return to (and to cancel to)."""
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "rows": [{"label": str(row), "details": details(row) if details else None} for row in rows],
            "selected": [row.pk for row in rows] if action_name else [],
            "action_name": action_name,
            "apply_marker": APPLY,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "button": button or title,
            "cancel_url": back or reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
            "back": back,
            "return_parameter": RETURN_PARAMETER,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, TEMPLATE, context)

    def selection_form(self, request, form_class, queryset, *, title, action_name, form_kwargs=None, details=None):
        """(form, None) when valid input came with the selection, else (None, the form page)."""
        applying = APPLY in request.POST
        form = form_class(request.POST if applying else None, user=request.user, **(form_kwargs or {}))
        if applying and form.is_valid():
            return form, None
        rows = list(queryset)
        return None, self.render_action_form(
            request, title=title, form=form, rows=rows, action_name=action_name, details=details
        )

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
        """The week's form; posted from the Roster page too, which names itself in `roster` to come back to."""
        initial = {"week_of": timezone.localdate() + timedelta(days=7)}
        form = form_class(request.POST if request.method == "POST" else None, initial=initial, user=request.user)
        back = roster_return(request, request.POST.get(RETURN_PARAMETER) if request.method == "POST" else None)
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
                return HttpResponseRedirect(back or reverse("admin:scheduling_shift_changelist"))
        return self.render_action_form(request, title=title, form=form, button=button, back=back)


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
