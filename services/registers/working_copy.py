"""The working copy of a denunciation (đơn tố cáo): its text with the writer's identity masked.

Luật Tố cáo 2018 Điều 9.1.b and Điều 56 keep a denouncer's identity secret: only the people
who handle the letter (petition officers) see it. Everyone else — readers, clerks,
archivists, admins, the search index and its snippets — gets the masked text. Domain only.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "[…]"
_IDENTITY_FIELDS = ("name", "address", "id_number")


def is_sealed(metadata: dict[str, Any] | None, identity: dict[str, Any] | None) -> bool:
    """A stored identity of a letter read as a tố cáo, or since corrected into one."""
    if not identity:
        return False
    return bool(identity.get("sealed")) or (metadata or {}).get("kind") == "don_to_cao"


def _pattern(field: str, value: str) -> str:
    """The value as it may appear in OCR text: any run of spaces between words, and for an ID
    number any single space or dot between digits ("052 070 001 234")."""
    if field == "id_number":
        return r"[\s.]?".join(re.escape(d) for d in value if d.isdigit())
    return r"\s+".join(re.escape(word) for word in value.split())


def mask_identity(text: str, identity: dict[str, Any], mask: str = MASK) -> str:
    """`text` with every occurrence of the writer's name, address and ID number masked
    (longest first, so a name inside the address cannot leave part of it behind)."""
    values = [(f, str(identity[f])) for f in _IDENTITY_FIELDS if identity.get(f)]
    for field, value in sorted(values, key=lambda fv: len(fv[1]), reverse=True):
        pattern = _pattern(field, value)
        if pattern:
            text = re.sub(pattern, mask, text)
    return text


def working_copy(
    text: str,
    metadata: dict[str, Any] | None,
    identity: dict[str, Any] | None,
    sees_identity: bool = False,
) -> str:
    """What a person (or the index) may read of a record's text."""
    if sees_identity or not is_sealed(metadata, identity):
        return text
    return mask_identity(text, identity or {})
