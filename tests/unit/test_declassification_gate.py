"""The transfer gate: a secret record leaves only once declassified (its protection period
passed, Luật Bảo vệ bí mật nhà nước 2018 Điều 19.1, or a recorded decision: level 0), and each
record goes to its own archive (Party or state)."""

from __future__ import annotations

from datetime import date

import pytest

from services.retention import declassification as gate
from services.retention.destination import PARTY, STATE, fonds_of

pytestmark = pytest.mark.unit

ISSUED = date(2000, 3, 15)


def meta(secrecy: str | None, issued: str | None = "2000-03-15", known: bool = True) -> dict:
    return {"secrecy": secrecy, "secrecy_known": known, "issued_date": issued}


@pytest.mark.parametrize(
    ("secrecy", "level", "years"), [("tuyet_mat", 3, 30), ("toi_mat", 2, 20), ("mat", 1, 10)]
)
def test_each_level_is_protected_its_years_to_the_day(secrecy, level, years):
    free = date(2000 + years, 3, 15)
    assert gate.free_on(level, ISSUED) == free
    last_day = date.fromordinal(free.toordinal() - 1)
    withheld = gate.check("r1", meta(secrecy), last_day)
    assert withheld is not None and withheld.until == free and withheld.level == level
    assert gate.check("r1", meta(secrecy), free) is None


def test_unknown_secrecy_counts_as_the_highest_level():
    withheld = gate.check("r1", meta(None, known=False), date(2029, 3, 14))
    assert withheld is not None and withheld.level == 3
    assert gate.check("r1", meta(None, known=False), date(2030, 3, 15)) is None


def test_a_plain_or_declassified_record_passes_at_once():
    assert gate.check("r1", meta(None), date(2000, 3, 15)) is None
    declassified = {**meta(None), "declassification": {"decision": "QĐ 12/QĐ-UBND"}}
    assert gate.check("r1", declassified, date(2000, 3, 16)) is None


def test_without_a_document_date_only_a_decision_frees_it():
    withheld = gate.check("r9", meta("mat", issued=None), date(2100, 1, 1))
    assert withheld is not None and withheld.until is None
    assert "r9" in withheld.reason and "giải mật" in withheld.reason


def test_the_reason_names_the_record_and_the_last_protected_day():
    withheld = gate.check("abc", meta("toi_mat"), date(2010, 1, 1))
    assert "abc" in withheld.reason and "14/03/2020" in withheld.reason
    assert withheld.as_dict()["free_on"] == "2020-03-15"
    assert withheld.as_dict()["issued"] == "2000-03-15"  # the portal shows the document's date


def test_a_record_without_a_date_says_so():
    assert gate.check("r9", meta("mat", issued=None), date(2100, 1, 1)).as_dict()["issued"] is None


def test_a_leap_day_runs_whole_years():
    assert gate.free_on(1, date(2004, 2, 29)) == date(2014, 3, 1)


@pytest.mark.parametrize(
    ("register", "symbol", "style", "fonds"),
    [
        ("di", "15-NQ/TU", STATE, PARTY),  # a Party symbol, whatever the office's default
        ("di", "15/QĐ-UBND", PARTY, STATE),
        ("di", None, PARTY, PARTY),
        ("den", "15/QĐ-UBND", PARTY, PARTY),  # received: part of the receiver's fonds
        ("den", "15-NQ/TU", STATE, STATE),
    ],
)
def test_the_fonds_is_the_keeping_organs(register, symbol, style, fonds):
    assert fonds_of(register, {"number_symbol": symbol}, style) == fonds
