"""Workflow steps in the console: one mechanism for every step, on the selected tickets or on one ticket's page.

A `TicketStep` names a step, the form it needs (if any) and the service call it makes. `step_actions()` turns
it into the two admin actions that run it:

- in the changelist (a Django action, bulk): a step without a form runs at once; a step with a form first
  answers with the form (an intermediate page, like Django's delete confirmation) that posts back to the
  changelist with the same `action`, the selected ids and an `apply` marker. Invalid input shows the form
  again with its errors and writes nothing. Valid input runs the step on each ticket in its own savepoint
  (`for_each`): a ticket the service refuses is skipped, with the service's reason, and the others go
  ahead; the messages say which were done and why any were skipped.
- on a ticket's page (an unfold detail action, `<id>/<step>/`): GET shows the form (or, for a step without
  input, a confirmation), POST applies it in one transaction. A refusal shows the form again with the reason,
  next to the field it names, and nothing is written.

Both are offered to people with the model's change permission (Supervisors, Administrators); the page of a
ticket offers only the steps the workflow allows that person on that ticket now. Every write of one action
shares the request's id in history (the request middleware), under "Console action: <label>".
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.decorators import action

from apps.core.batch import Outcome, for_each
from apps.tickets.transitions import is_supervisor_of

from .forms import AssignForm, TicketActionForm

APPLY = "apply"  # the intermediate form's marker: this POST carries the form's input
MAX_SKIPPED_MESSAGES = 20


@dataclass(frozen=True)
class TicketStep:
    """One step of a ticket workflow as the console offers it.

    `run(ticket, by=, data=)` calls the service (never sets a field itself); when it returns a string, that
    is added about the ticket in the report ("Alex Doe" for an on-call assignment). The report reads
    "<verb> 3 tickets<tail>: INC-000001, ..." and "<verb> INC-000001<tail>." on a ticket's page.
    """

    name: str  # the actions' names: "resolve" (changelist) and "resolve_detail" (ticket page)
    label: str  # the menu entry and the form's button: "Resolve…"
    verb: str  # "Resolved"
    run: Callable[..., object]
    form: type[TicketActionForm] | None = None
    tail: Callable[[dict], str] | None = None  # from the form's cleaned data: " to Alex Doe"
    icon: str | None = None
    # offered on a ticket's page while the workflow allows this transition to the user
    transition: str | None = None
    # offered on a ticket's page while the ticket is open and the user supervises it (assign, severity);
    # neither: while the user may change the ticket (not a closed one)
    open_only: bool = False

    def apply(self, ticket, *, by, data: dict) -> str:
        detail = self.run(ticket, by=by, data=data)
        return detail if isinstance(detail, str) else ""

    @property
    def detail_name(self) -> str:
        return f"{self.name}_detail"

    @property
    def title(self) -> str:
        return self.label.rstrip("…")

    def report(self, data: dict, references: str) -> str:
        return f"{self.verb} {references}{self.tail(data) if self.tail else ''}"


def step_actions(step: TicketStep):
    """The changelist action and the ticket page action of `step`.

    The changelist action asks the admin's `has_change_permission(request)`. The page action asks
    `has_triage_permission` (the role's change permission on the model): `has_change_permission` would be asked
    about the ticket, and a closed ticket is read-only (no change permission on it) while its page must still
    offer "Reopen…". (Not a dotted permission name: unfold's system check would look that up in the database,
    which fails before the first migration.) Either way the service decides, ticket by ticket.
    """

    def on_selection(self, request, queryset):
        return self.run_step_on_selection(request, queryset, step)

    def on_ticket(self, request, object_id):
        return self.run_step_on_ticket(request, object_id, step)

    on_selection.__name__ = on_selection.__qualname__ = step.name
    on_ticket.__name__ = on_ticket.__qualname__ = step.detail_name
    return (
        action(on_selection, description=step.label, permissions=["change"], icon=step.icon),
        action(
            on_ticket,
            description=step.label,
            permissions=["triage"],
            icon=step.icon,
            url_path=step.name.replace("_", "-"),
        ),
    )


def assign_steps(assign: Callable[..., object]) -> tuple[TicketStep, TicketStep]:
    """ "Assign to me" and "Assign to…" for a workflow whose `assign(ticket, assignee=, by=)` gives a ticket away."""
    to_me = TicketStep(
        "assign_to_me",
        "Assign to me",
        "Assigned",
        run=lambda ticket, *, by, data: assign(ticket, assignee=by, by=by),
        tail=lambda data: " to you",
        icon="person_check",
        open_only=True,
    )
    to_someone = TicketStep(
        "assign_to",
        "Assign to…",
        "Assigned",
        run=lambda ticket, *, by, data: assign(ticket, assignee=data["assignee"], by=by),
        form=AssignForm,
        tail=lambda data: f" to {person(data['assignee'])}",
        icon="person_add",
        open_only=True,
    )
    return to_me, to_someone


def person(user) -> str:
    return user.get_full_name() or user.get_username()


def ticket_count(count: int) -> str:
    return f"{count} ticket{'s' if count != 1 else ''}"


class TicketActionsMixin:
    """Runs `TicketStep`s for a ticket admin (see the module's docstring)."""

    action_form_template = "admin/tickets/action_form.html"
    steps: tuple[TicketStep, ...] = ()
    change_permission: str  # "tickets.change_incidentticket"
    open_statuses: tuple[str, ...]

    def has_triage_permission(self, request, object_id=None) -> bool:
        """May take workflow steps on this kind of ticket at all (the services then judge each ticket)."""
        return request.user.has_perm(self.change_permission)

    # the workflow's "which transitions may this person take on this ticket now": (ticket, user) -> transitions
    transitions_for: Callable[[object, object], list]

    def allowed_transitions(self, request, ticket) -> list:
        return type(self).transitions_for(ticket, request.user)

    # --- the changelist: the selected tickets -----------------------------------------------------------------

    def run_step_on_selection(self, request, queryset, step: TicketStep):
        tickets = list(queryset.order_by("pk"))  # oldest first, in the form and in the report
        data = {}
        if step.form is not None:
            applying = APPLY in request.POST
            form = step.form(request.POST if applying else None, request=request, tickets=tickets, model_admin=self)
            if not (applying and form.is_valid()):
                return self.render_step_form(request, step, form, tickets, bulk=True)
            data = form.cleaned_data
        outcomes = for_each(tickets, lambda ticket: step.apply(ticket, by=request.user, data=data))
        self.report_outcomes(request, step, data, outcomes)
        return None  # Django goes back to the list, filters kept

    def report_outcomes(self, request, step: TicketStep, data: dict, outcomes: list[Outcome]) -> None:
        done = [outcome for outcome in outcomes if outcome.done]
        skipped = [outcome for outcome in outcomes if not outcome.done]
        if done:
            listed = ", ".join(f"{o.item.reference} ({o.message})" if o.message else o.item.reference for o in done)
            self.message_user(request, f"{step.report(data, ticket_count(len(done)))}: {listed}.", messages.SUCCESS)
        for outcome in skipped[:MAX_SKIPPED_MESSAGES]:
            self.message_user(request, f"{outcome.item.reference} skipped: {outcome.message}", messages.WARNING)
        if len(skipped) > MAX_SKIPPED_MESSAGES:
            more = [outcome.item.reference for outcome in skipped[MAX_SKIPPED_MESSAGES:]]
            self.message_user(request, f"Also skipped: {', '.join(more)}.", messages.WARNING)

    # --- a ticket's page --------------------------------------------------------------------------------------

    def run_step_on_ticket(self, request, object_id, step: TicketStep):
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:  # absent, or out of the user's scope: the same answer
            raise Http404(f"No {self.opts.verbose_name} matches the given query.")
        form_class = step.form or TicketActionForm
        if request.method != "POST":
            form = form_class(request=request, tickets=[ticket], model_admin=self)
            return self.render_step_form(request, step, form, [ticket], bulk=False)

        form = form_class(request.POST, request=request, tickets=[ticket], model_admin=self)
        if form.is_valid():
            try:
                with transaction.atomic():
                    detail = step.apply(ticket, by=request.user, data=form.cleaned_data)
            except ValidationError as error:
                form.add_service_error(error)  # rolled back: nothing was written
                ticket.refresh_from_db()  # the page shows the ticket as it is, not as the service left the object
            else:
                report = step.report(form.cleaned_data, ticket.reference)
                self.message_user(request, f"{report} ({detail})." if detail else f"{report}.", messages.SUCCESS)
                return HttpResponseRedirect(self.ticket_url(ticket))
        return self.render_step_form(request, step, form, [ticket], bulk=False)

    def get_actions_detail(self, request, object_id):
        """Only the steps the workflow allows this person on this ticket now (on a closed one: "Reopen")."""
        actions = super().get_actions_detail(request, object_id)
        ticket = self.get_object(request, unquote(str(object_id))) if actions else None
        if ticket is None:
            return []
        allowed = {transition.name for transition in self.allowed_transitions(request, ticket)}
        supervised = ticket.status in self.open_statuses and is_supervisor_of(
            request.user, ticket, permission=self.change_permission
        )
        changeable = self.has_change_permission(request, ticket)

        def offered(step: TicketStep) -> bool:
            if step.transition is not None:
                return step.transition in allowed
            return supervised if step.open_only else changeable

        prefix = f"{self.opts.app_label}_{self.opts.model_name}_"
        hidden = {prefix + step.detail_name for step in self.steps if not offered(step)}
        return [unfold_action for unfold_action in actions if unfold_action.action_name not in hidden]

    # --- the form page ----------------------------------------------------------------------------------------

    def ticket_url(self, ticket) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[ticket.pk])

    def render_step_form(self, request, step: TicketStep, form: TicketActionForm, tickets, *, bulk: bool):
        request.current_app = self.admin_site.name
        subject = tickets[0].reference if len(tickets) == 1 else ticket_count(len(tickets))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{step.title} {subject}",
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "step": step,
            "form": form,
            "tickets": tickets,
            "bulk": bulk,
            "apply_marker": APPLY,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "cancel_url": request.get_full_path() if bulk else self.ticket_url(tickets[0]),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, self.action_form_template, context)
