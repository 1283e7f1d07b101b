"""The supervisors' console for incidents, service tickets, their notes and the incident types.

Lists start from the selectors (scope in SQL); every write goes through the services. The ticket
forms validate an unsaved copy with the rules the saving service checks (`ticket_check_scope`, then
`incident_validate` / `service_ticket_validate` and `full_clean()`: `TicketAdmin.check_form`), so a broken
rule shows on the form next to its field and nothing is written. Only administrators delete a ticket,
through its service; everyone else closes or cancels it. Status changes, assignment and severity
are the workflow's: its steps are actions, on the selected tickets of a list or on a ticket's page
(actions.py, with the steps in incident_actions.py and service_ticket_actions.py).
"""

from . import incident_types, incidents, notes, service_tickets  # noqa: F401 - registers the admins
