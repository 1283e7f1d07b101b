"""Every model's admin, registered when Django's admin autodiscovers this module.

The admins live in one subpackage per domain app (apps/console/<app>/), on the one base class in
`apps.console.base`.
"""

from apps.console import tickets  # noqa: F401 - the tickets package registers its admins on import
from apps.console.accounts import admin as accounts_admin  # noqa: F401
from apps.console.audit import admin as audit_admin  # noqa: F401
from apps.console.dataio import admin as dataio_admin  # noqa: F401
from apps.console.facilities import admin as facilities_admin  # noqa: F401
from apps.console.notifications import admin as notifications_admin  # noqa: F401
from apps.console.scheduling import admin as scheduling_admin  # noqa: F401
from apps.console.timesheets import admin as timesheets_admin  # noqa: F401
