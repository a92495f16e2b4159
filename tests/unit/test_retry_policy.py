"""When a failed handler is retried, after how long, and what the clerk reads when it gives up."""

import elastic_transport
import pytest
from elasticsearch import ApiError, Elasticsearch
from sqlalchemy.exc import OperationalError

from services.common.errors import PermanentError, TransientError
from services.common.retry import RetryPolicy, failed_attempts, failure_reason, is_transient


def test_the_delay_doubles_from_the_base_and_stops_at_the_cap():
    policy = RetryPolicy(max_attempts=10, base_ms=1000, max_delay_ms=5000)
    assert [policy.delay_ms(n) for n in range(1, 6)] == [1000, 2000, 4000, 5000, 5000]


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (TransientError("Kho / store down"), True),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (OperationalError("SELECT 1", {}, Exception("database is locked")), True),
        (PermanentError("Tệp hỏng / broken"), False),
        (KeyError("a bug"), False),
    ],
)
def test_only_infrastructure_faults_are_transient(exc, transient):
    assert is_transient(exc) is transient


def test_an_unreachable_elasticsearch_is_transient():
    # The client raises its own ConnectionError (not the built-in one) for a closed port.
    client = Elasticsearch("http://127.0.0.1:1", max_retries=0)
    with pytest.raises(elastic_transport.ConnectionError) as raised:
        client.info()
    assert is_transient(raised.value)


def test_a_refused_elasticsearch_certificate_is_not_transient():
    assert not is_transient(elastic_transport.TlsError("certificate verify failed"))


@pytest.mark.parametrize(("status", "transient"), [(429, True), (503, True), (400, False)])
def test_elasticsearch_answers_asking_for_later_are_transient(status, transient):
    meta = elastic_transport.ApiResponseMeta(
        status=status, http_version="1.1", headers=elastic_transport.HttpHeaders(),
        duration=0.0, node=elastic_transport.NodeConfig("http", "127.0.0.1", 9200),
    )  # fmt: skip
    assert is_transient(ApiError("answer", meta=meta, body={})) is transient


def test_a_transient_fault_is_retried_until_the_last_attempt():
    policy = RetryPolicy(max_attempts=3)
    assert policy.should_retry(TransientError("x"), 1)
    assert policy.should_retry(TransientError("x"), 2)
    assert not policy.should_retry(TransientError("x"), 3)
    assert not policy.should_retry(ValueError("a bug"), 1)


def test_the_attempt_count_comes_from_the_header_and_tolerates_garbage():
    assert failed_attempts(None) == 0
    assert failed_attempts({"x-luutru-attempt": 2}) == 2
    assert failed_attempts({"x-luutru-attempt": "x"}) == 0


def test_the_reason_given_up_is_vietnamese_then_english_with_the_stage_and_attempts():
    code, reason = failure_reason(
        "ocr", 6, TransientError("Không ghi được kho / Object store write failed: EPERM")
    )
    assert code == "unavailable"
    vi, en = reason.split(" / ")
    assert vi == "Lỗi hạ tầng ở bước ocr, đã thử 6 lần: Không ghi được kho"
    assert en == "Infrastructure failure at ocr after 6 attempts: Object store write failed: EPERM"


def test_a_bug_gives_a_reason_that_points_to_the_dead_letter_queue():
    code, reason = failure_reason("indexing", 1, KeyError("text_keys"))
    assert code == "internal"
    assert "luutru dlq" in reason and " / " in reason and "KeyError" in reason
    assert failure_reason("ocr", 1, PermanentError("Tệp hỏng / broken"))[1] == "Tệp hỏng / broken"
