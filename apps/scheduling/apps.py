from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "apps.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.facilities.models import Facility

        from .models import CoverageRequirement, Shift
        from .overview import coverage_changed

        # whatever a coverage overview reads: a kept one is stale once any of these rows is written
        for model in (Shift, CoverageRequirement, Facility):
            post_save.connect(coverage_changed, sender=model, dispatch_uid=f"coverage-changed-save-{model.__name__}")
            post_delete.connect(coverage_changed, sender=model, dispatch_uid=f"coverage-changed-del-{model.__name__}")
