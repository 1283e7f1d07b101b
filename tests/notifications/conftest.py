import pytest

from tests.notifications.mail_server import server


@pytest.fixture
def mail_server(settings):
    """The fake mail server, empty, with every send accepted until a test says otherwise."""
    settings.EMAIL_BACKEND = "tests.notifications.mail_server.FakeMailBackend"
    server.reset()
    yield server
    server.reset()
