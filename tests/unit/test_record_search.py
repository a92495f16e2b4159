"""Search inside one record's text: folded, words in a row, hits numbered across pages."""

from __future__ import annotations

import pytest

from services.common.errors import BadQuery
from services.gateway.record_search import MAX_QUERY_CHARS, marked_pages, search_pages

PAGES = [
    {"n": 1, "text": "QUYẾT ĐỊNH\nvề việc khen thưởng <b>tập thể</b>"},
    {"n": 2, "text": "Không có gì."},
    {"n": 3, "text": "Điều 1. Khen   thưởng phòng Tài chính; quyết định có hiệu lực."},
]


def test_folded_words_in_a_row_are_found_on_every_page():
    found = search_pages(PAGES, "quyet dinh")
    assert found["total"] == 2 and found["pages"] == [{"n": 1, "hits": 1}, {"n": 3, "hits": 1}]
    assert [h["page"] for h in found["hits"]] == [1, 3]
    assert found["hits"][0]["snippet"].startswith("<mark>QUYẾT ĐỊNH</mark>")
    assert search_pages(PAGES, "Dieu 1")["total"] == 1  # đ = d
    assert search_pages(PAGES, "khen thưởng")["total"] == 2  # across spaces and a line
    assert search_pages(PAGES, "thưởng khen")["total"] == 0  # order matters, like Ctrl+F


def test_snippets_and_marked_text_are_escaped_html():
    [hit] = search_pages(PAGES, "tap the")["hits"]
    assert "&lt;b&gt;<mark>tập thể</mark>&lt;/b&gt;" in hit["snippet"]
    pages = marked_pages(PAGES, "khen thuong")
    assert '<mark id="hit-1" class="hit">khen thưởng</mark> &lt;b&gt;' in pages[0]["marked"]
    assert '<mark id="hit-2" class="hit">Khen   thưởng</mark>' in pages[2]["marked"]
    assert pages[1]["marked"] == "Không có gì."


@pytest.mark.parametrize("query", ["", " ,; ", "x" * (MAX_QUERY_CHARS + 1)])
def test_an_empty_or_huge_query_is_a_bad_query(query):
    with pytest.raises(BadQuery):
        search_pages(PAGES, query)
