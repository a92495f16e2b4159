"""The stored text and its folded copy that snippets are cut from (tantivy_query.to_document)."""

import unicodedata

import pytest

from services.common import vntext
from services.common.ports import IndexDocument
from services.indexing import highlight
from services.indexing.tantivy_query import to_document

pytestmark = pytest.mark.unit

TEXTS = [
    "Văn phòng  Tỉnh ủy\tHà Nam\n\nQuyết định số 15-QĐ/TU",
    "  hoà giải ở Uỷ ban, thuý và khoẻ  ",  # old tone placement: the index rewrites it
    unicodedata.normalize("NFD", "Đảng ủy khối Ðoàn thể"),
    "Москва và ĐỨC THẮNG — a\u0300x",  # another script
    "chữ x\u0300 lạ",  # a mark NFC cannot compose: folding shortens the text
]


def stored(text: str) -> tuple[str, str]:
    fields = to_document(IndexDocument(id="r1", register="den", title="T", text=text)).to_dict()
    body, folded = (bytes(value).decode() for value in fields["body"])
    return body, folded


@pytest.mark.parametrize("text", TEXTS)
def test_the_folded_copy_is_the_fold_of_the_stored_text(text):
    body, folded = stored(text)
    assert body == vntext.squash(vntext.nfc(text))
    assert folded == vntext.fold(body)


@pytest.mark.parametrize("text", TEXTS)
def test_a_snippet_from_the_folded_copy_equals_one_folding_the_text(text):
    body, folded = stored(text)
    for words in (["van", "phòng"], ["hòa", "uy"], ["dang", "doan"], ["москва", "duc"], ["x"]):
        assert highlight.snippet(body, words, folded=folded) == highlight.snippet(text, words)


def test_a_folded_copy_that_does_not_fit_the_text_is_not_used():
    assert highlight.snippet("văn phòng", ["van"], folded="xxx") == "<mark>văn</mark> phòng"
    assert highlight.snippet("văn  phòng", ["van"], folded="van  phong") == "<mark>văn</mark> phòng"
