"""The tests' PostgreSQL is a throwaway cluster of their own, not a server on this machine."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.postgres import PostgresCluster, temporary_database

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("LUUTRU_TEST_PG_URL")), reason="LUUTRU_TEST_PG_URL points at a server"
)


def settings(dsn: str) -> tuple[int, str]:
    engine = sa.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        port = int(conn.execute(sa.text("SHOW port")).scalar_one())
        data = conn.execute(sa.text("SHOW data_directory")).scalar_one()
    engine.dispose()
    return port, data


def test_the_session_database_lives_in_a_temporary_cluster_on_its_own_port():
    with temporary_database() as dsn:
        port, data = settings(dsn)
    assert port != 5432
    assert f":{port}/" in dsn
    assert Path(data).is_relative_to(tempfile.gettempdir()), data


def test_a_cluster_stops_and_leaves_nothing_behind():
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="luutru-pg-")))
    cluster.start()
    assert settings(f"{cluster.url}/postgres")[0] == cluster.port
    cluster.stop()
    assert not cluster.base.exists()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", cluster.port)) != 0, "postgres still listening"
