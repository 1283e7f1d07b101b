from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Activity"

    def ready(self):
        # receivers: history rows carry the request id and feed the Activity page;
        # task_context: every Celery task writes as the system account, under its task id
        from . import receivers, task_context  # noqa: F401
