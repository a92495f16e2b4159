"""`SearchIndex` on Tantivy: in memory for tests, a directory of generations in production.

Layout of the index directory: `gen-NNNN/` holds one full index, one Tantivy index per secrecy
level (`level-N/`: each level ranks with its own statistics, and a search reads only the levels
the caller may see); the file `CURRENT` names the generation searches use, `REBUILD` the one a
rebuild is filling. A rebuild fills a new generation while searches keep using the current one,
then `CURRENT` is replaced atomically (rename). An index directory from before generations
(Tantivy files at its top) is used as it is until the first rebuild, and so is a generation
from before levels (one index holding every level, searched under the clearance filter). Each
generation holds `VERSION`, the `INDEX_VERSION` it was written under: a generation of another
version (or none) is `outdated()`, and the indexing service rebuilds it on start
(dependencies.py), searching it meanwhile — with its own schema if it was written under an
earlier one with the same fields (`fits`) — else an empty stand-in.

Several processes (indexing services) may share one directory. Tantivy allows one IndexWriter
per index (LockBusy otherwise, from any process), so a write takes the directory's lock — a
thread lock, then `flock` on `LOCK` — reads the pointers from disk (the rebuild or the swap may
be another process's), opens a writer on each level with something to do, analyses and adds
the batch, commits, and drops the writers once the merges their commits started have ended (in
a thread of its own, which holds the flock until then). So writes, one batch per commit and
level, are serialised; everything before them
(reading the catalog and the texts) runs in every process at once. Searches need no lock: they
reload when `CURRENT` or a level's `meta.json` changed (a `stat` each), so they see every
process's commits at once, and Tantivy's `.tantivy-meta.lock` keeps a writer's clean-up from
deleting the files a reload opens.

Deletes only mark a document deleted: its stored fields and its words stay in the segment's files
until a merge rewrites that segment, and tantivy-py 0.27 can neither merge chosen segments nor
set the merge policy (IndexWriter: add, delete, commit, rollback, garbage_collect_files,
wait_merging_threads). So a deletion (a destroyed or recalled record: docs/search.md,
"Destroyed records"), a move to another level, and a replacement by other content (a corrected
record's earlier version; not the same content indexed again) are noted in the root's `PURGE`
(record id → when, JSON, written under the write lock), and the indexing service's timer later
rewrites only the levels that still hold such a record on disk (`doc_freq` of its id counts
deleted documents too, and exceeds its live count): a rebuild of those
levels (`begin_rebuild(levels)`), the other levels' files hard-linked into the new generation
as they are.

Other quirks of tantivy 0.27: the default reader reloads on its own with a delay (we reload
ourselves instead); a search with limit 0 panics.
"""

from __future__ import annotations

import fcntl
import heapq
import itertools
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

import tantivy

from services.common.errors import NotFound
from services.common.ports import IndexDocument, SearchHit, SearchQuery, SearchResult
from services.indexing import highlight, suggest
from services.indexing import query as q
from services.indexing.analysis import analyse, significant_terms
from services.indexing.tantivy_query import (
    INDEX_VERSION,
    STORED_FIELDS,
    Tiers,
    Translator,
    build_schema,
    facet_request,
    facets,
    fits,
    has_fuzzy_words,
    merged_facets,
    register_analysers,
    to_document,
    total,
)

log = logging.getLogger(__name__)
# Tantivy's indexing memory (taken as needed; a segment is written when it is full). One
# indexing thread: Python analyses the next document on the other core meanwhile, and a second
# thread would halve every segment (twice the term dictionaries to build, more to merge) for
# no speed (100,000 documents in 10,000-document commits: 2,290 docs/s on two threads, 2,561
# on one). A bulk batch (a rebuild's: up to 25,000 documents) gets 10 kB a document and so is
# one segment: 100,000 documents end in four, under the eight that start Tantivy's merges.
WRITER_HEAP = 50_000_000
HEAP_PER_DOC = 10_000
CURRENT, REBUILD, LOCK, VERSION = "CURRENT", "REBUILD", "LOCK", "VERSION"
PURGE = "PURGE"  # deleted records whose content may still be on disk: id → when deleted
FILLING = "FILLING"  # flock'd (shared) by every process filling the rebuild generation
LOCK_POLL_S = (0.0005, 0.02)  # first and longest wait between tries: doubled each time
Stamp = tuple[int, int, int] | None  # a file's inode, mtime and size; None if it is missing


class _WriteLock:
    """Writers in turn: threads by an RLock, processes by `flock` on the index root's `LOCK`.

    Re-entrant in the holding thread (one flock per outermost hold: a second open of the file
    in this process would wait for the first). A hold may end while Tantivy still merges the
    segments of its commit (`release_after`): an OS thread waits for the merges and only then
    closes the file, so the caller goes on (acknowledges its event, loads its next batch) and
    nobody opens a writer meanwhile.
    """

    def __init__(self, root: Path | None) -> None:
        self._path = None if root is None else root / LOCK
        self._thread = threading.RLock()
        self._fd: int | None = None
        self._depth = 0
        self._pending: list[Callable[[], None]] = []
        self._merging: threading.Thread | None = None

    def wait_for_own_merges(self) -> None:
        with self._thread:  # polled: a join would stop every green thread of the process
            while self._merging is not None and self._merging.is_alive():
                time.sleep(LOCK_POLL_S[1])

    def __enter__(self) -> None:
        self._thread.acquire()
        try:
            if self._depth == 0 and self._path is not None:
                self._fd = _flock(self._path)
        except BaseException:
            self._thread.release()
            raise
        self._depth += 1

    def try_enter(self) -> bool:
        """Enter only if no other thread or process holds the lock now (never waits); the
        caller then leaves it by `__exit__`."""
        if not self._thread.acquire(blocking=False):
            return False
        if self._depth == 0 and self._path is not None:
            fd = _flock(self._path, wait=False)
            if fd is None:
                self._thread.release()
                return False
            self._fd = fd
        self._depth += 1
        return True

    def release_after(self, finish: Callable[[], None]) -> None:
        """Keep the flock after this hold until `finish()` has returned."""
        self._pending.append(finish)

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            pending, fd = self._pending, self._fd
            self._pending, self._fd = [], None
            if pending and fd is not None:
                self._merging = _os_thread(lambda: _finish_and_unlock(pending, fd))
            else:  # in memory, the next writer of this process would find Tantivy's lock busy
                _finish_and_unlock(pending, fd)
        self._thread.release()


def _flock(path: Path, wait: bool = True) -> int | None:
    """Open `path` and lock it, waiting for another writer's commit and merges (None at once
    instead, without `wait`). Polled: under eventlet a blocking flock would stop the whole
    process, searches included."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    delay, longest = LOCK_POLL_S
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if not wait:
                    os.close(fd)
                    return None
                time.sleep(delay)
                delay = min(2 * delay, longest)
    except BaseException:
        os.close(fd)
        raise


def _finish_and_unlock(pending: list[Callable[[], None]], fd: int | None) -> None:
    try:
        for finish in pending:  # each writer of the hold: one failing must not keep the next
            try:
                finish()
            except Exception:
                log.exception("tantivy: waiting for merges failed")
    finally:
        if fd is not None:
            os.close(fd)  # closing the file releases the flock


_SIDE_THREAD: ThreadPoolExecutor | None = None


def _forget_side_thread() -> None:
    global _SIDE_THREAD
    _SIDE_THREAD = None  # a forked child has none of its parent's threads: it starts its own


os.register_at_fork(after_in_child=_forget_side_thread)


def _on_another_thread(function: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """Start `function(*args)` on an OS thread; returns the wait for its result. Under eventlet
    in its pool of OS threads (a green thread would run it on this one, after the caller)."""
    global _SIDE_THREAD
    if _eventlet_patched():
        import eventlet
        from eventlet import tpool

        return eventlet.spawn(tpool.execute, function, *args).wait
    if _SIDE_THREAD is None:
        _SIDE_THREAD = ThreadPoolExecutor(1, thread_name_prefix="tantivy-aggregate")
    return _SIDE_THREAD.submit(function, *args).result


def _eventlet_patched() -> bool:
    patcher = sys.modules.get("eventlet.patcher")
    return patcher is not None and patcher.is_monkey_patched("thread")


def _os_thread(target: Callable[[], None]) -> threading.Thread:
    """Start `target` in an OS thread. Under eventlet (nameko) `threading` is green, and a green
    thread waiting for merges would stop every other one, searches too, until they end."""
    real = threading
    if _eventlet_patched():
        real = sys.modules["eventlet.patcher"].original("threading")
    thread = real.Thread(target=target, name="tantivy-merges", daemon=True)
    thread.start()
    return thread


class _Shard:
    """One Tantivy index (a directory or memory) holding the records of some secrecy `levels`;
    writers are opened per write, under the lock. Only `create` (under the lock) makes its
    directory or index: without it, they must exist (see `_Generation`)."""

    def __init__(
        self, schema: tantivy.Schema, path: Path | None, levels: frozenset[int], create: bool
    ) -> None:
        self.path = path
        self.levels = levels
        if path is None:
            self.index = tantivy.Index(schema)
        elif create:
            path.mkdir(parents=True, exist_ok=True)
            self.index = _open_index(schema, path)
        else:
            self.index = _open_existing_index(path)
        register_analysers(self.index)
        self.schema = self.index.schema  # queries name its fields: an older one has its own
        self.index.config_reader("Manual")  # reloaded by us: after a commit, or on a new meta
        self._seen = self._stamp()

    def write(
        self,
        lock: _WriteLock,
        docs: list[IndexDocument],
        deletes: list[str],
        compare: bool = True,
        note: Callable[[set[str]], None] | None = None,
    ) -> set[str]:
        """One commit. The caller holds `lock`; the writer is dropped when its merges end (that
        releases Tantivy's own lock), and the flock with it. With `compare`, returns the ids of
        `docs` that replaced a live document of other content (a correction): that earlier
        version stays in the files, marked deleted, until a purge. Those and `deletes` (live
        documents) are passed to `note` before the commit: a process killed just after it
        would lose the note for good (the redelivered event finds the same content, or
        nothing to delete, and notes nothing); a note of a commit that never happened finds
        nothing on disk and is dropped."""
        earlier = self.searcher() if compare else None
        changed: set[str] = set()
        writer = self.index.writer(max(WRITER_HEAP, HEAP_PER_DOC * len(docs)), 1)
        lock.release_after(writer.wait_merging_threads)  # also drops an uncommitted batch
        for record_id in deletes:
            writer.delete_documents_by_term("id", record_id)
        for doc in docs:
            writer.delete_documents_by_term("id", doc.id)
            # Analysed here, not before the lock: Tantivy's indexing thread adds one document
            # while Python analyses the next, which keeps bulk batches fast.
            new = to_document(doc)
            if earlier is not None and self._replaces_other_content(earlier, doc.id, new):
                changed.add(doc.id)
            writer.add_document(new)
        if note is not None and (changed or deletes):
            note(changed | set(deletes))
        writer.commit()
        self._reload()
        return changed

    def _replaces_other_content(
        self, searcher: tantivy.Searcher, record_id: str, new: tantivy.Document
    ) -> bool:
        """Whether the live document of `record_id` stores other values than `new` (everything
        a document indexes is derived from its stored fields). Not for a record it holds no
        live document of (the term lookup first: most of a first indexing), nor for the same
        content indexed again (a redelivery, a recovery): its copy on disk says nothing new."""
        if not searcher.doc_freq("id", record_id):
            return False
        old = _stored(searcher, self.schema, record_id)
        if old is None:  # only deleted copies: noted when they were deleted
            return False
        return any(old.get_all(name) != new.get_all(name) for name in STORED_FIELDS)

    def holds(self, searcher: tantivy.Searcher, record_id: str) -> bool:
        """Whether a live document has `record_id` (the term lookup first: a deleted document
        keeps its term until a merge)."""
        if not searcher.doc_freq("id", record_id):
            return False
        found = searcher.search(tantivy.Query.term_query(self.schema, "id", record_id), 1, False)
        return bool(found.hits)

    def deleted_copies(self, record_id: str) -> bool:
        """Whether its files hold a deleted document of `record_id`: a term lookup counts the
        deleted documents too, a search only the live one (if the record was indexed again)."""
        searcher = self.searcher()
        on_disk = searcher.doc_freq("id", record_id)
        if not on_disk:
            return False
        live = tantivy.Query.term_query(self.schema, "id", record_id)
        return on_disk > searcher.search(live, 1, count=True).count

    def searcher(self) -> tantivy.Searcher:
        """A searcher that sees every commit so far, by this process or another. No lock:
        Tantivy's own `.tantivy-meta.lock` keeps a writer from deleting the files a reload
        opens."""
        if self._stamp() not in (None, self._seen):  # None: removed by a swap; keep the last
            try:
                self._reload()
            except ValueError:
                if self._stamp() is not None:
                    raise  # not a generation removed by a swap meanwhile
        return self.index.searcher()

    def ids(self, level: int | None = None) -> set[str]:
        """The ids of its live documents (the filter leaves out deleted ones, whose terms stay
        until a merge), of one `level` if given."""
        live = tantivy.Query.all_query()
        if level is not None:
            live = tantivy.Query.term_query(self.schema, "secrecy", level)
        return {term for term, _ in self.searcher().terms_with_prefix("id", "", live)}

    def _reload(self) -> None:
        self._seen = self._stamp()
        self.index.reload()

    def _stamp(self) -> Stamp:
        return None if self.path is None else _stamp(self.path / "meta.json")


class _Generation:
    """One Tantivy index per secrecy level (`level-N/`), so each level ranks with its own
    statistics; a generation written before that (Tantivy files at its top) is one index
    holding every level, searched with the clearance filter alone until its rebuild.

    Directories are made only with `create`, which is passed under the write lock alone (a new
    generation before a pointer names it, or one a pointer read under the lock names). Opened
    without the lock, it creates nothing: a process starting opens CURRENT's generation so, and
    another one's swap may remove it meanwhile; `mkdir` would then put empty `level-N` indices
    back under the removed directory, left there for good (FileNotFoundError instead)."""

    def __init__(
        self,
        schema: tantivy.Schema,
        path: Path | None,
        name: str,
        lock: _WriteLock,
        create: bool = False,
        note: Callable[[set[str]], None] | None = None,
    ) -> None:
        self.name = name
        self.path = path
        self._lock = lock
        self._note = note  # of what a commit leaves on disk (`_Shard.write`): `PURGE`'s add
        if path is not None and (path / "meta.json").is_file():
            self.shards = [_Shard(schema, path, frozenset(q.LEVELS), create)]
        else:
            self.shards = [
                _Shard(
                    schema, None if path is None else path / f"level-{n}", frozenset({n}), create
                )
                for n in q.LEVELS
            ]

    @property
    def generation(self) -> str:
        return self.name

    def upsert_many(self, docs: Iterable[IndexDocument]) -> int:
        """Write one batch into this generation only (a rebuild fills it this way: nothing is
        compared, it replaces no earlier version that was searched). A document its level
        already holds live is left as it is: a live write put it there after the batch was
        read from the catalog (a correction), and the batch's older version must not undo
        it. A move is still noted: a rebuild's repair moving a record out of a level a purge
        kept as it was (hard-linked) leaves its copy in that level's files."""
        batch = list(docs)
        with self._lock:
            self.write(batch, compare=False, fill=True)
        return len(batch)

    def delete(self, record_id: str) -> None:
        with self._lock:
            self.write([], [record_id])

    def write(
        self,
        docs: list[IndexDocument],
        deletes: Iterable[str] = (),
        compare: bool = True,
        fill: bool = False,
    ) -> set[str]:
        """Each document into its level's index, and out of any other level's (a corrected
        secrecy moves it); with `fill`, not over a live document of its id in its level (see
        `upsert_many`). The caller holds the write lock; an index with nothing to do is not
        opened for writing, so a live upsert commits once. Returns the ids a level's index
        dropped: deleted, moved to another level (a record raised to Mật leaves its words in
        level 0's files), or (with `compare`) replaced by other content (a corrected trích
        yếu or text) — an earlier content of theirs is now on disk, marked deleted. Each
        commit notes its own before it is made (`_Shard.write`), so neither a later commit's
        failure nor a crash loses them (a redelivery would find nothing left to replace)."""
        batch = list({doc.id: doc for doc in docs}.values())  # the last of an id wins
        deletes = list(deletes)
        deleted: set[str] = set()
        # Lowest level first: a record raised to a higher level leaves the lower one before it
        # is added above, so no moment (nor a crash between the commits) shows it too low.
        for shard in self.shards:
            mine = [doc for doc in batch if q.stored_level(doc.secrecy) in shard.levels]
            kept = {doc.id for doc in mine}
            others = [doc.id for doc in batch if doc.id not in kept] + deletes
            if others or (fill and mine):
                searcher = shard.searcher()
                others = [i for i in others if shard.holds(searcher, i)]
                if fill:  # a term lookup each: most of a fill finds nothing
                    mine = [doc for doc in mine if not shard.holds(searcher, doc.id)]
            if mine or others:
                deleted |= shard.write(self._lock, mine, others, compare, self._note)
            deleted.update(others)
        return deleted

    def live_levels(self, ids: Iterable[str]) -> dict[str, set[int]]:
        """Each of `ids` → the levels whose index holds a live document of it."""
        searchers = [(shard, shard.searcher()) for shard in self.shards]
        return {
            i: {level for shard, searcher in searchers if shard.holds(searcher, i)
                for level in shard.levels}
            for i in ids
        }  # fmt: skip

    def on_disk(self, record_id: str) -> set[int]:
        """The levels whose files still hold a deleted document of `record_id`."""
        return {level for shard in self.shards if shard.deleted_copies(record_id)
                for level in shard.levels}  # fmt: skip

    @property
    def per_level(self) -> bool:
        """One index per level (not one from before levels, nor in memory)."""
        return self.path is not None and len(self.shards) == len(q.LEVELS)

    def visible(self, levels: frozenset[int]) -> list[_Shard]:
        return [shard for shard in self.shards if shard.levels & levels]

    def ids(self) -> set[str]:
        return set().union(*(shard.ids() for shard in self.shards))

    def levels(self) -> dict[str, set[int]]:
        placed: dict[str, set[int]] = {}
        for shard in self.shards:
            for level in shard.levels:  # one, or every level in an index from before levels
                for record_id in shard.ids(level):
                    placed.setdefault(record_id, set()).add(level)
        return placed

    def count(self) -> int:
        return sum(shard.searcher().num_docs for shard in self.shards)


class TantivyIndex:
    """One instance per index directory and process; other processes may share the directory."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self._schema = build_schema()
        self._root = None if path is None else Path(path)
        if self._root is not None:
            self._root.mkdir(parents=True, exist_ok=True)
        self._lock = _WriteLock(self._root)
        self._purges = _PurgeList(None if self._root is None else self._root / PURGE)
        self._next: _Generation | None = None
        # Stamped before the pointer is read: a swap by another process meanwhile is followed.
        self._pointers = self._current_stamp()
        opened = self._open_existing()
        if opened is None:
            with self._lock:  # two processes starting on an empty directory create one generation
                self._pointers = self._current_stamp()
                opened = self._open_current()
        self._current = opened
        self._sweep_if_idle()

    # -- generations ----------------------------------------------------------------------------

    def _open(self, name: str, path: Path | None, under_lock: bool = False) -> _Generation:
        """An existing generation. Without the lock it may be removed by another process's
        swap meanwhile: then FileNotFoundError (or ValueError), and nothing is created. Under
        the lock (`under_lock`), a pointer just read names it, so a level missing is created."""
        return _Generation(
            self._schema, path, name, self._lock, create=under_lock, note=self._purges.add
        )

    def _create(self, name: str, path: Path | None, version: str = INDEX_VERSION) -> _Generation:
        """A new, empty generation stamped with `version` (under the lock)."""
        generation = _Generation(
            self._schema, path, name, self._lock, create=True, note=self._purges.add
        )
        if path is not None:
            _write_atomically(path / VERSION, version)
        return generation

    def _open_existing(self) -> _Generation | None:
        """The generation CURRENT names, opened without the lock (searches need none), or None if
        one must be created. Starting must not wait for another process's write (a rebuild's
        batch): nameko's runner loses a stop signal that comes while `setup` waits."""
        if self._root is None:
            return None
        name = _read_pointer(self._root / CURRENT)
        if name is None or _read_pointer(self._root / name / VERSION) is None:
            return None
        try:
            return self._open(name, self._root / name)
        except (OSError, ValueError):  # removed by a swap meanwhile, or of an older schema
            return None

    def _open_current(self) -> _Generation:
        if self._root is None:
            return self._create("memory", None)
        pointer = self._root / CURRENT
        name = _read_pointer(pointer) or ("." if (self._root / "meta.json").is_file() else None)
        stand_in = INDEX_VERSION
        if name is not None:
            version = _read_pointer(self._root / name / VERSION)
            # Under the lock: CURRENT names it until we let go, so a level found missing may be
            # created (no swap can be removing the directory meanwhile).
            if version == INDEX_VERSION:
                return self._open(name, self._root / name, under_lock=True)
            log.warning("search index %s is of version %r, not %r", name, version, INDEX_VERSION)
            try:  # searched as it is (older analysis or schema) until the rebuild swaps
                return self._open(name, self._root / name, under_lock=True)
            except ValueError:  # a schema without some of today's fields
                stand_in = f"empty, for {version}"  # outdated too, so the rebuild fills one
        name = _next_name(self._root)
        generation = self._create(name, self._root / name, stand_in)
        _write_atomically(pointer, name)
        return generation

    def outdated(self) -> bool:
        """Whether searches use a generation written under another `INDEX_VERSION`."""
        path = self._reading().path
        return path is not None and _read_pointer(path / VERSION) != INDEX_VERSION

    def _follow(self) -> None:
        """Adopt the generations the pointers on disk name (under the lock): another process
        may have begun, resumed or finished a rebuild."""
        if self._root is None:
            return
        self._pointers = self._current_stamp()
        current = _read_pointer(self._root / CURRENT) or self._current.name  # "." before one
        pending = _pending_rebuild(self._root)
        known = {g.name: g for g in (self._current, self._next) if g is not None}
        self._current = known.get(current) or self._open(current, self._root / current, True)
        self._next = None
        if pending is not None:
            self._next = known.get(pending) or self._open(pending, self._root / pending, True)

    def _current_stamp(self) -> Stamp:
        return None if self._root is None else _stamp(self._root / CURRENT)

    def _reading(self) -> _Generation:
        """The generation searches use, following another process's swap (a `stat` if none)."""
        if self._current_stamp() != self._pointers:
            with self._lock:
                self._follow()
        return self._current

    @property
    def generation(self) -> str:
        return self._reading().name

    def begin_rebuild(self, levels: Iterable[int] | None = None) -> _Generation:
        """The unfinished rebuild generation if any (resume), else a new one: empty, or with
        only `levels` empty (a purge) and the other levels' indices as they are now."""
        with self._lock:
            self._follow()
            if self._next is None:
                self._next = self._open_next(self._kept(levels))
                self._sweep()  # a rebuild of another version that REBUILD named: passed over
            return self._next

    def _kept(self, levels: Iterable[int] | None) -> frozenset[int]:
        """The levels a rebuild of `levels` may take over as they are: none if the current
        generation is not one index per level of today's version (it is rebuilt whole)."""
        if levels is None or not self._current.per_level or self.outdated():
            return frozenset()
        return frozenset(q.LEVELS) - frozenset(levels)

    def _open_next(self, kept: frozenset[int] = frozenset()) -> _Generation:
        if self._root is None:
            return self._create("memory-next", None)
        name = _next_name(self._root)
        source = self._current.path
        for level in sorted(kept):  # under the lock: no commit or merge is under way
            assert source is not None  # `per_level` only with a path
            _link_index(source / f"level-{level}", self._root / name / f"level-{level}")
        generation = self._create(name, self._root / name)
        _write_atomically(self._root / REBUILD, name)
        return generation

    def rebuild_lease(self) -> Callable[[], None]:
        """Say this process fills the rebuild generation until the returned release is called
        (or the process dies: the kernel drops its flock). Shared: several may fill it."""
        if self._root is None:
            return lambda: None
        fd = os.open(self._root / FILLING, os.O_RDWR | os.O_CREAT, 0o644)
        while True:  # polled: another process's `rebuild_abandoned` holds it only a moment
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return lambda: os.close(fd)
            except BlockingIOError:
                time.sleep(LOCK_POLL_S[1])

    def rebuild_abandoned(self) -> bool:
        """Whether a rebuild generation is named that no living process fills (its process
        died): then nothing would ever finish it but an operator's rebuild."""
        if self._root is None or self.rebuilding() is None:
            return False
        fd = os.open(self._root / FILLING, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        finally:
            os.close(fd)

    def rebuilding(self) -> str | None:
        if self._root is None:
            return self._next.name if self._next else None
        return _pending_rebuild(self._root)  # any process's rebuild

    def finish_rebuild(self, generation: str | None = None) -> str:
        """Swap the rebuilt generation in; searches move to it at once; the old one is removed.
        `generation` already swapped in by another process (both filled it) is not an error."""
        with self._lock:
            self._follow()
            if self._next is None:
                if generation is not None and generation == self._current.name:
                    return generation
                raise RuntimeError("no rebuild in progress")
            self._current, self._next = self._next, None
            if self._root is not None:
                _write_atomically(self._root / CURRENT, self._current.name)
                (self._root / REBUILD).unlink(missing_ok=True)
                self._pointers = self._current_stamp()
            self._sweep()  # the old generation (one from before generations, ".", stays)
            self._purges.keep(self._on_disk)
            return self._current.name

    def _sweep(self) -> None:
        """Remove every generation neither CURRENT nor REBUILD names: the one a swap replaced,
        or left behind by a crash between the swap and its removal, or a creation cut before its
        pointer was written. The caller holds the write lock, and generations are only created
        under it and named before it is released, so none of them is another process's."""
        if self._root is None:
            return
        named = {_read_pointer(self._root / CURRENT), _read_pointer(self._root / REBUILD)}
        for path in self._root.glob("gen-*"):
            if path.name[4:].isdigit() and path.name not in named and path.is_dir():
                log.info("removing search index generation %s, which no pointer names", path.name)
                shutil.rmtree(path, ignore_errors=True)

    def _sweep_if_idle(self) -> None:
        """The sweep on start, only if no other process is writing: starting never waits for
        the lock (a stop signal arriving meanwhile must be obeyed)."""
        if self._root is not None and self._lock.try_enter():
            try:
                self._sweep()
            finally:
                self._lock.__exit__(None, None, None)

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, doc: IndexDocument) -> None:
        self.upsert_many([doc])

    def upsert_many(self, docs: Iterable[IndexDocument]) -> int:
        batch = list(docs)
        self._write(batch)
        return len(batch)

    def delete(self, record_id: str) -> None:
        self._write([], deletes=[record_id])

    def _write(self, docs: list[IndexDocument], deletes: Iterable[str] = ()) -> None:
        with self._lock:
            self._follow()
            # While a rebuild runs, live writes go to both, so the new generation misses nothing.
            # What each commit leaves in the files is noted by it (`_Generation.write`).
            for generation in [self._current] + ([self._next] if self._next else []):
                generation.write(docs, deletes)

    # -- purges of deleted documents' files -----------------------------------------------------

    def _on_disk(self, record_id: str) -> set[int]:
        """The levels of the searched (and the rebuilding) generation whose files still hold
        a document of `record_id`."""
        generations = [self._current] + ([self._next] if self._next else [])
        return set().union(*(g.on_disk(record_id) for g in generations))

    def pending_purge(self) -> dict[str, list[int]]:
        """Deleted records whose content is still in the index files: id → those levels."""
        self._reading()
        found = {i: sorted(self._on_disk(i)) for i in self._purges.read()}
        return {i: levels for i, levels in found.items() if levels}

    def purge_due(self, after_s: float, kept_after_s: float | None = None) -> frozenset[int]:
        """The levels holding on disk a record deleted from them more than `after_s` seconds
        ago (destroyed, or moved to another level), or `kept_after_s` ago (default `after_s`)
        for a record the level still holds live (its earlier version: a correction). Notes of
        records no file holds any more (a merge, a purge by another process) are dropped."""
        generation = self._reading()
        notes = self._purges.read()
        held = {i: self._on_disk(i) for i in notes}
        if any(not levels for levels in held.values()):
            with self._lock:
                self._follow()
                self._purges.keep(self._on_disk)
        live = generation.live_levels([i for i, levels in held.items() if levels])
        now = time.time()
        return frozenset(
            level for i, when in notes.items() for level in held[i]
            if when <= now - (kept_after_s if kept_after_s is not None
                              and level in live.get(i, ()) else after_s)
        )  # fmt: skip

    def close(self) -> None:
        """Wait for this process's last merges (writers live for one write, locks one hold);
        not for another process's write."""
        self._lock.wait_for_own_merges()

    # -- reads ----------------------------------------------------------------------------------

    def count(self) -> int:
        return self._reading().count()

    def ids(self) -> set[str]:
        return self._reading().ids()

    def levels(self) -> dict[str, set[int]]:
        return self._reading().levels()

    def _views(self, levels: frozenset[int]) -> list[_View]:
        """A searcher of each index holding some of `levels` (an index from before per-level
        indices holds others too: the clearance filter in every query leaves those out)."""
        shards = self._reading().visible(levels)
        return [_View(shard.searcher(), shard.schema, shard.levels) for shard in shards]

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        plan = q.plan(query)
        views = self._views(q.visible_levels(plan.clearance))
        result = self._run(views, plan, [Translator(v.schema).tiers(plan) for v in views])
        if result.total == 0 and has_fuzzy_words(plan):
            fuzzy = [Translator(v.schema, fuzzy=True).query(plan) for v in views]
            result = self._run(views, plan, [Tiers(tq, [tq]) for tq in fuzzy])
            result.fuzzy = True
            if result.total:
                result.suggestion = self._suggest(views, query, plan, fuzzy)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    @staticmethod
    def _suggest(
        views: list[_View], query: SearchQuery, plan: q.Plan, fuzzy: list[tantivy.Query]
    ) -> str | None:
        """A corrected query from the words of the visible fuzzy hits (`fuzzy` carries the
        clearance filter), offered only if it finds visible records exactly."""
        sources = suggest.SUGGESTION_SOURCES
        ranked = [_ranked(v.searcher, [tq], sources) for v, tq in zip(views, fuzzy, strict=True)]
        texts = [_text(searcher.doc(addr)) for searcher, addr in _merged(ranked, 0, sources)]
        candidate = suggest.corrected(query.text, plan, texts)
        if candidate is None:
            return None
        exact = q.plan(replace(query, text=candidate))
        for view in views:
            if view.searcher.search(Translator(view.schema).query(exact), 1, count=True).count:
                return candidate
        return None

    def _run(self, views: list[_View], plan: q.Plan, searches: list[Tiers]) -> SearchResult:
        """The page, total and facets of `searches` (one per view)."""
        order: dict[str, Any] = {}
        if plan.sort != "relevance":
            order = {"order_by_field": "issued_date", "order": _ORDERS[plan.sort]}
        wanted = plan.offset + plan.limit
        if len(views) == 1:  # one level (clearance 0: most searches)
            [view], [search] = views, searches
            # The facets and the total run on the other core meanwhile: Tantivy lets go of the
            # GIL while it aggregates, and the hits' snippets are Python.
            aggregated = _on_another_thread(view.searcher.aggregate, search.whole, facet_request())
            ranked = _ranked(view.searcher, search.ordered, wanted, order)
            hits = self._hits(_merged([ranked], plan.offset, wanted), plan)
            aggregations = aggregated()
            return SearchResult(total(aggregations), hits, facets(aggregations))
        # Several levels: each one's first offset+limit hits, merged by sort value (BM25
        # scores of separate indices compare as a distributed engine's shards' do), then
        # the page; totals and facets summed.
        waits = [
            _on_another_thread(v.searcher.aggregate, s.whole, facet_request(every_organ=True))
            for v, s in zip(views, searches, strict=True)
        ]
        ranked = [
            _ranked(v.searcher, s.ordered, wanted, order)
            for v, s in zip(views, searches, strict=True)
        ]
        hits = self._hits(_merged(ranked, plan.offset, wanted), plan)
        aggregations = [wait() for wait in waits]
        return SearchResult(sum(map(total, aggregations)), hits, merged_facets(aggregations))

    def _hits(self, page: list[_Found], plan: q.Plan) -> list[SearchHit]:
        words = plan.highlight_words
        return [
            self._hit(searcher, q.rank_score(plan.offset, n), addr, words)
            for n, (searcher, addr) in enumerate(page)
        ]

    def similar(self, record_id: str, clearance: int = 0, limit: int = 10) -> SearchResult:
        started = time.perf_counter()
        plan = q.Plan(filters=(q.Secrecy(clearance),), limit=limit)
        levels = q.visible_levels(plan.clearance)
        views = self._views(levels)
        found = (_stored(v.searcher, v.schema, record_id) for v in views)
        source = next((stored for stored in found if stored is not None), None)
        if source is None or source.get_first("secrecy") > clearance:
            raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
        doc_freq, num_docs = _word_statistics(views, levels, plan.clearance)
        terms = significant_terms(analyse(_as_document(source)).folded_words, doc_freq, num_docs)
        matched = 0
        ranked = []
        for view in views:
            tq = _similar_query(view.schema, plan, terms, record_id)
            result = view.searcher.search(tq, max(1, limit), count=True)
            matched += result.count
            ranked.append(_keyed(view.searcher, result.hits[:limit], descending=True))
        page = _merged(ranked, 0, limit)
        hits = [
            self._hit(searcher, q.rank_score(0, n), addr, terms[:8])
            for n, (searcher, addr) in enumerate(page)
        ]
        took = (time.perf_counter() - started) * 1000
        return SearchResult(total=matched, hits=hits, took_ms=took)

    def _hit(
        self, searcher: tantivy.Searcher, score: float, addr: tantivy.DocAddress, words: list[str]
    ) -> SearchHit:
        stored = searcher.doc(addr)  # fields read one by one: to_dict converts them all
        issued = stored.get_first("issued_date")
        body = stored.get_all("body")
        folded = body[1].decode() if len(body) > 1 else None  # absent before schema 2
        return SearchHit(
            id=stored.get_first("id") or "",
            score=float(score),
            title=stored.get_first("title") or "",
            number=stored.get_first("number"),
            date=issued.date().isoformat() if issued else None,
            type=stored.get_first("kind"),
            snippet=highlight.snippet(_text(stored, body), words, folded=folded),
            number_symbol=stored.get_first("number_symbol"),
            register=stored.get_first("register"),
            organ=stored.get_first("organ"),
        )


_ORDERS = {"date_desc": tantivy.Order.Desc, "date_asc": tantivy.Order.Asc}


class _View(NamedTuple):
    searcher: tantivy.Searcher
    schema: tantivy.Schema
    levels: frozenset[int]


_Found = tuple[tantivy.Searcher, tantivy.DocAddress]
_Ranked = tuple[tuple[int, bool, float], tantivy.Searcher, tantivy.DocAddress]  # sort key first


def _ranked(
    searcher: tantivy.Searcher,
    tiers: list[tantivy.Query],
    limit: int,
    order: dict[str, Any] | None = None,
) -> list[_Ranked]:
    """The first `limit` hits of one index, tier after tier (`Translator.tiers`), with the key
    `_merged` orders them by: the tier, then a score (relevance) or a date in nanoseconds,
    None for an undated record (last in both orders). A later tier is read only when the
    earlier ones hold fewer than `limit` hits."""
    descending = not order or order["order"] == tantivy.Order.Desc
    ranked: list[_Ranked] = []
    for tier, tq in enumerate(tiers):
        missing = limit - len(ranked)
        if missing <= 0:
            break
        # Tantivy panics on limit 0, so ask for one hit and drop it.
        found = searcher.search(tq, max(1, missing), count=False, **(order or {}))
        ranked += _keyed(searcher, found.hits[:missing], descending, tier)
    return ranked


def _keyed(
    searcher: tantivy.Searcher,
    hits: list[tuple[Any, tantivy.DocAddress]],
    descending: bool,
    tier: int = 0,
) -> list[_Ranked]:
    return [
        ((tier, value is None, -(value or 0) if descending else value or 0), searcher, addr)
        for value, addr in hits
    ]


def _merged(ranked: list[list[_Ranked]], start: int, stop: int) -> list[_Found]:
    """Hits `start` to `stop` of several indices' hits in one order; ties by index (lower
    levels first), then by each index's own order, so every page of a query cuts one list."""
    merged = heapq.merge(*ranked, key=lambda hit: hit[0])
    return [(searcher, addr) for _, searcher, addr in itertools.islice(merged, start, stop)]


def _word_statistics(
    views: list[_View], levels: frozenset[int], clearance: q.Secrecy
) -> tuple[Callable[[str], int], int]:
    """(document frequency of a folded word, number of documents) among the records the
    caller may see: the sums of their levels' own statistics (records they may not see
    must not sway the words chosen: docs/search.md, "Scores"). An index holding other levels
    too (one from before per-level indices) counts under the clearance filter instead, a
    search for each word, until its rebuild."""
    own = [v.searcher for v in views if v.levels <= levels]
    mixed = [(v, Translator(v.schema).filter(clearance)) for v in views if v.levels - levels]

    def doc_freq(term: str) -> int:
        return sum(s.doc_freq("folded", term) for s in own) + sum(
            _count(v.searcher, _folded(v.schema, term), visible) for v, visible in mixed
        )

    num_docs = sum(s.num_docs for s in own) + sum(_count(v.searcher, f) for v, f in mixed)
    return doc_freq, num_docs


def _similar_query(
    schema: tantivy.Schema, plan: q.Plan, terms: list[str], record_id: str
) -> tantivy.Query:
    occur = tantivy.Occur
    translator = Translator(schema)
    return tantivy.Query.boolean_query(
        [(occur.Should, _folded(schema, t)) for t in terms]
        + [
            (occur.Must, tantivy.Query.const_score_query(translator.filter(f), 0.0))
            for f in plan.filters
        ]
        + [(occur.MustNot, tantivy.Query.term_query(schema, "id", record_id))]
        + [(occur.Must, _at_least_one(schema, terms))]
    )


def _folded(schema: tantivy.Schema, term: str) -> tantivy.Query:
    return tantivy.Query.term_query(schema, "folded", term)


def _count(searcher: tantivy.Searcher, *musts: tantivy.Query) -> int:
    """How many documents match every query of `musts` (scores not computed)."""
    both = tantivy.Query.boolean_query([(tantivy.Occur.Must, m) for m in musts])
    return searcher.search(tantivy.Query.const_score_query(both, 0.0), 1, count=True).count


def _stored(
    searcher: tantivy.Searcher, schema: tantivy.Schema, record_id: str
) -> tantivy.Document | None:
    found = searcher.search(tantivy.Query.term_query(schema, "id", record_id), 1)
    return searcher.doc(found.hits[0][1]) if found.hits else None


def _at_least_one(schema: tantivy.Schema, terms: list[str]) -> tantivy.Query:
    if not terms:
        return tantivy.Query.empty_query()
    return tantivy.Query.term_set_query(schema, "folded", terms)


def _as_document(stored: tantivy.Document) -> IndexDocument:
    body = stored.get_first("body")
    return IndexDocument(
        id=stored.get_first("id"),
        register=stored.get_first("register") or "",
        title=stored.get_first("title") or "",
        subject=stored.get_first("subject"),
        text=body.decode() if body else "",
    )


def _text(stored: tantivy.Document, body: list[bytes] | None = None) -> str:
    """The record's text as stored (its subject or title when it has none); `body`: its stored
    `body` values, if the caller has read them."""
    body = stored.get_all("body") if body is None else body
    return (
        (body[0].decode() if body else "")
        or stored.get_first("subject")
        or stored.get_first("title")
        or ""
    )


def _open_index(schema: tantivy.Schema, path: Path) -> tantivy.Index:
    """The index at `path` (created if there is none) with `schema`, or with its own if it was
    written under an earlier schema that `fits` this one; ValueError if it does not."""
    try:
        return tantivy.Index(schema, path=str(path))
    except ValueError:
        index = tantivy.Index.open(str(path))
        if not fits(index.schema):
            raise
        return index


def _open_existing_index(path: Path) -> tantivy.Index:
    """The index at `path`, with its own schema if that `fits` today's (ValueError if not);
    never created: FileNotFoundError if it is not there."""
    if not (path / "meta.json").is_file():
        raise FileNotFoundError(f"no Tantivy index in {path}")
    index = tantivy.Index.open(str(path))  # removed meanwhile: ValueError, nothing created
    if not fits(index.schema):
        raise ValueError(f"the index in {path} lacks fields of schema {INDEX_VERSION}")
    return index


def _link_index(source: Path, target: Path) -> None:
    """A Tantivy index's files under `target`, hard-linked: a commit never rewrites a file in
    place (segments are written once, `meta.json` replaced by a rename), so each generation's
    later commits stay its own. Tantivy's lock files are its writers' and readers' own."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and not path.name.startswith(".tantivy-"):
            os.link(path, target / path.name)


class _PurgeList:
    """Deleted records not yet purged from the files (id → seconds since the epoch when
    deleted): the root's `PURGE` file, or in memory. Written only under the write lock."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: dict[str, float] = {}

    def read(self) -> dict[str, float]:
        if self.path is None:
            return dict(self._memory)
        try:
            return {i: float(t) for i, t in json.loads(self.path.read_text()).items()}
        except FileNotFoundError:
            return {}

    def add(self, ids: Iterable[str]) -> None:
        notes, now = self.read(), time.time()
        self._save(notes | {i: notes.get(i, now) for i in ids})  # the first deletion counts

    def keep(self, on_disk: Callable[[str], set[int]]) -> None:
        """Drop the notes of records no file holds any more."""
        notes = self.read()
        kept = {i: t for i, t in notes.items() if on_disk(i)}
        if kept != notes:
            self._save(kept)

    def _save(self, notes: dict[str, float]) -> None:
        if self.path is None:
            self._memory = notes
        elif notes:
            _write_atomically(self.path, json.dumps(notes, sort_keys=True))
        else:
            self.path.unlink(missing_ok=True)


def _next_name(root: Path) -> str:
    taken = [int(p.name[4:]) for p in root.glob("gen-*") if p.name[4:].isdigit()]
    name = f"gen-{max(taken, default=0) + 1:04d}"
    shutil.rmtree(root / name, ignore_errors=True)  # leftovers of a generation never named
    return name


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text + "\n")
    os.replace(tmp, path)


def _stamp(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _pending_rebuild(root: Path) -> str | None:
    """The generation REBUILD names, unless there is no rebuild in it to resume: begun under
    another version (before an upgrade: swapped in, it would be outdated), or CURRENT already
    (a swap cut before it removed REBUILD: taken as a rebuild, every live write would open two
    writers on it and the next swap would remove it)."""
    pending = _read_pointer(root / REBUILD)
    if pending is None or pending == _read_pointer(root / CURRENT):
        return None
    return pending if _read_pointer(root / pending / VERSION) == INDEX_VERSION else None


def _read_pointer(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None
