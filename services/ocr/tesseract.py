"""One tesseract run per page: TSV (words, boxes, confidences), hOCR and a one-page PDF with an
invisible text layer, all from the same recognition.

Not pytesseract: under eventlet its timeout raises a TimeoutExpired class it does not catch
(from eventlet's pristine copy of subprocess), so the child is never killed. Files, not pipes,
let `wait(timeout)` work the same with real and green subprocesses.

Every run takes a slot of a process-wide semaphore, so two documents OCR'd at once by one
service process never start more tesseract processes than it has workers (cores).
"""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import threading
from dataclasses import dataclass

from PIL import Image

from services.common.errors import TransientError

TESSERACT_CMD = "tesseract"
# OpenMP threads inside one tesseract are several times slower than one process per core.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}
# `vie` alone: with `vie+eng`, the English model wins on short upper-case lines and strips their
# diacritics ("ĐẢNG CỘNG SẢN" -> "DANG CONG SAN"); `vie` reads Latin/English text equally well.
OCR_LANG = "vie"
# Page segmentation modes: 3 is automatic segmentation without orientation detection, a third
# faster than 1, which adds orientation and script detection (OSD) so 90°/180° scans read.
# pageocr reads with 3 first and pays for 1 only when the page reads badly (see READ_MODES).
PSM_FAST = "3"
PSM_ORIENT = "1"
# What a failed allocation under RLIMIT_AS looks like in tesseract's and leptonica's log.
_OUT_OF_MEMORY_HINTS = (
    "malloc fail",
    "bad_alloc",
    "out of memory",
    "cannot allocate",
    "failed to map segment",  # too little even to load the libraries
)


class OcrTimeout(Exception):
    """The page took longer than its time budget; the child was killed."""


class OcrOutOfMemory(Exception):
    """The child hit its address-space limit (it crashed or said so)."""


@dataclass
class TesseractOutput:
    tsv: str
    hocr: str
    pdf: bytes  # one page: the image as given, with the recognised text invisible on top


class _Slots:
    """A process-wide bound on concurrent tesseract children, resizable between documents."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._semaphore = threading.BoundedSemaphore(1)

    def get(self, size: int) -> threading.BoundedSemaphore:
        with self._lock:
            if size != self._size:
                # Runs already holding the old semaphore release into it; new ones use this.
                self._size, self._semaphore = size, threading.BoundedSemaphore(max(1, size))
            return self._semaphore


SLOTS = _Slots()


def _limit_memory(limit_bytes: int):
    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return apply


def _spawn(cmd: list[str], log, memory_mb: int | None) -> subprocess.Popen:
    try:
        return subprocess.Popen(
            cmd,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=_ENV,
            preexec_fn=_limit_memory(memory_mb << 20) if memory_mb else None,
        )
    except OSError as exc:
        raise TransientError(f"Không chạy được tesseract / cannot run tesseract: {exc}") from exc


def _wait(proc: subprocess.Popen, timeout: float) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise OcrTimeout from None


def _read_log(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as log:
        return " ".join(log.read().split())


def _check_status(status: int, log: str, page: int, memory_mb: int | None) -> None:
    if status == 0:
        return
    if memory_mb and (status < 0 or any(h in log.lower() for h in _OUT_OF_MEMORY_HINTS)):
        raise OcrOutOfMemory
    raise TransientError(
        f"Lỗi bộ nhận dạng chữ ở trang {page} / OCR engine failed on page {page}:"
        f" exit {status} {log[-300:]}"
    )


def run_tesseract(
    image: Image.Image,
    dpi: int | None,
    *,
    timeout: float,
    page: int,
    workers: int,
    memory_mb: int | None = None,
    config: tuple[str, ...] = (),
    psm: str = PSM_ORIENT,
) -> TesseractOutput:
    """Recognise one page image (`config`: extra `name=value` settings). Raises OcrTimeout,
    OcrOutOfMemory, or TransientError when tesseract cannot start or fails for another reason.
    Waiting for a free slot does not count against `timeout`."""
    with SLOTS.get(workers), tempfile.TemporaryDirectory(prefix="luutru-ocr-") as tmp:
        source, base = os.path.join(tmp, "page.bmp"), os.path.join(tmp, "out")
        image.save(source, "BMP")  # ten times faster to write than PNG, and this runs in-process
        cmd = [TESSERACT_CMD, source, base, "-l", OCR_LANG, "--psm", psm]
        cmd += ["--dpi", str(dpi)] if dpi else []
        cmd += [arg for setting in config for arg in ("-c", setting)]
        with open(base + ".log", "wb") as log:
            status = _wait(_spawn([*cmd, "tsv", "hocr", "pdf"], log, memory_mb), timeout)
        _check_status(status, _read_log(base + ".log"), page, memory_mb)
        with open(base + ".tsv", encoding="utf-8", errors="replace") as tsv:
            tsv_text = tsv.read()
        with open(base + ".hocr", encoding="utf-8", errors="replace") as hocr:
            hocr_text = hocr.read()
        with open(base + ".pdf", "rb") as pdf:
            return TesseractOutput(tsv_text, hocr_text, pdf.read())
