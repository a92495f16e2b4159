import html
import re
import unicodedata

import pytest

from services.indexing.highlight import snippet

pytestmark = pytest.mark.unit


def plain(fragment: str) -> str:
    """The visible text of a snippet: tags removed, entities decoded."""
    return html.unescape(re.sub(r"</?mark>", "", fragment))


def test_query_without_diacritics_marks_the_documents_own_spelling():
    out = snippet("Văn phòng Tỉnh ủy", ["van", "phong"])
    assert out == "<mark>Văn</mark> <mark>phòng</mark> Tỉnh ủy"


def test_query_with_other_diacritics_still_marks_folded_equal_words():
    out = snippet("bàn bản bác", ["bán"])
    assert out == "<mark>bàn</mark> <mark>bản</mark> bác"


def test_nfd_query_marks_nfc_text():
    out = snippet("Văn phòng Tỉnh ủy", [unicodedata.normalize("NFD", "phòng")])
    assert out == "Văn <mark>phòng</mark> Tỉnh ủy"


def test_nfd_text_is_returned_composed():
    out = snippet(unicodedata.normalize("NFD", "Tỉnh ủy"), ["tinh"])
    assert out == "<mark>Tỉnh</mark> ủy"


def test_multi_word_query_string_is_split():
    assert snippet("Đảng ủy khối", ["dang uy"]) == "<mark>Đảng</mark> <mark>ủy</mark> khối"


def test_script_is_escaped_even_around_a_mark():
    out = snippet("<script>alert('x')</script> văn", ["script", "văn"])
    assert "<script" not in out and "</script" not in out
    assert "&lt;<mark>script</mark>&gt;" in out
    assert out.endswith("<mark>văn</mark>")


def test_no_match_returns_the_escaped_beginning():
    text = "A & B " + "chữ " * 200
    out = snippet(text, ["không"], max_chars=40)
    assert out.startswith("A &amp; B chữ")
    assert out.endswith("…")
    assert "<mark>" not in out
    assert len(plain(out)) <= 41


def test_window_prefers_the_place_with_all_query_words():
    filler = "lorem " * 60
    text = f"văn {filler}đoạn giữa {filler}cuối cùng văn phòng tỉnh {filler}"
    out = snippet(text, ["văn", "phòng"], max_chars=80)
    assert "<mark>văn</mark> <mark>phòng</mark>" in out
    assert out.startswith("…") and out.endswith("…")
    assert len(plain(out)) <= 82


def test_window_does_not_cut_words():
    text = "aaaa bbbb cccc dddd eeee ffff văn gggg hhhh iiii jjjj kkkk llll"
    out = snippet(text, ["văn"], max_chars=20)
    words = plain(out).strip("…").split()
    assert set(words) <= set(text.split())
    assert "văn" in words


def test_whitespace_is_collapsed():
    assert snippet("văn\n\n   phòng", ["phong"]) == "văn <mark>phòng</mark>"


@pytest.mark.parametrize(
    "text", ["a b", "a  b", " a", "a ", "a\tb", "a\nb", "a\u00a0b", "a\u3000b", "a\u2028b", ""]
)
def test_the_squashed_check_agrees_with_squashing(text):
    from services.common import vntext
    from services.indexing.highlight import _squashed

    assert _squashed(text) == (vntext.squash(text) == text)
