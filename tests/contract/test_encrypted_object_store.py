"""`EncryptedObjectStore` over the filesystem store and over a real S3 server (moto), the
conversion of what was stored before (`luutru objects encrypt`), and fixity through it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.common.catalog import SqlCatalog
from services.common.config import REPO_ROOT
from services.common.encrypted_objects import (
    EncryptedObjectStore,
    ObjectUndecryptable,
    convert,
    sealed_with,
)
from services.common.errors import NotFound, TransientError
from services.common.object_keys import load_keyring, new_key
from services.common.objects import open_object_store
from services.common.ports import ObjectStore
from services.retention import fixity
from services.retention.holds import HoldGuardedObjectStore, delete_approved, supports_lock
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import Recorder, add_record
from tests.s3server import storage_url

SCRIPT = "import sys; from services.cli.main import app; sys.argv[0] = 'luutru'; sys.exit(app())"
LETTER = "Đơn tố cáo — người tố cáo: Trần Thị B, thôn Phú Hòa".encode()


@pytest.fixture(params=["filesystem", "s3"])
def url(request, tmp_path) -> str:
    if request.param == "filesystem":
        return f"file://{tmp_path / 'objects'}"
    return storage_url(request.getfixturevalue("s3_endpoint"))


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "secrets" / "objects.key"
    new_key(path)
    return path


@pytest.fixture
def store(url, key_file) -> EncryptedObjectStore:
    found = open_object_store(url, key_file)
    assert isinstance(found, EncryptedObjectStore)
    return found


def test_what_is_stored_is_ciphertext_and_reads_back_exact(store):
    data = bytes(range(256)) * 64 + LETTER
    store.put("originals/ab/abc", data)
    store.put("text/r1/page-0001.txt", LETTER)
    assert store.get("originals/ab/abc") == data
    assert store.get("text/r1/page-0001.txt") == LETTER
    stored = store.inner.get("text/r1/page-0001.txt")
    assert LETTER not in stored and "Trần Thị B".encode() not in stored
    assert sealed_with(stored) == store.keyring.current


def test_it_keeps_the_store_contract(store):
    with pytest.raises(NotFound):
        store.get("nope")
    assert not store.exists("nope")
    for key in ("text/r1/page-0002.txt", "text/r1/page-0001.txt", "text/r2/page-0001.txt"):
        store.put(key, b"x")
    assert store.list("text/r1/") == ["text/r1/page-0001.txt", "text/r1/page-0002.txt"]
    store.put("text/r1/page-0001.txt", b"y")
    assert store.get("text/r1/page-0001.txt") == b"y"
    store.delete("text/r1/page-0001.txt")
    store.delete("text/r1/page-0001.txt")
    assert not store.exists("text/r1/page-0001.txt")


def test_objects_swapped_in_the_store_are_refused_not_served(store):
    store.put("text/r1/page-0001.txt", b"trang cua ho so mat")
    store.put("text/r2/page-0001.txt", b"trang cong khai")
    store.inner.put("text/r2/page-0001.txt", store.inner.get("text/r1/page-0001.txt"))
    with pytest.raises(ObjectUndecryptable, match="Không giải mã được đối tượng"):
        store.get("text/r2/page-0001.txt")


def test_an_object_stored_before_encryption_reads_as_it_is(store):
    store.inner.put("originals/cd/cdef", LETTER)
    assert store.get("originals/cd/cdef") == LETTER


def test_in_strict_mode_bytes_put_without_the_header_are_refused(url, key_file):
    strict = open_object_store(url, key_file, strict=True)
    strict.put("text/r1/page-0001.txt", LETTER)
    assert strict.get("text/r1/page-0001.txt") == LETTER
    strict.inner.put("text/r1/page-0001.txt", b"noi dung gia mao")  # a writer of the store
    with pytest.raises(ObjectUndecryptable, match="chế độ nghiêm ngặt"):
        strict.get("text/r1/page-0001.txt")


def test_in_strict_mode_the_conversion_still_runs_and_then_serves(url, key_file, tmp_path):
    plain = open_object_store(url)
    plain.put("originals/ab/abab", LETTER)
    strict = open_object_store(url, key_file, strict=True)
    with pytest.raises(ObjectUndecryptable):
        strict.get("originals/ab/abab")
    done = _luutru_encrypt(url, key_file, tmp_path, strict=True)
    assert (done["encrypted"], done["failed"]) == (1, [])
    assert strict.get("originals/ab/abab") == LETTER


def test_another_installations_key_cannot_read_it(store, url, tmp_path):
    store.put("access/r1.pdf", b"%PDF-1.7 ban sao")
    other = open_object_store(url, _other_key(tmp_path))
    with pytest.raises(ObjectUndecryptable, match="thiếu khóa"):
        other.get("access/r1.pdf")


def test_conversion_encrypts_old_objects_and_reencrypts_after_a_rotation(store, key_file):
    store.inner.put("originals/aa/plain", LETTER)
    store.put("text/r1/page-0001.txt", b"trang mot")  # under the first key
    new_key(key_file)  # rotation: a new key first, the old one kept
    rotated = EncryptedObjectStore(store.inner, load_keyring(key_file))
    rotated.put("text/r1/page-0002.txt", b"trang hai")  # already under the new key
    keys = rotated.list("")
    done = convert(rotated, keys, lambda: None)
    assert (done.encrypted, done.reencrypted, done.current, done.failed) == (1, 1, 1, [])
    assert {sealed_with(rotated.inner.get(k)) for k in keys} == {rotated.keyring.current}
    assert rotated.get("originals/aa/plain") == LETTER
    assert rotated.get("text/r1/page-0001.txt") == b"trang mot"
    again = convert(rotated, keys, lambda: None)  # idempotent
    assert (again.encrypted, again.reencrypted, again.current) == (0, 0, 3)


def test_an_object_that_does_not_decrypt_is_reported_and_left_as_it_was(store, url, tmp_path):
    foreign = open_object_store(url, _other_key(tmp_path))
    foreign.put("text/r9/page-0001.txt", b"khoa khac")
    before = store.inner.get("text/r9/page-0001.txt")
    done = convert(store, ["text/r9/page-0001.txt"], lambda: None)
    assert [f["key"] for f in done.failed] == ["text/r9/page-0001.txt"]
    assert store.inner.get("text/r9/page-0001.txt") == before


class FailingAfter:
    """The real store, whose writes start failing after `n` of them (a crash mid-way)."""

    def __init__(self, inner, n: int):
        self.inner, self.left = inner, n

    def put(self, key: str, data: bytes) -> None:
        if self.left == 0:
            raise TransientError("Kho ngừng / store went away")
        self.left -= 1
        self.inner.put(key, data)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def test_an_interrupted_conversion_loses_nothing_and_the_cli_finishes_it(url, key_file, tmp_path):
    plain = open_object_store(url)
    originals = {
        f"originals/{i:02d}/{i:064d}": f"ban goc {i} {LETTER!r}".encode() for i in range(6)
    }
    for key, data in originals.items():
        plain.put(key, data)
    keyring = load_keyring(key_file)
    crashing = EncryptedObjectStore(FailingAfter(plain, 3), keyring)
    with pytest.raises(TransientError):
        convert(crashing, plain.list(""), lambda: None)
    reader = EncryptedObjectStore(plain, keyring)
    assert {k: reader.get(k) for k in originals} == originals  # each old or new, all there
    assert 0 < sum(sealed_with(plain.get(k)) is not None for k in originals) < len(originals)

    first = _luutru_encrypt(url, key_file, tmp_path)
    assert first["objects"] == 6 and first["encrypted"] + first["current"] == 6
    assert first["encrypted"] > 0 and first["failed"] == []
    assert _luutru_encrypt(url, key_file, tmp_path)["current"] == 6
    assert {k: reader.get(k) for k in originals} == originals
    assert all(LETTER not in plain.get(k) for k in originals)


class DamagingNextWrite:
    """The real store, whose next encrypted write lands with a byte flipped (a failing disk or
    link): what is read back does not decrypt."""

    def __init__(self, inner):
        self.inner, self.armed = inner, True

    def put(self, key: str, data: bytes) -> None:
        if self.armed and sealed_with(data):
            self.armed = False
            data = data[:-1] + bytes([data[-1] ^ 0x01])
        self.inner.put(key, data)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def test_a_conversion_whose_write_is_damaged_puts_the_object_back(url, key_file):
    plain = open_object_store(url)
    plain.put("originals/bb/bbbb", LETTER)
    store = EncryptedObjectStore(DamagingNextWrite(plain), load_keyring(key_file))
    done = convert(store, ["originals/bb/bbbb"], lambda: None)
    assert [f["key"] for f in done.failed] == ["originals/bb/bbbb"]
    assert plain.get("originals/bb/bbbb") == LETTER  # as it was, not the damaged ciphertext
    assert convert(store, ["originals/bb/bbbb"], lambda: None).encrypted == 1


def test_the_cli_says_when_encryption_is_off(tmp_path):
    env = {**os.environ, "LUUTRU_DATA": str(tmp_path), "LUUTRU_OBJECT_KEY_FILE": ""}
    env.pop("LUUTRU_OBJECT_KEY_FILE")
    answer = subprocess.run(
        [sys.executable, "-c", SCRIPT, "objects", "encrypt", "--json"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert answer.returncode == 1 and answer.stdout == ""
    assert answer.stderr.startswith("Chưa đặt LUUTRU_OBJECT_KEY_FILE")


def test_on_s3_conversion_moves_the_lock_and_counts_the_old_versions(s3_endpoint, key_file):
    url = storage_url(s3_endpoint)
    plain, until = _stored_locked(url, "originals/ee/eeee")
    store = open_object_store(url, key_file)
    assert supports_lock(HoldGuardedObjectStore(store, lambda key: False))
    done = convert(store, ["originals/ee/eeee"], lambda: None)
    assert done.encrypted == 1 and done.older_versions == 1
    assert store.retention("originals/ee/eeee") == until
    assert store.legal_hold("originals/ee/eeee")
    assert not hasattr(store, "presigned_url")  # a link would hand out ciphertext
    assert LETTER not in plain.get("originals/ee/eeee")
    store.set_legal_hold("originals/ee/eeee", False)  # released: the older version is not held
    delete_approved(HoldGuardedObjectStore(store, lambda key: False), "originals/ee/eeee")
    assert not store.exists("originals/ee/eeee")


class ReadBackFails:
    """The real S3 store, which goes away for the read after the next write (the conversion
    interrupted between its write and its check)."""

    def __init__(self, inner, fault: Exception):
        self.inner, self.fault, self.armed = inner, fault, False

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, data)
        self.armed = sealed_with(data) is not None

    def get(self, key: str, **kwargs) -> bytes:
        if self.armed:
            self.armed = False
            raise self.fault
        return self.inner.get(key, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


@pytest.mark.parametrize(
    "fault",
    [TransientError("Kho ngừng / store went away"), ObjectUndecryptable("hỏng / damaged")],
    ids=["interrupted", "put-back"],
)
def test_on_s3_the_current_version_keeps_the_lock_whatever_stops_the_conversion(
    s3_endpoint, key_file, fault
):
    url = storage_url(s3_endpoint)
    plain, until = _stored_locked(url, "originals/ff/ffff")
    keyring = load_keyring(key_file)
    failing = EncryptedObjectStore(ReadBackFails(plain, fault), keyring)
    with contextlib.suppress(TransientError):  # the run stops; run again, done is skipped
        convert(failing, ["originals/ff/ffff"], lambda: None)
    store = EncryptedObjectStore(plain, keyring)
    convert(store, ["originals/ff/ffff"], lambda: None)
    assert store.get("originals/ff/ffff") == LETTER
    assert store.retention("originals/ff/ffff") == until
    assert store.legal_hold("originals/ff/ffff")


def test_fixity_compares_plaintext_digests_and_catches_altered_ciphertext(tmp_path, key_file):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    objects = open_object_store(f"file://{tmp_path / 'objects'}", key_file)
    ids = sorted(add_record(catalog, objects) for _ in range(2))
    bad = ids[0]
    row = catalog.row(bad)
    assert hashlib.sha256(objects.get(row["object_key"])).hexdigest() == row["sha256"]
    path = tmp_path / "objects" / row["object_key"]
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01
    path.write_bytes(bytes(data))
    store, recorder = RetentionStore(catalog.engine), Recorder()
    f = fixity.Fixity(store, objects, store.flag_fixity, recorder.dispatch)
    result = fixity.check_slice(f, "", 10, fixity.RateLimit(10**9))
    assert (result["checked"], result["ok"], result["failed"]) == (2, 1, 1)
    assert catalog.get(bad)["metadata"]["fixity"]["status"] == "failed"


def test_in_strict_mode_fixity_flags_an_original_replaced_by_plaintext(tmp_path, key_file):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    objects = open_object_store(f"file://{tmp_path / 'objects'}", key_file, strict=True)
    record_id = add_record(catalog, objects)
    key = catalog.row(record_id)["object_key"]
    plain = objects.get(key)
    objects.inner.put(key, plain)  # the right bytes, but not sealed: not from the services
    store, recorder = RetentionStore(catalog.engine), Recorder()
    f = fixity.Fixity(store, objects, store.flag_fixity, recorder.dispatch)
    result = fixity.check_slice(f, "", 10, fixity.RateLimit(10**9))
    assert (result["checked"], result["failed"]) == (1, 1)
    assert catalog.get(record_id)["metadata"]["fixity"]["status"] == "failed"


def _stored_locked(url: str, key: str) -> tuple[ObjectStore, datetime]:
    """The plain S3 store with LETTER stored under `key`, retained 30 days and held."""
    plain = open_object_store(url)
    plain.put(key, LETTER)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    plain.set_retention(key, until)
    plain.set_legal_hold(key, True)
    return plain, until


def _other_key(tmp_path: Path) -> Path:
    path = tmp_path / "other" / "objects.key"
    new_key(path)
    return path


def _luutru_encrypt(url: str, key_file: Path, tmp_path: Path, strict: bool = False) -> dict:
    env = {
        **os.environ,
        "LUUTRU_DATA": str(tmp_path / "var"),
        "LUUTRU_STORAGE_URL": url,
        "LUUTRU_OBJECT_KEY_FILE": str(key_file),
        "LUUTRU_OBJECT_KEY_STRICT": str(strict).lower(),
    }
    answer = subprocess.run(
        [sys.executable, "-c", SCRIPT, "objects", "encrypt", "--json"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def test_set_up_stops_when_the_named_key_file_is_missing(tmp_path):
    """deploy/run.sh's step: no service starts, and no new key is made in the lost one's place."""
    missing = tmp_path / "secrets" / "objects.key"
    env = {**os.environ, "LUUTRU_DATA": str(tmp_path), "LUUTRU_OBJECT_KEY_FILE": str(missing)}
    answer = subprocess.run(
        [sys.executable, "-m", "services.common.object_keys"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert answer.returncode == 1 and not missing.exists()
    assert "Khóa mã hóa kho đối tượng" in answer.stderr
    assert "luutru objects new-key" in answer.stderr


def test_set_up_stops_when_strict_mode_has_no_key_file(tmp_path):
    env = {**os.environ, "LUUTRU_DATA": str(tmp_path), "LUUTRU_OBJECT_KEY_STRICT": "true"}
    env.pop("LUUTRU_OBJECT_KEY_FILE", None)
    answer = subprocess.run(
        [sys.executable, "-m", "services.common.object_keys"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert answer.returncode == 1
    assert answer.stderr.startswith("luutru: Đã bật LUUTRU_OBJECT_KEY_STRICT")
