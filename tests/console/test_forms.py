"""A console admin that forgets its service or selector hook fails at registration, not on first use."""

import pytest
from django.contrib.admin import AdminSite
from django.core.exceptions import ImproperlyConfigured

from apps.console.base import PortalModelAdmin
from apps.console.forms import ServiceAdminMixin
from apps.core.models import ReferenceCounter
from apps.facilities.models import Facility


def test_service_admin_without_run_service_is_refused_at_registration():
    class ForgetfulAdmin(ServiceAdminMixin, PortalModelAdmin):
        pass

    with pytest.raises(ImproperlyConfigured, match="ForgetfulAdmin must define run_service"):
        AdminSite().register(Facility, ForgetfulAdmin)


def test_admin_of_a_model_without_selector_is_refused_at_registration():
    # ReferenceCounter has no registered selector: an admin for it would have no scope
    class UnscopedAdmin(PortalModelAdmin):
        pass

    with pytest.raises(ImproperlyConfigured, match="ReferenceCounter has no selector"):
        AdminSite().register(ReferenceCounter, UnscopedAdmin)
