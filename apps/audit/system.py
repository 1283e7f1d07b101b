"""Changes the portal makes by itself — Celery tasks, management commands — recorded as the system account's."""

from contextlib import AbstractContextManager

from django.core.management.base import BaseCommand
from django.utils.functional import SimpleLazyObject

from apps.core.actors import system_user

from .history import ChangeContext, change_context, current_change


def as_system(*, reason: str, request_id: str | None = None) -> AbstractContextManager[ChangeContext]:
    """A change context acting as the system account, for `reason`.

    The account is looked up (or created) only when a history row is written: a task that writes
    nothing costs no query, and a command's --dry-run creates no account either.
    """
    return change_context(user=SimpleLazyObject(system_user), reason=reason, request_id=request_id)


class SystemCommand(BaseCommand):
    """A management command whose writes are recorded as the system's, for "Command: <name>".

    Run from inside another unit of work that already names a person (say, an admin view calling
    `call_command`), that person stays the author and the command only names the reason; a command
    called by another command shares its request id.
    """

    @property
    def command_name(self) -> str:
        return type(self).__module__.rpartition(".")[2]

    def execute(self, *args, **options):
        reason = f"Command: {self.command_name}"
        outer = current_change()
        if outer is not None and outer.acting_user is not None:
            with change_context(reason=reason):
                return super().execute(*args, **options)
        with as_system(reason=reason):
            return super().execute(*args, **options)
