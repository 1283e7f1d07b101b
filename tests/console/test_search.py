"""The console's search box (the command palette, /admin/search/) through real HTTP: it finds tickets, people,
facilities, shifts and events the person may open, and nothing else; bad input gets a sentence, never a 500."""

import re
from html import unescape

import pytest
from guardian.shortcuts import remove_perm

from tests.factories import IncidentTicketFactory

pytestmark = pytest.mark.django_db

SEARCH = "/admin/search/"


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def found(client, words: str, **extra) -> list[tuple[str, str, str]]:
    """(title, kind, link) of each result the palette lists for `words`."""
    response = client.get(SEARCH, {"s": words, "extended": "1", **extra})
    assert response.status_code == 200
    html = response.content.decode()
    return [
        (unescape(title), unescape(kind), unescape(link))
        for link, title, kind in re.findall(r'href="([^"]+)" data-title="([^"]*)" data-description="([^"]*)"', html)
    ]


def sentence(client, **query) -> str:
    response = client.get(SEARCH, {"extended": "1", **query})
    assert response.status_code == 200
    match = re.search(r'id="search-message">([^<]+)<', response.content.decode())
    return unescape(match.group(1)) if match else ""


@pytest.mark.parametrize(
    ("words", "kind", "title"),
    [
        ("off air", "Incident ticket", "Alder transmitter off air 0"),
        ("UPS", "Service ticket", "Alder UPS batteries 0"),
        ("E10001", "User", "Alex"),
        ("LON-MCR1", "Facility", "Master control 1"),
        ("Camera operator", "Shift", "Camera operator at LON-MCR1"),
        ("evening news", "Scheduled event", "Alder evening news 0"),
    ],
)
def test_a_supervisor_finds_each_kind_of_row_in_their_scope_and_it_opens(signed_in, station, lead, words, kind, title):
    client = signed_in(lead)

    results = [result for result in found(client, words) if result[1] == kind]

    assert any(title in result[0] for result in results), results
    for _title, _kind, link in results:
        assert client.get(link).status_code == 200, link


def test_a_supervisor_never_finds_another_locations_rows(signed_in, station, lead, boss):
    for words in ("Quince", "PAR-MCR1", "Pierre", "E20001", "Paris"):
        assert found(signed_in(lead), words) == [], words
        assert found(signed_in(boss), words), f"the administrator finds {words}: the words do match rows"


def test_an_auditor_finds_what_they_may_read(signed_in, station, auditor):
    titles = [title for title, _kind, _link in found(signed_in(auditor), "Alder")]
    assert "INC-" in " ".join(titles) and not any("Quince" in title for title in titles)


def test_pages_of_the_console_are_found_as_the_sidebar_offers_them(signed_in, station, lead, boss):
    assert ("Roster", "Scheduling", "/admin/scheduling/roster/") in found(signed_in(lead), "roster")
    assert found(signed_in(lead), "periodic") == []  # not in a supervisor's sidebar
    assert [title for title, *_ in found(signed_in(boss), "periodic")] == ["Periodic tasks"]


def test_many_matches_end_with_the_list_searched_for_the_same_words(signed_in, station, lead, mcr, alex):
    for number in range(8):
        IncidentTicketFactory(title=f"Alder hum {number}", facility=mcr, reporter=alex)
    client = signed_in(lead)

    results = found(client, "hum")
    incidents = [result for result in results if result[1] == "Incident ticket"]
    every = [result for result in results if result[0].startswith("Every match in incident tickets")]

    assert len(incidents) == 5
    assert every and every[0][2] == "/admin/tickets/incidentticket/?q=hum"
    assert client.get(every[0][2]).context["cl"].result_count == 8


def test_a_withdrawn_grant_is_seen_at_the_next_search(signed_in, station, lead, london_hq):
    client = signed_in(lead)
    assert found(client, "Alder")
    remove_perm("facilities.cover_location", lead, london_hq)
    leftovers = [title for title, kind, _link in found(client, "Alder") if kind != "Incident ticket"]
    assert leftovers == []  # (the incident assigned to them stays theirs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"s": "off\x00air"}, "Search words cannot contain control characters (such as a NUL byte): type them again."),
        ({"s": "x" * 5000}, "Search for 100 characters at most (this is 5000)."),
        ({"s": " ".join(["word"] * 20)}, "Search for 8 words at most."),
        ({"s": "off air", "page": "x"}, "The page of results must be a whole number, 1 or more."),
        ({"s": "off air", "page": "-1"}, "The page of results must be a whole number, 1 or more."),
        ({"s": "zzz-nothing-zzz"}, "Nothing found for “zzz-nothing-zzz” among what you may see."),
    ],
)
def test_bad_input_gets_a_sentence_not_an_error(signed_in, station, lead, query, expected):
    assert sentence(signed_in(lead), **query) == expected


@pytest.mark.parametrize("query", [{}, {"s": ""}, {"s": "   "}, {"s": "off air", "page": "2"}])
def test_nothing_to_search_answers_an_empty_list(signed_in, station, lead, query):
    response = signed_in(lead).get(SEARCH, {"extended": "1", **query})
    assert response.status_code == 200
    assert "data-title" not in response.content.decode()


def test_the_sidebars_dropdown_gets_the_same_results(signed_in, station, lead):
    response = signed_in(lead).get(SEARCH, {"s": "off air"})
    html = response.content.decode()
    assert response.status_code == 200 and "Alder transmitter off air 0" in html and "command-results-list" not in html


def test_results_are_never_cached(signed_in, station, lead):
    response = signed_in(lead).get(SEARCH, {"s": "off air", "extended": "1"})
    assert "no-store" in response["Cache-Control"]


def test_the_search_needs_a_console_sign_in(client, station):
    response = client.get(SEARCH, {"s": "Alder"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
