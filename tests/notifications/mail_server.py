"""A mail server standing in for the real one, which is outside the project.

The Celery worker of the worker tests runs in a thread of the test process, so one module-level
server is seen by the test and the worker alike; a lock keeps its bookkeeping straight when the
worker runs two tasks at once.
"""

import smtplib
import threading
from collections.abc import Callable

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class FakeMailServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self, *, failures: int = 0) -> None:
        """Accept everything from now on, except that the next `failures` sends drop the connection."""
        with self._lock:
            self.delivered: list[EmailMessage] = []
            self.failures_left = failures
            self.refused = 0
            self.fail_on_close = False
            # called with the messages before they are accepted (from the sending thread)
            self.on_send: Callable[[list[EmailMessage]], None] | None = None

    def accept(self, messages: list[EmailMessage]) -> int:
        if self.on_send is not None:
            self.on_send(messages)
        with self._lock:
            if self.failures_left:
                self.failures_left -= 1
                self.refused += 1
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self.delivered.extend(messages)
        return len(messages)

    def subjects(self) -> list[str]:
        with self._lock:
            return [message.subject for message in self.delivered]


server = FakeMailServer()


class FakeMailBackend(BaseEmailBackend):
    """settings.EMAIL_BACKEND for the fake server (the `mail_server` fixture sets it)."""

    def send_messages(self, email_messages):
        return server.accept(list(email_messages))

    def close(self):
        if server.fail_on_close:
            raise smtplib.SMTPResponseException(421, b"Service not available, closing transmission channel")
