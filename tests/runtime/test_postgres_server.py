"""The throwaway PostgreSQL server the matcher's PostgreSQL tests run against."""

from __future__ import annotations

import psycopg

from openabc.runtime.postgres import PostgresServer


def test_server_accepts_connections_and_keeps_data(postgres: PostgresServer) -> None:
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS probe (id integer PRIMARY KEY)")
        conn.execute("INSERT INTO probe VALUES (1) ON CONFLICT DO NOTHING")
    with psycopg.connect(postgres.dsn) as conn:
        row = conn.execute("SELECT count(*) FROM probe").fetchone()
    assert row is not None and row[0] == 1
