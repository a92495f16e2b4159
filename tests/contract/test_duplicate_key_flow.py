"""NĐ 30/2020 Phụ lục VI duplicate warning on the real catalog (SQLite and the local
PostgreSQL), through classification: the key is số + ký hiệu + organ with its parent + the
year (state, NĐ 30 Điều 15: numbers restart each year) or the committee term (Party,
36-HD/VPTW: numbers run per nhiệm kỳ); Ð (eth) reads as Đ."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.classification.corrections import correct_record
from services.classification.handlers import classify_record
from services.common.catalog import migrate
from services.registers import RegistersConfig
from services.registers.deadlines import Body, Calendar, PetitionRules
from services.registers.series import parse_series
from tests.contract.test_registers_flow import ingest
from tests.postgres import temporary_catalog

CONFIG = RegistersConfig(
    parse_series(
        {
            "version": 1,
            "style": "party",
            "issuer": "TU",
            "terms": [
                {"name": "2020-2025", "start": "2020-10-15"},
                {"name": "2025-2030", "start": "2025-10-10"},
            ],
        }
    ),
    PetitionRules(Body("state"), Calendar()),
)


def state_decision(symbol: str, day: str, organ: str = "TỈNH BÌNH ĐỊNH") -> list[str]:
    return [
        "ỦY BAN NHÂN DÂN",
        organ,
        f"Số: {symbol}",
        f"Bình Định, {day}",
        "QUYẾT ĐỊNH",
        "Về việc ban hành Danh mục hồ sơ",
        "Điều 1. Ban hành Danh mục hồ sơ.",
    ]


def party_resolution(symbol: str, day: str) -> list[str]:
    return [
        "ĐẢNG BỘ TỈNH BÌNH ĐỊNH",
        "TỈNH ỦY",
        f"Số {symbol}",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        f"Bình Định, {day}",
        "NGHỊ QUYẾT",
        "về công tác cán bộ",
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path_factory):
    with temporary_catalog(request.param, tmp_path_factory.mktemp("cat")) as cat:
        yield cat


@pytest.fixture
def store(tmp_path_factory):
    from services.common.objects import FilesystemObjectStore

    return FilesystemObjectStore(tmp_path_factory.mktemp("objects"))


def duplicate_of(catalog, store, lines: list[str], salt: str) -> tuple[str, str | None]:
    event = ingest(catalog, store, lines, salt=salt)
    classify_record(event, catalog, store, CONFIG)
    return event["record_id"], catalog.get(event["record_id"])["metadata"].get("duplicate_of")


@pytest.mark.parametrize(
    ("first", "second", "flagged"),
    [
        # Same year, Ð (eth, U+00D0) typed for Đ: the same document.
        (
            state_decision("12/QĐ-UBND", "ngày 12 tháng 3 năm 2025"),
            state_decision("12/QÐ-UBND", "ngày 20 tháng 3 năm 2025"),
            True,
        ),
        # NĐ 30 Điều 15: numbers restart each year; 2025 and 2026 are two documents.
        (
            state_decision("05/QĐ-UBND", "ngày 12 tháng 3 năm 2025"),
            state_decision("05/QĐ-UBND", "ngày 12 tháng 3 năm 2026"),
            False,
        ),
        # Same organ name under another parent (another province): two documents.
        (
            state_decision("07/QĐ-UBND", "ngày 12 tháng 3 năm 2025", "TỈNH BÌNH ĐỊNH"),
            state_decision("07/QĐ-UBND", "ngày 12 tháng 3 năm 2025", "TỈNH PHÚ YÊN"),
            False,
        ),
        # NĐ 30 Phụ lục I: a sở is named under its UBND; two provinces' Sở Nội vụ differ.
        (
            [
                "UBND TỈNH QUẢNG NGÃI",
                *state_decision("08/QĐ-SNV", "ngày 2 tháng 3 năm 2025", "SỞ NỘI VỤ")[1:],
            ],
            [
                "UBND TỈNH BÌNH ĐỊNH",
                *state_decision("08/QĐ-SNV", "ngày 2 tháng 3 năm 2025", "SỞ NỘI VỤ")[1:],
            ],
            False,
        ),
        # 36-HD/VPTW: a Party number runs for the whole term, across years.
        (
            party_resolution("15-NQ/TU", "ngày 12 tháng 3 năm 2023"),
            party_resolution("15-NQ/TU", "ngày 12 tháng 3 năm 2024"),
            True,
        ),
        # ... and restarts with the next term.
        (
            party_resolution("16-NQ/TU", "ngày 12 tháng 3 năm 2024"),
            party_resolution("16-NQ/TU", "ngày 12 tháng 12 năm 2025"),
            False,
        ),
    ],
)
def test_the_duplicate_key_follows_the_numbering_period(catalog, store, first, second, flagged):
    earlier, _ = duplicate_of(catalog, store, first, "a")
    _, found = duplicate_of(catalog, store, second, "b")
    assert found == (earlier if flagged else None)


def test_keys_stored_before_the_period_was_added_are_recomputed(catalog, store):
    first, _ = duplicate_of(
        catalog, store, state_decision("09/QĐ-UBND", "ngày 2 tháng 3 năm 2025"), "m"
    )
    key = catalog.row(first)["doc_key"]
    with catalog.engine.begin() as conn:  # as revision 0005 left it: no period, no parent
        conn.execute(
            sa.text("UPDATE records SET doc_key = :old WHERE id = :id"),
            {"old": "09/QD-UBND|UY BAN NHAN DAN TINH BINH DINH", "id": first},
        )
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0005'"))
    migrate(catalog.engine)
    assert catalog.row(first)["doc_key"] == key
    assert "|2025|" in key


def test_a_corrected_date_moves_the_record_into_the_other_year(catalog, store):
    earlier, _ = duplicate_of(
        catalog, store, state_decision("11/QĐ-UBND", "ngày 2 tháng 3 năm 2025"), "c"
    )
    later, found = duplicate_of(
        catalog, store, state_decision("11/QĐ-UBND", "ngày 2 tháng 3 năm 2026"), "d"
    )
    assert found is None
    record, _ = correct_record(
        catalog,
        later,
        {"issued_date": "2025-03-02"},
        "lan",
        retention_classes=frozenset(),
        config=CONFIG,
    )
    assert record["metadata"]["duplicate_of"] == earlier
