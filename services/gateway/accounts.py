"""Users, roles, clearance, passwords, API tokens and portal sessions.

The gateway authenticates every request with this store (its own tables in the catalog
database, made by the catalog's migrations, revision 0003; the Table objects below mirror
them for queries). Passwords are argon2id hashes; tokens and session ids are random and
stored only as SHA-256 digests, so a copy of the database does not let anyone log in.
Hashing runs through the store's `offload` (the gateway's is an OS thread pool, `cpu_pool.py`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from services.common.errors import ErrorCode, LuutruError, NotFound, PermanentError, shown_id
from services.common.secrecy import SECRECY_NAMES

ROLES = ("clerk", "reader", "archivist", "petition_officer", "admin")
SESSION_LIFETIME = timedelta(hours=8)
_hasher = PasswordHasher()
# Runs a CPU-bound call (argon2) and returns its result: here, or in a thread pool.
Offload = Callable[..., Any]


def run_here(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


schema = sa.MetaData()
users = sa.Table(
    "users",
    schema,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("clearance", sa.Integer, nullable=False),
    sa.Column("password_hash", sa.String(200)),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # where task reminders go, and the unit (đơn vị: phòng, ban) "by unit" statistics count
    # the assignee in (migration 0011_account_contact)
    sa.Column("email", sa.String(254)),
    sa.Column("unit", sa.String(200)),
)
tokens = sa.Table(
    "api_tokens",
    schema,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)
sessions = sa.Table(
    "sessions",
    schema,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

# A user's saved searches (migration 0009; services/gateway/saved_searches.py).
saved_searches = sa.Table(
    "saved_searches",
    schema,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("notify", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("checked_at", sa.DateTime(timezone=True)),
    sa.Column("seen", sa.Text),
    sa.Column("new", sa.Text),
    sa.Column("mailed_at", sa.DateTime(timezone=True)),  # 0017: the notice mailed then
    sa.Index("ix_saved_searches_user_name", "user_name"),
)


class Unauthenticated(LuutruError):
    """No valid token or session: 401 on the API, the login page in the portal."""

    code = ErrorCode.UNAUTHENTICATED


class Forbidden(LuutruError):
    """Authenticated, but the role does not allow this action."""

    code = ErrorCode.FORBIDDEN


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    clearance: int

    def require(self, *roles: str) -> None:
        if self.role != "admin" and self.role not in roles:
            raise Forbidden("Bạn không có quyền thực hiện việc này / Not allowed for your role")


@dataclass(frozen=True)
class Session:
    session_id: str  # goes into the cookie; only its digest is stored
    csrf: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def validate_user(name: str, role: str, clearance: int) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name or ""):
        raise PermanentError("Tên người dùng chỉ gồm chữ, số, '.', '_', '-' / Bad user name")
    if role not in ROLES:
        raise PermanentError(f"Vai trò phải là một trong {', '.join(ROLES)} / Unknown role")
    if clearance not in SECRECY_NAMES:
        raise PermanentError("Mức tiếp cận mật phải từ 0 đến 3 / Clearance must be 0..3")


def contact(email: str | None, unit: str | None) -> dict[str, str | None]:
    """The optional e-mail and unit as stored: trimmed, NFC, None when empty."""
    email = (email or "").strip() or None
    if email and not re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+", email):
        raise PermanentError(f"Địa chỉ e-mail không hợp lệ: {email} / Bad e-mail address")
    unit = unicodedata.normalize("NFC", (unit or "").strip()) or None
    if unit and len(unit) > 200:
        raise PermanentError("Tên đơn vị quá dài (tối đa 200 ký tự) / Unit name too long")
    return {"email": email, "unit": unit}


def _user_dict(row: sa.Row) -> dict:
    return {
        "name": row.name,
        "role": row.role,
        "clearance": row.clearance,
        "disabled": row.disabled,
        "created_at": _aware(row.created_at).isoformat(),
        "email": row.email,
        "unit": row.unit,
    }


class SqlAccountStore:
    def __init__(self, engine: sa.Engine, offload: Offload = run_here):
        """`engine`: the catalog's, migrated to head (its tables are the migrations');
        `offload(function, *args)` runs the password hashing (argon2 is seconds of CPU
        under load: a server runs it off its event loop)."""
        self.engine = engine
        self.offload = offload

    def add_user(
        self,
        name: str,
        role: str,
        clearance: int = 0,
        password: str | None = None,
        email: str | None = None,
        unit: str | None = None,
    ) -> dict:
        validate_user(name, role, clearance)
        details = contact(email, unit)
        if password is not None and len(password) < 8:
            raise PermanentError("Mật khẩu cần ít nhất 8 ký tự / Password too short")
        password_hash = self.offload(_hasher.hash, password) if password else None
        with self.engine.begin() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first():
                raise PermanentError(f"Người dùng {name} đã có / User exists")
            conn.execute(
                users.insert().values(
                    name=name,
                    role=role,
                    clearance=clearance,
                    disabled=False,
                    created_at=_now(),
                    password_hash=password_hash,
                    **details,
                )
            )
        return self.user(name)

    def set_contact(self, name: str, email: str | None = None, unit: str | None = None) -> dict:
        """Set the user's e-mail and unit: None keeps one, "" removes it."""
        current = self.user(name)
        details = contact(
            current["email"] if email is None else email, current["unit"] if unit is None else unit
        )
        with self.engine.begin() as conn:
            conn.execute(users.update().where(users.c.name == name).values(**details))
        return self.user(name)

    def user(self, name: str) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None:
            raise NotFound(f"Không có người dùng {shown_id(name)} / No such user")
        return _user_dict(row)

    def list_users(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.name)).all()
        return [_user_dict(row) for row in rows]

    def disable(self, name: str) -> dict:
        self.user(name)
        with self.engine.begin() as conn:
            conn.execute(users.update().where(users.c.name == name).values(disabled=True))
            conn.execute(sessions.delete().where(sessions.c.user_name == name))
        return self.user(name)

    def create_token(self, name: str) -> str:
        self.user(name)
        # A fixed prefix: never starts with "-" (safe as a CLI argument) and lets secret
        # scanners recognise a leaked luutru token.
        token = "lt_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                tokens.insert().values(digest=_digest(token), user_name=name, created_at=_now())
            )
        return token

    def revoke_token(self, token: str) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                tokens.update().where(tokens.c.digest == _digest(token)).values(revoked_at=_now())
            )
        if not done.rowcount:
            raise NotFound("Không có mã truy cập này / No such token")

    def _principal(self, name: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None or row.disabled:
            return None
        return Principal(row.name, row.role, row.clearance)

    def principal_for_token(self, token: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tokens).where(tokens.c.digest == _digest(token))).first()
        if row is None or row.revoked_at is not None:
            return None
        return self._principal(row.user_name)

    def login(self, name: str, password: str) -> Session | None:
        """A new session for the right password, else None (same answer for unknown users)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        try:
            if row is None or row.disabled or not row.password_hash:
                # Same cost as a real check: no user enumeration by timing.
                self.offload(_hasher.hash, password)
                return None
            self.offload(_hasher.verify, row.password_hash, password)
        except VerificationError:
            return None
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(24))
        with self.engine.begin() as conn:
            conn.execute(
                sessions.insert().values(
                    digest=_digest(session.session_id),
                    user_name=name,
                    csrf=session.csrf,
                    expires_at=_now() + SESSION_LIFETIME,
                )
            )
        return session

    def session(self, session_id: str) -> tuple[Principal, str] | None:
        """(principal, csrf token) of a live session, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(sessions).where(sessions.c.digest == _digest(session_id))
            ).first()
        if row is None or _aware(row.expires_at) < _now():
            return None
        principal = self._principal(row.user_name)
        return (principal, row.csrf) if principal else None

    def logout(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.digest == _digest(session_id)))
