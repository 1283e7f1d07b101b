"""Time off review in the console: approve, deny and cancel, on the selected requests of the list or on one
request's own page, each a step of apps.scheduling.time_off.

Approving shows, before anything is decided, the requester's live shifts on the requested days, and asks what
to do with them (keep them, cancel them, or give them to someone else: never to the requester). A request's page
offers only the steps its status allows (apps.scheduling.steps).
"""

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from unfold.decorators import action
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget, UnfoldBooleanSwitchWidget

from apps.accounts.models import User
from apps.accounts.selectors import users_visible_to
from apps.core.actors import SYSTEM_USERNAME
from apps.core.batch import for_each
from apps.scheduling.rules import people_free_for, person_name
from apps.scheduling.steps import TIME_OFF_STEPS, step_named
from apps.scheduling.time_off import (
    shifts_over_time_off,
    time_off_request_approve,
    time_off_request_cancel,
    time_off_request_deny,
)

from .actions import ActionPagesMixin, shift_label

APPROVE_STEP, DENY_STEP, CANCEL_STEP = (step_named(TIME_OFF_STEPS, verb) for verb in ("approve", "deny", "cancel"))


# --- forms -------------------------------------------------------------------------------------------------------


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

    def __init__(self, *args, user, requesters=(), shifts=(), **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not shifts:  # no live shift on the requested days: nothing to cancel or give away
            del self.fields["cancel_overlapping"], self.fields["reassign_to"]
            return
        free = people_free_for_all(shifts, viewer=user, requesters=requesters)
        field = self.fields["reassign_to"]
        field.queryset = User.objects.filter(pk__in=[person.pk for person in free]).order_by("last_name", "first_name")
        field.label_from_instance = lambda person: f"{person} — {person.title}" if person.title else str(person)
        if not free:
            field.help_text = (
                "Nobody based there is free for all of these shifts: cancel them, or keep them and give each one "
                "to someone from the roster."
            )


def people_free_for_all(shifts, *, viewer, requesters) -> list:
    """The active people the viewer sees, based at the shifts' locations and never a requester, for whom every
    one of `shifts` breaks no rule (overlap, rest, length, approved time off): the people the shifts could go to.
    The service checks the rules again when they are given."""
    people = (
        users_visible_to(user=viewer)
        .filter(is_active=True, home_location_id__in={shift.facility.location_id for shift in shifts})
        .exclude(pk__in=list(requesters))
        .exclude(username=SYSTEM_USERNAME)
    )
    for shift in shifts:
        people = people_free_for(
            candidates=people,
            facility=shift.facility,
            position=shift.position,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            viewer=viewer,
        )
    return list(people)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("cancel_overlapping") and cleaned.get("reassign_to"):
            raise forms.ValidationError("Cancel the overlapping shifts or give them to someone, not both.")
        return cleaned


# --- actions -----------------------------------------------------------------------------------------------------


def time_off_label(request) -> str:
    return str(request)


def overlapping_shift_lines(shifts) -> list[str]:
    """What approving would leave on the roster (or cancel, or give away), one line per live shift."""
    if not shifts:
        return ["No shifts on these days."]
    count = len(shifts)
    heading = f"{count} live shift{'s' if count > 1 else ''} on these days:"
    return [heading, *(shift_label(shift) for shift in shifts)]


# the request page's buttons and the workflow step each runs: offered only where the step can start
DETAIL_STEPS = {"approve_detail": APPROVE_STEP, "deny_detail": DENY_STEP, "cancel_detail": CANCEL_STEP}
REVIEWS = ("approve_detail", "deny_detail")


class TimeOffActionsMixin(ActionPagesMixin):
    actions = ["approve_selected", "deny_selected", "cancel_selected"]
    actions_detail = ["approve_detail", "deny_detail", "cancel_detail"]

    def has_review_permission(self, request, object_id=None) -> bool:
        """The request page's approve/deny: the role's change permission (the service judges each request)."""
        return request.user.has_perm("scheduling.change_timeoffrequest")

    def get_actions_detail(self, request, object_id):
        """Approve and deny on a pending request only (and never on one's own), cancel on a pending or approved
        one: a reviewed request offers no review. The steps (apps.scheduling.steps) say which status each needs;
        a stale link to one still answers with the step's reason."""
        actions = super().get_actions_detail(request, object_id)
        row = self.get_queryset(request).filter(pk=object_id).values("status", "user_id").first()
        if row is None:
            return []
        own = row["user_id"] == request.user.pk
        return [
            action
            for action in actions
            if (step := DETAIL_STEPS.get(action.method.__name__)) is None
            or (row["status"] in step.sources and not (own and action.method.__name__ in REVIEWS))
        ]

    def _overlaps(self, time_off) -> list[str]:
        return overlapping_shift_lines(shifts_over_time_off(time_off_request=time_off))

    def _approving(self, request, form):
        """The approve step, with the form's note and what to do with overlapping shifts."""
        note = form.cleaned_data["note"]
        cancel = form.cleaned_data.get("cancel_overlapping", False)
        reassign_to = form.cleaned_data.get("reassign_to")

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
        selected = list(queryset)
        overlapping = {request_.pk: shifts_over_time_off(time_off_request=request_) for request_ in selected}
        form, page = self.selection_form(
            request,
            ApproveForm,
            selected,
            title="Approve time off",
            action_name="approve_selected",
            form_kwargs={
                "requesters": {request_.user_id for request_ in selected},
                "shifts": [shift for shifts in overlapping.values() for shift in shifts],
            },
            details=lambda request_: overlapping_shift_lines(overlapping[request_.pk]),
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
        return self._review_on_page(
            request, object_id, ApproveForm, "Approve time off", "Approved", self._approving, overlaps=True
        )

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

    def _review_on_page(self, request, object_id, form_class, title, verb, make_step, *, overlaps=False):
        """GET: the form for this one request (approving: with the shifts on its days); POST: review it, report,
        and go back to its page."""
        time_off = get_object_or_404(self.get_queryset(request), pk=object_id)
        kwargs = {}
        shifts = shifts_over_time_off(time_off_request=time_off) if overlaps else []
        if overlaps:
            kwargs = {"requesters": {time_off.user_id}, "shifts": shifts}
        form = form_class(request.POST if request.method == "POST" else None, user=request.user, **kwargs)
        if request.method == "POST" and form.is_valid():
            self.report(request, verb, for_each([time_off], make_step(request, form)), time_off_label)
            return redirect(reverse("admin:scheduling_timeoffrequest_change", args=[time_off.pk]))
        details = (lambda row: overlapping_shift_lines(shifts)) if overlaps else None
        return self.render_action_form(request, title=title, form=form, rows=[time_off], details=details)
