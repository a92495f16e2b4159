"""The `SearchIndex` contract, run against every adapter that runs here.

To add an adapter, add a factory `(tmp_path) -> SearchIndex` to `ADAPTERS` in search_support.
The query language and index life have their own modules beside this one.
"""

import unicodedata
from datetime import date

import pytest

from services.common.errors import BadQuery
from services.common.ports import SearchIndex, SearchQuery
from services.indexing.tantivy_index import TantivyIndex
from tests.contract.search_support import doc, ids, index_fixture, load, search

pytestmark = pytest.mark.contract

index = index_fixture()


# -- Vietnamese matching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "phòng họp",  # as written
        "phong hop",  # không dấu
        unicodedata.normalize("NFD", "phòng họp"),  # macOS / some IMEs
        "PHÒNG Họp",  # mixed case
    ],
)
def test_finds_words_however_typed(index, query):
    load(index, doc("a", "Chuẩn bị phòng họp cho hội nghị"), doc("b", "Báo cáo tài chính"))
    assert ids(search(index, query)) == ["a"]


@pytest.mark.parametrize(
    ("written", "typed"),
    [("Thuỷ lợi, hoà giải", "thủy hòa"), ("Thủy lợi, hòa giải", "THUỶ HOÀ")],
)
def test_old_and_new_tone_placement_match_each_other(index, written, typed):
    load(
        index,
        doc("a", f"{written} gửi các cơ quan, đoàn thể trong toàn huyện"),
        doc("b", "Huyện đoàn"),
    )
    assert ids(search(index, typed)) == ["a"]
    # Matched in the exact field, not only the folded one: it beats a shorter folded-only
    # twin that would rank first on the folded field alone.
    load(index, doc("c", "Thuy hoa"))
    assert ids(search(index, typed)) == ["a", "c"]


def test_d_with_stroke_typed_as_d(index):
    load(index, doc("a", "Ban chấp hành Đảng bộ"), doc("b", "Ban chấp hành công đoàn"))
    assert ids(search(index, "dang bo")) == ["a"]


def test_all_query_words_must_match(index):
    load(index, doc("a", "văn phòng"), doc("b", "văn bản"))
    assert ids(search(index, "văn phòng")) == ["a"]


def test_number_symbol_and_title_are_searchable(index):
    load(
        index,
        doc("a", title="Nghị quyết về chuyển đổi số", number_symbol="15-NQ/TU"),
        doc("b", title="Quyết định khen thưởng", number_symbol="16-QĐ/TU"),
    )
    assert ids(search(index, "15-NQ/TU")) == ["a"]
    assert ids(search(index, "chuyen doi so")) == ["a"]


# -- ranking ------------------------------------------------------------------------------------


def test_exact_diacritics_rank_above_folded_matches(index):
    load(
        index,
        doc("ban", "họp ban kế hoạch năm"),
        doc("ban-sac", "họp bán kế hoạch năm"),
        doc("ban-huyen", "họp bàn kế hoạch năm"),
    )
    by_grave = search(index, "bàn")
    assert by_grave.total == 3
    assert ids(by_grave)[0] == "ban-huyen"
    plain = search(index, "ban")
    assert plain.total == 3
    assert ids(plain)[0] == "ban"


def test_adjacent_phrase_ranks_above_scattered_words(index):
    load(
        index,
        doc("near", "văn phòng gửi các sở về việc bố trí xe"),
        # More occurrences of both words: without the phrase clause this one would win.
        doc("far", "văn bản, văn thư gửi phòng tổ chức, phòng"),
    )
    assert ids(search(index, "văn phòng")) == ["near", "far"]
    assert ids(search(index, "van phong")) == ["near", "far"]


# -- filters, clearance, facets -----------------------------------------------------------------


def _filter_corpus(index: SearchIndex) -> None:
    load(
        index,
        doc("nq-den-2023", "báo cáo", kind="nghi_quyet", issued_date=date(2023, 5, 1)),
        doc(
            "nq-di-2024", "báo cáo", kind="nghi_quyet", register="di", issued_date=date(2024, 2, 1)
        ),
        doc("qd-den-2024", "báo cáo", kind="quyet_dinh", issued_date=date(2024, 9, 30)),
        doc("qd-den-none", "báo cáo", kind="quyet_dinh"),
    )


def test_filter_by_kind(index):
    _filter_corpus(index)
    result = search(index, "báo cáo", kind="nghi_quyet")
    assert sorted(ids(result)) == ["nq-den-2023", "nq-di-2024"]
    assert result.facets["type"] == {"nghi_quyet": 2}


def test_filter_by_register(index):
    _filter_corpus(index)
    assert ids(search(index, "bao cao", register="di")) == ["nq-di-2024"]


def test_filter_by_date_range_is_inclusive_and_skips_undated(index):
    _filter_corpus(index)
    result = search(index, "báo cáo", date_from=date(2024, 2, 1), date_to=date(2024, 9, 30))
    assert sorted(ids(result)) == ["nq-di-2024", "qd-den-2024"]
    assert sorted(ids(search(index, "báo cáo", date_to=date(2023, 12, 31)))) == ["nq-den-2023"]


def test_hit_fields(index):
    load(
        index,
        doc(
            "a",
            "nội dung",
            title="Nghị quyết số 15",
            number="07",
            kind="nghi_quyet",
            issued_date=date(2024, 3, 8),
        ),
        doc("b", "nội dung"),
    )
    hits = {h.id: h for h in search(index, "nội dung").hits}
    assert (hits["a"].title, hits["a"].number, hits["a"].type) == (
        "Nghị quyết số 15",
        "07",
        "nghi_quyet",
    )
    assert hits["a"].date == "2024-03-08"
    assert hits["b"].date is None and hits["b"].type is None
    assert hits["a"].score > 0


def test_scores_are_ranks_and_give_no_hint_of_records_above_clearance(index):
    """BM25 counts every document: a Mật record full of the query's words would change the
    visible hits' raw scores. Answered scores are the rank alone (1, 1/2, …, across pages)."""
    load(index, doc("a", "lụt bão lụt bão đê điều"), doc("b", "lụt bão"), doc("c", "tuyên giáo"))

    def answer(**kw):
        return [(h.id, h.score) for h in search(index, "lụt bão", **kw).hits]

    before = answer()
    assert before == [("a", 1.0), ("b", 0.5)]
    load(index, *[doc(f"m{n}", "lụt bão " * 30, secrecy=1) for n in range(5)])
    assert answer() == before
    assert answer(limit=1, offset=1) == [("b", 0.5)]


def test_clearance_hides_hits_totals_and_facets(index):
    load(
        index,
        *[
            doc(
                f"s{level}",
                "kế hoạch",
                secrecy=level,
                kind="ke_hoach",
                issued_date=date(2024, 1, 1),
            )
            for level in range(4)
        ],
    )
    public = search(index, "kế hoạch")
    assert ids(public) == ["s0"] and public.total == 1
    assert public.facets == {
        "type": {"ke_hoach": 1},
        "register": {"den": 1},
        "year": {"2024": 1},
        "organ": {},
    }
    secret = search(index, "kế hoạch", clearance=2)
    assert sorted(ids(secret)) == ["s0", "s1", "s2"] and secret.total == 3
    assert secret.facets["type"] == {"ke_hoach": 3}
    assert search(index, "kế hoạch", clearance=3).total == 4


def test_clearance_applies_to_filter_only_queries(index):
    load(index, doc("open", kind="to_trinh"), doc("secret", kind="to_trinh", secrecy=1))
    result = search(index, "", kind="to_trinh")
    assert ids(result) == ["open"] and result.facets["type"] == {"to_trinh": 1}


@pytest.mark.parametrize("level", [-1, 4, 99])
def test_tantivy_stores_a_level_off_the_scale_as_the_highest(tmp_path, level):
    # Clearance leaves out each level above it by its term, so no other level may be stored.
    tantivy = TantivyIndex(tmp_path / "index")
    load(tantivy, doc("odd", "kế hoạch", secrecy=level), doc("open", "kế hoạch"))
    for clearance in range(3):
        result = search(tantivy, "kế hoạch", clearance=clearance)
        assert ids(result) == ["open"] and result.total == 1
    assert sorted(ids(search(tantivy, "kế hoạch", clearance=3))) == ["odd", "open"]
    tantivy.close()


def test_facets_count_every_match_not_just_the_page(index):
    load(
        index,
        doc("1", "tờ trình", kind="nq", issued_date=date(2023, 1, 1)),
        doc("2", "tờ trình", kind="nq", issued_date=date(2023, 6, 1)),
        doc("3", "tờ trình", kind="nq", register="di", issued_date=date(2024, 1, 1)),
        doc("4", "tờ trình", kind="qd", register="di", issued_date=date(2024, 6, 1)),
        doc("5", "tờ trình", kind="qd"),
        doc("6", "không liên quan", kind="qd", issued_date=date(2022, 1, 1)),
    )
    result = search(index, "tờ trình", limit=1)
    assert len(result.hits) == 1 and result.total == 5
    assert result.facets == {
        "type": {"nq": 3, "qd": 2},
        "register": {"den": 3, "di": 2},
        "year": {"2023": 2, "2024": 2},
        "organ": {},
    }


# -- paging, writes ------------------------------------------------------------------------------


def test_pagination_keeps_the_total(index):
    load(index, *[doc(f"d{i}", "công văn") for i in range(7)])
    pages = [search(index, "công văn", limit=3, offset=offset) for offset in (0, 3, 6)]
    assert [p.total for p in pages] == [7, 7, 7]
    assert [len(p.hits) for p in pages] == [3, 3, 1]
    assert sorted(i for p in pages for i in ids(p)) == sorted(f"d{i}" for i in range(7))


def test_limit_zero_returns_only_counts(index):
    load(index, doc("a", "công văn"), doc("b", "công văn"))
    result = search(index, "công văn", limit=0)
    assert result.hits == [] and result.total == 2


def test_upsert_replaces_the_document(index):
    index.upsert(doc("a", "bản nháp"))
    index.upsert(doc("a", "bản chính thức"))
    assert index.count() == 1
    assert search(index, "nháp").total == 0
    assert ids(search(index, "chính thức")) == ["a"]


def test_delete(index):
    load(index, doc("a", "công văn"), doc("b", "công văn"))
    index.delete("a")
    assert index.count() == 1
    assert ids(search(index, "công văn")) == ["b"]
    index.delete("missing")  # not an error
    assert index.count() == 1


def test_snippet_keeps_document_diacritics_and_marks_matches(index):
    load(index, doc("a", "Văn phòng Tỉnh ủy <b>thông báo</b> lịch họp"))
    hit = search(index, "van phong").hits[0]
    assert "<mark>Văn</mark> <mark>phòng</mark> Tỉnh ủy" in hit.snippet
    assert "<b>" not in hit.snippet and "&lt;b&gt;" in hit.snippet


def test_took_ms_is_measured(index):
    load(index, doc("a", "công văn"))
    assert search(index, "công văn").took_ms > 0


# -- bad and hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["(văn)", "văn*", "văn:", "[văn] {phòng}", "văn~^", "\\văn/", "văn AND phòng", "/văn/"],
)
def test_hostile_query_text_is_searched_as_words(index, query):
    load(index, doc("a", "văn phòng"))
    assert ids(search(index, query)) == ["a"]


@pytest.mark.parametrize(
    "query", ["title:văn", "id:a", 'văn" OR "x', "văn~2^3", "a" * 300, "văn -", "or văn", "so"]
)
def test_query_syntax_words_never_raise(index, query):
    load(index, doc("a", "văn phòng"))
    assert isinstance(search(index, query).total, int)


@pytest.mark.parametrize("query", ["", "   ", '""', ":", "(", "*", "-", ' "" : ( * - ) ', "-văn"])
def test_empty_query_without_filters_is_bad(index, query):
    load(index, doc("a", "văn phòng"))
    with pytest.raises(BadQuery, match="Hãy nhập từ khóa tìm kiếm"):
        search(index, query)


def test_empty_query_with_filter_matches_all_filtered(index):
    load(index, doc("a", kind="nq"), doc("b", kind="qd"), doc("c", kind="nq"))
    result = search(index, "  ", kind="nq")
    assert sorted(ids(result)) == ["a", "c"] and result.total == 2


def test_negative_offset_is_bad(index):
    with pytest.raises(BadQuery):
        search(index, "văn", offset=-1)


# -- on disk ------------------------------------------------------------------------------------


def test_disk_index_is_reopened_by_another_instance(tmp_path):
    first = TantivyIndex(tmp_path / "idx")
    first.upsert(doc("a", "biên bản họp"))
    first.close()
    second = TantivyIndex(tmp_path / "idx")
    try:
        assert second.count() == 1
        assert ids(second.search(SearchQuery(text="bien ban"))) == ["a"]
        second.upsert(doc("b", "biên bản"))  # the first writer's lock was released
        assert second.count() == 2
    finally:
        second.close()
