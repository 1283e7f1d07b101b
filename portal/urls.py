from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from apps.console.scheduling.roster import roster_view
from apps.console.search import search_view
from apps.core.health import healthz
from apps.scheduling.calendar_feed import calendar_feed

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("admin/scheduling/roster/", admin.site.admin_view(roster_view), name="scheduling_roster"),
    # before the admin's own URLs: answers the console's search box in place of unfold's view ("admin:search")
    path("admin/search/", admin.site.admin_view(search_view), name="console_search"),
    path("admin/", admin.site.urls),
    path("api/", include("apps.api.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
