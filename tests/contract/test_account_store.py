"""Accounts on SQLite and the real PostgreSQL: passwords, tokens, sessions, disabling.

Invariants: only digests of tokens and session ids are stored; a revoked token, a disabled
user or an expired session authenticates nobody; a wrong password and an unknown user look
the same; every password hash goes through the store's offload (the gateway's thread pool).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.common.catalog import SqlCatalog
from services.common.errors import PermanentError
from services.gateway.accounts import Principal, SqlAccountStore, sessions, tokens
from tests.postgres import temporary_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """On the catalog's engine, as the gateway opens it (migrated: the tables are there)."""
    if request.param == "sqlite":
        catalog = SqlCatalog(f"sqlite:///{tmp_path / 'c.db'}")
        yield SqlAccountStore(catalog.engine)
        catalog.engine.dispose()
        return
    with temporary_database() as dsn:
        catalog = SqlCatalog(dsn)
        yield SqlAccountStore(catalog.engine)
        catalog.engine.dispose()


def test_a_token_authenticates_its_user_until_revoked(store):
    store.add_user("lan", "reader", 1)
    token = store.create_token("lan")
    assert store.principal_for_token(token) == Principal("lan", "reader", 1)
    store.revoke_token(token)
    assert store.principal_for_token(token) is None


def test_only_digests_are_stored(store):
    store.add_user("lan", "clerk", 0, password="mat-khau-dai")
    token = store.create_token("lan")
    session = store.login("lan", "mat-khau-dai")
    with store.engine.connect() as conn:
        stored = {row.digest for row in conn.execute(sa.select(tokens))}
        stored |= {row.digest for row in conn.execute(sa.select(sessions))}
    assert token not in stored and session.session_id not in stored
    assert len(stored) == 2


def test_login_needs_the_right_password_and_gives_a_csrf_token(store):
    store.add_user("hung", "archivist", 2, password="mat-khau-dai")
    assert store.login("hung", "sai-mat-khau") is None
    assert store.login("khong-co", "mat-khau-dai") is None
    session = store.login("hung", "mat-khau-dai")
    principal, csrf = store.session(session.session_id)
    assert principal.role == "archivist" and csrf == session.csrf


def test_a_disabled_user_can_do_nothing(store):
    store.add_user("an", "reader", 0, password="mat-khau-dai")
    token = store.create_token("an")
    session = store.login("an", "mat-khau-dai")
    store.disable("an")
    assert store.principal_for_token(token) is None
    assert store.session(session.session_id) is None
    assert store.login("an", "mat-khau-dai") is None


def test_an_expired_session_is_refused(store):
    store.add_user("binh", "reader", 0, password="mat-khau-dai")
    session = store.login("binh", "mat-khau-dai")
    with store.engine.begin() as conn:
        conn.execute(sessions.update().values(expires_at=datetime.now(UTC) - timedelta(1)))
    assert store.session(session.session_id) is None


@pytest.mark.parametrize(
    ("name", "role", "clearance", "password"),
    [
        ("x y", "reader", 0, None),
        ("ok", "king", 0, None),
        ("ok", "reader", 4, None),
        ("ok", "reader", 0, "short"),
    ],
)
def test_bad_users_are_refused_with_a_reason(store, name, role, clearance, password):
    with pytest.raises(PermanentError):
        store.add_user(name, role, clearance, password)


def test_users_are_listed_and_unique(store):
    store.add_user("b", "reader", 0)
    store.add_user("a", "admin", 3)
    with pytest.raises(PermanentError):
        store.add_user("a", "reader", 0)
    assert [u["name"] for u in store.list_users()] == ["a", "b"]


def test_every_password_hash_runs_through_the_stores_offload(store):
    """The gateway's offload is an OS thread pool: no argon2 call may bypass it."""
    calls = []

    def offload(function, *args):
        calls.append(function.__name__)
        return function(*args)

    store.offload = offload
    store.add_user("lan", "clerk", 0, password="mat-khau-rat-dai")
    assert store.login("lan", "mat-khau-rat-dai") is not None
    assert store.login("lan", "sai-mat-khau") is None
    assert store.login("khong_co", "sai-mat-khau") is None  # the same cost for an unknown name
    assert calls == ["hash", "verify", "verify", "hash"]


def test_logins_hash_in_the_gateways_thread_pool(store):
    from services.gateway.auth import LOGINS_BUSY
    from services.gateway.cpu_pool import CpuPool

    store.offload = CpuPool(LOGINS_BUSY, threads=1, waiting=1)
    store.add_user("lan", "clerk", 0, password="mat-khau-rat-dai")
    assert store.login("lan", "mat-khau-rat-dai") is not None
    assert store.login("lan", "sai-mat-khau") is None


def test_an_account_keeps_an_optional_email_and_unit(store):
    plain = store.add_user("minh", "reader", 0)
    assert (plain["email"], plain["unit"]) == (None, None)
    lan = store.add_user("lan", "reader", 1, email=" lan@vpt.vn ", unit="Phòng Tổng hợp")
    assert (lan["email"], lan["unit"]) == ("lan@vpt.vn", "Phòng Tổng hợp")
    assert store.set_contact("lan", unit="Phòng Lưu trữ")["email"] == "lan@vpt.vn"  # kept
    assert store.set_contact("lan", email="")["email"] is None
    with pytest.raises(PermanentError):
        store.set_contact("lan", email="lan.vpt.vn")
