"""The register of outgoing numbers on the real catalog (SQLite and the local PostgreSQL).

Invariants: no two documents of one issuer share a số và ký hiệu in a period, whatever their
kind or secrecy (NĐ 30/2020 Điều 15.1–15.2); a reserved number goes to the record it was
reserved for and to no other; a voided number keeps its reason and is never given again; a
renumbered record's old number is voided, with the reason, in the same step; a reader below a
record's clearance sees nothing of its entry.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
import sqlalchemy as sa

from services.common.catalog import MIGRATIONS_DIR, SqlCatalog
from services.common.errors import NotFound, PermanentError
from services.registers import numbering
from services.registers.series import NumberRequest, parse_series
from tests.postgres import temporary_catalog

pytestmark = pytest.mark.contract

PARTY = parse_series(
    {
        "version": 1,
        "style": "party",
        "issuer": "TU",
        "issuers": ["VPTU"],
        "terms": [{"name": "2025-2030", "start": "2025-10-18"}],
    }
)
STATE = parse_series({"version": 1, "style": "state", "issuer": "UBND", "units": ["VP", "VX"]})
ON = date(2026, 3, 2)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalog(request, tmp_path_factory):
    with temporary_catalog(request.param, tmp_path_factory.mktemp("numbers")) as cat:
        yield cat


def outgoing(catalog, salt: str, meta: dict | None = None, register: str = "di") -> str:
    sha = hashlib.sha256(salt.encode()).hexdigest()
    record, _ = catalog.register_new(
        register=register,
        file_name="di.pdf",
        sha256=sha,
        size=1,
        media_type="application/pdf",
        object_key=f"originals/{sha}",
        source="test",
    )
    catalog.update_metadata(record["id"], "test", {"secrecy_known": True, **(meta or {})})
    return record["id"]


def issue(catalog, config, salt: str, request: NumberRequest, meta: dict | None = None) -> str:
    record_id = outgoing(catalog, salt, meta)
    return numbering.issue(catalog, config, record_id, request, on=ON, by="lan")["symbol"]


def test_party_quy_dinh_and_quyet_dinh_never_share_a_symbol(catalog):
    """36-HD/VPTW prints both as "QĐ" (66-QĐ/TW is a Quy định): they count in one series."""
    symbols = [
        issue(catalog, PARTY, "p1", NumberRequest("quy_dinh")),
        issue(catalog, PARTY, "p2", NumberRequest("quyet_dinh")),
        issue(catalog, PARTY, "p3", NumberRequest("quyet_dinh", secret=True)),
    ]
    assert symbols == ["01-QĐ/TU", "02-QĐ/TU", "03-QĐ/TU"]


def test_each_issuer_counts_apart(catalog):
    assert issue(catalog, PARTY, "v1", NumberRequest("thong_bao", issuer="VPTU")) == "01-TB/VPTU"
    assert issue(catalog, PARTY, "v2", NumberRequest("thong_bao")) == "01-TB/TU"
    with pytest.raises(PermanentError, match="Unknown issuer"):
        issue(catalog, PARTY, "v3", NumberRequest("thong_bao", issuer="HU"))


def test_state_secret_and_ordinary_series_print_different_symbols(catalog):
    plain = issue(catalog, STATE, "s1", NumberRequest("quyet_dinh"))
    secret = issue(catalog, STATE, "s2", NumberRequest("quyet_dinh"), {"secrecy": "mat"})
    assert (plain, secret) == ("01/QĐ-UBND", "01/QĐ-UBND-M")


def test_cong_van_carry_their_unit_and_share_the_organs_series(catalog):
    first = issue(catalog, STATE, "c1", NumberRequest("cong_van", unit="VP"))
    second = issue(catalog, STATE, "c2", NumberRequest("cong_van", unit="VX"))
    assert (first, second) == ("01/UBND-VP", "02/UBND-VX")


def test_copies_have_a_series_of_their_own(catalog):
    sao_y = issue(catalog, STATE, "y1", NumberRequest(None, copy="sao_y"))
    trich = issue(catalog, STATE, "y2", NumberRequest(None, copy="trich_sao"))
    assert (sao_y, trich) == ("01/SY-UBND", "02/TrS-UBND")


def test_a_reserved_number_goes_to_its_record_and_to_no_other(catalog):
    reserved = numbering.reserve(
        catalog, STATE, NumberRequest("to_trinh"), on=ON, by="lan", note="tờ trình ngân sách"
    )
    after = issue(catalog, STATE, "r1", NumberRequest("to_trinh"))
    assert (reserved["symbol"], reserved["status"], after) == (
        "01/TTr-UBND",
        "reserved",
        "02/TTr-UBND",
    )
    record_id = outgoing(catalog, "r2")
    entry = numbering.issue(
        catalog, STATE, record_id, None, on=ON, by="lan", reservation=reserved["id"]
    )
    assert (entry["symbol"], entry["record_id"]) == ("01/TTr-UBND", record_id)
    assert catalog.row(record_id)["meta"]["kind"] == "to_trinh"
    with pytest.raises(PermanentError, match="not reserved"):
        numbering.issue(
            catalog,
            STATE,
            outgoing(catalog, "r3"),
            None,
            on=ON,
            by="lan",
            reservation=reserved["id"],
        )


def test_a_voided_number_keeps_its_reason_and_is_never_given_again(catalog):
    record_id = outgoing(catalog, "x1")
    entry = numbering.issue(catalog, STATE, record_id, NumberRequest("bao_cao"), on=ON, by="lan")
    with pytest.raises(PermanentError, match="reason"):
        numbering.void(catalog, entry["id"], "  ", "lan")
    voided = numbering.void(catalog, entry["id"], "ký nhầm, văn bản không ban hành", "lan")
    assert (voided["status"], voided["reason"], voided["voided_by"]) == (
        "void",
        "ký nhầm, văn bản không ban hành",
        "lan",
    )
    assert catalog.row(record_id)["meta"]["number_symbol"] is None
    assert "number_voided" in [h["action"] for h in catalog.get(record_id)["history"]]
    assert issue(catalog, STATE, "x2", NumberRequest("bao_cao")) == "02/BC-UBND"
    with pytest.raises(PermanentError, match="already void"):
        numbering.void(catalog, entry["id"], "again", "lan")


def test_renumbering_a_misread_kind_voids_the_old_number(catalog):
    record_id = outgoing(catalog, "k1")
    numbering.issue(catalog, STATE, record_id, NumberRequest("thong_bao"), on=ON, by="lan")
    old, new = numbering.renumber(
        catalog,
        STATE,
        record_id,
        NumberRequest("ke_hoach"),
        reason="đọc nhầm loại",
        on=ON,
        by="lan",
    )
    assert (old["symbol"], old["status"], old["reason"]) == ("01/TB-UBND", "void", "đọc nhầm loại")
    assert new["symbol"] == "01/KH-UBND"
    assert catalog.series_number(record_id)["symbol"] == "01/KH-UBND"
    meta = catalog.row(record_id)["meta"]
    assert (meta["kind"], meta["number_symbol"]) == ("ke_hoach", "01/KH-UBND")
    assert issue(catalog, STATE, "k2", NumberRequest("thong_bao")) == "02/TB-UBND"


@pytest.mark.parametrize("register", ["den", "don", "luutru"])
def test_only_an_outgoing_document_takes_a_number_from_the_series(catalog, register):
    """NĐ 30/2020 Điều 15.1: the series numbers what the office issues; a received document
    keeps its sender's symbol, and neither issuing nor renumbering touches it."""
    record_id = outgoing(catalog, f"in-{register}", {"number_symbol": "15/QĐ-UBND"}, register)
    with pytest.raises(PermanentError, match="Chỉ văn bản đi"):
        numbering.issue(catalog, STATE, record_id, NumberRequest("thong_bao"), on=ON, by="lan")
    with pytest.raises(PermanentError, match="Chỉ văn bản đi"):
        numbering.renumber(
            catalog, STATE, record_id, NumberRequest("ke_hoach"), reason="x", on=ON, by="lan"
        )
    assert catalog.row(record_id)["meta"]["number_symbol"] == "15/QĐ-UBND"
    assert catalog.series_number(record_id) is None


def test_a_reader_below_clearance_sees_nothing_of_a_secret_records_number(catalog):
    record_id = outgoing(catalog, "m1", {"secrecy": "toi_mat", "subject": "Phương án bí mật"})
    entry = numbering.issue(catalog, STATE, record_id, NumberRequest("phuong_an"), on=ON, by="lan")
    unknown = outgoing(catalog, "m2", {"secrecy_known": False})  # unknown counts as Tuyệt mật
    hidden = numbering.issue(catalog, STATE, unknown, NumberRequest("phuong_an"), on=ON, by="lan")
    low = numbering.listing(catalog, clearance=1)
    assert {entry["id"], hidden["id"]}.isdisjoint(e["id"] for e in low)
    shown = repr(low)
    assert "Phương án bí mật" not in shown and record_id not in shown and unknown not in shown
    for entry_id in (entry["id"], hidden["id"]):
        with pytest.raises(NotFound):
            numbering.visible_entry(catalog, entry_id, clearance=1)
    high = numbering.listing(catalog, clearance=2)
    assert any(e["subject"] == "Phương án bí mật" for e in high)
    assert hidden["id"] not in [e["id"] for e in high] and unknown not in repr(high)


def test_numbers_given_before_the_register_become_issued_entries(tmp_path):
    """Migration 0007: each row of the old `series_numbers` is an issued entry afterwards."""
    from alembic import command
    from alembic.config import Config

    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'old.db'}")
    record_id = outgoing(catalog, "before-0007")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with catalog.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
        conn.execute(
            sa.text(
                "INSERT INTO series_numbers VALUES "
                "(:id, 'party:nghi_quyet', 'term:2020-2025', 4, '04-NQ/TU', '2025-05-05')"
            ),
            {"id": record_id},
        )
        command.upgrade(config, "head")
    entry = catalog.series_number(record_id)
    assert (entry["symbol"], entry["status"], entry["number"]) == ("04-NQ/TU", "issued", 4)
    catalog.engine.dispose()


def test_a_reservation_numbers_only_a_document_of_its_year_and_series(catalog):
    """NĐ 30/2020 Điều 15.1: numbers run from 01 on 1 January to 31 December, so a number
    reserved in 2026 would repeat a 2027 symbol; Điều 15.2: a secret document takes its number
    from the secret series, not from an ordinary reservation. The reservation stays, to void."""
    late = numbering.reserve(catalog, STATE, NumberRequest("ke_hoach"), on=date(2026, 12, 30),
                             by="lan")  # fmt: skip
    with pytest.raises(PermanentError, match=r"Điều 15\.1"):
        numbering.issue(catalog, STATE, outgoing(catalog, "y2027"), None, on=date(2027, 1, 4),
                        by="lan", reservation=late["id"])  # fmt: skip
    plain = numbering.reserve(catalog, STATE, NumberRequest("quy_che"), on=ON, by="lan")
    secret = outgoing(catalog, "rm", {"secrecy": "mat"})
    with pytest.raises(PermanentError, match=r"Điều 15\.2"):
        numbering.issue(catalog, STATE, secret, None, on=ON, by="lan", reservation=plain["id"])
    statuses = [catalog.number_entry(e["id"])["status"] for e in (late, plain)]
    assert statuses == ["reserved", "reserved"] and catalog.series_number(secret) is None
    entry = numbering.issue(catalog, STATE, outgoing(catalog, "y2026"), None, on=date(2026, 12, 31),
                            by="lan", reservation=late["id"])  # fmt: skip
    assert entry["symbol"] == late["symbol"] and entry["status"] == "issued"
