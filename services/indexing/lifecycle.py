"""Index life: compare the index with the catalog, repair it, rebuild it beside itself.

The catalog is the truth: every record whose status is `indexed` must be in the index, at its
effective secrecy level only (one below is a leak: a raise whose re-index was lost, or
overtaken by an older write; a move cut between its two writes leaves a copy), nothing else
may be. Documents are rebuilt from the catalog row and the page texts in the object store
(the pages manifest written by ocr), exactly as the pipeline indexed them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from services.classification.handlers import read_full_text
from services.common.errors import NotFound
from services.common.objects import pages_manifest_key
from services.common.ports import (
    Catalog,
    IndexDocument,
    ObjectStore,
    RebuildableIndex,
    RebuildTarget,
    SearchIndex,
)
from services.common.records import Record, Status, format_number
from services.common.secrecy import effective_level
from services.indexing.handlers import index_document

# Documents per commit, at most: each commit writes its own segment and waits for its merges
# under the index's inter-process lock (tantivy_index.py), so small batches cost bulk speed
# (100,000 documents: 2,561 docs/s in commits of 10,000, ~3,300 in commits of 25,000, whose
# four segments need no merge). BATCH_TEXT bounds the memory a batch's texts take (long OCR'd
# files commit sooner): with Tantivy's 250 MB, a rebuild holds about 0.5 GB.
BATCH = 25_000
BATCH_TEXT = 64_000_000  # characters of text per batch: ~130 MB of Python strings
LOAD = 2000  # catalog records read per query
SAMPLE = 20  # ids listed in a report; counts are always complete


def indexed_ids(catalog: Catalog) -> set[str]:
    """Ids of the records the catalog says are searchable (a read-only query)."""
    return set(catalog.ids_with_status(Status.INDEXED))


def load_documents(
    catalog: Catalog, store: ObjectStore, ids: Iterable[str]
) -> Iterator[IndexDocument]:
    """Index documents for `ids`, from their catalog records and stored page texts."""
    wanted = sorted(ids)
    for start in range(0, len(wanted), LOAD):
        chunk = wanted[start : start + LOAD]
        identities = catalog.petitioners_of(chunk)
        for record in catalog.by_ids(chunk):
            yield to_document(record, store, identities.get(record.id))


def batches(docs: Iterable[IndexDocument]) -> Iterator[list[IndexDocument]]:
    """`docs` in commits of at most BATCH documents and BATCH_TEXT characters (never empty)."""
    batch: list[IndexDocument] = []
    size = 0
    for doc in docs:
        batch.append(doc)
        size += len(doc.text)
        if len(batch) >= BATCH or size >= BATCH_TEXT:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def to_document(
    record: Record, store: ObjectStore, petitioner: dict[str, Any] | None = None
) -> IndexDocument:
    header = {
        "id": record.id,
        "register": record.register,
        "number": format_number(record.number),
        "file": record.file_name,
    }
    return index_document(header, record.meta, page_text(store, record.id), petitioner)


def page_text(store: ObjectStore, record_id: str) -> str:
    """All pages' text as the pipeline joined it; empty if the record has no text."""
    try:
        manifest = json.loads(store.get(pages_manifest_key(record_id)))
    except NotFound:
        return ""
    return read_full_text(store, [page["key"] for page in manifest["pages"]])


@dataclass
class VerifyReport:
    catalog: int  # records the catalog says are indexed
    index: int  # documents in the index
    missing: int  # in the catalog, not in the index
    orphaned: int  # in the index, not (or no longer) indexed in the catalog
    missing_ids: list[str]
    orphaned_ids: list[str]
    misplaced: int = 0  # in both, but held at another secrecy level than the catalog's (too)
    misplaced_ids: list[str] = field(default_factory=list)
    repaired: bool = False
    # Deleted (destroyed, recalled), moved or corrected records whose earlier content is still
    # in the index files until the next purge (docs/search.md, "Destroyed records"): not an
    # inconsistency, a delay.
    purge_pending: int = 0
    purge_pending_ids: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return self.missing == 0 and self.orphaned == 0 and self.misplaced == 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "consistent": self.consistent}


def verify(
    catalog: Catalog, store: ObjectStore, index: SearchIndex | RebuildTarget, repair: bool = False
) -> VerifyReport:
    """Compare catalog and index; with `repair`, index the missing and the misplaced (an upsert
    puts a record at its level and removes it from any other) and drop the orphaned."""
    expected, placed = indexed_ids(catalog), index.levels()
    present = set(placed)
    missing, orphaned = sorted(expected - present), sorted(present - expected)
    misplaced = misplaced_ids(catalog, placed, expected & present)
    report = VerifyReport(
        catalog=len(expected),
        index=len(present),
        missing=len(missing),
        orphaned=len(orphaned),
        missing_ids=missing[:SAMPLE],
        orphaned_ids=orphaned[:SAMPLE],
        misplaced=len(misplaced),
        misplaced_ids=misplaced[:SAMPLE],
    )
    pending = sorted(getattr(index, "pending_purge", dict)())  # a rebuild target has none
    report.purge_pending, report.purge_pending_ids = len(pending), pending[:SAMPLE]
    if repair and not report.consistent:
        for batch in batches(load_documents(catalog, store, missing + misplaced)):
            index.upsert_many(batch)
        for record_id in orphaned:
            index.delete(record_id)
        report.repaired = True
    return report


def misplaced_ids(catalog: Catalog, placed: dict[str, set[int]], ids: Iterable[str]) -> list[str]:
    """Those of `ids` the index holds at any level but the catalog's effective one."""
    wanted, out = sorted(ids), []
    for start in range(0, len(wanted), LOAD):
        metas = catalog.metas(wanted[start : start + LOAD])
        out += [i for i, meta in metas.items() if placed[i] != {effective_level(meta)}]
    return sorted(out)


@dataclass
class Progress:
    generation: str
    done: int
    total: int


def rebuild(
    catalog: Catalog,
    store: ObjectStore,
    index: RebuildableIndex,
    levels: Iterable[int] | None = None,
) -> Iterator[Progress]:
    """Fill a new generation from the catalog, one committed batch at a time, then swap it in.
    With `levels` (a purge of deleted documents' files), an index that can keeps its other
    levels as they are, and only the records of `levels` are read (the others are in it).

    Resumable: a generation left unfinished (crash, restart) is reopened and only records not
    yet in it are loaded. Live writes reach both generations meanwhile (see the adapter); a
    batch read before a correction or a disposal is written after its live write, so the new
    generation is verified and repaired against the catalog before the swap (else a raised
    record would be back at its old level, a disposed one back in the index). The verify
    compares ids and levels, not content: a batch's document does not replace one the target
    already holds at its level (a live correction's, newer than the batch; see the adapters).
    """
    target = index.begin_rebuild() if levels is None else index.begin_rebuild(levels)
    expected = indexed_ids(catalog)
    todo = sorted(expected - target.ids())
    done = len(expected) - len(todo)
    yield Progress(target.generation, done, len(expected))
    for batch in batches(load_documents(catalog, store, todo)):
        done += target.upsert_many(batch)
        yield Progress(target.generation, done, len(expected))
    verify(catalog, store, target, repair=True)
    generation = index.finish_rebuild(target.generation)
    yield Progress(generation, done, len(expected))
