"""The catalog's tables, as the Alembic migrations (`services/common/migrations/`) leave them.

Private to the SQL adapter (`catalog.py`, `catalog_rows.py`, `catalog_queries.py`,
`catalog_registers.py`): services reach the records through the `Catalog` port
(tests/unit/test_catalog_boundary.py). The migrations own the schema; change both together
(tests/contract/test_migrations.py fails when they differ).
"""

from __future__ import annotations

import sqlalchemy as sa

from services.common.clock import now_iso  # noqa: F401  (re-exported)
from services.common.vocabulary import (
    RECORD_FIELDS,
    REGISTERS,
    SECRET_BOOK,  # noqa: F401  (re-exported: records.book)
)

METADATA_KEYS = RECORD_FIELDS

# records.book is SECRET_BOOK for a document registered in the book of secret documents
# (NĐ 30/2020 Điều 16.3, 22.4), whose registry numbers run on their own; NULL is the ordinary
# book. The petitions register keeps one the same way: a letter declared secret at intake would
# otherwise take the next ordinary số đến and leave a gap below its clearance
# (docs/registers.md). Set once at intake and never changed: a secrecy corrected later leaves
# the number in the book it was taken from.

# Every register a clerk numbers in (the archive's own hồ sơ register numbers nothing).
SECRET_BOOK_REGISTERS = tuple(r for r in REGISTERS if r != "luutru")

schema = sa.MetaData()

records = sa.Table(
    "records",
    schema,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("register", sa.String(16), nullable=False),
    sa.Column("year", sa.Integer),
    sa.Column("number", sa.Integer),
    sa.Column("book", sa.String(8)),  # 0008: "mat", the secret book's own numbers; NULL ordinary
    sa.Column("file_name", sa.String(400), nullable=False),
    sa.Column("media_type", sa.String(64)),
    sa.Column("size", sa.BigInteger),
    sa.Column("sha256", sa.String(64)),
    # sha256 of accepted records; NULL for rejected ones, so they never block a later upload
    sa.Column("dedup_key", sa.String(64), unique=True),
    sa.Column("object_key", sa.String(200)),
    sa.Column("source", sa.String(16)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("pages", sa.Integer),
    sa.Column("page_info", sa.JSON),
    sa.Column("meta", sa.JSON, nullable=False, default=dict),
    sa.Column("received_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    # folded "số và ký hiệu|organ" once both are known: NĐ 30's second duplicate test
    sa.Column("doc_key", sa.String(400), index=True),
    sa.Index("ix_records_register_received", "register", "received_at"),  # 0002: register books
)

register_counters = sa.Table(
    "register_counters",
    schema,
    sa.Column("register", sa.String(16), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)

history = sa.Table(
    "history",
    schema,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.String(36), nullable=False, index=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("detail", sa.JSON),
)

# The number (số của văn bản) of outgoing documents, per series and scope (year, term, congress).
series_counters = sa.Table(
    "series_counters",
    schema,
    sa.Column("series", sa.String(64), primary_key=True),
    sa.Column("scope", sa.String(160), primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)

# The register of outgoing numbers: every number taken, issued to a record, reserved by a
# clerk or voided with its reason (never reused: the counter only goes up). One issued entry
# per record at most (enforced by the catalog under the record's row lock).
number_entries = sa.Table(
    "number_entries",
    schema,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("series", sa.String(64), nullable=False),
    sa.Column("scope", sa.String(160), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("symbol", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # issued | reserved | void
    sa.Column("record_id", sa.String(36), index=True),
    sa.Column("kind", sa.String(32)),
    sa.Column("issuer", sa.String(32)),
    sa.Column("secrecy", sa.String(16)),  # the level it was issued at, for clearance checks
    sa.Column("note", sa.Text),  # what a reservation is for
    sa.Column("reason", sa.Text),  # why it was voided
    sa.Column("by", sa.String(64)),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("voided_by", sa.String(64)),
    sa.Column("voided_at", sa.String(32)),
    sa.UniqueConstraint("series", "scope", "number", name="uq_number_entries_number"),
)

# Restricted: a petitioner's identity never goes into metadata, events or the index.
petitioners = sa.Table(
    "petitioners",
    schema,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("address", sa.Text),
    sa.Column("id_number", sa.String(32)),
    sa.Column("anonymous", sa.Boolean, nullable=False),
    sa.Column("sealed", sa.Boolean, nullable=False),  # tố cáo: the identity is sealed
    sa.Column("saved_at", sa.String(32), nullable=False),
    # every value found: names, addresses, id_numbers, phones, emails, births (lists)
    sa.Column("details", sa.JSON),
)
