"""Callbacks named in settings.UNFOLD: environment badge, the console's stylesheet and sidebar navigation."""

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

ENVIRONMENT_COLOURS = {"production": "danger", "staging": "warning", "development": "info"}


def environment_callback(request) -> list[str]:
    name = settings.PORTAL_ENVIRONMENT
    return [name.capitalize(), ENVIRONMENT_COLOURS.get(name, "warning")]


def environment_title_prefix_callback(request) -> str | None:
    name = settings.PORTAL_ENVIRONMENT
    return None if name == "production" else f"[{name}]"


def console_stylesheet(request) -> str:
    return static("console/console.css")


def _item(title, icon: str, app_label: str, model: str) -> dict:
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(f"admin:{app_label}_{model}_changelist"),
        "permission": lambda request: request.user.has_perm(f"{app_label}.view_{model}"),
    }


def sidebar_navigation(request) -> list[dict]:
    return [
        {
            "title": _("Operations"),
            "separator": True,
            "items": [
                {"title": _("Console home"), "icon": "dashboard", "link": reverse_lazy("admin:index")},
                _item(_("Incidents"), "emergency", "tickets", "incidentticket"),
                _item(_("Service tickets"), "build", "tickets", "serviceticket"),
                _item(_("Ticket notes"), "sticky_note_2", "tickets", "ticketnote"),
                _item(_("Incident types"), "category", "tickets", "incidenttype"),
            ],
        },
        {
            "title": _("Scheduling"),
            "separator": True,
            "items": [
                {
                    "title": _("Roster"),
                    "icon": "calendar_view_week",
                    "link": reverse_lazy("scheduling_roster"),
                    "permission": lambda request: request.user.has_perm("scheduling.view_shift"),
                },
                _item(_("Shifts"), "schedule", "scheduling", "shift"),
                _item(_("Coverage requirements"), "groups", "scheduling", "coveragerequirement"),
                _item(_("Scheduled events"), "event", "scheduling", "scheduledevent"),
                _item(_("Time off"), "beach_access", "scheduling", "timeoffrequest"),
                _item(_("Time entries"), "timer", "timesheets", "timeentry"),
            ],
        },
        {
            "title": _("People & places"),
            "separator": True,
            "items": [
                _item(_("Users"), "person", "accounts", "user"),
                _item(_("Groups"), "group", "auth", "group"),
                _item(_("Locations"), "location_on", "facilities", "location"),
                _item(_("Facilities"), "apartment", "facilities", "facility"),
            ],
        },
        {
            "title": _("Data"),
            "separator": True,
            "items": [
                _item(_("Import jobs"), "upload_file", "dataio", "importjob"),
                _item(_("Outbound e-mail"), "outgoing_mail", "notifications", "outboundemail"),
            ],
        },
        {
            "title": _("System"),
            "separator": True,
            "collapsible": True,
            "items": [
                _item(_("Activity"), "history", "audit", "activityentry"),
                _item(_("Periodic tasks"), "update", "django_celery_beat", "periodictask"),
                _item(_("Interval schedules"), "timer", "django_celery_beat", "intervalschedule"),
                _item(_("Crontab schedules"), "calendar_month", "django_celery_beat", "crontabschedule"),
            ],
        },
    ]
