"""No log line quotes a value a record holds: what the services' shared log setup withholds
(services/common/logs.py, installed by deploy/nameko.yaml), the gateway's access log without
query strings, and corrections refused by field and rule. The end-to-end guarantee on a real
stack is tests/e2e/test_secrets_in_logs.py."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from datetime import date

import pytest
import yaml
from nameko.cli.main import setup_yaml_parser
from nameko.exceptions import RemoteError

from services.classification.corrections import check_fields
from services.common.config import REPO_ROOT
from services.common.errors import NotFound, PermanentError, shown_id
from services.common.logs import WITHHELD, bind_record_id
from services.common.secrecy import secrecy_code
from services.gateway.listeners import logged_request_line
from services.indexing.query import parse_date_range

SECRET = "Về phương án bảo vệ kho Hòn Khô"


@pytest.fixture
def lines():
    """Log lines as deploy/nameko.yaml configures the services' logging, parsed."""
    setup_yaml_parser()
    config = yaml.safe_load((REPO_ROOT / "deploy/nameko.yaml").read_text())["LOGGING"]
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    config["root"]["handlers"] = ["console"]
    logging.config.dictConfig(config)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})


def logged_failure(exc: BaseException) -> None:
    """As nameko logs a failed worker: the exception as an argument and its traceback."""
    try:
        raise exc
    except BaseException as caught:
        log = logging.getLogger("nameko.containers")
        log.exception("error handling worker %s: %s", "w", caught)


def test_a_value_an_exception_quotes_is_withheld_its_type_and_frames_kept(lines):
    try:
        int(SECRET)
    except ValueError as exc:
        logged_failure(exc)
    try:
        date.fromisoformat(SECRET)
    except ValueError as exc:
        logged_failure(exc)
    logged_failure(KeyError(SECRET))
    for line in lines():
        shown = json.dumps(line, ensure_ascii=False)
        assert "Hòn Khô" not in shown, shown
        assert WITHHELD in line["message"] and WITHHELD in line["exc_info"]
        assert "Traceback (most recent call last)" in line["exc_info"]
        assert "test_log_redaction.py" in line["exc_info"]  # where it was raised stays


def test_a_cause_is_withheld_and_luutrus_own_message_kept(lines):
    try:
        try:
            int(SECRET)
        except ValueError as exc:
            raise PermanentError("Giá trị không hợp lệ cho kind / Bad value for kind") from exc
    except PermanentError as exc:
        logged_failure(exc)
    [line] = lines()
    assert "Hòn Khô" not in json.dumps(line, ensure_ascii=False)
    assert line["message"].endswith("Bad value for kind")
    assert "direct cause" in line["exc_info"] and f"ValueError: {WITHHELD}" in line["exc_info"]
    own = "PermanentError: Giá trị không hợp lệ cho kind / Bad value for kind"
    assert line["exc_info"].endswith(own)


def test_a_remote_error_of_a_quoting_kind_is_withheld_others_kept(lines):
    logged_failure(RemoteError("ValueError", f"invalid literal for int(): {SECRET!r}"))
    logged_failure(OSError(28, "No space left on device"))
    quoted, disk = lines()
    assert "Hòn Khô" not in json.dumps(quoted, ensure_ascii=False)
    assert WITHHELD in quoted["message"]
    assert "No space left on device" in disk["message"] and WITHHELD not in disk["message"]


def test_an_os_error_is_logged_without_its_file_name(lines):
    name = "/var/luutru/inbox/don/don-to-cao-truong-khac-nghia.pdf"
    logged_failure(PermissionError(13, "Permission denied", name))
    [line] = lines()
    assert "truong-khac-nghia" not in json.dumps(line)
    assert "[Errno 13] Permission denied (file name withheld)" in line["message"]
    assert "PermissionError: [Errno 13] Permission denied" in line["exc_info"]


def test_log_lines_are_json_with_the_record_id_as_nameko_yaml_configures_them(lines):
    bind_record_id("0a1b2c")
    logging.getLogger("luutru.test").info("trang %d đã đọc", 2)
    bind_record_id(None)
    logging.getLogger("luutru.test").info("no record")
    first, second = lines()
    assert (first["record_id"], first["message"], first["level"]) == (
        "0a1b2c",
        "trang 2 đã đọc",
        "INFO",
    )
    assert second["record_id"] is None


def test_plain_lines_pass_unchanged(lines):
    logging.getLogger("luutru.test").info("record %s corrected: %s", "0a1b", "subject")
    [line] = lines()
    assert line["message"] == "record 0a1b corrected: subject" and "exc_info" not in line


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        ("GET /api/search?q=H%C3%B2n+Kh%C3%B4 HTTP/1.1", "GET /api/search?… HTTP/1.1"),
        ("GET /records/0a1b/search?q=x&page=2 HTTP/1.1", "GET /records/0a1b/search?… HTTP/1.1"),
        ("GET /records/0a1b HTTP/1.1", "GET /records/0a1b HTTP/1.1"),
        ("GET /?q=x", "GET /?…"),
        ("GET /api/records/Nguy%E1%BB%85n%20V%C4%83n%20A HTTP/1.1", "GET /api/records/? HTTP/1.1"),
        ("GET /api/records/0a1b/pages/1.png HTTP/1.1",) * 2,
        ("GET / HTTP/1.1", "GET / HTTP/1.1"),
    ],
)
def test_the_access_log_keeps_the_ids_of_the_path_not_the_query(line, logged):
    assert logged_request_line(line) == logged


@pytest.mark.parametrize(
    "fields",
    [
        {"issued_date": SECRET},
        {"urgency": SECRET},
        {"kind": SECRET},
        {"petition.extensions": SECRET},
        {"petition.complexity": SECRET},
        {"petition.evidence": SECRET},
        {SECRET: "x"},
    ],
)
def test_a_refused_correction_names_the_field_not_the_value(fields):
    with pytest.raises(PermanentError) as caught:
        check_fields(fields, frozenset())
    message = caught.value.message
    assert "Hòn Khô" not in message
    assert "Bad value" in message or "Không sửa được trường ?;" in message


def test_an_unknown_field_named_like_one_is_named():
    with pytest.raises(PermanentError, match="Không sửa được trường colour"):
        check_fields({"colour": "red"}, frozenset())


def test_a_bad_secrecy_or_search_date_is_not_quoted():
    with pytest.raises(PermanentError) as caught:
        secrecy_code(SECRET)
    assert "Hòn Khô" not in caught.value.message
    with pytest.raises(Exception) as bad_date:
        parse_date_range("Hòn-Khô")
    assert "Hòn" not in str(bad_date.value) and "Ngày không hợp lệ" in str(bad_date.value)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0a1b2c3d-1111-2222-3333-444455556666", "0a1b2c3d-1111-2222-3333-444455556666"),
        ("quan_tri", "quan_tri"),
        ("2026/VP.01", "2026/VP.01"),
        ("Nguyễn Văn A", "?"),
        ("Kế hoạch sơ tán", "?"),
        (None, "?"),
    ],
)
def test_an_error_names_back_an_id_never_typed_text(value, shown):
    assert shown_id(value) == shown
    assert shown in str(NotFound(f"Không tìm thấy hồ sơ / No record {shown_id(value)}"))
