"""django-celery-beat's schedules, re-registered on unfold so the System section matches the console."""

from django.contrib import admin
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from unfold.admin import ModelAdmin, TabularInline
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from apps.console.scope import ScopedAdminMixin, ScopedFieldsMixin
from apps.core.scope import register_selector, scoped

BEAT_MODELS = (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule)


def _administrators_only(model):
    # schedules belong to no location: administrators read them (and their model permissions say who may)
    related = ("interval", "crontab", "solar", "clocked") if model is PeriodicTask else ()
    return lambda *, user: scoped(model.objects.select_related(*related), user=user)


for _model in BEAT_MODELS:
    register_selector(_model)(_administrators_only(_model))


class UnfoldTaskSelectWidget(UnfoldAdminSelectWidget, beat_admin.TaskSelectWidget):
    pass


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].widget = UnfoldAdminTextInputWidget()
        self.fields["regtask"].widget = UnfoldTaskSelectWidget()


class PeriodicTaskInline(ScopedFieldsMixin, TabularInline, beat_admin.PeriodicTaskInline):
    pass


for model in BEAT_MODELS:
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(ScopedAdminMixin, beat_admin.PeriodicTaskAdmin, ModelAdmin):
    form = PeriodicTaskForm

    def get_actions(self, request):
        # django-celery-beat's enable/disable/toggle/run actions check no permission of their own
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            for name in ("enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"):
                actions.pop(name, None)
        return actions


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(ScopedAdminMixin, ModelAdmin):
    inlines = [PeriodicTaskInline]


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(ScopedAdminMixin, beat_admin.CrontabScheduleAdmin, ModelAdmin):
    inlines = [PeriodicTaskInline]


@admin.register(SolarSchedule)
class SolarScheduleAdmin(ScopedAdminMixin, beat_admin.SolarScheduleAdmin, ModelAdmin):
    inlines = [PeriodicTaskInline]


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(ScopedAdminMixin, beat_admin.ClockedScheduleAdmin, ModelAdmin):
    inlines = [PeriodicTaskInline]
