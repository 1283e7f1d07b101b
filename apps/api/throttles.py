"""The API's throttles: sign-in per client address and per username, e-mail per person (rates in settings)."""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRate(SimpleRateThrottle):
    """Reads its rate from the settings when it runs (DRF binds it at import), so settings can change it."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class LoginAddressThrottle(_SettingsRate):
    """Sign-in attempts from one client address (REMOTE_ADDR, or the proxy's X-Forwarded-For: NUM_PROXIES)."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(_SettingsRate):
    """Sign-in attempts for one username, whichever addresses they come from."""

    scope = "login_username"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        username = data.get("username")
        if not isinstance(username, str) or not username.strip():
            return None
        ident = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SendEmailThrottle(_SettingsRate):
    """E-mails queued through /api/send-email/ by one person."""

    scope = "send_email"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
