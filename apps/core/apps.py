from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self):
        # every app's selectors register themselves (apps.core.scope.register_selector): the admin, the
        # Activity page and the permission tests find each model's scope there, whatever was imported first
        autodiscover_modules("selectors")
