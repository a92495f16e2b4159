"""Who is calling. The skeleton has no accounts yet: every caller is an anonymous reader
with clearance 0 (thường), so nothing marked Mật or above is ever shown. The portal issue
replaces `current_principal` with tokens and sessions; every route already asks it."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    clearance: int


ANONYMOUS = Principal(name="anonymous", role="reader", clearance=0)


def current_principal(request: Request) -> Principal:
    return ANONYMOUS
