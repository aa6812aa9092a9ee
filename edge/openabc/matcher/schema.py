"""Schema of the matcher's emulated central systems, created on open.

Spelled for SQLite with portable types; ``db`` translates it for PostgreSQL,
so both engines hold the same tables. One database stands in for CIR
(identities), EES (movements, refusals), ETIAS, VIS, SIS, SLTD, MID links,
the biometric galleries (face vectors; ISO/IEC 19794-2 finger records,
plus the probe fingers an accepted first entry enrols on crossing),
second-step consultations, the gallery change feed (every worker's
in-memory gallery catches up from it, ``gallery.GallerySync``), the matcher's own
transaction log and the audit trail.
On SQLite, WAL mode lets the dashboard read while a worker writes.
"""

from __future__ import annotations

from openabc.matcher.db import (
    DEFAULT_ACQUIRE_TIMEOUT_S,
    DEFAULT_POOL_SIZE,
    Database,
    DatabaseTarget,
    open_database,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS persons (
    person_id TEXT PRIMARY KEY,
    surname TEXT NOT NULL,
    given_names TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    nationality TEXT NOT NULL,
    sex TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    issuing_state TEXT NOT NULL,
    document_number TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(person_id),
    document_type TEXT NOT NULL,
    expiry_date TEXT NOT NULL,
    PRIMARY KEY (issuing_state, document_number)
);
CREATE TABLE IF NOT EXISTS ees_movements (
    id INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(person_id),
    direction TEXT NOT NULL CHECK (direction IN ('entry', 'exit')),
    on_date TEXT NOT NULL,
    transaction_id TEXT UNIQUE,
    overstay_days INTEGER
);
CREATE INDEX IF NOT EXISTS ees_movements_person ON ees_movements(person_id);
CREATE TABLE IF NOT EXISTS ees_refusals (
    id INTEGER PRIMARY KEY,
    person_id TEXT REFERENCES persons(person_id),
    issuing_state TEXT NOT NULL,
    document_number TEXT NOT NULL,
    on_date TEXT NOT NULL,
    reasons TEXT NOT NULL,
    officer_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS visas (
    visa_id TEXT PRIMARY KEY,
    issuing_state TEXT NOT NULL,
    document_number TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    entries_allowed INTEGER,
    entries_used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS visas_document ON visas(issuing_state, document_number);
CREATE TABLE IF NOT EXISTS mid_links (
    link_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    claimed_key TEXT NOT NULL,
    claimed_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('yellow', 'white', 'red', 'green')),
    created_at REAL NOT NULL,
    transaction_id TEXT NOT NULL,
    resolved_by TEXT,
    resolved_at REAL,
    justification TEXT,
    UNIQUE (person_id, claimed_key)
);
CREATE TABLE IF NOT EXISTS consultations (
    consultation_id TEXT PRIMARY KEY,
    at REAL NOT NULL,
    officer_id TEXT NOT NULL,
    system TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    justification TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS etias (
    issuing_state TEXT NOT NULL,
    document_number TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('valid', 'expired', 'revoked', 'refused')),
    valid_until TEXT NOT NULL,
    PRIMARY KEY (issuing_state, document_number)
);
CREATE TABLE IF NOT EXISTS sis_person_alerts (
    alert_id TEXT PRIMARY KEY,
    surname TEXT NOT NULL,
    given_names TEXT NOT NULL,
    birth_date TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sis_person_alerts_identity
    ON sis_person_alerts(surname, given_names, birth_date);
CREATE TABLE IF NOT EXISTS sltd_documents (
    issuing_state TEXT NOT NULL,
    document_number TEXT NOT NULL,
    PRIMARY KEY (issuing_state, document_number)
);
CREATE TABLE IF NOT EXISTS templates (
    person_id TEXT NOT NULL REFERENCES persons(person_id),
    model_id TEXT NOT NULL,
    model_version TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (person_id, model_id, model_version)
);
CREATE TABLE IF NOT EXISTS finger_templates (
    person_id TEXT NOT NULL REFERENCES persons(person_id),
    position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 10),
    quality INTEGER NOT NULL CHECK (quality BETWEEN 0 AND 100),
    format TEXT NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (person_id, position)
);
CREATE TABLE IF NOT EXISTS gallery_changes (
    seq INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('enrol', 'purge'))
);
CREATE TABLE IF NOT EXISTS transactions (
    transaction_id TEXT PRIMARY KEY,
    correlation_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    lane_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    decision TEXT NOT NULL,
    person_id TEXT,
    document_json TEXT NOT NULL,
    live_vector BLOB,
    decided_at REAL NOT NULL,
    closed_at REAL,
    crossed INTEGER,
    visa_id TEXT
);
CREATE TABLE IF NOT EXISTS transaction_fingers (
    transaction_id TEXT NOT NULL REFERENCES transactions(transaction_id),
    position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 10),
    quality INTEGER NOT NULL CHECK (quality BETWEEN 0 AND 100),
    format TEXT NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (transaction_id, position)
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    request_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    system TEXT NOT NULL,
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    row_hash TEXT NOT NULL
);
"""

TABLE_ORDER = (
    ("persons", "person_id"),
    ("documents", "issuing_state, document_number"),
    ("ees_movements", "id"),
    ("ees_refusals", "id"),
    ("visas", "visa_id"),
    ("mid_links", "link_id"),
    ("consultations", "consultation_id"),
    ("etias", "issuing_state, document_number"),
    ("sis_person_alerts", "alert_id"),
    ("sltd_documents", "issuing_state, document_number"),
    ("templates", "person_id, model_id, model_version"),
    ("finger_templates", "person_id, position"),
    ("gallery_changes", "seq"),
    ("transactions", "transaction_id"),
    ("transaction_fingers", "transaction_id, position"),
    ("audit", "seq"),
)
"""Every table with its primary-key ordering, for deterministic dumps."""


def connect(
    target: DatabaseTarget,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    acquire_timeout_s: float = DEFAULT_ACQUIRE_TIMEOUT_S,
) -> Database:
    """Open (creating tables if needed) the matcher database at ``target``."""
    database = open_database(target, pool_size=pool_size, acquire_timeout_s=acquire_timeout_s)
    database.create_schema(SCHEMA)
    return database


def drop_tables(database: Database, extra: tuple[str, ...] = ()) -> None:
    """Drop every matcher table (and ``extra`` ones) so seeding starts clean."""
    with database.transaction():
        for table, _ in reversed(TABLE_ORDER):
            database.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - constant names
        for table in extra:
            database.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - constant names
