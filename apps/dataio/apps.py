from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "apps.dataio"
    label = "dataio"

    def ready(self):
        from . import tasks  # noqa: F401 - registers the tasks the services send by name (apps.core.queue)
