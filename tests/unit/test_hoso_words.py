"""Every word the hồ sơ pages use exists in Vietnamese and in English (services/gateway/
i18n_hoso.py): a missing key would print the key itself on the page."""

import re
from pathlib import Path

import pytest

from services.gateway.i18n import CATALOGUE
from services.gateway.i18n_hoso import HOSO_EN, HOSO_VI

pytestmark = pytest.mark.unit

TEMPLATES = Path(__file__).resolve().parents[2] / "services" / "gateway" / "templates"
USED = re.compile(r"""t\(["'](hoso\.[\w.]*\w)["']""")


def used_keys() -> set[str]:
    keys = set()
    for name in ("hoso.html", "hoso_file.html", "record.html"):
        keys |= set(USED.findall((TEMPLATES / name).read_text(encoding="utf-8")))
    return keys | {"hoso.st.open", "hoso.st.closed", "nav.hoso"}  # built as "hoso.st." ~ status


def test_every_hoso_word_is_in_both_languages():
    keys = used_keys()
    assert len(keys) > 30
    assert keys <= set(HOSO_VI) and keys <= set(HOSO_EN), keys - (set(HOSO_VI) & set(HOSO_EN))
    assert set(HOSO_VI) == set(HOSO_EN)


def test_the_portal_speaks_vietnamese_first():
    assert CATALOGUE["vi"]["nav.hoso"] == "Hồ sơ" and CATALOGUE["en"]["nav.hoso"] == "Files"
    assert CATALOGUE["vi"]["hoso.unfiled"] == "Chưa lập hồ sơ."
