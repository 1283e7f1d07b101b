"""The supervisors' console for incidents, service tickets, their notes and the incident types.

Lists start from the selectors (scope in SQL); every write goes through the services. The ticket
forms validate by a dry run of the very service that saves them (apps.core.admin_forms), so a broken
rule shows on the form next to its field and nothing is written.
"""

from . import incident_types, incidents, notes, service_tickets  # noqa: F401 - registers the admins
