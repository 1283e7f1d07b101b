"""The console's own stylesheet is linked on its pages and served (what it does is looked at in Chromium)."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

pytestmark = pytest.mark.django_db

CONSOLE_CSS = "console/console.css"


def test_every_console_page_links_the_console_stylesheet(root_client, mcr):
    pages = ("admin:index", "admin:tickets_incidentticket_changelist", "scheduling_roster")
    for url in map(reverse, pages):
        html = root_client.get(url).content.decode()
        assert f'href="{static(CONSOLE_CSS)}"' in html, url


def test_breadcrumbs_wrap_instead_of_being_cut():
    with open(finders.find(CONSOLE_CSS), encoding="utf-8") as stylesheet:
        rules = stylesheet.read()
    # unfold's header title is one line of `truncate`d parts; the console lets the trail wrap
    assert "#header-inner h1 { white-space: normal; flex-wrap: wrap;" in rules
    assert "text-overflow: clip; white-space: normal;" in rules


def test_the_incident_list_is_laid_out_compact_on_wide_screens():
    with open(finders.find(CONSOLE_CSS), encoding="utf-8") as stylesheet:
        rules = stylesheet.read()
    assert ".model-incidentticket.change-list #result_list" in rules
    assert ".field-reference," in rules  # the reference never wraps
    assert ".field-incident :is(a, span, strong, p)" in rules  # the title is cut with an ellipsis


def test_at_phone_width_the_pages_scroll_inside_their_tables_not_sideways(root_client, mcr):
    """Looked at in Chromium at 390 px; here, that the rules that make it so are on the pages."""
    with open(finders.find(CONSOLE_CSS), encoding="utf-8") as stylesheet:
        rules = stylesheet.read()
    # the incident queues' tab bar wraps instead of pushing the page out to 874 px
    assert "#incident-queues #tabs-items { flex-wrap: wrap; max-width: 100%; }" in rules
    incidents = root_client.get(reverse("admin:tickets_incidentticket_changelist")).content.decode()
    assert 'id="incident-queues"' in incidents

    # the roster's grid keeps readable day columns and scrolls inside its own box
    roster = root_client.get(reverse("scheduling_roster")).content.decode()
    assert ".roster-scroll { overflow-x: auto; max-width: 100%; }" in roster
    assert "min-width: 56rem; table-layout: fixed;" in roster
    assert '<div class="roster-scroll">' in roster
