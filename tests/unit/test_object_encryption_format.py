"""The encrypted object format (services/common/encrypted_objects.py) and its key file
(services/common/object_keys.py): what decrypts, what is refused, what passes as it is."""

from __future__ import annotations

import os

import pytest

from services.common.encrypted_objects import (
    MAGIC,
    ObjectUndecryptable,
    seal,
    sealed_with,
    unseal,
)
from services.common.object_keys import Keyring, ObjectKeyMissing, load_keyring, new_key

KEY = "originals/ab/ab12"
TEXT = "Đơn tố cáo của ông Nguyễn Văn A".encode()


def ring(*ids: str) -> Keyring:
    return Keyring({key_id: os.urandom(32) for key_id in ids})


def test_a_sealed_object_opens_and_shows_nothing_of_its_text():
    keys = ring("k1")
    sealed = seal(keys, KEY, TEXT)
    assert sealed.startswith(MAGIC) and sealed_with(sealed) == "k1"
    assert TEXT not in sealed and "Nguyễn".encode() not in sealed
    assert unseal(keys, KEY, sealed) == TEXT
    assert seal(keys, KEY, TEXT) != sealed  # a fresh nonce each time


@pytest.mark.parametrize("where", [0, 7, 9, 12, -1, -20])
def test_a_changed_byte_anywhere_is_refused(where):
    keys = ring("k1")
    sealed = bytearray(seal(keys, KEY, TEXT))
    sealed[where] ^= 0x01
    if where == 0:  # no header any more: returned as it is, never decrypted
        assert unseal(keys, KEY, bytes(sealed)) == bytes(sealed)
        return
    with pytest.raises(ObjectUndecryptable, match="Không giải mã được"):
        unseal(keys, KEY, bytes(sealed))


def test_cut_short_is_refused():
    keys = ring("k1")
    sealed = seal(keys, KEY, TEXT)
    for length in (len(MAGIC) + 1, len(MAGIC) + 5, 20, len(sealed) - 1):
        with pytest.raises(ObjectUndecryptable):
            unseal(keys, KEY, sealed[:length])


def test_a_wrong_key_is_refused_and_names_no_content():
    sealed = seal(ring("k1"), KEY, TEXT)
    with pytest.raises(ObjectUndecryptable) as refused:
        unseal(ring("k1"), KEY, sealed)
    assert "sai khóa" in refused.value.message and "Nguyễn" not in refused.value.message


def test_an_unknown_key_id_is_named():
    with pytest.raises(ObjectUndecryptable, match="thiếu khóa 'k9'"):
        unseal(ring("k1"), KEY, seal(ring("k9"), KEY, TEXT))


def test_an_object_moved_under_another_key_is_refused():
    keys = ring("k1")
    sealed = seal(keys, "text/r1/page-0001.txt", TEXT)
    with pytest.raises(ObjectUndecryptable):
        unseal(keys, "text/r2/page-0001.txt", sealed)


def test_after_a_rotation_every_key_decrypts_and_the_first_encrypts():
    old = ring("old")
    rotated = Keyring({"new": os.urandom(32), **old.keys})
    assert rotated.current == "new"
    assert unseal(rotated, KEY, seal(old, KEY, TEXT)) == TEXT
    assert sealed_with(seal(rotated, KEY, TEXT)) == "new"


def test_bytes_written_before_encryption_pass_as_they_are():
    for data in (b"%PDF-1.7 ...", TEXT, b"", b"\x00LTEN"):
        assert unseal(ring("k1"), KEY, data) == data
        assert sealed_with(data) is None


def test_the_key_file_is_made_private_and_rotates_keeping_the_old_keys(tmp_path):
    path = tmp_path / "secrets" / "objects.key"
    first = new_key(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    second = new_key(path)
    keys = load_keyring(path)
    assert list(keys.keys) == [second, first] and keys.current == second
    assert not path.with_name("objects.key.new").exists()


def test_an_existing_key_directory_keeps_its_mode(tmp_path):
    """/etc/luutru also holds what the services' user reads (the broker's CA): not closed."""
    folder = tmp_path / "etc-luutru"
    folder.mkdir()
    folder.chmod(0o755)
    new_key(folder / "objects.key")
    new_key(folder / "objects.key")  # a rotation too
    assert oct(folder.stat().st_mode & 0o777) == "0o755"
    assert oct((folder / "objects.key").stat().st_mode & 0o777) == "0o600"


def test_a_key_file_that_cannot_be_written_says_so_in_vietnamese_first(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ObjectKeyMissing, match=r"^Không ghi được tệp khóa"):
        new_key(tmp_path / "a-file" / "objects.key")


def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "objects.key"
    new_key(path)
    path.chmod(0o640)
    with pytest.raises(ObjectKeyMissing, match="chmod 600"):
        load_keyring(path)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "k1 abcd\n",
        f"k1 {'00' * 32}\nk1 {'11' * 32}\n",
        f"k/1 {'00' * 32}",
    ],
)
def test_a_malformed_key_file_is_refused(tmp_path, text):
    path = tmp_path / "objects.key"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(ObjectKeyMissing, match="Khóa mã hóa kho đối tượng"):
        load_keyring(path)


def test_a_missing_key_file_says_what_to_do(tmp_path):
    with pytest.raises(ObjectKeyMissing, match="luutru objects new-key"):
        load_keyring(tmp_path / "none.key")


def test_strict_mode_refuses_bytes_without_the_header_and_opens_the_rest():
    keys = ring("k1")
    for data in (b"%PDF-1.7 thay the", TEXT, b""):
        with pytest.raises(ObjectUndecryptable, match=r"^Không giải mã được.*nghiêm ngặt") as no:
            unseal(keys, KEY, data, strict=True)
        assert "Nguyễn" not in no.value.message
    assert unseal(keys, KEY, seal(keys, KEY, TEXT), strict=True) == TEXT


def test_strict_mode_without_a_key_file_is_refused(tmp_path):
    from services.common.objects import open_object_store

    with pytest.raises(ObjectKeyMissing, match=r"^Đã bật LUUTRU_OBJECT_KEY_STRICT"):
        open_object_store(f"file://{tmp_path / 'objects'}", None, strict=True)
