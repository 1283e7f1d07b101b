"""A console admin that forgets its service or selector hook fails at registration, not on first use."""

import pytest
from django.contrib.admin import AdminSite
from django.core.exceptions import ImproperlyConfigured

from apps.core.admin import PortalModelAdmin
from apps.core.admin_forms import SelectorAdminMixin, ServiceAdminMixin
from apps.facilities.models import Facility


def test_service_admin_without_run_service_is_refused_at_registration():
    class ForgetfulAdmin(ServiceAdminMixin, PortalModelAdmin):
        pass

    with pytest.raises(ImproperlyConfigured, match="ForgetfulAdmin must define run_service"):
        AdminSite().register(Facility, ForgetfulAdmin)


def test_selector_admin_without_visible_to_is_refused_at_registration():
    class UnscopedAdmin(SelectorAdminMixin, PortalModelAdmin):
        pass

    with pytest.raises(ImproperlyConfigured, match="UnscopedAdmin must define visible_to"):
        AdminSite().register(Facility, UnscopedAdmin)
