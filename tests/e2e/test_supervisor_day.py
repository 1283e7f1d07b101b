"""A supervisor's day in the console, in Chromium at 1440 px: each scene of issue 14 as the supervisor plays it.

Each scene signs in as the demo supervisor (London HQ) and plays on its own rows of the seeded world
(tests/e2e/world.py). What is asserted is what the page shows; the database is read only to confirm that what
the page said happened did happen.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from playwright.sync_api import expect

from apps.scheduling.choices import ShiftStatus, TimeOffStatus
from apps.scheduling.models import Shift
from apps.tickets.choices import IncidentStatus

from .conftest import sidebar, sign_in
from .world import LONDON, POSITION, World


def shows(page, text) -> None:
    """The page shows `text` (a string, found within an element's text, or a pattern), visibly."""
    expect(page.get_by_text(text).first).to_be_visible()


def listed_rows(page):
    """The rows of the change list on the page (every list opened here fits one page)."""
    return page.locator("#result_list tbody tr")


def offered(page, name: str, text: str) -> list[str]:
    """The choices the form's `name` field offers when `text` is looked for (typed into an autocomplete)."""
    select = page.locator(f"#id_{name}")
    if "select2-hidden-accessible" not in (select.get_attribute("class") or ""):
        return [option for option in select.locator("option").all_inner_texts() if text in option]
    page.locator(f"#id_{name} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    results = page.locator(".select2-container--open .select2-results__option:not(.loading-results)")
    expect(results.first).to_be_visible()
    found = [option for option in results.all_inner_texts() if text in option]
    page.keyboard.press("Escape")
    return found


def choose(page, name: str, text: str) -> None:
    """Pick `text` in the form's `name` field, whether a plain select or an autocomplete (select2)."""
    select = page.locator(f"#id_{name}")
    if "select2-hidden-accessible" in (select.get_attribute("class") or ""):
        page.locator(f"#id_{name} + .select2 .select2-selection").click()
        page.locator(".select2-container--open .select2-search__field").fill(text)
        page.locator(".select2-results__option", has_text=text).first.click()
    else:
        select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def test_a_bookmarked_login_lands_on_the_home_which_says_what_needs_the_supervisor(world: World, page):
    sign_in(page, "supervisor", path="/admin/login/")  # a bookmark: no ?next=

    assert urlsplit(page.url).path == "/admin/", page.url
    for panel in ("My queue", "Unassigned", "Breached", "At risk", "SEV1–2 open", "Coverage gaps", "Draft shifts"):
        shows(page, panel)

    # a count on the home links to the list it counts: the list shows as many rows as the home said
    severe = page.get_by_role("link", name=re.compile(r"SEV1–2 open")).first
    counted = int(re.search(r"\d+", severe.inner_text().replace("SEV1–2", "")).group())
    assert counted >= 1  # the world's SEV1 is open at London HQ
    severe.click()
    expect(page).to_have_url(re.compile(r"/admin/tickets/incidentticket/\?"))
    expect(listed_rows(page)).to_have_count(counted)
    expect(page.locator("#result_list")).to_contain_text(world.incident.reference)


def test_a_sev1_is_triaged_to_whoever_is_on_call_at_its_facility(world: World, page):
    sign_in(page, "supervisor")
    sidebar(page, "Incidents").click()
    page.get_by_role("link", name=re.compile(r"SEV1–2 open")).click()
    row = page.locator("#result_list tbody tr", has_text=world.incident.reference)
    expect(row).to_contain_text("SEV1")
    row.get_by_role("link", name=world.incident.reference).click()

    page.locator("[x-ref=actionDropdown]", has_text="Assign").click()
    page.get_by_role("link", name="Assign to on-call").click()
    page.get_by_role("button", name="Assign to on-call").click()

    shows(page, f"Assigned {world.incident.reference} to whoever is on call (Jo Oncall).")
    shows(page, "Jo Oncall (E90001)")  # the Assignee field
    world.incident.refresh_from_db()
    assert world.incident.assignee == world.on_call
    assert world.incident.status == IncidentStatus.TRIAGED


def test_a_coverage_gap_is_filled_from_the_roster_and_the_week_published(world: World, page):
    sign_in(page, "supervisor")
    sidebar(page, "Roster").click()
    page.locator("#roster-next").click()
    page.locator("#roster-view-facilities").click()
    week = f"week={world.gap_week:%Y-%m-%d}"
    expect(page).to_have_url(re.compile(week))

    transmitter = page.locator("#roster-facilities tbody tr", has=page.locator("th", has_text="LON-E2E-TX"))
    wednesday = transmitter.locator(f'td[data-day="{world.gap_day:%Y-%m-%d}"]')
    expect(wednesday).to_contain_text(re.compile(rf"Gap 14:00–22:00\W*needs 1 × {POSITION}"))
    # the gap is a link to a shift form for that facility and hour
    wednesday.get_by_role("link", name=re.compile(r"Gap 14:00–22:00")).click()

    expect(page).to_have_url(re.compile(r"/admin/scheduling/shift/add/"))
    expect(page.locator("#id_facility")).to_have_value(str(world.transmitter.pk))
    expect(page.locator("#id_starts_at_0")).to_have_value(f"{world.gap_day:%d/%m/%Y}")
    expect(page.locator("#id_starts_at_1")).to_have_value(re.compile(r"^14:00"))
    if not page.locator("#id_position").input_value():
        page.locator("#id_position").fill(POSITION)
    # only people for whom the shift breaks no rule: Pat Busy is on another shift then
    assert offered(page, "user", "Pat Busy") == []
    assert offered(page, "user", "Fran Filler") != []
    choose(page, "user", "Fran Filler")
    page.get_by_role("button", name="Save", exact=True).click()

    # back on the roster, the same week, the gap filled by a draft
    expect(page).to_have_url(re.compile(rf"/admin/scheduling/roster/.*{week}"))
    page.locator("#roster-view-facilities").click()
    expect(wednesday).to_contain_text("14:00–22:00")
    expect(wednesday).to_contain_text("Fran Filler")
    expect(wednesday).not_to_contain_text("Gap 14:00")
    filled = Shift.objects.get(user=world.gap_filler, facility=world.transmitter, starts_at__date=world.gap_day)
    assert filled.status == ShiftStatus.DRAFT
    assert filled.starts_at.astimezone(LONDON).hour == 14

    # publish the week from the roster itself, confirming the browser's question if it asks one
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile(r"Publish the week")).click()
    shows(page, re.compile(r"Published \d+"))
    expect(page).to_have_url(re.compile(rf"/admin/scheduling/roster/.*{week}"))
    filled.refresh_from_db()
    assert filled.status == ShiftStatus.PUBLISHED
    week_end = world.gap_week + timedelta(days=7)
    drafts_left = Shift.objects.filter(
        facility=world.transmitter, status=ShiftStatus.DRAFT, starts_at__date__range=(world.gap_week, week_end)
    )
    assert not drafts_left.exists(), [str(shift) for shift in drafts_left]


def test_time_off_over_a_shift_shows_the_shift_before_approving_and_cancels_it(world: World, page):
    sign_in(page, "supervisor")
    sidebar(page, "Time off").click()
    # pending requests first: the world's request is on the first page, among the pending ones
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_contain_text("Pending")
    rows.filter(has_text="Kim Away").get_by_role("link").first.click()

    page.get_by_role("link", name=re.compile(r"\bApprove…")).click()
    # the overlapping shift is shown before approving, and the requester is not offered their own shifts
    shows(page, re.compile(r"LON-E2E-TX\b.*\b06:00"))  # the shift's facility and local start
    offered = page.locator("#id_reassign_to option").all_inner_texts()
    assert not [option for option in offered if "Kim Away" in option], offered

    page.get_by_label("Cancel the overlapping shifts").check(force=True)
    page.get_by_role("button", name="Approve time off").click()
    shows(page, "Approved 1")
    shows(page, "cancelled the overlapping shifts")
    world.time_off.refresh_from_db()
    world.time_off_shift.refresh_from_db()
    assert world.time_off.status == TimeOffStatus.APPROVED
    assert world.time_off_shift.status == ShiftStatus.CANCELLED
    # a reviewed request offers no Approve/Deny any more
    expect(page.get_by_role("link", name=re.compile(r"\b(Approve|Deny)…"))).to_have_count(0)


SHIFTS_HEADER = "Employee ID,Facility,Position,Starts,Ends,Status,Notes\n"


def shifts_csv(world: World, second_employee_id: str) -> dict:
    """Two shifts of Ira Import (E90007) at the transmitter, the second row naming `second_employee_id`."""
    first, second = world.gap_week + timedelta(days=14), world.gap_week + timedelta(days=15)
    rows = [
        f"E90007,LON-E2E-TX,{POSITION},{first:%Y-%m-%d} 06:00,{first:%Y-%m-%d} 14:00,draft,imported\n",
        f"{second_employee_id},LON-E2E-TX,{POSITION},{second:%Y-%m-%d} 14:00,{second:%Y-%m-%d} 22:00,draft,imported\n",
    ]
    return {"name": "roster.csv", "mimeType": "text/csv", "buffer": (SHIFTS_HEADER + "".join(rows)).encode()}


def test_a_spreadsheet_with_an_error_is_refused_whole_then_imported_once_fixed(world: World, page):
    sign_in(page, "supervisor")
    sidebar(page, "Shifts").click()
    page.locator('a[href$="/admin/scheduling/shift/import/"]').click()

    page.locator("input[type=file]").set_input_files(shifts_csv(world, "E9O007"))  # a letter O for a zero
    page.get_by_role("button", name=re.compile("Upload and preview")).click()
    shows(page, "Nothing was imported")
    shows(page, "No person with employee id “E9O007”")
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    assert not Shift.objects.filter(notes="imported").exists()

    page.locator("input[type=file]").set_input_files(shifts_csv(world, "E90007"))
    page.get_by_role("button", name=re.compile("Upload and preview")).click()
    page.get_by_role("button", name="Confirm import").click()
    shows(page, "Imported roster.csv: 2 new")
    imported = Shift.objects.filter(notes="imported", facility=world.transmitter)
    assert [shift.user for shift in imported] == [world.importer, world.importer]
    # the file's times are London wall-clock times
    assert sorted(shift.starts_at.astimezone(LONDON).hour for shift in imported) == [6, 14]


def test_a_mistaken_change_is_reverted_from_the_history(world: World, page):
    shift = world.mistaken_shift
    sign_in(page, "supervisor")
    page.goto(f"/admin/scheduling/roster/?location=LON-HQ&week={world.gap_week + timedelta(days=7):%Y-%m-%d}")
    page.locator("#roster-people tbody tr", has_text="Lou Late").get_by_role("link", name=re.compile("14:00")).click()
    expect(page.locator("#id_position")).to_have_value("Camera operator")

    page.get_by_role("link", name="History").click()
    versions = page.locator("table tbody tr")
    expect(versions.first).to_contain_text("Camera operator")  # the newest: the mistaken change, with its diff
    versions.nth(1).get_by_role("link").first.click()  # the version before it
    expect(page.locator("#id_position")).to_have_value(POSITION)
    page.get_by_role("button", name="Revert").click()

    shows(page, "was reverted: Reverted to the version of")
    # back on the history, the newest row is the revert, by the supervisor, with what it changed back
    expect(versions.first).to_contain_text("Reverted to the version of")
    expect(versions.first).to_contain_text("Sam Okafor")
    expect(versions.first).to_contain_text(re.compile(rf"Camera operator[\s\S]*{POSITION}"))
    shift.refresh_from_db()
    assert shift.position == POSITION
    assert shift.history.first().history_change_reason.startswith("Reverted to the version of")
