"""The object store contract, run on the filesystem store and on `MinioObjectStore` against a
real S3 server (moto). S3-only features (lock, legal hold, versions, presigned URLs, checksum
checks) have their own tests below."""

import hashlib
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from minio.error import S3Error

from services.common.errors import NotFound, PermanentError
from services.common.objects import FilesystemObjectStore, open_object_store
from services.common.ports import LockingObjectStore
from services.common.s3_objects import ChecksumMismatch, MinioObjectStore, ObjectLocked
from tests.s3server import storage_url

MIB = 2**20


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path):
    if request.param == "filesystem":
        return open_object_store(f"file://{tmp_path / 'objects'}")
    return open_object_store(storage_url(request.getfixturevalue("s3_endpoint")))


@pytest.fixture
def s3(s3_endpoint) -> MinioObjectStore:
    return open_object_store(storage_url(s3_endpoint))


def test_bytes_come_back_bit_exact(store):
    data = bytes(range(256)) * 100
    store.put("originals/ab/abc", data)
    assert store.get("originals/ab/abc") == data
    assert store.exists("originals/ab/abc")


def test_unknown_key_is_not_found(store):
    with pytest.raises(NotFound):
        store.get("nope")
    assert not store.exists("nope")


def test_put_replaces_and_delete_removes(store):
    store.put("k", b"1")
    store.put("k", b"2")
    assert store.get("k") == b"2"
    store.delete("k")
    store.delete("k")  # deleting twice is fine
    assert not store.exists("k")
    assert store.list("") == []


def test_list_by_prefix_is_sorted(store):
    for key in ("text/r1/page-0002.txt", "text/r1/page-0001.txt", "text/r2/page-0001.txt"):
        store.put(key, b"x")
    assert store.list("text/r1/") == ["text/r1/page-0001.txt", "text/r1/page-0002.txt"]


def test_vietnamese_keys_and_empty_objects_round_trip(store):
    store.put("text/hồ-sơ/trang-1.txt", "Văn phòng cấp ủy".encode())
    store.put("empty", b"")
    assert store.get("text/hồ-sơ/trang-1.txt").decode() == "Văn phòng cấp ủy"
    assert store.get("empty") == b""
    assert store.list("text/") == ["text/hồ-sơ/trang-1.txt"]


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/abs", "a//b", "nul\0", ""])
def test_invalid_keys_are_refused_by_every_store(store, key):
    with pytest.raises(PermanentError):
        store.put(key, b"x")


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/abs", "a//b", "nul\0"])
def test_keys_cannot_escape_the_store(tmp_path, key):
    store = FilesystemObjectStore(tmp_path / "objects")
    with pytest.raises(PermanentError):
        store.put(key, b"x")
    assert not (tmp_path / "escape").exists()


# --- S3 only -----------------------------------------------------------------------------


def test_the_s3_store_offers_the_locking_extension_and_the_filesystem_one_does_not(s3, tmp_path):
    members = [m for m in vars(LockingObjectStore) if not m.startswith("_")]
    assert "set_retention" in members
    assert all(callable(getattr(s3, m)) for m in members)
    assert not hasattr(FilesystemObjectStore(tmp_path), "set_retention")


def test_a_file_above_the_part_size_goes_up_in_parts_and_comes_back_whole(s3):
    s3.part_size = 5 * MIB  # the smallest part S3 allows
    data = hashlib.sha256(b"seed").digest() * (11 * MIB // 32 + 7)  # 3 parts, odd tail
    s3.put("originals/big", data)
    stat = s3.client.stat_object(s3.bucket, "originals/big")
    assert stat.etag.endswith("-3")  # S3 marks a multipart object's ETag with its part count
    assert s3.get("originals/big") == data


def test_sha256_is_kept_with_the_object(s3):
    s3.put("originals/x", b"ban goc")
    stat = s3.client.stat_object(s3.bucket, "originals/x")
    assert stat.metadata["x-amz-meta-sha256"] == hashlib.sha256(b"ban goc").hexdigest()


def test_bytes_that_no_longer_match_their_sha256_are_never_served(s3):
    s3.put("originals/x", b"the original")
    recorded = s3.client.stat_object(s3.bucket, "originals/x").metadata["x-amz-meta-sha256"]
    # Bit rot, or a write behind the archive's back: other bytes under the recorded hash.
    s3.client.put_object(
        s3.bucket, "originals/x", io.BytesIO(b"the originaL"), 12, metadata={"sha256": recorded}
    )
    with pytest.raises(ChecksumMismatch, match="SHA-256"):
        s3.get("originals/x")


def test_a_presigned_url_downloads_without_credentials(s3):
    s3.put("originals/p", "Nghị quyết".encode())
    url = s3.presigned_url("originals/p", timedelta(minutes=5))
    assert "X-Amz-Signature=" in url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content.decode() == "Nghị quyết"


def test_every_write_is_a_version_and_old_versions_stay_readable(s3):
    s3.put("text/r/pages.json", b"v1")
    s3.put("text/r/pages.json", b"v2")
    newest, oldest = s3.versions("text/r/pages.json")
    assert s3.get("text/r/pages.json") == b"v2"
    assert s3.get("text/r/pages.json", version_id=oldest) == b"v1"
    assert s3.get("text/r/pages.json", version_id=newest) == b"v2"
    s3.delete("text/r/pages.json")
    assert s3.versions("text/r/pages.json") == []  # delete destroys every version


def test_an_original_under_retention_cannot_be_deleted(s3):
    until = datetime.now(UTC) + timedelta(days=1)
    s3.put("originals/locked", b"x")
    s3.set_retention("originals/locked", until)
    assert abs((s3.retention("originals/locked") - until).total_seconds()) < 1
    with pytest.raises(ObjectLocked, match="retention"):
        s3.delete("originals/locked")
    assert s3.get("originals/locked") == b"x"


def test_the_server_itself_refuses_to_delete_a_locked_version(s3):
    """Even a client that skips the adapter's own check cannot remove a locked version."""
    s3.put("originals/locked", b"x")
    s3.set_retention("originals/locked", date.today() + timedelta(days=2))
    [version] = s3.versions("originals/locked")
    with pytest.raises(S3Error) as refused:
        s3.client.remove_object(s3.bucket, "originals/locked", version_id=version)
    assert refused.value.code == "AccessDenied"
    assert s3.exists("originals/locked")


def test_an_approved_disposition_bypasses_governance_retention(s3):
    s3.put("originals/due", b"x")
    s3.set_retention("originals/due", datetime.now(UTC) + timedelta(days=1))
    s3.delete("originals/due", bypass_governance=True)
    assert not s3.exists("originals/due")
    assert s3.versions("originals/due") == []


def test_a_legal_hold_blocks_deletion_even_with_bypass_until_lifted(s3):
    s3.put("originals/held", b"x")
    s3.set_legal_hold("originals/held", True)
    assert s3.legal_hold("originals/held")
    for bypass in (False, True):
        with pytest.raises(ObjectLocked):
            s3.delete("originals/held", bypass_governance=bypass)
    s3.set_legal_hold("originals/held", False)
    assert not s3.legal_hold("originals/held")
    s3.delete("originals/held")
    assert not s3.exists("originals/held")


def test_an_object_without_lock_reports_none(s3):
    s3.put("text/free", b"x")
    assert s3.retention("text/free") is None
    assert not s3.legal_hold("text/free")


def test_puts_work_in_a_bucket_with_a_default_retention(s3):
    """AWS and moto refuse a PUT into such a bucket without Content-MD5, which minio-py does not
    send over HTTP; the SHA-256 checksum header the adapter sends satisfies them."""
    from minio.commonconfig import GOVERNANCE
    from minio.objectlockconfig import DAYS, ObjectLockConfig

    s3.client.set_object_lock_config(s3.bucket, ObjectLockConfig(GOVERNANCE, 1, DAYS))
    s3.put("originals/default-locked", b"x")
    assert s3.retention("originals/default-locked") is not None
    with pytest.raises(ObjectLocked):
        s3.delete("originals/default-locked")


def test_the_bucket_is_created_with_object_lock(s3_endpoint):
    store = open_object_store(storage_url(s3_endpoint))
    config = store.client.get_object_lock_config(store.bucket)
    assert config is not None
    assert store.client.get_bucket_versioning(store.bucket).status == "Enabled"


def test_storage_url_credentials_and_options_are_parsed():
    store = MinioObjectStore.from_url(
        "s3://AK%2Fx:S%40cret@minio.example:9000/originals?secure=true&part_size_mb=16"
    )
    assert store.bucket == "originals"
    assert store.part_size == 16 * MIB
    assert store.client._base_url.is_https
    with pytest.raises(ValueError):
        MinioObjectStore.from_url("s3://minio.example:9000/bucket")


def test_a_listing_cannot_escape_the_store(tmp_path):
    store = FilesystemObjectStore(tmp_path / "objects")
    (tmp_path / "secret.txt").write_text("x")
    with pytest.raises(PermanentError):
        store.list("../")
