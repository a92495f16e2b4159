"""Outgoing number series as configured data.

Invariants: state numbers restart each year and secret documents count apart; Party numbers
run per committee term (not per year), secret documents continue the same series, and every
document of a congress shares one series; symbols print as the decree and 36-HD show; a bad
file is refused naming the place and the fix.
"""

from datetime import date

import pytest

from services.registers.series import (
    OUTGOING_KINDS,
    NumberingError,
    load_series,
    parse_series,
    slot_for,
)

pytestmark = pytest.mark.unit

PARTY = {
    "version": 1,
    "style": "party",
    "issuer": "TU",
    "terms": [
        {"name": "2020-2025", "start": date(2020, 10, 16)},
        {"name": "2025-2030", "start": "2025-10-18"},
    ],
    "congresses": [{"name": "ĐH XXI", "start": "2025-10-15", "end": "2025-10-17", "issuer": "ĐH"}],
}
STATE = {"version": 1, "style": "state", "issuer": "UBND"}


def test_state_numbers_restart_on_the_first_of_january():
    config = parse_series(STATE)
    december = slot_for(config, "quyet_dinh", secret=False, on=date(2025, 12, 31))
    january = slot_for(config, "quyet_dinh", secret=False, on=date(2026, 1, 1))
    assert december.series == january.series == "{}/QĐ-UBND"
    assert (december.scope, january.scope) == ("year:2025", "year:2026")


def test_state_secret_documents_have_their_own_series():
    config = parse_series(STATE)
    plain = slot_for(config, "quyet_dinh", secret=False, on=date(2026, 3, 1))
    secret = slot_for(config, "quyet_dinh", secret=True, on=date(2026, 3, 1))
    assert plain.series != secret.series and secret.scope == plain.scope


@pytest.mark.parametrize(
    ("kind", "number", "printed"),
    [("quyet_dinh", 15, "15/QĐ-UBND"), ("quy_dinh", 3, "03/QyĐ-UBND"), ("cong_van", 5, "05/UBND")],
)
def test_state_symbols_print_as_the_decree_shows(kind, number, printed):
    slot = slot_for(parse_series(STATE), kind, secret=False, on=date(2026, 1, 5))
    assert slot.symbol(number) == printed


def test_party_numbers_run_across_years_within_a_term():
    config = parse_series(PARTY)
    early = slot_for(config, "nghi_quyet", secret=False, on=date(2021, 1, 4))
    late = slot_for(config, "nghi_quyet", secret=False, on=date(2024, 12, 30))
    assert (
        (early.series, early.scope) == (late.series, late.scope) == ("{}-NQ/TU", "term:2020-2025")
    )


def test_party_numbering_changes_with_the_committee_term():
    config = parse_series(PARTY)
    before = slot_for(config, "nghi_quyet", secret=False, on=date(2025, 10, 14))
    after = slot_for(config, "nghi_quyet", secret=False, on=date(2025, 10, 18))
    assert (before.scope, after.scope) == ("term:2020-2025", "term:2025-2030")


def test_party_secret_documents_continue_the_same_series():
    config = parse_series(PARTY)
    plain = slot_for(config, "chi_thi", secret=False, on=date(2026, 1, 5))
    secret = slot_for(config, "chi_thi", secret=True, on=date(2026, 1, 5))
    assert (plain.series, plain.scope) == (secret.series, secret.scope)


def test_congress_documents_of_every_kind_share_one_series():
    config = parse_series(PARTY)
    slots = [
        slot_for(config, k, secret=False, on=date(2025, 10, 16)) for k in ("nghi_quyet", "bao_cao")
    ]
    assert {(s.series, s.scope) for s in slots} == {("congress/ĐH", "congress:ĐH XXI")}
    assert slots[0].symbol(4) == "04-NQ/ĐH"
    outside = slot_for(config, "nghi_quyet", secret=False, on=date(2025, 10, 16), congress=False)
    assert outside.series == "{}-NQ/TU"


def test_a_document_another_issuer_signs_during_the_congress_is_not_the_congresss():
    """36-HD/VPTW: the congress series covers the congress and its bodies; the office's công
    văn sent during the congress days keeps its issuer and its term's series."""
    config = parse_series({**PARTY, "issuers": ["VPTU"]})
    office = slot_for(config, "cong_van", secret=False, on=date(2025, 10, 16), issuer="VPTU")
    assert (office.series, office.scope) == ("{}-CV/VPTU", "term:2020-2025")
    assert office.symbol(7) == "07-CV/VPTU"
    congress = slot_for(config, "cong_van", secret=False, on=date(2025, 10, 16))
    assert (congress.series, congress.scope) == ("congress/ĐH", "congress:ĐH XXI")


@pytest.mark.parametrize(
    ("kind", "printed"),
    [
        ("nghi_quyet", "15-NQ/TU"),
        ("quy_dinh", "15-QĐ/TU"),
        ("cong_van", "15-CV/TU"),
        ("thong_tri", "15-TT/TU"),
    ],
)
def test_party_symbols_print_as_36_hd_shows(kind, printed):
    assert (
        slot_for(parse_series(PARTY), kind, secret=False, on=date(2026, 1, 5)).symbol(15) == printed
    )


def test_a_party_document_before_the_first_term_is_refused_clearly():
    with pytest.raises(ValueError, match=r"nhiệm kỳ.*2019-01-01.*/ No committee term"):
        slot_for(parse_series(PARTY), "nghi_quyet", secret=False, on=date(2019, 1, 1))


def test_groups_share_a_series():
    config = parse_series({**STATE, "groups": {"hanh_chinh": ["thong_bao", "ke_hoach"]}})
    a = slot_for(config, "thong_bao", secret=False, on=date(2026, 1, 5))
    b = slot_for(config, "ke_hoach", secret=False, on=date(2026, 1, 5))
    assert a.series == b.series == "group:hanh_chinh/UBND"
    assert (a.symbol(1), b.symbol(2)) == ("01/TB-UBND", "02/KH-UBND")


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        ({**STATE, "style": "dang"}, ["style", "'dang' is not one of"]),
        (
            {k: v for k, v in PARTY.items() if k != "terms"},
            ["(top level)", "'terms' is a required"],
        ),
        (
            {**PARTY, "terms": [{"name": "x", "start": "16/10/2020"}]},
            ["terms.0.start", "16/10/2020"],
        ),
        ({**STATE, "groups": {"g": ["thong_baoo"]}}, ["groups.g.0", "'thong_baoo'"]),
        ({**STATE, "issuer": "UB ND"}, ["issuer", "'UB ND' does not match"]),
        # NĐ 30/2020 Điều 15.2 (state: a series of their own); 36-HD/VPTW (Party: the same)
        ({**STATE, "secret_series": "same"}, ["secret_series: same", "Điều 15.2"]),
        ({**PARTY, "secret_series": "separate"}, ["secret_series: separate", "36-HD/VPTW"]),
        (
            {**PARTY, "congresses": [{"name": "ĐH", "start": "2025-10-17", "end": "2025-10-15"}]},
            ["congresses (ĐH): ends before it starts"],
        ),
    ],
)
def test_a_bad_series_file_is_refused_naming_the_place(tmp_path, data, fragments):
    import yaml

    path = tmp_path / "number-series.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_series(path)
    assert str(path) in str(caught.value)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_the_shipped_file_is_valid():
    config = load_series()
    assert config.party and config.terms


# --- one rule a row, each citing the text it enforces -----------------------------------------

OFFICE = {**PARTY, "issuers": ["VPTU"]}
STATE_UNITS = {**STATE, "units": ["VP", "VX"]}
D = date(2026, 3, 2)

# (source, config, first document, second document, same counter?, printed as number 1 each)
RULES = [
    (
        "NĐ 30/2020 Điều 15.1: numbers restart on 1 January",
        STATE,
        ({"kind": "quyet_dinh"}, date(2025, 12, 31)),
        ({"kind": "quyet_dinh"}, date(2026, 1, 1)),
        False,
        ("01/QĐ-UBND", "01/QĐ-UBND"),
    ),
    (
        "NĐ 30/2020 Điều 15.2 + 15.1: secret documents count apart and print a mark, so the "
        "symbol stays unique in the year (the decree names no mark: office's `secret_mark`)",
        STATE,
        ({"kind": "quyet_dinh"}, D),
        ({"kind": "quyet_dinh", "secret": True}, D),
        False,
        ("01/QĐ-UBND", "01/QĐ-UBND-M"),
    ),
    (
        "36-HD/VPTW II.1.3.1: Party secret documents continue the series of their type",
        PARTY,
        ({"kind": "chi_thi"}, D),
        ({"kind": "chi_thi", "secret": True}, D),
        True,
        ("01-CT/TU", "01-CT/TU"),
    ),
    (
        "NĐ 30/2020 Điều 15.1 (unique số và ký hiệu); Party 'QĐ' for Quy định and Quyết định "
        "(66-QĐ/TW, 127-QĐ/TW): one counter for both",
        PARTY,
        ({"kind": "quy_dinh"}, D),
        ({"kind": "quyet_dinh"}, D),
        True,
        ("01-QĐ/TU", "01-QĐ/TU"),
    ),
    (
        "NĐ 30/2020 Phụ lục III: state Quy định is 'QyĐ', apart from Quyết định 'QĐ'",
        STATE,
        ({"kind": "quy_dinh"}, D),
        ({"kind": "quyet_dinh"}, D),
        False,
        ("01/QyĐ-UBND", "01/QĐ-UBND"),
    ),
    (
        "Phụ lục I II.3 (the issuer's abbreviation in the symbol): each issuer counts apart",
        OFFICE,
        ({"kind": "thong_bao"}, D),
        ({"kind": "thong_bao", "issuer": "VPTU"}, D),
        False,
        ("01-TB/TU", "01-TB/VPTU"),
    ),
    (
        "NĐ 30/2020 Phụ lục I II.3.b: a công văn carries its drafting unit; the organ's công "
        "văn share one series",
        STATE_UNITS,
        ({"kind": "cong_van", "unit": "VP"}, D),
        ({"kind": "cong_van", "unit": "VX"}, D),
        True,
        ("01/UBND-VP", "01/UBND-VX"),
    ),
    (
        "NĐ 30/2020 Điều 25 and Phụ lục I Phần II: copies (SY, TrS, SL) share one series",
        STATE,
        ({"kind": None, "copy": "sao_y"}, D),
        ({"kind": None, "copy": "sao_luc"}, D),
        True,
        ("01/SY-UBND", "01/SL-UBND"),
    ),
    (
        "24-BS/UBKTTU (36-HD/VPTW as quoted; its table not read): a Party copy prints 'BS'",
        PARTY,
        ({"kind": None, "copy": "trich_sao"}, D),
        ({"kind": "nghi_quyet"}, D),
        False,
        ("01-BS/TU", "01-NQ/TU"),
    ),
]


@pytest.mark.parametrize(
    ("source", "data", "first", "second", "shared", "printed"),
    RULES,
    ids=[r[0][:60] for r in RULES],
)
def test_numbering_rule(source, data, first, second, shared, printed):
    config = parse_series(data)
    slots = [_slot(config, dict(request), on) for request, on in (first, second)]
    same = (slots[0].series, slots[0].scope) == (slots[1].series, slots[1].scope)
    assert same is shared, source
    assert tuple(s.symbol(1) for s in slots) == printed, source


@pytest.mark.parametrize(
    "data", [PARTY, STATE, OFFICE, STATE_UNITS], ids=["party", "state", "issuers", "units"]
)
def test_two_counters_never_print_the_same_symbol(data):
    """NĐ 30/2020 Điều 15.1: số và ký hiệu unique in the period — every (kind, secrecy,
    issuer) that counts apart prints a symbol of its own."""
    config = parse_series(data)
    printed: dict[tuple[str, str], str] = {}
    for issuer in config.every_issuer:
        for kind in sorted(OUTGOING_KINDS):
            for secret in (False, True):
                slot = slot_for(config, kind, secret=secret, on=D, congress=False, issuer=issuer)
                key = (slot.template(), slot.scope)
                assert printed.setdefault(key, slot.series) == slot.series, key


def _slot(config, request: dict, on: date):
    kind, secret = request.pop("kind"), request.pop("secret", False)
    return slot_for(config, kind, secret=secret, on=on, **request)


@pytest.mark.parametrize(
    ("data", "request_", "message"),
    [
        (PARTY, {"kind": "cong_van", "unit": "VP"}, "Only a state công văn"),
        (STATE, {"kind": "quyet_dinh", "unit": "VP"}, "Only a state công văn"),
        (STATE_UNITS, {"kind": "cong_van", "unit": "TC"}, "Unknown drafting unit"),
        (OFFICE, {"kind": "nghi_quyet", "issuer": "HU"}, "Unknown issuer"),
        (STATE, {"kind": None, "copy": "photo"}, "Unknown copy form"),
    ],
)
def test_a_request_the_rules_cannot_serve_is_refused(data, request_, message):
    with pytest.raises(NumberingError, match=message):
        _slot(parse_series(data), dict(request_), D)


def test_a_group_that_would_repeat_a_symbol_is_refused():
    data = {**STATE, "groups": {"g": ["thong_bao"]}, "abbreviations": {"ke_hoach": "TB"}}
    with pytest.raises(ValueError, match="print the same symbol NN/TB-UBND"):
        parse_series(data)
