"""Encryption at rest of the object store: `luutru objects new-key|encrypt`
(docs/architecture.md, "Encryption at rest"). They work on the store and the key file
directly, on a machine that has both, not through the services."""

from __future__ import annotations

from pathlib import Path

import typer

from services.cli.common import JsonFlag, console, emit, fail

app = typer.Typer(help="Mã hóa kho đối tượng / the object store's encryption", no_args_is_help=True)


def _key_file() -> Path:
    from services.common.config import process_settings  # heavy: pydantic settings

    path = process_settings().object_key_file
    if path is None:
        fail(
            "Chưa đặt LUUTRU_OBJECT_KEY_FILE: mã hóa kho đối tượng đang tắt"
            " / LUUTRU_OBJECT_KEY_FILE is not set: object encryption is off"
        )
    return path  # type: ignore[return-value]  # fail() does not return


@app.command("new-key")
def new_key_(as_json: JsonFlag = False) -> None:
    """Make the key file (or put a new key first in it: rotation); restart the services,
    then `luutru objects encrypt` re-encrypts what the older keys hold."""
    from services.common.object_keys import ObjectKeyMissing, new_key

    path = _key_file()
    try:
        key_id = new_key(path)
    except ObjectKeyMissing as exc:
        fail(exc.message)
    if as_json:
        emit({"key_id": key_id, "file": str(path)})
        return
    console.print(
        f"Khóa mới {key_id} trong {path}. Hãy chép tệp khóa ra nơi cất giữ riêng, ngoài bản sao"
        f" lưu dữ liệu / New key {key_id} in {path}: keep a copy offline, apart from the"
        " data's backups",
        markup=False,
    )


@app.command()
def encrypt(as_json: JsonFlag = False) -> None:
    """Encrypt every object stored before encryption was on, and re-encrypt those under an
    older key, in place (each one replaced in one step, then read back). Run it again after
    an interruption: what is done is skipped. Run it while no record is reprocessed or
    destroyed: an object deleted between its read and its write would be written back."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress  # only long commands

    from services.common.config import process_settings
    from services.common.encrypted_objects import EncryptedObjectStore, convert
    from services.common.errors import LuutruError
    from services.common.objects import settings_store

    _key_file()
    try:
        store = settings_store(process_settings())
        keys = store.list("")
    except LuutruError as exc:
        fail(exc.message)
    assert isinstance(store, EncryptedObjectStore)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        console=console, disable=as_json,
    ) as progress:  # fmt: skip
        task = progress.add_task("Mã hóa / encrypting", total=len(keys))
        done = convert(store, keys, lambda: progress.advance(task))
    summary = {"objects": len(keys), "key_id": store.keyring.current, **done.summary()}
    if as_json:
        emit(summary)
    else:
        _report(summary)
    if done.failed:
        raise typer.Exit(1)


def _report(summary: dict) -> None:
    console.print(
        f"{summary['encrypted']} đối tượng đã mã hóa, {summary['reencrypted']} mã hóa lại,"
        f" {summary['current']} đã mã hóa từ trước / encrypted, re-encrypted, already done"
        f" (key {summary['key_id']})",
        markup=False,
    )
    for failure in summary["failed"]:
        console.print(f"LỖI / FAILED {failure['key']}: {failure['error']}", markup=False)
    if summary["older_versions"]:
        console.print(
            f"Kho S3 còn giữ {summary['older_versions']} phiên bản cũ chưa mã hóa (xem"
            " docs/architecture.md) / the S3 bucket keeps older, unencrypted versions",
            markup=False,
        )
