"""A failed catalog statement names no value it was given.

SQLAlchemy writes a statement's parameters into its error's message by default. The catalog
writes metadata (a trích yếu, a petition's writer) as parameters, and that message travels:
the event handlers log it on every retry and store it as the record's `error` when they give
up (services/common/messaging.py, retry.failure_reason), and nameko logs every RPC's error.
Operators who read logs may be below the record's clearance, so the engine hides parameters.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.common.retry import failure_reason

SECRET = "Tố cáo ông Nguyễn Văn Bảo nhận hối lộ"

pytestmark = pytest.mark.contract


def test_a_failed_statement_names_no_value_in_its_error_or_the_records_reason(catalog):
    # A statement the engine refuses after binding its values, like a locked SQLite file or a
    # PostgreSQL gone away while the handler writes the metadata.
    with pytest.raises(sa.exc.DBAPIError) as caught, catalog.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE records SET meta = :meta WHERE no_such_column = :id"),
            {"meta": f'{{"subject": "{SECRET}"}}', "id": "r1"},
        )
    assert "no_such_column" in str(caught.value)  # the statement still says what failed
    assert SECRET not in str(caught.value)
    _, reason = failure_reason("classification", 6, caught.value)
    assert SECRET not in reason
