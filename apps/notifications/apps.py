from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self):
        from . import tasks  # noqa: F401 - registers the tasks the services send by name (apps.core.queue)
