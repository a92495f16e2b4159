"""OCR of one page image: level it, read it (turning it when tesseract's own orientation
detection was not sure), repair its số và ký hiệu, and hand its corrected image, hOCR and
one-page PDF to a sink.

Framework-free; the heavy work runs in a tesseract child (services.ocr.tesseract).
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from PIL import Image

from services.common.errors import ErrorCode, PermanentError
from services.ocr import tesseract
from services.ocr.doubt import dictionary_share
from services.ocr.geometry import (
    InkMap,
    deskew,
    level,
    turn_clockwise,
    turn_hocr,
    upright_turn,
)
from services.ocr.readable import Limits
from services.ocr.repair import Repair, repair_symbols
from services.ocr.scanimage import EncodedImage, encode_for_access, is_coloured
from services.ocr.speckle import despeckle, is_dusty

# Pages are read first without tesseract's orientation detection (psm 3, a third faster), turned
# by the cheap guess (geometry.upright_turn). The guess never has the last word on a page that
# reads badly: a reading is doubtful when its mean confidence is under DOUBT_CONFIDENCE, when
# under DOUBT_SHARE of its words are Vietnamese syllables (services/ocr/doubt.py), or when its
# lines do not run left to right. A doubtful page is read again turned by 180° (psm 3) and then,
# if still doubtful, with orientation detection (psm 1); the best reading by confidence and
# dictionary share wins. Measured on degraded 200 dpi pages: upright readings 80–96 confidence
# and 91–99 % syllables, upside-down ones 40–45 and 26–35 %.
DOUBT_CONFIDENCE = 80.0
DOUBT_SHARE = 0.75
# Orientation detection needs text: on short pages psm 1 may read a turned page upside down.
# A short page still doubtful is therefore read again turned by 90° and 270° (cheap, since
# short pages are fast).
RETRY_MAX_WORDS = 100
_SIDEWAYS_TURNS = (90, 270)  # clockwise
# Speckle (scanner dust, copier toner) reads as lone punctuation of low confidence. Such tokens
# are dropped. A page measured dusty (services/ocr/speckle.py) is cleaned by a 3×3 median
# before its only reading; a page that shows many such tokens anyway is read again cleaned, and
# the more confident reading wins. Speckled test pages: CER 2.2 % -> 0.2 %; tesseract's own
# `textord_heavy_nr` reached only 2.4 % and costs clean pages accuracy.
JUNK_MAX_CONFIDENCE = 75.0
SPECKLED_MIN_JUNK = 5
# Tesseract's PDF carries only the invisible text: the access copy draws the scan in its own
# colour under it (services/ocr/scanimage.py), and tesseract need not encode the grey copy.
_TEXT_ONLY_PDF = ("textonly_pdf=1",)


@dataclass
class PageText:
    n: int  # 1-based page number
    text: str  # NFC text (số và ký hiệu repaired for OCR pages)
    confidence: float | None  # mean word confidence 0-100 for OCR pages, None for text-layer pages
    source: str  # "text_layer" or "ocr"
    rotation: int = 0  # clockwise degrees the page was turned to read it, when known
    raw_text: str | None = None  # the text as read, when repairs changed it
    repairs: list[Repair] = field(default_factory=list)
    skew: float = 0.0  # counter-clockwise degrees the scan was levelled by
    encoding: str = "unicode"  # legacy encoding a text layer was converted from
    ocr_reason: str | None = None  # why a page with a text layer was OCR'd anyway


@dataclass
class PageArtifacts:
    """What later views need of an OCR'd page, all on the corrected (upright, level) image. The
    portal's page image is drawn from the access copy on first view (services/ocr/pageimage.py),
    not here on the OCR's critical path."""

    n: int
    hocr: str
    pdf: bytes  # tesseract's one-page, text-only PDF; show it turned clockwise by `pdf_rotation`
    pdf_rotation: int
    scan: EncodedImage  # the page as scanned (its colour kept), to draw under `pdf`


PageSink = Callable[[PageArtifacts], None]


def grayscale(image: Image.Image) -> Image.Image:
    """8-bit gray (or bilevel) on white: what tesseract reads, and a small file to hand it."""
    if image.mode in ("1", "L"):
        return image
    if image.mode == "I" or image.mode.startswith("I;16"):
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if _has_alpha(image):
        return colour_on_white(image).convert("L")
    return image.convert("L")


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def colour_on_white(image: Image.Image) -> Image.Image:
    """RGB, transparent parts white (as paper), for the access copy of a colour page."""
    if _has_alpha(image):
        white = Image.new("RGBA", image.size, "white")
        return Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def clean(text: str) -> str:
    """NFC, Unix line ends, no control characters, no trailing spaces or blank end lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    text = text.replace("\ufffe", "").replace("\uffff", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


@dataclass
class _Reading:
    text: str
    confidence: float
    words: int
    rotation: int  # clockwise turn of the image read that makes it upright
    output: tesseract.TesseractOutput
    image: Image.Image  # the image tesseract read
    junk: int = 0  # lone low-confidence punctuation tokens dropped (speckle)
    turn: int = 0  # clockwise turn applied to the levelled page before reading
    share: float | None = None  # share of words in the hunspell-vi list; None: cannot tell
    psm: str = tesseract.PSM_FAST

    @property
    def quality(self) -> float:
        """Confidence and dictionary share, both 0–1, averaged: what picks the best reading."""
        confidence = self.confidence / 100
        return (confidence + (confidence if self.share is None else self.share)) / 2

    @property
    def doubtful(self) -> bool:
        if self.words == 0:
            return False  # nothing read: a blank page, no turn will change that
        sideways = self.psm == tesseract.PSM_FAST and self.rotation != 0  # no OSD turned it
        low_share = self.share is not None and self.share < DOUBT_SHARE
        return self.confidence < DOUBT_CONFIDENCE or low_share or sideways


def _is_junk(cols: list[str]) -> bool:
    word = cols[11].strip()
    return not any(c.isalnum() for c in word) and float(cols[10]) < JUNK_MAX_CONFIDENCE


def _parse_tsv(tsv: str) -> tuple[list[tuple[tuple[int, int], list[list[str]]]], list[float], int]:
    """Word rows grouped into lines, each with its (block, paragraph) key; word confidences;
    and how many junk tokens were dropped."""
    lines: dict[tuple[int, int, int], list[list[str]]] = {}
    confidences: list[float] = []
    junk = 0
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t", 11)
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        if _is_junk(cols):
            junk += 1
            continue
        block, par, line = int(cols[2]), int(cols[3]), int(cols[4])
        lines.setdefault((block, par, line), []).append(cols)
        conf = float(cols[10])
        if conf >= 0:
            confidences.append(conf)
    return [((b, p), words) for (b, p, _), words in lines.items()], confidences, junk


def _reading_direction(words: list[list[str]]) -> int | None:
    """Clockwise turn that makes this line read left to right, from its first and last word."""
    if len(words) < 2:
        return None

    def centre(cols: list[str]) -> tuple[float, float]:
        left, top, width, height = (int(v) for v in cols[6:10])
        return left + width / 2, top + height / 2

    (x0, y0), (x1, y1) = centre(words[0]), centre(words[-1])
    dx, dy = x1 - x0, y1 - y0
    if abs(dx) >= abs(dy):
        return 0 if dx > 0 else 180
    return 90 if dy < 0 else 270


@dataclass(frozen=True)
class _PageJob:
    """What every reading of one page shares: its number, resolution, limits and deadline."""

    n: int
    dpi: int | None
    limits: Limits
    workers: int
    deadline: float

    def read(self, image: Image.Image, psm: str, turn: int, timeout: float) -> _Reading:
        output = tesseract.run_tesseract(
            image, self.dpi, timeout=timeout, page=self.n, workers=self.workers,
            memory_mb=self.limits.memory_mb, psm=psm, config=_TEXT_ONLY_PDF,
        )  # fmt: skip
        return _reading(output, image, turn, psm)


def _reading(
    output: tesseract.TesseractOutput, image: Image.Image, turn: int, psm: str
) -> _Reading:
    lines, confidences, junk = _parse_tsv(output.tsv)
    out: list[str] = []
    votes: Counter[int] = Counter()
    previous = None
    for paragraph, words in lines:
        if previous is not None and paragraph != previous:
            out.append("")  # a blank line between paragraphs, as tesseract's text output has
        out.append(" ".join(cols[11].strip() for cols in words))
        previous = paragraph
        direction = _reading_direction(words)
        if direction is not None:
            votes[direction] += len(words)
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    rotation = votes.most_common(1)[0][0] if votes else 0
    text = clean("\n".join(out))
    return _Reading(
        text, round(confidence, 2), len(confidences), rotation, output, image, junk, turn,
        dictionary_share(text), psm,
    )  # fmt: skip


def _timeout_error(n: int, limits: Limits) -> PermanentError:
    seconds = f"{limits.page_timeout_s:g}"
    return PermanentError(
        f"Nhận dạng chữ (OCR) trang {n} quá {seconds.replace('.', ',')} giây, đã dừng"
        f" / OCR of page {n} took longer than {seconds} s and was stopped",
        ErrorCode.OCR_TIMEOUT,
    )


def _memory_error(n: int, limits: Limits) -> PermanentError:
    return PermanentError(
        f"Trang {n} cần quá nhiều bộ nhớ để nhận dạng chữ (giới hạn {limits.memory_mb} MB),"
        f" hãy quét lại ở độ phân giải thấp hơn"
        f" / Page {n} needs more memory to OCR than the {limits.memory_mb} MB limit;"
        f" scan it again at a lower resolution",
        ErrorCode.IMAGE_TOO_LARGE,
    )


def _read_best(upright: Image.Image, guess: int, job: _PageJob, cleaned: bool) -> _Reading:
    """Read `upright` (the levelled page turned clockwise by `guess`), then again as needed."""
    try:
        best = job.read(upright, tesseract.PSM_FAST, guess, job.limits.page_timeout_s)
    except tesseract.OcrTimeout:
        raise _timeout_error(job.n, job.limits) from None
    except tesseract.OcrOutOfMemory:
        raise _memory_error(job.n, job.limits) from None
    for image, psm, turn in _second_opinions(upright, guess, best):
        if not best.doubtful:
            break
        best = _better(best, job, image, psm, turn)
    if best.junk >= SPECKLED_MIN_JUNK and not cleaned:
        best = _better(best, job, despeckle(best.image), tesseract.PSM_FAST, best.turn)
    return best


def _second_opinions(
    upright: Image.Image, guess: int, first: _Reading
) -> Iterator[tuple[Image.Image, str, int]]:
    """(image, psm, turn) of the readings that may overrule a doubtful first one, cheapest and
    likeliest first: the 180° turn (the commonest wrong guess: an upside-down scan), then
    tesseract's own orientation detection, then quarter turns of a short page. Lines that
    already read top to bottom go straight to orientation detection."""
    if first.rotation in (0, 180):
        yield turn_clockwise(upright, 180), tesseract.PSM_FAST, (guess + 180) % 360
    yield upright, tesseract.PSM_ORIENT, guess
    if first.words < RETRY_MAX_WORDS:
        for retry in _SIDEWAYS_TURNS:
            yield turn_clockwise(upright, retry), tesseract.PSM_FAST, (guess + retry) % 360


def _better(best: _Reading, job: _PageJob, image: Image.Image, psm: str, turn: int) -> _Reading:
    """`image` (the page cleaned, or turned clockwise by `turn`) read once more within the
    page's time; the better of the two readings. Out of time, `best` stands."""
    remaining = job.deadline - time.monotonic()
    if remaining <= 0:
        return best
    try:
        again = job.read(image, psm, turn, remaining)
    except (tesseract.OcrTimeout, tesseract.OcrOutOfMemory):
        return best
    return again if again.quality > best.quality else best


def _artifacts(n: int, best: _Reading, scan: Image.Image, dpi: int | None) -> PageArtifacts:
    """What later views need; `scan` is the levelled page as scanned, before any turn."""
    hocr = turn_hocr(best.output.hocr, best.image.size, best.rotation)
    access = encode_for_access(turn_clockwise(scan, best.turn), dpi)
    return PageArtifacts(n, hocr, best.output.pdf, best.rotation, access)


def ocr_page(
    n: int,
    image: Image.Image,
    dpi: int | None,
    limits: Limits,
    *,
    workers: int = 1,
    sink: PageSink | None = None,
) -> PageText:
    """Read one page (gray or colour: it reads a gray copy, the access copy keeps the colour).
    Raises PermanentError on a timeout or memory breach (clerk-readable)."""
    levelled, skew = deskew(grayscale(image))
    ink = InkMap.of(levelled)
    guess = upright_turn(ink) or 0
    upright = turn_clockwise(levelled, guess)
    dusty = is_dusty(ink.turned(guess), dpi)  # measured between text lines: upright ones
    job = _PageJob(n, dpi, limits, workers, time.monotonic() + limits.page_timeout_s)
    best = _read_best(despeckle(upright) if dusty else upright, guess, job, cleaned=dusty)
    text, repairs = repair_symbols(best.text)
    if sink is not None:
        scan = level(colour_on_white(image), skew) if is_coloured(image) else levelled
        sink(_artifacts(n, best, scan, dpi))
    return PageText(
        n,
        text,
        best.confidence,
        "ocr",
        (best.turn + best.rotation) % 360,
        raw_text=best.text if repairs else None,
        repairs=repairs,
        skew=round(skew, 2),
    )
