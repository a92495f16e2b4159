""" "More like this" picks words by frequencies within the caller's clearance; cheap bounds
may spare counts but never change the words chosen."""

from __future__ import annotations

import random

import pytest

from services.indexing.analysis import significant_terms

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("seed", range(200))
def test_bounds_spare_counts_without_changing_the_words_chosen(seed):
    rng = random.Random(seed)
    vocabulary = [f"w{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(120)]
    words = rng.choices(vocabulary, k=rng.randrange(20, 300))
    total = rng.randrange(50, 5000)
    exact = {w: rng.randrange(0, total) for w in vocabulary}
    slack = {w: rng.randrange(0, total // 3) for w in vocabulary}  # hidden and deleted ones
    counted: list[str] = []

    def doc_freq(term: str) -> int:
        counted.append(term)
        return exact[term]

    def bounds(term: str) -> tuple[int, int]:
        return max(0, exact[term] - rng.randrange(0, total)), exact[term] + slack[term]

    plain = significant_terms(words, lambda t: exact[t], total)
    assert significant_terms(words, doc_freq, total, bounds=bounds) == plain
    assert len(counted) <= len(set(words))


def test_tight_bounds_count_only_the_words_that_can_be_chosen():
    words = [f"w{i:03d}x" for i in range(100)]
    exact = {w: i + 1 for i, w in enumerate(words)}  # rarer words weigh more
    counted: list[str] = []

    def doc_freq(term: str) -> int:
        counted.append(term)
        return exact[term]

    chosen = significant_terms(words, doc_freq, 1000, top=5, bounds=lambda t: (exact[t],) * 2)
    assert chosen == words[:5] and sorted(counted) == words[:5]
