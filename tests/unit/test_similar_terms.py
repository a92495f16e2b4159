""" "More like this" picks a record's most distinctive words by tf·idf, from the frequencies the
engine counts within the caller's clearance (each secrecy level's own index, summed)."""

from __future__ import annotations

import pytest

from services.indexing.analysis import significant_terms

pytestmark = pytest.mark.unit


def test_rarer_and_more_repeated_words_are_chosen_first():
    words = ["chung", "chung", "hiem", "vua", "vua", "vua", "tram"]
    doc_freq = {"chung": 900, "hiem": 3, "vua": 100, "tram": 100}
    chosen = significant_terms(words, doc_freq.__getitem__, 1000, top=3)
    assert chosen == ["vua", "hiem", "tram"]  # 3 × 2.30, then 1 × 5.65, 1 × 2.30


def test_numbers_and_one_letter_words_are_never_chosen():
    words = ["2026", "a", "x", "nghi", "quyet"]
    chosen = significant_terms(words, lambda term: 1, 1000)
    assert sorted(chosen) == ["nghi", "quyet"]


def test_only_the_frequencies_given_decide():
    """The same record and total with other frequencies (say, hidden records counted) would
    choose other words: the engine must pass only the caller's."""
    words = [f"w{i:02d}x" for i in range(40)]
    visible = {w: i + 1 for i, w in enumerate(words)}
    everyone = {w: 1 if i >= 30 else i + 1 for i, w in enumerate(words)}
    assert significant_terms(words, visible.__getitem__, 1000, top=5) == words[:5]
    assert significant_terms(words, everyone.__getitem__, 1000, top=5) != words[:5]
