from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Activity"

    def ready(self):
        from . import receivers  # noqa: F401 - history rows carry the request id and feed the Activity page
