from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The console composed: the one base ModelAdmin, every model's admin, the site's navigation and commands.

    It stands above every domain app and nothing imports it (see DESIGN.md, Floors).
    """

    name = "apps.console"
    label = "console"
    verbose_name = "Console"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .localtime import remember_viewer_zone

        user_logged_in.connect(remember_viewer_zone, dispatch_uid="console-viewer-zone")
