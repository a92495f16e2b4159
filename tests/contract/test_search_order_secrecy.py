"""A caller's answer, order included, must not move when records above their clearance do.

BM25 ranks with statistics (how many records hold a word, how many records there are, their
average length): counted over records the caller may not see, adding a Mật record full of a
query's words could swap two visible hits — one bit saying "a secret mentioning X was just
added". Each engine ranks every clearance level with its own statistics (docs/search.md,
"Scores and clearance"). The corpus below is a close call: the two "khen thưởng" records
differ only in which word they repeat, and one more visible record holding "thưởng" decides
which of them leads: a1 (khen twice) while "thưởng" is in more records than "khen" (7 to 6).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from services.common.ports import IndexDocument, SearchIndex, SearchResult
from services.common.secrecy import HIGHEST
from tests.contract.search_support import _drop, doc, ids, index_fixture, load, search

pytestmark = pytest.mark.contract

index = index_fixture()


@pytest.fixture
def twin(
    request: pytest.FixtureRequest, index: SearchIndex, tmp_path: Path
) -> Iterator[SearchIndex]:
    """A second, empty index of the same engine as `index`."""
    adapter = request.node.callspec.params["index"](tmp_path / "twin")
    yield adapter
    _drop(adapter)
    getattr(adapter, "close", lambda: None)()


VISIBLE = [
    doc("a1", "khen khen thưởng cá nhân", organ="Văn phòng Tỉnh ủy", kind="quyet_dinh",
        issued_date=date(2024, 3, 1)),
    doc("b1", "khen thưởng thưởng cá nhân", organ="Ban Tổ chức", kind="quyet_dinh",
        issued_date=date(2025, 6, 2)),
    doc("c1", "thưởng tết cho cán bộ", organ="Ban Tổ chức", kind="cong_van",
        issued_date=date(2023, 1, 5)),
    doc("d1", "báo cáo công tác khen thưởng năm", organ="Văn phòng Tỉnh ủy", kind="bao_cao",
        issued_date=date(2022, 12, 30)),
    doc("e1", "kế hoạch thi đua khen thưởng và kỷ luật cán bộ", kind="ke_hoach"),
    doc("f1", "khen ngợi tập thể lao động giỏi", kind="cong_van"),
    doc("f2", "khen khen lao động", kind="cong_van"),
    doc("g1", "tiền thưởng quý", kind="cong_van"),
    doc("g2", "thưởng thêm", kind="cong_van"),
]  # fmt: skip

# Above clearance 0: each holds "khen" (and long texts), which would make it the commoner word
# and move b1 above a1 under index-wide statistics.
HIDDEN = [
    doc(f"m{n}", "khen " * (3 + n) + "cá nhân " + "hồ sơ lưu trữ " * 30, secrecy=level,
        organ="Ban Tổ chức", kind="quyet_dinh", issued_date=date(2025, 6, n + 1))
    for n, level in enumerate([1, 1, 2, 3, 1, 2])
]  # fmt: skip

QUERIES = [
    {"text": "khen thưởng"},
    {"text": "khen thưởng", "limit": 2, "offset": 1},
    {"text": "khen thưởng", "sort": "date_desc"},
    {"text": "thưởng cá nhân"},
    {"text": "khen thuowng"},  # nothing exactly: the one-typo fallback and its suggestion
    {"text": "loai:quyet_dinh"},
]


def _plain(result: SearchResult) -> dict:
    return dataclasses.asdict(result) | {"took_ms": 0.0}


def _answers(index: SearchIndex, clearance: int = 0) -> list[dict]:
    answers = [_plain(search(index, clearance=clearance, **query)) for query in QUERIES]
    return answers + [_plain(index.similar(r, clearance=clearance)) for r in ("a1", "d1")]


def test_hidden_records_change_nothing_in_a_cleared_callers_answer_order_included(index):
    load(index, *VISIBLE)
    before = _answers(index)
    first = search(index, "khen thưởng")
    assert ids(first)[:2] == ["a1", "b1"] and first.total == 4  # the close call: a1 leads
    assert before[4]["suggestion"] == "khen thưởng" and before[4]["fuzzy"]
    index.upsert_many(HIDDEN)
    assert _answers(index) == before
    found = search(index, "khen", clearance=HIGHEST, limit=50)
    assert set(ids(found)) >= {m.id for m in HIDDEN} and found.total == 12
    index.delete("m0")
    index.upsert(dataclasses.replace(HIDDEN[1], text="khen " * 80))
    assert _answers(index) == before


def test_a_record_moved_above_a_clearance_leaves_only_its_absence_behind(index, twin):
    """Raising f1 and f2 to Mật and Tối mật (secrecy corrections) must read at clearance 0
    exactly like their deletion — which the caller sees either way — and not like hidden
    records holding "khen" being added (two more would make it as common as "thưởng")."""
    moved = [r for r in VISIBLE if r.id in ("f1", "f2")]
    for each in (index, twin):  # one batch: Tantivy orders tied hits by segment, ids random
        each.upsert_many(VISIBLE)
    index.upsert_many([dataclasses.replace(r, secrecy=n + 1) for n, r in enumerate(moved)])
    for record in moved:
        twin.delete(record.id)
    assert not {"f1", "f2"} & set(ids(search(index, "khen", limit=50)))
    assert ids(search(index, "khen", clearance=2, limit=50)).count("f2") == 1
    assert _answers(index) == _answers(twin)
    index.upsert(moved[1])  # corrected back down: one copy, visible again
    assert ids(search(index, "khen", clearance=HIGHEST, limit=50)).count("f2") == 1
    assert ids(search(index, "khen", limit=50)).count("f2") == 1


def _every_level() -> list[IndexDocument]:
    docs = []
    for n in range(40):
        dated = n % 9 != 4  # a few undated ones, at several levels
        docs.append(
            doc(f"r{n:02d}", f"hồ sơ lưu trữ số {n} " + "tài liệu " * (n % 5),
                secrecy=n % 4, register=("den", "di")[n % 2], kind=("a", "b", "c")[n % 3],
                organ=f"Cơ quan {n % 6}",
                issued_date=date(2020 + n % 5, 1 + n % 12, 1 + n % 28) if dated else None)
        )  # fmt: skip
    return docs


def test_a_caller_cleared_for_every_level_gets_them_merged_in_order_without_gaps(index):
    docs = _every_level()
    index.upsert_many(docs)
    dated = sorted((d for d in docs if d.issued_date), key=lambda d: d.issued_date, reverse=True)
    undated = {d.id for d in docs if d.issued_date is None}
    for sort in ("date_desc", "relevance"):
        whole = search(index, "hồ sơ", clearance=HIGHEST, sort=sort, limit=40)
        pages = [
            search(index, "hồ sơ", clearance=HIGHEST, sort=sort, limit=7, offset=start)
            for start in range(0, 40, 7)
        ]
        assert [h.id for p in pages for h in p.hits] == ids(whole)
        assert sorted(ids(whole)) == sorted(d.id for d in docs)
        assert {p.total for p in pages} == {40}
        assert [h.score for p in pages for h in p.hits] == [1 / n for n in range(1, 41)]
    by_date = ids(search(index, "hồ sơ", clearance=HIGHEST, sort="date_desc", limit=40))
    assert by_date[: len(dated)] == [d.id for d in dated] and set(by_date[len(dated) :]) == undated
    oldest = ids(search(index, "hồ sơ", clearance=HIGHEST, sort="date_asc", limit=40))
    assert oldest[: len(dated)] == [d.id for d in reversed(dated)]
    everything = search(index, "hồ sơ", clearance=HIGHEST)
    levels = [search(index, "hồ sơ", clearance=HIGHEST, secrecy=n) for n in range(HIGHEST + 1)]
    assert everything.total == sum(level.total for level in levels) == 40
    for name, buckets in everything.facets.items():
        summed: dict[str, int] = {}
        for level in levels:
            for key, count in level.facets[name].items():
                summed[key] = summed.get(key, 0) + count
        assert buckets == summed, name
    assert {h.id for h in levels[2].hits} <= {d.id for d in docs if d.secrecy == 2}
    assert search(index, "hồ sơ", clearance=1, secrecy=2).total == 0
    assert search(index, "hồ sơ", clearance=1).total == 20
