"""The query language: user text -> engine-neutral plan. Each row is one promise to users."""

from __future__ import annotations

from datetime import date

import pytest

from services.common.errors import BadQuery
from services.common.ports import SearchQuery
from services.indexing.query import (
    AnyOf,
    DateRange,
    Keyword,
    Phrase,
    Secrecy,
    Tokens,
    Word,
    kind_slug,
    organ_key,
    parse_date_range,
    plan,
)

pytestmark = pytest.mark.unit


def must(text: str) -> tuple[AnyOf, ...]:
    return plan(SearchQuery(text=text)).must


def W(text: str, prefix: bool = False) -> AnyOf:
    return AnyOf((Word(text, prefix),))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("văn phòng", (W("văn"), W("phòng"))),
        ("VĂN  Phòng", (W("văn"), W("phòng"))),
        ('"văn phòng" cấp', (AnyOf((Phrase(("văn", "phòng")),)), W("cấp"))),
        ('"văn"', (W("văn"),)),  # a quoted single word is a word
        ("15-NQ/TU", (AnyOf((Phrase(("15", "nq", "tu")),)),)),  # punctuation joins as a phrase
        ("quyết*", (W("quyết", prefix=True),)),
        ('"quyết*"', (W("quyết"),)),  # no prefix inside quotes
        ("a OR b c", (AnyOf((Word("a"), Word("b"))), W("c"))),
        ("a OR b OR c", (AnyOf((Word("a"), Word("b"), Word("c"))),)),
        ("a AND b", (W("a"), W("b"))),  # AND is the default anyway
        ("a or b", (W("a"), W("or"), W("b"))),  # only upper-case OR is an operator
        ("(văn) [phòng]", (W("văn"), W("phòng"))),  # foreign syntax: words
        ("title:văn", (AnyOf((Phrase(("title", "văn")),)),)),  # unknown field: words
        ("văn - *", (W("văn"),)),  # punctuation alone is nothing
    ],
)
def test_words_phrases_prefixes_and_or(text, expected):
    assert must(text) == expected


@pytest.mark.parametrize(
    ("text", "excluded"),
    [
        ("văn -nháp", (Word("nháp"),)),
        ("văn NOT nháp", (Word("nháp"),)),
        ('văn -"bản nháp"', (Phrase(("bản", "nháp")),)),
    ],
)
def test_exclusions(text, excluded):
    assert plan(SearchQuery(text=text)).must_not == excluded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("so:15-NQ/TU", Tokens("number", (("15", "nq", "tu"),))),
        ("SO:15/QĐ-UBND", Tokens("number", (("15", "qd", "ubnd"),))),
        ("so:1 so:2", Tokens("number", (("1",), ("2",)))),
        ("loai:nghi_quyet", Keyword("kind", ("nghi_quyet",))),
        ('loai:"Nghị quyết"', Keyword("kind", ("nghi_quyet",))),
        ("loai:a loai:b", Keyword("kind", ("a", "b"))),
        ('coquan:"Tỉnh ủy"', Tokens("organ", (("tinh", "uy"),))),
        ("ngay:2024", DateRange(date(2024, 1, 1), date(2024, 12, 31))),
        ("ngay:2024-02", DateRange(date(2024, 2, 1), date(2024, 2, 29))),
        ("ngay:2024-01-01..2024-03-31", DateRange(date(2024, 1, 1), date(2024, 3, 31))),
        ("ngay:..2024-03", DateRange(None, date(2024, 3, 31))),
        ("ngay:2024..", DateRange(date(2024, 1, 1), None)),
        ("ngay:8/3/2024", DateRange(date(2024, 3, 8), date(2024, 3, 8))),
    ],
)
def test_field_filters(text, expected):
    p = plan(SearchQuery(text=text))
    assert p.must == () and expected in p.filters


def test_clearance_is_always_a_filter_and_parameters_add_theirs():
    p = plan(
        SearchQuery(
            text="văn",
            kind="nghi_quyet",
            register="di",
            status="indexed",
            organ="Tỉnh ủy Hà Nam",
            date_from=date(2024, 1, 1),
            clearance=2,
            secrecy=1,
        )
    )
    assert p.filters == (
        Secrecy(2, 1),
        Keyword("kind", ("nghi_quyet",)),
        Keyword("register", ("di",)),
        Keyword("status", ("indexed",)),
        Keyword("organ_key", ("tinh uy ha nam",)),
        DateRange(date(2024, 1, 1), None),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Hãy nhập từ khóa"),
        ("-văn", "Hãy nhập từ khóa"),  # exclusions alone ask for nothing
        ('"văn', "Thiếu dấu ngoặc kép"),
        ('văn "', "Thiếu dấu ngoặc kép"),
        ("OR văn", "OR cần từ khóa"),
        ("văn OR", "OR cần từ khóa"),
        ("văn OR OR phòng", "đặt sai chỗ"),
        ("văn OR -phòng", "OR"),
        ("văn NOT", "NOT cần một từ"),
        ("văn OR loai:x", "OR không nối được"),
        ("văn loai:", "Thiếu giá trị"),
        ('văn coquan:"!"', "Thiếu giá trị"),
        ("văn -ngay:2024", "Không thể loại trừ"),
        ("văn ngay:2024-02-30", "Ngày không hợp lệ"),
        ("văn ngay:..", "Ngày không hợp lệ"),
        ("văn ngay:2025..2024", "Ngày bắt đầu phải trước"),
    ],
)
def test_malformed_queries_say_what_to_fix(text, message):
    with pytest.raises(BadQuery, match=message) as caught:
        plan(SearchQuery(text=text))
    vietnamese, english = caught.value.message.split(" / ", 1)
    assert vietnamese and english


def test_exclusions_with_a_filter_are_a_query():
    p = plan(SearchQuery(text="-nháp", kind="to_trinh"))
    assert p.must == () and p.must_not == (Word("nháp"),)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"limit": -1}, "Số trang"),
        ({"offset": -1}, "Số trang"),
        ({"sort": "random"}, "sắp xếp"),
        ({"date_from": date(2024, 2, 1), "date_to": date(2024, 1, 1)}, "Ngày bắt đầu"),
    ],
)
def test_bad_paging_sort_and_dates(kw, message):
    with pytest.raises(BadQuery, match=message):
        plan(SearchQuery(text="văn", **kw))


def test_highlight_words_are_the_positive_words_only():
    p = plan(SearchQuery(text='"văn phòng" cấp* -nháp a OR b loai:x'))
    assert p.highlight_words == ["văn", "phòng", "cấp", "a", "b"]


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("bàn giao", ("bàn",)),
        ("Văn phòng văn", ("văn", "phòng")),  # once each, lowercase
        ("đi van", ("đi",)),  # đ is a mark
        ("ban giao", ()),
        ('"bàn giao" -bán quyết* bàn OR bán', ()),  # phrases, prefixes, OR groups: no tier
        ('"bàn giao" họp', ("họp",)),
    ],
)
def test_marked_words_are_the_plain_words_typed_with_a_mark(text, marked):
    assert plan(SearchQuery(text=text)).marked_words == marked


def test_a_date_order_has_no_marked_words():
    assert plan(SearchQuery(text="bàn giao", sort="date_desc")).marked_words == ()


@pytest.mark.parametrize(
    ("value", "slug"),
    [("nghị quyết", "nghi_quyet"), ("Nghi-Quyet", "nghi_quyet"), ("ĐƠN_TỐ_CÁO", "don_to_cao")],
)
def test_kind_slug(value, slug):
    assert kind_slug(value) == slug


def test_organ_key_is_one_spelling_for_case_spacing_and_tone_placement():
    assert organ_key("  Uỷ ban nhân dân\n tỉnh ") == organ_key("ỦY BAN NHÂN DÂN TỈNH")


def test_date_range_of_a_month_ends_on_its_last_day():
    assert parse_date_range("2023-02").end == date(2023, 2, 28)
