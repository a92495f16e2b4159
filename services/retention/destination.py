"""Which archive a transferred record goes to: the Party's or the state's.

Luật Lưu trữ 2024 sends a state organ's permanent records to the historical archive (lưu trữ
lịch sử); a Party organ's records belong to the Phông lưu trữ Đảng Cộng sản Việt Nam (Quy định
270-QĐ/TW on the Party archive fonds, which we know by title only). Both names are settings
(`LUUTRU_TRANSFER_PARTY_ARCHIVE`, `LUUTRU_TRANSFER_STATE_ARCHIVE`).

A record belongs to the fonds of the organ that keeps it: what it received is part of the
receiver's fonds, so every register follows the office's own style (`style` in
deploy/number-series.yaml). A document the office issued (register `di`) follows the symbol it
carries, as services/registers/series.py prints them: "15-NQ/TU" is a Party organ's, "15/QĐ-UBND"
a state organ's — an office with Party and state issuers sends each to its own archive.

One transfer batch goes to one archive: the batches are split by destination when they are
made, and an export of a batch that still mixes both (made before the split) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.common.config import Settings

PARTY, STATE = "party", "state"
# "15-NQ/TU", "24-BS/UBKTTU": number, dash, type, slash (36-HD/VPTW II.1.3); a state symbol
# has the slash straight after the number ("15/QĐ-UBND", NĐ 30/2020 Phụ lục I).
_PARTY_SYMBOL = re.compile(r"^\s*(?:số\s*:?\s*)?\d+\s*-\s*[^\W\d_]+\s*/", re.IGNORECASE)
_STATE_SYMBOL = re.compile(r"^\s*(?:số\s*:?\s*)?\d+\s*/", re.IGNORECASE)


@dataclass(frozen=True)
class Destinations:
    """The receiving archive's name for each fonds, and the office's own style."""

    party: str
    state: str
    office_style: str  # "party" | "state", number-series.yaml

    def name(self, fonds: str) -> str:
        return self.party if fonds == PARTY else self.state


def _default(name: str) -> str:
    return Settings.model_fields[name].default


# Where no settings are at hand (tests, scripts): the settings' defaults, a state office.
DEFAULT_DESTINATIONS = Destinations(
    _default("transfer_party_archive"), _default("transfer_state_archive"), STATE
)


def fonds_of(register: str, meta: Mapping[str, Any] | None, office_style: str) -> str:
    """PARTY or STATE for one record (see the module's docstring)."""
    symbol = str((meta or {}).get("number_symbol") or "")
    if register == "di":
        if _PARTY_SYMBOL.match(symbol):
            return PARTY
        if _STATE_SYMBOL.match(symbol):
            return STATE
    return PARTY if office_style == PARTY else STATE


def mixed_reason(batch_id: str, by_fonds: Mapping[str, list[str]]) -> str:
    """Why a batch holding Party and state records is not exported."""
    return (
        f"Lô {batch_id} có cả hồ sơ của tổ chức Đảng và của cơ quan nhà nước, phải nộp về hai"
        f" kho lưu trữ khác nhau: Đảng {', '.join(by_fonds[PARTY])}; nhà nước"
        f" {', '.join(by_fonds[STATE])}. Hãy rút (pull) một phần ra khỏi lô"
        " / The batch mixes Party and state records, which go to different archives:"
        " pull one part out of it"
    )
