"""`MinioObjectStore`: the `ObjectStore` (and `LockingObjectStore`) port on MinIO or any S3.

Every object carries the SHA-256 of its bytes twice: as `x-amz-checksum-sha256` on single-part
uploads, so the server refuses a body damaged in transit (and, over plain HTTP where minio-py
sends no Content-MD5, so that buckets with a default retention accept the PUT at all), and as
the user metadata `sha256`, which `get` checks on every read so a rotten object is never
served. The bucket is created with object lock (and so versioning) when it is missing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, unquote, urlparse

import urllib3
from minio import Minio
from minio.commonconfig import GOVERNANCE
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error
from minio.retention import Retention

from services.common.errors import (  # the two store errors live with the others
    ChecksumMismatch,
    NotFound,
    ObjectLocked,
    PermanentError,
    TransientError,
)
from services.common.metrics import FIXITY_CHECKS

log = logging.getLogger(__name__)

MIB = 2**20
# Files up to this size go up in one PUT that the server checks against its SHA-256; larger
# ones in parts of this size (S3 needs at least 5 MiB per part).
DEFAULT_PART_SIZE = 64 * MIB
SHA256_META = "sha256"  # stored as the header x-amz-meta-sha256
_MISSING = {"NoSuchKey", "NoSuchVersion", "NoSuchObject"}


def _check_key(key: str) -> str:
    """The same key rules as the filesystem store, so both stores accept the same keys."""
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") for p in parts) or "\0" in key:
        raise PermanentError(f"Khóa đối tượng không hợp lệ / Invalid object key: {key!r}")
    return key


def _as_datetime(until: date) -> datetime:
    if isinstance(until, datetime):
        return until if until.tzinfo else until.replace(tzinfo=UTC)
    return datetime.combine(until, time.min, tzinfo=UTC)


@contextmanager
def _s3_errors(key: str) -> Iterator[None]:
    """Translate the client's errors into luutru's: missing, locked, or unavailable."""
    try:
        yield
    except S3Error as exc:
        if exc.code in _MISSING:
            raise NotFound(f"Không có đối tượng / No object: {key}") from None
        if exc.code == "AccessDenied" and "lock" in (exc.message or "").lower():
            raise ObjectLocked(_locked_message(key)) from exc
        raise TransientError(
            f"Kho đối tượng S3 báo lỗi / S3 object store error: {exc.code}: {exc.message}"
        ) from exc
    except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise TransientError(
            f"Không kết nối được kho đối tượng S3 / S3 object store unavailable: {exc}"
        ) from exc


def _locked_message(key: str) -> str:
    return (
        f"Đối tượng đang bị khóa lưu giữ hoặc phong tỏa pháp lý, không xóa được: {key} / "
        "Object is under retention or legal hold and cannot be deleted"
    )


class MinioObjectStore:
    """Objects in one S3 bucket (MinIO in production); keys as given, `/`-separated.

    `open()` creates the bucket with object lock when it is missing; an existing bucket is
    used as it is (object lock can only be turned on when a bucket is created).
    """

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str = "us-east-1",
        part_size: int = DEFAULT_PART_SIZE,
    ):
        # The region is given so that no call (presigning included) asks the server for it.
        self.client = Minio(endpoint, access_key, secret_key, secure=secure, region=region)
        self.bucket = bucket
        self.part_size = part_size

    @classmethod
    def from_url(cls, url: str) -> MinioObjectStore:
        """`s3://ACCESS:SECRET@host:port/bucket[?secure=true&region=R&part_size_mb=N]`."""
        parsed = urlparse(url)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        bucket = parsed.path.strip("/")
        if not (parsed.hostname and parsed.username and parsed.password and bucket):
            raise ValueError("LUUTRU_STORAGE_URL must be s3://ACCESS:SECRET@host:port/bucket")
        return cls(
            parsed.netloc.rpartition("@")[2],
            unquote(parsed.username),
            unquote(parsed.password),
            bucket,
            secure=query.get("secure", "false").lower() in ("1", "true", "yes"),
            region=query.get("region", "us-east-1"),
            part_size=int(query.get("part_size_mb", DEFAULT_PART_SIZE // MIB)) * MIB,
        )

    def open(self) -> MinioObjectStore:
        """Create the bucket (object lock on, hence versioning) if it is missing."""
        with _s3_errors(self.bucket):
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket, object_lock=True)
                log.info("created bucket %s with object lock", self.bucket)
        return self

    # --- ObjectStore --------------------------------------------------------------------

    def put(self, key: str, data: bytes) -> None:
        """Store `data` (multipart above `part_size`); S3 PUTs are atomic per object."""
        digest = hashlib.sha256(data)
        metadata = {SHA256_META: digest.hexdigest()}
        if len(data) <= self.part_size:
            metadata["x-amz-sdk-checksum-algorithm"] = "SHA256"
            metadata["x-amz-checksum-sha256"] = base64.b64encode(digest.digest()).decode()
        with _s3_errors(_check_key(key)):
            self.client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                metadata=metadata,
                part_size=self.part_size,
            )

    def get(self, key: str, version_id: str | None = None) -> bytes:
        """The bytes, checked against their stored SHA-256.

        Raises `NotFound`, or `ChecksumMismatch` when the bytes are not the ones stored.
        """
        with _s3_errors(_check_key(key)):
            response = self.client.get_object(self.bucket, key, version_id=version_id)
            try:
                data = response.read()
                expected = response.headers.get(f"x-amz-meta-{SHA256_META}")
            finally:
                response.close()
                response.release_conn()
        actual = hashlib.sha256(data).hexdigest()
        FIXITY_CHECKS.labels(
            "ok" if actual == expected else "mismatch" if expected else "none"
        ).inc()
        if expected and actual != expected:
            raise ChecksumMismatch(
                f"Đối tượng bị hỏng, mã SHA-256 không khớp: {key} / Object is corrupt, "
                f"SHA-256 mismatch (stored {expected}, read {actual})"
            )
        return data

    def exists(self, key: str) -> bool:
        try:
            self._stat(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str, *, bypass_governance: bool = False) -> None:
        """Remove every version of `key`; a missing key is not an error.

        Raises `ObjectLocked` (and deletes nothing) when a version is under legal hold, or
        under retention and `bypass_governance` is not given for an approved disposition.
        """
        found = self._versions(key)
        for version in (o.version_id for o in found if not o.is_delete_marker):
            headers = self._stat(key, version)
            if _held(headers) or (_retained_until(headers) and not bypass_governance):
                raise ObjectLocked(_locked_message(key))
        if not found:
            return
        with _s3_errors(key):
            errors = list(
                self.client.remove_objects(
                    self.bucket,
                    [DeleteObject(key, o.version_id) for o in found],
                    bypass_governance_mode=bypass_governance,
                )
            )
        if errors:
            # The server enforces the lock too (e.g. one set meanwhile by another process).
            raise ObjectLocked(_locked_message(key) + f" ({errors[0].code})")

    def list(self, prefix: str) -> list[str]:
        with _s3_errors(prefix):
            found = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
            return sorted(o.object_name for o in found if not o.is_dir)

    # --- versions, links ----------------------------------------------------------------

    def versions(self, key: str) -> list[str]:
        """Version ids of `key` (delete markers included), newest first."""
        return [o.version_id for o in self._versions(key)]

    def _versions(self, key: str) -> list:
        with _s3_errors(key):
            found = self.client.list_objects(
                self.bucket, prefix=_check_key(key), include_version=True
            )
            return [o for o in found if o.object_name == key]

    def presigned_url(self, key: str, expires: timedelta = timedelta(hours=1)) -> str:
        """A URL that downloads the object without credentials until `expires` from now."""
        with _s3_errors(_check_key(key)):
            return self.client.presigned_get_object(self.bucket, key, expires=expires)

    # --- LockingObjectStore -------------------------------------------------------------

    def set_retention(self, key: str, until: date) -> None:
        """Lock the current version of `key` in GOVERNANCE mode until `until` (UTC)."""
        with _s3_errors(_check_key(key)):
            self.client.set_object_retention(
                self.bucket, key, Retention(GOVERNANCE, _as_datetime(until))
            )

    def retention(self, key: str) -> datetime | None:
        """The current version's retain-until date, or None when it has none (or it passed)."""
        return _retained_until(self._stat(key))

    def set_legal_hold(self, key: str, on: bool) -> None:
        """Put (`on=True`) or lift the legal hold on the current version of `key`."""
        with _s3_errors(_check_key(key)):
            if on:
                self.client.enable_object_legal_hold(self.bucket, key)
            else:
                self.client.disable_object_legal_hold(self.bucket, key)

    def legal_hold(self, key: str) -> bool:
        """Whether the current version of `key` is under legal hold."""
        return _held(self._stat(key))

    def lift_older_holds(self, key: str) -> int:
        """Lift the legal hold of the versions of `key` older than the current one; returns how
        many. For an object re-written in place whose hold was put on its new version (objects
        encrypted by `luutru objects encrypt`): a hold later lifted from the current version
        must not leave an older one blocking the record's approved destruction."""
        older = [o for o in self._versions(key) if o.is_latest != "true" and not o.is_delete_marker]
        held = [o.version_id for o in older if _held(self._stat(key, o.version_id))]
        for version in held:
            with _s3_errors(key):
                self.client.disable_object_legal_hold(self.bucket, key, version_id=version)
        return len(held)

    # Lock state is read from the object's headers: some S3 servers (moto) have no
    # GetObjectRetention, and one HEAD answers both questions.
    def _stat(self, key: str, version_id: str | None = None) -> dict[str, str]:
        with _s3_errors(_check_key(key)):
            stat = self.client.stat_object(self.bucket, key, version_id=version_id)
        return {k.lower(): v for k, v in (stat.metadata or {}).items()}


def _retained_until(headers: dict[str, str]) -> datetime | None:
    until = headers.get("x-amz-object-lock-retain-until-date")
    if not until:
        return None
    until_at = datetime.fromisoformat(until.replace("Z", "+00:00"))
    return until_at if until_at > datetime.now(UTC) else None


def _held(headers: dict[str, str]) -> bool:
    return headers.get("x-amz-object-lock-legal-hold", "").upper() == "ON"
