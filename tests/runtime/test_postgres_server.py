"""The throwaway PostgreSQL server the matcher's PostgreSQL tests run against."""

from __future__ import annotations

import psycopg
import pytest

from openabc.runtime.postgres import PostgresNotFoundError, PostgresServer, find_pg_bin


def test_server_accepts_connections_and_keeps_data(postgres: PostgresServer) -> None:
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS probe (id integer PRIMARY KEY)")
        conn.execute("INSERT INTO probe VALUES (1) ON CONFLICT DO NOTHING")
    with psycopg.connect(postgres.dsn) as conn:
        row = conn.execute("SELECT count(*) FROM probe").fetchone()
    assert row is not None and row[0] == 1


def test_killed_server_restarts_with_its_data_on_its_port() -> None:
    try:
        find_pg_bin()
    except PostgresNotFoundError as err:
        pytest.skip(str(err))
    with PostgresServer() as server:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (id integer PRIMARY KEY)")
            conn.execute("INSERT INTO kept VALUES (7)")
        port = server.port
        server.kill()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.dsn, connect_timeout=1).close()
        server.start()
        assert server.port == port
        with psycopg.connect(server.dsn) as conn:
            assert conn.execute("SELECT id FROM kept").fetchall() == [(7,)]
