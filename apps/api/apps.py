from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The staff frontend's JSON API (API.md): session + CSRF, scoped reads, writes through the services.

    It stands on the top floor beside the console: it imports the domain apps' selectors and services, and
    nothing imports it (see DESIGN.md, Floors).
    """

    name = "apps.api"
    label = "api"
    verbose_name = "API"
