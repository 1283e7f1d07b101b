"""At a phone's width (390 px) the pages a supervisor opens on the move do not scroll sideways.

A wide table may scroll inside its own box; the page itself must not (`scrollWidth` of the document no wider
than the window). On the roster, no day's heading may spill over its neighbours either.
"""

import pytest

from .conftest import PHONE, save_screenshot, sign_in
from .world import World

SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# headings whose text is wider than their cell: it is drawn over the next one
SPILLING_HEADINGS = """headings => headings
    .filter(heading => heading.scrollWidth > heading.clientWidth + 1)
    .map(heading => `“${heading.innerText.trim()}” needs ${heading.scrollWidth} px, has ${heading.clientWidth} px`)"""


@pytest.fixture
def phone(open_page):
    return open_page(PHONE)


def test_the_home_the_incident_list_and_the_roster_fit_a_phone(world: World, phone, request):
    sign_in(phone, "supervisor")
    week = f"location=LON-HQ&week={world.gap_week:%Y-%m-%d}"
    problems = []
    for name, path in (
        ("home", "/admin/"),
        ("incidents", "/admin/tickets/incidentticket/"),
        ("roster-people", f"/admin/scheduling/roster/?{week}&view=people"),
        ("roster-facilities", f"/admin/scheduling/roster/?{week}&view=facilities"),
    ):
        phone.goto(path)
        found = []
        scroll_width, window_width = phone.evaluate(SIDEWAYS)
        if scroll_width > window_width:
            found.append(f"{path}: the page is {scroll_width} px wide in a {window_width} px window")
        if name.startswith("roster"):
            spilling = phone.eval_on_selector_all(".roster-grid thead th", SPILLING_HEADINGS)
            found += [f"{path}: the heading {heading}" for heading in spilling]
        if found:
            save_screenshot(request, phone, f"-{name}")
            problems += found
    assert not problems, "\n".join(problems)
