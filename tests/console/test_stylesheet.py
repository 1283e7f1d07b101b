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
