"""The supervisors' console for incidents, service tickets, their notes and the incident types.

Lists start from the selectors (scope in SQL); every write goes through the services. The ticket
forms validate by a dry run of the very service that saves them (apps.console.forms), so a broken
rule shows on the form next to its field and nothing is written. Status changes, assignment and severity
are the workflow's: its steps are actions, on the selected tickets of a list or on a ticket's page
(actions.py, with the steps in incident_actions.py and service_ticket_actions.py).
"""

from . import incident_types, incidents, notes, service_tickets  # noqa: F401 - registers the admins
