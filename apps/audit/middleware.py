"""Every web request is one unit of work: its writes share a request id and name the signed-in user."""

import re

from .history import change_context, new_request_id

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def incoming_request_id(request) -> str | None:
    """The caller's request id (a proxy's or the frontend's), if it is a token we can store and log as is."""
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if SANE_REQUEST_ID.fullmatch(value) else None


class ChangeContextMiddleware:
    """Open a change context around each request; must come after AuthenticationMiddleware.

    The user is read from `request.user` when a history row is written, not when the request comes in,
    so a login during the request, or DRF authenticating it later, is still named. A view with a more
    specific reason (an admin action) opens its own context inside this one and keeps the request id.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = incoming_request_id(request) or new_request_id()
        with change_context(
            request=request,
            request_id=request.request_id,
            reason=f"Web request: {request.method} {request.path}",
        ):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response
