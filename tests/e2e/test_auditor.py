"""The auditor (read-only, every site) is offered no control that fails.

On each page of an auditor's round, every link they are shown (menus and dropdowns included) is followed
with their session and must open; and no form that would write (POST) offers them a field to type in or a
button to press: they could only be refused.
"""

import re
from urllib.parse import urljoin, urlsplit

from .conftest import sign_in
from .world import World

SKIPPED_LINKS = re.compile(r"/logout/|^/static/|^/media/|\.ics$")
# a link's "kind": its path with every number made one, so that 100 rows of a list cost one request
KIND = re.compile(r"\d+")

WRITABLE_FIELD = (
    "input:not([type=hidden]):not([type=submit]):not([type=button]):not([disabled]):not([readonly]),"
    " textarea:not([disabled]):not([readonly]), select:not([disabled])"
)
SUBMIT = "button[type=submit], button:not([type]), input[type=submit]"


def auditor_round(world: World) -> list[str]:
    week = f"{world.gap_week:%Y-%m-%d}"
    shift = world.mistaken_shift
    version = shift.history.order_by("history_date", "history_id").first()
    return [
        "/admin/",
        "/admin/tickets/incidentticket/",
        f"/admin/tickets/incidentticket/{world.incident.pk}/change/",
        f"/admin/scheduling/roster/?location=LON-HQ&week={week}&view=people",
        f"/admin/scheduling/roster/?location=LON-HQ&week={week}&view=facilities",
        "/admin/scheduling/shift/",
        f"/admin/scheduling/shift/{shift.pk}/change/",
        f"/admin/scheduling/shift/{shift.pk}/history/",
        f"/admin/scheduling/shift/{shift.pk}/history/{version.history_id}/",
        "/admin/scheduling/timeoffrequest/",
        f"/admin/scheduling/timeoffrequest/{world.time_off.pk}/change/",
        "/admin/dataio/importjob/",
    ]


def writable_controls(page) -> list[str]:
    """The fields and buttons of the page's writing forms (POST, sign-out aside) that the user can reach."""
    found = []
    for form in page.locator("form").all():
        if (form.get_attribute("method") or "get").lower() != "post":
            continue
        if "/logout/" in (form.get_attribute("action") or ""):
            continue
        for control in form.locator(f"{WRITABLE_FIELD}, {SUBMIT}").all():
            if control.is_visible():
                name = control.get_attribute("name") or control.inner_text().strip() or control.get_attribute("value")
                found.append(f"{page.url}: a form offers “{name}”")
    return found


def test_the_auditor_is_offered_no_control_that_fails(world: World, page):
    sign_in(page, "auditor")
    followed: dict[str, str] = {}  # the kind of each link followed: the page it was seen on
    failures: list[str] = []

    for path in auditor_round(world):
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        failures += writable_controls(page)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(link => link.getAttribute('href'))"):
            target = urljoin(page.url, href)
            parts = urlsplit(target)
            if parts.netloc != urlsplit(page.url).netloc or SKIPPED_LINKS.search(parts.path):
                continue
            if parts.path == urlsplit(page.url).path:
                continue  # the same page, sorted, filtered or paged: the lists' own tests cover those
            kind = KIND.sub("N", parts.path)
            if kind in followed:
                continue
            followed[kind] = path
            answer = page.request.get(target, max_redirects=5)
            if answer.status >= 400:
                failures.append(f"{path}: the link to {parts.path}?{parts.query} answers {answer.status}")

    assert len(followed) > 20, sorted(followed)  # the round really went through the console
    assert not failures, "\n".join(failures)
