from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`seed_demo`, `demo_logins` and the generators of the demo station: the top floor, imported by nothing."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo data"
