from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The console composed: the one base ModelAdmin, every model's admin, the site's navigation and commands.

    It stands above every domain app and nothing imports it (see DESIGN.md, Floors).
    """

    name = "apps.console"
    label = "console"
    verbose_name = "Console"
