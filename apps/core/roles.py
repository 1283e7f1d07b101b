"""The portal's roles (Django groups) and the one question every selector asks first."""

from django.db.models import TextChoices


class Role(TextChoices):
    ADMINISTRATOR = "Administrator"
    SUPERVISOR = "Supervisor"
    STAFF = "Staff"
    AUDITOR = "Auditor"


CONSOLE_ROLES = (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR)


def sees_all_rows(user) -> bool:
    """True for the console roles, who read every row their model permissions allow.

    Staff (and anyone without a console role) read only their own rows. Location scope for
    supervisors and auditors (django-guardian object permissions on Location) narrows this
    in the scope issue; every selector goes through here so that change is made once.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_portal_console_role", None)
    if cached is None:
        cached = user.groups.filter(name__in=CONSOLE_ROLES).exists()
        user._portal_console_role = cached
    return cached
