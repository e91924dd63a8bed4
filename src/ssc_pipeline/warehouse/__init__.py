"""The warehouse: where it is, connections to it, and its idempotent schemas.

``SSC_DATABASE_URL`` points everything at an external PostgreSQL. Unset, the
embedded server (``warehouse.embedded``) runs under ``.ssc/pgdata``. Roles and
row-level security are ``warehouse.roles``; the DDL is ``warehouse/sql/*.sql``.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from dataclasses import dataclass
from importlib import resources
from urllib.parse import quote, urlsplit

import psycopg

SCHEMAS = ("raw", "staging", "intermediate", "marts", "published", "audit")


@dataclass(frozen=True)
class DbParams:
    """Parts of a database URL, as dbt profiles and Airflow connections want them."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> DbParams:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or "",
            dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
        )

    def url(self, dbname: str | None = None) -> str:
        return (
            f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{dbname or self.dbname}"
        )


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (services here never listen elsewhere)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_reachable(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def create_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')


def database_url() -> str:
    """URL of the warehouse: ``SSC_DATABASE_URL`` or the embedded server's."""
    if url := os.environ.get("SSC_DATABASE_URL"):
        return url
    from ssc_pipeline.warehouse.embedded import EmbeddedPostgres

    return EmbeddedPostgres().url()


def start_database() -> str:
    """Make the warehouse reachable: nothing to start when ``SSC_DATABASE_URL`` is set."""
    if url := os.environ.get("SSC_DATABASE_URL"):
        return url
    from ssc_pipeline.warehouse.embedded import EmbeddedPostgres

    return EmbeddedPostgres().start()


def connect(url: str | None = None, **kwargs: object) -> psycopg.Connection:
    return psycopg.connect(url or database_url(), **kwargs)  # type: ignore[arg-type]


def ensure_airflow_database(url: str | None = None) -> str:
    """Create (if needed) a separate database for Airflow's metadata on the same server."""
    params = DbParams.from_url(url or database_url())
    create_database(params.url("postgres"), "airflow")
    return params.url("airflow")


def ensure_schema(url: str | None = None) -> None:
    """Create schemas, roles, raw and audit tables; safe to run any number of times.

    The DDL's checksum is recorded in ``audit.schema_versions``; when it is
    there already nothing runs, so calling this while loads are landing takes
    no table locks (running ``create index if not exists`` beside a COPY can
    deadlock).
    """
    folder = resources.files("ssc_pipeline.warehouse").joinpath("sql")
    scripts = sorted((p for p in folder.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name)
    texts = [script.read_text(encoding="utf-8") for script in scripts]
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    with connect(url, autocommit=True) as conn:
        if _schema_current(conn, digest):
            return
        # One advisory lock: several processes may call this at the same moment.
        conn.execute("select pg_advisory_lock(770001)")
        try:
            if not _schema_current(conn, digest):
                for text in texts:  # 00_core.sql first, then one file per source's raw tables
                    conn.execute(text)
                conn.execute(
                    "create table if not exists audit.schema_versions"
                    " (digest text primary key, applied_at timestamptz not null default now())"
                )
                conn.execute("insert into audit.schema_versions (digest) values (%s) on conflict do nothing", (digest,))
        finally:
            conn.execute("select pg_advisory_unlock(770001)")


def _schema_current(conn: psycopg.Connection, digest: str) -> bool:
    exists = conn.execute("select to_regclass('audit.schema_versions')").fetchone()[0]
    if exists is None:
        return False
    return conn.execute("select 1 from audit.schema_versions where digest = %s", (digest,)).fetchone() is not None
