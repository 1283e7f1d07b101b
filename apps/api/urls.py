"""/api/: the contract's paths (API.md), the schema and its two documentation pages."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import auth
from .accounts import ProfileViewSet
from .base import not_found
from .facilities import FacilityViewSet, LocationViewSet
from .outbox import SendEmailView
from .scheduling_writes import ScheduledEventViewSet, ShiftViewSet, TimeOffRequestViewSet
from .ticket_writes import IncidentTicketViewSet, ServiceTicketViewSet
from .tickets import IncidentTypeViewSet
from .timesheet_writes import TimeEntryViewSet

app_name = "api"

router = SimpleRouter()
router.register("profiles", ProfileViewSet, basename="profile")
router.register("locations", LocationViewSet, basename="location")
router.register("facilities", FacilityViewSet, basename="facility")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("incident-types", IncidentTypeViewSet, basename="incident-type")
router.register("incident-tickets", IncidentTicketViewSet, basename="incident-ticket")
router.register("service-tickets", ServiceTicketViewSet, basename="service-ticket")
router.register("time-entries", TimeEntryViewSet, basename="time-entry")
router.register("scheduled-events", ScheduledEventViewSet, basename="scheduled-event")
router.register("time-off-requests", TimeOffRequestViewSet, basename="time-off-request")

urlpatterns = [
    path("csrf/", auth.CsrfView.as_view(), name="csrf"),
    path("auth/login/", auth.LoginView.as_view(), name="login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("auth/user/", auth.CurrentUserView.as_view(), name="current-user"),
    path("send-email/", SendEmailView.as_view(), name="send-email"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    *router.urls,
    re_path(r"^.*$", not_found),  # a JSON 404 for any other path under /api/, not the site's HTML page
]
