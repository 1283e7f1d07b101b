"""Local time in the browser: a New York supervisor builds their roster and reads their incidents in New York time,
and a reader elsewhere sees those times labelled with New York's zone (tests/e2e/world.py, the New York scene)."""

import re
from datetime import UTC

from playwright.sync_api import expect

from apps.scheduling.models import Shift

from .conftest import sign_in
from .world import NEW_YORK, NY_SUPERVISOR_PASSWORD, POSITION, World


def test_a_new_york_gap_is_filled_in_new_york_time(world: World, page):
    scene = world.new_york
    sign_in(page, scene.supervisor.username, password=NY_SUPERVISOR_PASSWORD)
    page.goto(f"/admin/scheduling/roster/?location={scene.location.code}&week={world.gap_week:%Y-%m-%d}")
    page.locator("#roster-view-facilities").click()

    studio = page.locator("#roster-facilities tbody tr", has=page.locator("th", has_text=scene.studio.code))
    wednesday = studio.locator(f'td[data-day="{world.gap_day:%Y-%m-%d}"]')
    expect(wednesday).to_contain_text(re.compile(rf"Gap 14:00–22:00\W*needs 1 × {POSITION}"))
    wednesday.get_by_role("link", name=re.compile(r"Gap 14:00–22:00")).click()

    # the form is in New York time, and says so
    expect(page.locator("#id_starts_at_0")).to_have_value(f"{world.gap_day:%d/%m/%Y}")
    expect(page.locator("#id_starts_at_1")).to_have_value(re.compile(r"^14:00"))
    expect(page.locator("#id_ends_at_1")).to_have_value(re.compile(r"^22:00"))
    expect(page.get_by_text("Local time at the facility: America/New_York").first).to_be_visible()
    if not page.locator("#id_position").input_value():
        page.locator("#id_position").fill(POSITION)
    select = page.locator("#id_user")
    select.select_option(select.locator("option", has_text="Gus Gap").first.get_attribute("value"))
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(r"/admin/scheduling/roster/"))
    page.locator("#roster-view-facilities").click()
    expect(wednesday).to_contain_text("14:00–22:00")
    expect(wednesday).to_contain_text("Gus Gap")
    expect(wednesday).not_to_contain_text("Gap 14:00")
    filled = Shift.objects.get(user=scene.gap_filler, facility=scene.studio)
    assert filled.starts_at.astimezone(NEW_YORK).hour == 14 and filled.ends_at.astimezone(NEW_YORK).hour == 22
    assert filled.starts_at.astimezone(UTC).hour in (18, 19)  # 14:00 in New York is 18:00 or 19:00 UTC


def test_a_new_york_incident_reads_in_new_york_time_and_is_labelled_for_a_london_reader(world: World, page):
    scene = world.new_york
    occurred = scene.incident.occurred_at.astimezone(NEW_YORK)
    zone = occurred.tzname()  # EST or EDT
    hour = occurred.strftime("%-I")

    sign_in(page, scene.supervisor.username, password=NY_SUPERVISOR_PASSWORD)
    page.goto(f"/admin/tickets/incidentticket/?q={scene.incident.reference}")
    row = page.locator("#result_list tbody tr", has_text=scene.incident.reference)
    expect(row).to_contain_text(re.compile(rf"{occurred.day} \w+ {occurred.year}, {hour}(:\d\d)? [ap]\.m\."))
    expect(row).not_to_contain_text(zone)  # the reader's own zone is not named

    page.context.clear_cookies()
    sign_in(page, "admin")  # based in London
    page.goto(f"/admin/tickets/incidentticket/?q={scene.incident.reference}")
    row = page.locator("#result_list tbody tr", has_text=scene.incident.reference)
    expect(row).to_contain_text(re.compile(rf"{hour}(:\d\d)? [ap]\.m\. {zone}"))
