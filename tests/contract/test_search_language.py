"""The query language and result options, on every adapter: each query form finds its record,
filters and facets are exact, sorting and paging keep the total."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from services.common.errors import BadQuery
from tests.contract.search_support import doc, ids, index_fixture, load, search

pytestmark = pytest.mark.contract

index = index_fixture()


@pytest.fixture
def corpus(index):
    load(
        index,
        doc(
            "nq15",
            "Nghị quyết về công tác văn phòng cấp ủy và chuyển đổi số trong Đảng bộ tỉnh",
            title="Nghị quyết về chuyển đổi số",
            kind="nghi_quyet",
            number="07",
            number_symbol="15-NQ/TU",
            organ="TỈNH ỦY HÀ NAM",
            issued_date=date(2024, 3, 8),
        ),
        doc(
            "qd27",
            "Quyết định khen thưởng tập thể phòng Tài chính huyện về hoà giải cơ sở",
            title="Quyết định khen thưởng",
            kind="quyet_dinh",
            number="12",
            number_symbol="27/QĐ-UBND",
            organ="Ủy ban nhân dân huyện Kim Bảng",
            issued_date=date(2023, 11, 20),
            register="di",
        ),
        doc(
            "bc03",
            "Báo cáo tình hình thủy lợi, phòng chống lụt bão năm 2024 của văn phòng huyện",
            title="Báo cáo thủy lợi",
            kind="bao_cao",
            number_symbol="03-BC/HU",
            organ="HUYỆN ỦY KIM BẢNG",
        ),
    )
    return index


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("chuyển đổi số", ["nq15"]),  # with diacritics
        ("chuyen doi so", ["nq15"]),  # without
        (unicodedata.normalize("NFD", "chuyển đổi số"), ["nq15"]),  # NFD input
        ("hoà giải", ["qd27"]),  # old tone placement typed, as written
        ("hòa giải", ["qd27"]),  # new placement typed, old written
        ("thuỷ lợi", ["bc03"]),  # old placement typed, new written
        ("dang bo", ["nq15"]),  # đ typed as d
        ("ĐẢNG Bộ", ["nq15"]),  # mixed case
        ('"văn phòng cấp ủy"', ["nq15"]),  # phrase
        ('"van phong cap uy"', ["nq15"]),  # folded phrase
        ("văn phòng -huyện", ["nq15"]),  # exclusion
        ("văn phòng NOT huyen", ["nq15"]),
        ("khen OR lụt", ["bc03", "qd27"]),  # either
        ("thưởn*", ["qd27"]),  # prefix with diacritics
        ("thuon*", ["qd27"]),  # prefix without
        ("so:15-NQ/TU", ["nq15"]),  # số và ký hiệu
        ("so:27/qd-ubnd", ["qd27"]),  # folded, any case
        ("so:7", ["nq15"]),  # register number without its zero
        ("so:03-BC/HU", ["bc03"]),
        ("loai:nghi_quyet", ["nq15"]),
        ('loai:"quyết định"', ["qd27"]),
        ("loai:bao_cao loai:quyet_dinh", ["bc03", "qd27"]),  # repeated: any of them
        ('coquan:"kim bang"', ["bc03", "qd27"]),
        ("coquan:tinh-uy", ["nq15"]),
        ("ngay:2024", ["nq15"]),
        ("ngay:2023-11", ["qd27"]),
        ("ngay:2023-01-01..2024-03-08", ["nq15", "qd27"]),
        ("ngay:..2023-12-31", ["qd27"]),
        ("ngay:20/11/2023", ["qd27"]),
        ("phòng loai:bao_cao", ["bc03"]),  # words and a filter
    ],
)
def test_every_query_form_finds_its_records(corpus, query, expected):
    assert sorted(ids(search(corpus, query))) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"văn phòng', "Thiếu dấu ngoặc kép"),
        ("văn OR", "OR cần từ khóa"),
        ("OR văn", "OR cần từ khóa"),
        ("ngay:2024-13-01", "Ngày không hợp lệ"),
        ("ngay:hôm-qua", "Ngày không hợp lệ"),
        ("ngay:2024-03-01..2024-01-01", "Ngày bắt đầu phải trước"),
        ("loai:", "Thiếu giá trị"),
        ("-loai:nghi_quyet", "Không thể loại trừ"),
    ],
)
def test_malformed_queries_raise_a_readable_bad_query(corpus, query, message):
    with pytest.raises(BadQuery, match=message) as caught:
        search(corpus, query)
    assert " / " in caught.value.message  # Vietnamese, then English


def test_one_typo_is_tolerated_when_nothing_matches_exactly(corpus):
    result = search(corpus, "khen thuowng")  # "thưởng" mistyped
    assert ids(result) == ["qd27"] and result.fuzzy
    exact = search(corpus, "khen thưởng")
    assert ids(exact) == ["qd27"] and not exact.fuzzy


def test_typo_tolerance_never_widens_a_query_that_matched(corpus):
    assert search(corpus, "thủy lợi").fuzzy is False
    assert search(corpus, "xyzxyz").total == 0


def test_filters_from_parameters_and_from_the_text_both_apply(corpus):
    assert ids(search(corpus, "phòng loai:bao_cao", register="den")) == ["bc03"]
    assert search(corpus, "phòng loai:bao_cao", register="di").total == 0


def test_organ_filter_is_exact_on_the_facet_value(corpus):
    result = search(corpus, "phòng")
    assert result.facets["organ"] == {
        "TỈNH ỦY HÀ NAM": 1,
        "ỦY BAN NHÂN DÂN HUYỆN KIM BẢNG": 1,
        "HUYỆN ỦY KIM BẢNG": 1,
    }
    assert ids(search(corpus, "phòng", organ="HUYỆN ỦY KIM BẢNG")) == ["bc03"]
    assert ids(search(corpus, "phòng", organ="huyen uy kim bang")) == ["bc03"]
    assert search(corpus, "phòng", organ="KIM BẢNG").total == 0  # a facet value, not a part


def test_status_and_secrecy_filters(index):
    load(
        index,
        doc("a", "tờ trình", secrecy=0),
        doc("b", "tờ trình", secrecy=1),
        doc("c", "tờ trình", secrecy=2, status="transferred"),
    )
    assert ids(search(index, "tờ trình", clearance=3, secrecy=1)) == ["b"]
    assert search(index, "tờ trình", clearance=0, secrecy=1).total == 0  # clearance still caps
    assert ids(search(index, "tờ trình", clearance=3, status="transferred")) == ["c"]


def test_sort_by_date_both_ways_with_undated_last(corpus):
    newest = search(corpus, "", register="den", sort="date_desc")
    oldest = search(corpus, "phong", sort="date_asc")
    assert ids(newest) == ["nq15", "bc03"]
    assert ids(oldest) == ["qd27", "nq15", "bc03"]


def test_sort_by_date_pages_keep_order_and_total(index):
    load(index, *[doc(f"d{i}", "công văn", issued_date=date(2024, 1, i + 1)) for i in range(7)])
    pages = [search(index, "công văn", sort="date_desc", limit=3, offset=o) for o in (0, 3, 6)]
    assert [p.total for p in pages] == [7, 7, 7]
    assert [i for p in pages for i in ids(p)] == [f"d{i}" for i in reversed(range(7))]


def test_unknown_sort_is_bad(corpus):
    with pytest.raises(BadQuery):
        search(corpus, "phòng", sort="size")


def test_snippets_mark_the_documents_own_diacritics_for_a_folded_query(corpus):
    hit = search(corpus, "hoa giai").hits[0]
    assert "<mark>hoà</mark> <mark>giải</mark>" in hit.snippet


def test_prefix_highlights_nothing_wrong_and_phrases_highlight_their_words(corpus):
    hit = search(corpus, '"cap uy"').hits[0]
    assert "<mark>cấp</mark> <mark>ủy</mark>" in hit.snippet


def test_hit_carries_organ_and_number_symbol(corpus):
    hit = search(corpus, "so:15-NQ/TU").hits[0]
    assert (hit.organ, hit.number_symbol, hit.number) == ("TỈNH ỦY HÀ NAM", "15-NQ/TU", "07")


def test_exact_word_ranks_above_folded_twins_among_many(index):
    load(index, *[doc(f"f{i}", f"họp bán kế hoạch {i}") for i in range(5)])
    load(index, doc("exact", "họp bàn kế hoạch"))
    assert ids(search(index, "bàn"))[0] == "exact"
    assert ids(search(index, "BÀN"))[0] == "exact"


def test_a_phrase_needs_its_words_adjacent_and_in_order(index):
    load(
        index,
        doc("yes", "họp văn phòng cấp ủy sáng nay"),
        doc("pairs", "văn phòng tỉnh, phòng cấp huyện"),  # both pairs, never all three
        doc("order", "phòng văn cấp ủy"),
    )
    assert ids(search(index, '"văn phòng cấp"')) == ["yes"]
    assert sorted(ids(search(index, '"van phong"'))) == ["pairs", "yes"]
    assert ids(search(index, '"phong van"')) == ["order"]


def test_a_query_with_no_exact_hit_suggests_the_corrected_words(corpus):
    result = search(corpus, "khen thuowng")
    assert result.suggestion == "khen thưởng"  # the record's own diacritics
    assert search(corpus, result.suggestion).total == 1
    assert search(corpus, "khen thưởng").suggestion is None  # exact hits: nothing to suggest


def test_no_suggestion_comes_from_a_record_above_the_callers_clearance(index):
    load(
        index,
        doc("open", "Báo cáo công tác thủy lợi"),
        doc("secret", "Kế hoạch phòng không nhân dân", secrecy=1),
    )
    assert search(index, "phong khong", clearance=1).total == 1  # the word exists, hidden
    below = search(index, "khongg", clearance=0)
    assert (below.total, below.suggestion) == (0, None)
    assert search(index, "khongg", clearance=1).suggestion == "không"


def _as_typed_corpus(index) -> None:
    """Records saying "ban giao" many times, adjacent (the pair bonus, high frequencies), and
    one long record holding "bàn" and "giao" once each, apart: by BM25 with the exact boost
    alone, the look-alikes outrank it."""
    load(index, *[doc(f"folded{i}", "ban giao " * 20 + f"mục {i}") for i in range(4)])
    load(index, *[doc(f"table{i}", f"bàn ghế phòng họp số {i}") for i in range(30)])
    filler = " ".join(f"nội dung thứ {i}" for i in range(80))
    load(index, doc("typed", f"cuộc họp bàn về {filler} giao cho văn phòng"))


def test_records_holding_every_marked_word_as_typed_come_first(index):
    _as_typed_corpus(index)
    found = search(index, "bàn giao")
    assert ids(found)[0] == "typed"
    assert set(ids(found)[1:]) == {f"folded{i}" for i in range(4)}
    assert found.total == 5
    assert ids(search(index, "bàn giao", sort="date_desc")) != []  # dates order, no tiers


def test_pages_cut_one_order_across_the_as_typed_tier(index):
    _as_typed_corpus(index)
    whole = ids(search(index, "bàn giao", limit=10))
    paged = [i for page in range(5) for i in ids(search(index, "bàn giao", limit=1, offset=page))]
    assert paged == whole
    assert search(index, "bàn giao", limit=1, offset=3).total == 5


def test_a_query_typed_without_marks_keeps_one_ranking(index):
    _as_typed_corpus(index)
    # Nothing typed says which word is meant: the frequent, adjacent look-alikes lead.
    assert ids(search(index, "ban giao"))[0].startswith("folded")


def test_the_as_typed_tier_leads_across_secrecy_levels(index):
    load(index, *[doc(f"folded{i}", "ban giao " * 20 + f"mục {i}") for i in range(4)])
    load(index, *[doc(f"table{i}", f"bàn ghế phòng họp số {i}") for i in range(30)])
    filler = " ".join(f"nội dung thứ {i}" for i in range(80))
    load(index, doc("typed", f"cuộc họp bàn về {filler} giao cho văn phòng", secrecy=1))
    assert ids(search(index, "bàn giao", clearance=1))[0] == "typed"
    assert "typed" not in ids(search(index, "bàn giao", clearance=0))
