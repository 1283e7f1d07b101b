"""Words on console pages a person reads: filter titles, column headers."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.audit.history import change_context
from tests.factories import IncidentTicketFactory

pytestmark = pytest.mark.django_db


def test_no_list_filter_is_titled_by_by(root_client):
    """unfold titles each filter "By <title>": a field named "by" must not read "By by"."""
    checked = 0
    for model in admin.site._registry:
        opts = model._meta
        response = root_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if response.status_code != 200:
            continue
        titles = re.findall(r"<(?:label|h3)[^>]*>\s*By ([^<]*?)\s*</", response.content.decode())
        assert all(title.strip().lower() != "by" for title in titles), (model, titles)
        checked += 1
    assert checked > 10

    activity = root_client.get(reverse("admin:audit_activityentry_changelist")).content.decode()
    assert re.search(r">\s*By person\s*<", activity)


def test_history_pages_head_the_request_column_in_words(root_client, mcr):
    incident = IncidentTicketFactory(facility=mcr)
    with change_context(user=None, reason="Checked", request_id="req-abcdef123"):
        incident.title = "Checked"
        incident.save()

    html = root_client.get(reverse("admin:tickets_incidentticket_history", args=[incident.pk])).content.decode()

    headers = [" ".join(h.split()) for h in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)]
    assert "Request" in headers
    assert "request_id" not in html.replace("?request_id=", "")  # the link's parameter, not a header
    assert 'request_id=req-abcdef123">req-abcd</a>' in html
