"""Driving the tickets' workflow actions through the console, as a supervisor's browser does."""

from django.urls import reverse

from tests.tickets.html_forms import form_data

INCIDENTS = reverse("admin:tickets_incidentticket_changelist")
SERVICE_TICKETS = reverse("admin:tickets_serviceticket_changelist")
FORM = "ticket_action_form"


def messages_of(client) -> list[str]:
    """The messages the next page shows (and consumes)."""
    response = client.get(INCIDENTS)
    return [str(message) for message in response.context["messages"]]


def run_bulk(client, changelist: str, action: str, tickets, **fields):
    """Select `tickets` in the list and run `action`; a form, if the action shows one, is sent with `fields`."""
    selected = {"action": action, "index": "0", "_selected_action": [ticket.pk for ticket in tickets]}
    response = client.post(changelist, selected)
    if response.status_code == 200 and f'id="{FORM}"' in response.content.decode():
        response = client.post(changelist, form_data(response, FORM) | fields)
    return response


def detail_url(ticket, step: str) -> str:
    return reverse(f"admin:tickets_{ticket._meta.model_name}_{step}_detail", args=[ticket.pk])


def change_url(ticket) -> str:
    return reverse(f"admin:tickets_{ticket._meta.model_name}_change", args=[ticket.pk])


def offered_steps(client, ticket, steps) -> set[str]:
    """The steps the ticket's page links to."""
    html = client.get(change_url(ticket)).content.decode()
    return {step for step in steps if f'href="{detail_url(ticket, step)}"' in html}
