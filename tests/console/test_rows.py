"""The change lists' lean rows (apps/console/rows.py) show what unfold's own rows show: for every list of the
console, every cell of a page holds the same text, links, inner markup classes and column name as the cell unfold
draws for that row, and a list is not drawn row by row through templates."""

import re

import pytest
from unfold.templatetags.unfold_list import items_for_result, result_headers

from apps.console.rows import UNFOLD_CLASSES, Rows
from tests.test_admin_smoke import REGISTERED, _build, _url

pytestmark = pytest.mark.django_db

OUTER = re.compile(r"^<(t[hd])[^>]*>(.*)</\1>$", re.DOTALL)


def reading(cell: str) -> tuple:
    """What a person gets from a cell: its column name, text, links and the classes inside it (its own aside); for
    a row's checkbox, what it sends (its classes are console.css's `.cl-box`, unfold's checkbox styles)."""
    label = re.search(r'data-label="([^"]*)"', cell).group(1)
    inner = OUTER.match(cell.strip()).group(2)
    if 'name="_selected_action"' in inner:
        sent = re.search(r'name="_selected_action" value="([^"]*)"', inner).group(1)
        return label, "checkbox", sent, re.search(r'aria-label="([^"]*)"', inner).group(1), "action-select" in inner
    text = " ".join(re.sub(r"<[^>]+>", " ", inner).split())
    links = re.findall(r'href="([^"]*)"', inner)
    # console.css's short classes read as the utility classes unfold writes in their place
    classes = sorted(
        {
            name
            for found in re.findall(r'class="([^"]*)"', inner)
            for short in found.split()
            for name in UNFOLD_CLASSES.get(short, short).split()
        }
    )
    return label, text, links, classes


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_every_cell_reads_as_unfolds_own(root_client, model):
    _build(model, 3)
    response = root_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    cl = response.context["cl"]
    rows = Rows(cl, list(result_headers(cl)))
    compared = 0
    for result in cl.result_list:
        ours = [reading(cell) for cell in rows.cells(result)]
        theirs = [reading(cell) for cell in items_for_result(cl, result, None)]
        if theirs and theirs[0][0] == "Select record" and ours[0][0] != "Select record":
            # unfold names a first column that is no checkbox "Select record" on a phone; it keeps its header here
            assert cl.list_display[0] != "action_checkbox"
            theirs[0] = (ours[0][0], *theirs[0][1:])
        assert ours == theirs
        compared += len(ours)
    assert compared, f"{model._meta.label}: no cell compared"


def test_the_page_carries_the_lean_cells(root_client):
    _build(REGISTERED[0], 3)
    html = root_client.get(_url(REGISTERED[0], "changelist")).content.decode()
    assert 'class="cl-cell field-' in html
    assert "before:content-[attr(data-label)]" not in html  # unfold's per-cell utilities are not repeated
    assert '<tr class="data-row cl-row">' in html and "lg:table-row lg:border-none" not in html


def test_a_list_is_sent_compressed_to_a_browser_that_accepts_it(root_client):
    import gzip

    _build(REGISTERED[0], 20)
    url = _url(REGISTERED[0], "changelist")
    plain = root_client.get(url)
    packed = root_client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    page = gzip.decompress(packed.content)
    assert len(packed.content) < len(page) / 4

    # the same page (its CSRF token aside, which every answer masks anew)
    def unmasked(html: bytes) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())

    assert unmasked(page) == unmasked(plain.content)
