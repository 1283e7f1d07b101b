"""The API's authentication class (named in settings, so it imports nothing of DRF's views: no import loop)."""

from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from apps.core.actors import is_system

SYSTEM_REFUSED = "The portal's system account cannot use the API."


class PortalSessionAuthentication(SessionAuthentication):
    """Django's session, CSRF on every unsafe method, 401 (not 403) when nobody is signed in; never `system`."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if not user or not user.is_authenticated:
            return None
        if is_system(user) or getattr(user, "is_system_account", False):
            raise exceptions.AuthenticationFailed(SYSTEM_REFUSED)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("This account is inactive.")
        self.enforce_csrf(request)
        return (user, None)

    def authenticate_header(self, request) -> str:
        # a WWW-Authenticate value makes DRF answer 401 to an anonymous caller (403 stays "not allowed")
        return 'Session realm="api"'


def csrf_check(request) -> None:
    """The CSRF check DRF makes for a signed-in session, made for an anonymous caller too (sign-in).

    Made on Django's request, so that a body the view has not parsed yet (or none, to sign out) is not read here.
    """
    PortalSessionAuthentication().enforce_csrf(getattr(request, "_request", request))
