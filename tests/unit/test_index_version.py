"""The search index's version follows the analysis that fills it.

An index written under one analysis and searched under another misses words silently, so
every change to what the analysis produces must bump a version (the index then rebuilds
itself on start). These pins fail on such a change until the version is bumped and the
fingerprint updated with it.
"""

import dataclasses
import hashlib
import json
from datetime import date

import pytest

from services.common import vntext
from services.common.ports import IndexDocument
from services.indexing import tantivy_query
from services.indexing.analysis import analyse

pytestmark = pytest.mark.unit

# Old and new tone placement, đ and its eth look-alike, NFD input, stacked marks, other
# scripts, punctuation inside a số/ký hiệu: what the Vietnamese analysis decides on.
PROBES = (
    "Hoà bình, Uỷ ban, quý khách, thuỷ lợi, khoẻ mạnh",
    "Đảng ủy ÐẢNG UỶ đ Ð",
    "Nghi\u0323 quyê\u0301t",  # NFD
    "Số 15-NQ/TU ngày 05/02/2026 của Ban Thường vụ Tỉnh ủy Bình Định",
    "Ελληνικά, naïve café, 東京",
    "ệ ở ữ ặ ẫ ỵ",
)
# Every field the analysis reads, filled.
PROBE_DOCUMENT = IndexDocument(
    "r1", "den", "07", "nghi_quyet", "15-NQ/TU", "Nghị quyết về công tác cán bộ",
    "Về công tác cán bộ năm 2026", "Tỉnh ủy Bình Định", date(2026, 2, 5), text=" ".join(PROBES),
)  # fmt: skip

# (version, fingerprint) of what the code produces now.
ANALYSIS_PIN = (1, "14d14a86362d973d")
SCHEMA_PIN = (5, "a5909a5ed1031d61")


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()[:16]


def analysis_fingerprint() -> str:
    functions = (vntext.nfc, vntext.normalize_tones, vntext.fold, vntext.exact_form)
    return _digest(
        [[f(p) for f in functions] + [vntext.tokenize(p), vntext.word_spans(p)] for p in PROBES]
    )


def document_fingerprint() -> str:
    written = tantivy_query.to_document(PROBE_DOCUMENT).to_dict()
    written = {name: [str(v) for v in values] for name, values in sorted(written.items())}
    return _digest([dataclasses.asdict(analyse(PROBE_DOCUMENT)), written])


def test_the_vietnamese_analysis_is_pinned_to_its_version():
    """On failure: bump ANALYSIS_VERSION in services/common/vntext.py and update the pin."""
    assert (vntext.ANALYSIS_VERSION, analysis_fingerprint()) == ANALYSIS_PIN


def test_the_document_analysis_and_schema_are_pinned_to_the_schema_version():
    """On failure: bump SCHEMA_VERSION in services/indexing/tantivy_query.py, update the pin."""
    assert (tantivy_query.SCHEMA_VERSION, document_fingerprint()) == SCHEMA_PIN
