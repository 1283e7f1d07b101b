"""At a phone's width (390 px) the pages a supervisor opens on the move do not scroll sideways.

A wide table may scroll inside its own box; the page itself must not (`scrollWidth` of the document no wider
than the window).
"""

import pytest

from .conftest import PHONE, save_screenshot, sign_in
from .world import World

SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def phone(open_page):
    return open_page(PHONE)


def test_the_home_the_incident_list_and_the_roster_fit_a_phone(world: World, phone, request):
    sign_in(phone, "supervisor")
    overflowing = []
    for name, path in (
        ("home", "/admin/"),
        ("incidents", "/admin/tickets/incidentticket/"),
        ("roster-people", f"/admin/scheduling/roster/?location=LON-HQ&week={world.gap_week:%Y-%m-%d}&view=people"),
        (
            "roster-facilities",
            f"/admin/scheduling/roster/?location=LON-HQ&week={world.gap_week:%Y-%m-%d}&view=facilities",
        ),
    ):
        phone.goto(path)
        scroll_width, window_width = phone.evaluate(SIDEWAYS)
        if scroll_width > window_width:
            save_screenshot(request, phone, f"-{name}")
            overflowing.append(f"{path}: the page is {scroll_width} px wide in a {window_width} px window")
    assert not overflowing, "\n".join(overflowing)
