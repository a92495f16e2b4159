"""The object store contract (filesystem adapter; the S3 adapter joins the params later)."""

import pytest

from services.common.errors import NotFound, PermanentError
from services.common.objects import FilesystemObjectStore, open_object_store


@pytest.fixture(params=["filesystem"])
def store(request, tmp_path):
    return open_object_store(f"file://{tmp_path / 'objects'}")


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


def test_list_by_prefix_is_sorted(store):
    for key in ("text/r1/page-0002.txt", "text/r1/page-0001.txt", "text/r2/page-0001.txt"):
        store.put(key, b"x")
    assert store.list("text/r1/") == ["text/r1/page-0001.txt", "text/r1/page-0002.txt"]


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/abs", "a//b", "nul\0"])
def test_keys_cannot_escape_the_store(tmp_path, key):
    store = FilesystemObjectStore(tmp_path / "objects")
    with pytest.raises(PermanentError):
        store.put(key, b"x")
    assert not (tmp_path / "escape").exists()
