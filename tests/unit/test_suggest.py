"""'Did you mean': the corrected query comes from the given (visible) texts only."""

from __future__ import annotations

import pytest

from services.common.ports import SearchQuery
from services.indexing import es_bodies
from services.indexing.query import plan
from services.indexing.suggest import corrected, within_one_edit

TEXTS = ["Quyết định khen thưởng tập thể", "Khen thưởng cá nhân", "thuong mai"]


def suggest(text: str, texts: list[str] = TEXTS) -> str | None:
    return corrected(text, plan(SearchQuery(text=text)), texts)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("thuong", "thuong", True),
        ("thuowng", "thuong", True),  # one letter added
        ("thong", "thuong", True),  # one letter missing
        ("thuonh", "thuong", True),  # one letter changed
        ("thuogn", "thuong", True),  # two letters swapped
        ("thugno", "thuong", False),
        ("thuowngg", "thuong", False),
    ],
)
def test_one_edit(a, b, expected):
    assert within_one_edit(a, b) is expected


def test_a_mistyped_word_becomes_the_texts_own_word_with_its_diacritics():
    assert suggest("khen thuowng") == "khen thưởng"  # most frequent near word, marks kept
    assert suggest('loai:quyet_dinh "tap the" khen thuonh') == (
        'loai:quyet_dinh "tap the" khen thưởng'
    )


def test_words_the_texts_hold_filters_and_short_words_stay():
    assert suggest("khen thưởng") is None
    assert suggest("xyzxyz") is None
    assert suggest("ab khen") is None


def test_nothing_is_suggested_from_texts_not_given():
    assert suggest("khen thuowng", ["Báo cáo thủy lợi"]) is None


def test_es_bodies_for_the_suggestion_keep_the_clearance_filter():
    p = plan(SearchQuery(text="khen thuowng", clearance=1))
    texts = es_bodies.texts_body(p, 20)
    assert texts["size"] == 20 and texts["_source"] == ["body", "subject", "title"]
    assert texts["query"] == es_bodies.query(p, fuzzy=True)
    check = es_bodies.exists_body(p)
    assert check == {"query": es_bodies.query(p), "size": 0, "track_total_hits": 1}
    clearance = es_bodies.filter_clause(p.filters[-1])
    assert "secrecy" in str(clearance) and clearance in check["query"]["bool"]["filter"]
    assert clearance in texts["query"]["bool"]["filter"]
