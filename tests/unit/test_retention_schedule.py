"""Retention schedule: the seeded file is valid, bad files are refused with the row named,
rows match in order, and periods count from 1 January after the year the matter ended."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from services.retention.schedule import (
    DEFAULT_SCHEDULE_PATH,
    RetentionClass,
    disposition_date,
    load_schedule,
    parse_schedule,
    retention_for,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def seeded():
    return load_schedule(DEFAULT_SCHEDULE_PATH)


def small_schedule() -> dict:
    return {
        "version": 1,
        "rows": [
            {
                "class": "BC-01",
                "title": "Báo cáo tháng",
                "match": {"kind": ["bao_cao"], "subject_keywords": ["tháng"]},
                "period": 10,
                "action": "destroy",
            },
            {
                "class": "BC-02",
                "title": "Báo cáo năm của cơ quan",
                "match": {"kind": ["bao_cao"], "register": ["di"], "subject_keywords": ["năm"]},
                "period": "permanent",
                "action": "transfer",
            },
            {
                "class": "CV-01",
                "title": "Công văn",
                "match": {"kind": ["cong_van"]},
                "period": 10,
                "action": "destroy",
            },
        ],
        "default": {"class": "MD-00", "title": "Khác", "period": 5, "action": "destroy"},
    }


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the seeded file -----------------------------------------------------------------------


def test_seeded_schedule_loads_with_unique_classes(seeded):
    codes = [rule.retention.code for rule in seeded.rules]
    assert len(codes) >= 10
    assert len(codes) == len(set(codes))
    # unmatched: keep and review, never "destroy after 10 years"
    assert seeded.default == RetentionClass(
        "MD-00", "Chưa xác định thời hạn: giữ lại, chờ xem xét", "permanent", "review"
    )


@pytest.mark.parametrize(
    ("metadata", "register", "code", "period", "action"),
    [
        ({"kind": "nghi_quyet"}, "di", "VB-01", "permanent", "transfer"),
        ({"kind": "quyet_dinh"}, "luutru", "VB-01", "permanent", "transfer"),
        ({"kind": "chi_thi"}, "den", "MD-00", "permanent", "review"),  # received: not our own
        (
            {"kind": "bao_cao", "subject": "tổng kết công tác năm 2024"},
            "di",
            "BC-03",
            "permanent",
            "transfer",
        ),
        ({"kind": "bao_cao", "subject": "công tác tháng 5 năm 2024"}, "di", "BC-02", 10, "destroy"),
        (
            {"kind": "bao_cao", "subject": "kết quả 6 tháng đầu năm 2024"},
            "di",
            "BC-01",
            20,
            "destroy",
        ),
        ({"kind": "bao_cao", "subject": "tình hình quý II năm 2024"}, "di", "BC-01", 20, "destroy"),
        (
            {"kind": "bao_cao", "subject": "thực hiện quy chế dân chủ năm 2024"},
            "di",
            "BC-03",
            "permanent",
            "transfer",
        ),
        ({"kind": "bao_cao", "subject": "tong ket nam 2024"}, "den", "BC-04", 10, "destroy"),
        ({"kind": "ke_hoach", "subject": "kiểm tra chuyên đề"}, "di", "KH-01", 20, "destroy"),
        ({"kind": "thong_bao", "subject": "ý kiến kết luận"}, "den", "TB-01", 10, "destroy"),
        ({"kind": "cong_van", "subject": "V/v góp ý"}, "di", "CV-01", 10, "destroy"),
        (
            {"kind": "cong_van", "subject": "V/v chuẩn bị Đại hội Đảng bộ"},
            "di",
            "DH-01",
            "permanent",
            "transfer",
        ),
        (
            {"kind": "don_to_cao", "subject": "vụ việc NGHIÊM TRỌNG"},
            "don",
            "DT-01",
            "permanent",
            "transfer",
        ),
        ({"kind": "don_khieu_nai", "subject": "đất đai"}, "don", "DT-02", 15, "destroy"),
        ({"kind": "don_phan_anh", "subject": None}, "don", "DT-03", 10, "destroy"),
        ({"kind": "other"}, None, "MD-00", "permanent", "review"),
    ],
)
def test_seeded_rows_classify_realistic_records(seeded, metadata, register, code, period, action):
    retention = seeded.classify(metadata, register)
    assert (retention.code, retention.period, retention.action) == (code, period, action)


def test_seeded_permanent_rows_all_transfer(seeded):
    permanent = [r.retention for r in seeded.rules if r.retention.period == "permanent"]
    assert permanent
    assert {r.action for r in permanent} == {"transfer"}


# --- refusing bad files --------------------------------------------------------------------


def mutate(change) -> dict:
    data = small_schedule()
    change(data)
    return data


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        (
            mutate(lambda d: d["rows"][1].update(period=-5)),
            ["rows[1] (class BC-02)", "period", "whole number of years", "-5"],
        ),
        (
            mutate(lambda d: d["rows"][0].update(action="burn")),
            ["rows[0] (class BC-01)", "action", "'burn' is not one of"],
        ),
        (
            mutate(lambda d: d["rows"][1].update(action="destroy")),
            ["rows[1] (class BC-02)", "action", 'must be "transfer"'],
        ),
        (
            mutate(lambda d: d["rows"][2]["match"].update(kind=["cong_vann"])),
            ["rows[2] (class CV-01)", "match.kind.0", "'cong_vann'"],
        ),
        (
            mutate(lambda d: d["rows"][2]["match"].update(register=["outbox"])),
            ["rows[2] (class CV-01)", "match.register.0", "'outbox'"],
        ),
        (mutate(lambda d: d["rows"][2].update(match={})), ["rows[2] (class CV-01)", "match"]),
        (mutate(lambda d: d["rows"][0].update(klass="x")), ["rows[0] (class BC-01)", "'klass'"]),
        (
            mutate(lambda d: d["rows"][0].pop("title")),
            ["rows[0] (class BC-01)", "'title' is a required"],
        ),
        (mutate(lambda d: d["rows"][2].update({"class": "CV1"})), ["rows[2] (class CV1)", "NQ-01"]),
        (
            mutate(lambda d: d["rows"][2].update({"class": "BC-01"})),
            ["rows[2] (class BC-01)", "rows[0]"],
        ),
        (mutate(lambda d: d["default"].update(period=2.5)), ["default, period", "2.5"]),
        (mutate(lambda d: d.pop("default")), ["(top level)", "'default' is a required"]),
        ([1, 2], ["(top level)", "is not of type 'object'"]),
    ],
)
def test_bad_schedule_is_refused_naming_the_row_and_the_problem(tmp_path, data, fragments):
    path = write(tmp_path, data)
    with pytest.raises(ValueError) as caught:
        load_schedule(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_missing_period_reports_only_the_missing_period():
    data = mutate(lambda d: d["rows"][0].pop("period"))
    with pytest.raises(ValueError) as caught:
        parse_schedule(data)
    problems = str(caught.value).splitlines()[1:]
    assert problems == ["  rows[0] (class BC-01): 'period' is a required property"]


def test_broken_yaml_is_refused_with_the_file_name(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("rows: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.yaml: not valid YAML"):
        load_schedule(path)


# --- matching order ------------------------------------------------------------------------


def test_first_matching_row_wins():
    schedule = parse_schedule(small_schedule())
    monthly = {"kind": "bao_cao", "subject": "công tác tháng 5 năm 2024"}
    assert schedule.classify(monthly, "di").code == "BC-01"


def test_reordering_rows_changes_the_winner():
    data = small_schedule()
    data["rows"].reverse()
    schedule = parse_schedule(data)
    monthly = {"kind": "bao_cao", "subject": "công tác tháng 5 năm 2024"}
    assert schedule.classify(monthly, "di").code == "BC-02"


def test_a_row_with_a_register_needs_that_register():
    schedule = parse_schedule(small_schedule())
    annual = {"kind": "bao_cao", "subject": "tổng kết năm 2024"}
    assert schedule.classify(annual, "di").code == "BC-02"
    assert schedule.classify(annual, "den").code == "MD-00"
    assert schedule.classify(annual, None).code == "MD-00"


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("BÁO CÁO THÁNG 5", "BC-01"),  # case
        ("bao cao thang 5", "BC-01"),  # no diacritics
        ("bao cao thang 5".upper(), "BC-01"),
    ],
)
def test_keywords_ignore_case_and_diacritics(subject, code):
    schedule = parse_schedule(small_schedule())
    assert schedule.classify({"kind": "bao_cao", "subject": subject}, "den").code == code


def test_keywords_match_whole_words_only():
    schedule = parse_schedule(small_schedule())
    assert schedule.classify({"kind": "bao_cao", "subject": "thangmay"}, "den").code == "MD-00"


def test_fold_can_be_supplied():
    schedule = parse_schedule(small_schedule(), fold=str.upper)
    assert schedule.classify({"kind": "bao_cao", "subject": "tháng 5"}, "den").code == "BC-01"
    assert schedule.classify({"kind": "bao_cao", "subject": "thang 5"}, "den").code == "MD-00"


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "ended", "due"),
    [
        (10, 2024, date(2035, 1, 1)),
        (5, 2020, date(2026, 1, 1)),
        (70, 2000, date(2071, 1, 1)),
        ("permanent", 2024, None),
    ],
)
def test_disposition_date_counts_from_the_year_after_the_matter_ended(period, ended, due):
    assert disposition_date(period, ended) == due


@pytest.mark.parametrize("period", [-1, 2.5, "forever", True])
def test_disposition_date_refuses_a_bad_period(period):
    with pytest.raises(ValueError):
        disposition_date(period, 2024)


def test_retention_for_counts_from_the_issued_year():
    schedule = parse_schedule(small_schedule())
    metadata = {"kind": "cong_van", "issued_date": "2024-12-31"}
    assert retention_for(schedule, metadata, "den", received_date=date(2025, 1, 2)) == {
        "class": "CV-01",
        "period": 10,
        "action": "destroy",
        "disposition_date": "2035-01-01",
    }


@pytest.mark.parametrize("issued", [None, "", "not a date"])
def test_retention_for_falls_back_to_the_received_date(issued):
    schedule = parse_schedule(small_schedule())
    metadata = {"kind": "cong_van", "issued_date": issued}
    result = retention_for(schedule, metadata, "den", received_date="2025-01-02")
    assert result["disposition_date"] == "2036-01-01"


def test_retention_for_permanent_never_falls_due():
    schedule = parse_schedule(small_schedule())
    metadata = {"kind": "bao_cao", "subject": "tổng kết năm 2024", "issued_date": "2024-12-20"}
    result = retention_for(schedule, metadata, "di")
    assert (result["period"], result["action"], result["disposition_date"]) == (
        "permanent",
        "transfer",
        None,
    )


def test_retention_for_a_fixed_period_needs_some_date():
    schedule = parse_schedule(small_schedule())
    with pytest.raises(ValueError, match="issued or received date"):
        retention_for(schedule, {"kind": "cong_van"}, "den")
