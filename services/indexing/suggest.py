"""'Did you mean' (Có phải bạn muốn tìm): a corrected query for one that found nothing exactly.

The corrections come only from `texts` the caller may see: the engines pass the texts of the
visible hits of the fuzzy (one-edit) query, and offer the corrected query only if it finds
visible records itself. A word found only in records above the caller's clearance therefore
never becomes a suggestion.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from services.common import vntext
from services.indexing import query as q
from services.indexing.tantivy_query import FUZZY_MIN_CHARS

SUGGESTION_SOURCES = 20  # visible fuzzy hits whose words are candidates


def corrected(text: str, plan: q.Plan, texts: Iterable[str]) -> str | None:
    """`text` with each word that no text holds replaced by the most frequent word of `texts`
    one edit (or only tone marks) away, in the record's own diacritics; None if none changed."""
    vocabulary = Counter(w for t in texts for w in vntext.tokenize(vntext.normalize_tones(t)))
    replacements = {
        word: best
        for word in _fuzzy_words(plan)
        if word not in vocabulary and (best := _closest(word, vocabulary)) is not None
    }
    if not replacements:
        return None
    clean = vntext.nfc(text)
    parts, pos = [], 0
    for start, end in vntext.word_spans(clean):
        replacement = replacements.get(vntext.exact_form(clean[start:end]))
        if replacement is not None:
            parts += [clean[pos:start], replacement]
            pos = end
    return "".join(parts) + clean[pos:]


def _fuzzy_words(plan: q.Plan) -> list[str]:
    """The plain words the fuzzy fallback relaxed (exact forms)."""
    return [
        vntext.exact_form(atom.text)
        for group in plan.must
        for atom in group.atoms
        if isinstance(atom, q.Word)
        and not atom.prefix
        and len(vntext.fold(atom.text)) >= FUZZY_MIN_CHARS
    ]


def _closest(word: str, vocabulary: Counter[str]) -> str | None:
    """Same letters but tone marks first, then one edit on the folded letters; ties by count."""
    folded = vntext.fold(word)
    ranked = [
        (vntext.fold(candidate) != folded, -count, candidate)
        for candidate, count in vocabulary.items()
        if within_one_edit(folded, vntext.fold(candidate))
    ]
    return min(ranked)[2] if ranked else None


def within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance ≤ 1 (what the engines' fuzzy queries allow)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long_, strict=False)) if x != y), len(short))
    return short[i:] == long_[i + 1 :]
