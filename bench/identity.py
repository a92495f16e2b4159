"""Identity recall: how much of a denouncer's identity the working copy masks.

The labelled set of tests/fixtures/petition_letters.py (tố cáo, khiếu nại + tố cáo, group
letters, capitals, lower case, signature blocks, phones/e-mails/CCCD in many formats, NFD
text, anonymous letters) is read twice: as typed, and rendered at 300 dpi (a few lightly
skewed or blurred) and read by real Tesseract `vie` through `services.ocr.extract`. For each:

- recall: % of the labelled identity values of the sealed letters (names, addresses, ID
  numbers, phones, e-mails, birth dates and years) no longer findable by a folded,
  case-blind search of the working copy (goal ≥ 98 %);
- false unmasking: letters where some value stays findable, plus sealed letters not
  recognised as sealed (goal 0); and, apart, letters whose accused was masked too.

`BENCH_IDENTITY_N` sets how many generated letters join the six hand-typed ones (default 48),
`BENCH_IDENTITY_OCR_N` how many generated ones go through OCR with the hand-typed ones
(default 16).

    .venv/bin/python -m bench identity
"""

from __future__ import annotations

import os
import textwrap
import time
import unicodedata
from dataclasses import dataclass

from services.ocr.extract import extract_pages
from services.registers.petitions import is_petition, read_petition
from services.registers.working_copy import working_copy
from tests.fixtures.documents import scan_page
from tests.fixtures.petition_letters import (
    HAND_WRITTEN,
    Letter,
    identity_leaks,
    labelled_set,
)


@dataclass
class Score:
    values: int = 0
    masked: int = 0
    leaking: int = 0  # letters with a value still findable
    unsealed: int = 0  # sealed letters not recognised as sealed (or the other way round)
    accused_masked: int = 0  # over-masking: the accused is no longer readable

    @property
    def recall(self) -> float:
        return 100 * self.masked / self.values if self.values else 100.0

    def add(self, letter: Letter, text: str) -> None:
        petition = read_petition(text)
        sealed = petition.sealed and is_petition(text, petition.kind, None)
        identity = {**petition.identity, "sealed": sealed}
        self.unsealed += sealed != letter.sealed
        if not letter.sealed:
            return  # a plain complaint is read as written (not sealed by law)
        working = working_copy(text, {"kind": petition.kind}, identity)
        leaks = identity_leaks(letter, working)
        count = sum(len(v) for v in letter.values.values())
        self.values += count
        self.masked += count - len(leaks)
        self.leaking += bool(leaks)
        self.accused_masked += letter.accused not in unicodedata.normalize("NFC", working)

    def line(self, label: str, letters_read: int) -> str:
        return (
            f"{label:<6} {letters_read:>4} letters, {self.values:>4} sealed values: recall "
            f"{self.recall:6.2f} %  false unmasking {self.leaking + self.unsealed:>3} "
            f"(leaking {self.leaking}, unsealed {self.unsealed})  accused masked "
            f"{self.accused_masked}"
        )


def ocr_text(letter: Letter, seed: int) -> str:
    """The letter printed (lines wrapped to the page, so a name or a number may break across
    two lines), scanned (every third one skewed or blurred) and read by Tesseract."""
    text = unicodedata.normalize("NFC", letter.text)
    lines = [part for line in text.splitlines() for part in textwrap.wrap(line, 80) or [""]]
    skew, blur = [(0.0, 0.0), (1.2, 0.0), (0.0, 0.8)][seed % 3]
    page = scan_page(lines, dpi=300, skew=skew, blur=blur, seed=seed)
    return "\n".join(p.text for p in extract_pages(page, "image/png", workers=1))


def main() -> None:
    n = int(os.environ.get("BENCH_IDENTITY_N", "48"))
    n_ocr = int(os.environ.get("BENCH_IDENTITY_OCR_N", "16"))
    labelled = labelled_set(n)
    typed = Score()
    for letter in labelled:
        typed.add(letter, letter.text)
    print(typed.line("typed", len(labelled)), flush=True)
    scanned, started = Score(), time.monotonic()
    through_ocr = labelled[:n_ocr] + HAND_WRITTEN
    for seed, letter in enumerate(through_ocr):
        scanned.add(letter, ocr_text(letter, seed))
    print(
        scanned.line("ocr", len(through_ocr)), f"({time.monotonic() - started:.0f} s)", flush=True
    )


if __name__ == "__main__":
    main()
