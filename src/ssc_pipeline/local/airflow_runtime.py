"""Runs a real local Airflow 3 (scheduler, DAG processor, API server, triggerer).

Metadata lives in a separate ``airflow`` database on the warehouse server, so
LocalExecutor runs the organisations' DAGs side by side (one process per
organisation would spend minutes on start-up alone, DESIGN §7). Everything
listens on 127.0.0.1. The JWT secret and the API password are generated into
``.ssc/airflow/`` (never into the repository) and passed by environment.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from ssc_pipeline import warehouse
from ssc_pipeline.local.airflow_api import AirflowClient
from ssc_pipeline.periods import TIMEZONE_NAME
from ssc_pipeline.registry import project_root, ssc_home
from ssc_pipeline.sources.spec import SPECS

COMPONENTS = ("scheduler", "dag-processor", "api-server", "triggerer")
# What bounds Airflow's memory on a 2-core machine (bench/RESULTS.md, benchmark 6: the nightly
# flow's peak, summed over Airflow's processes and the task processes they start):
MEMORY_SETTINGS = {
    # 4 task processes at once on 2 cores: each slot is a LocalExecutor worker plus the task
    # process it forks (~130-200 MB PSS together once they share the preloaded modules);
    # 3 measured 0.03 GB less at the peak, not worth queueing the Cosmos sensors' short tasks
    "AIRFLOW__CORE__PARALLELISM": "4",
    # LocalExecutor's workers come from a fork server that imported the task processes'
    # modules once (Great Expectations above all): they share them copy-on-write instead of
    # importing ~220 MB each (see ssc_pipeline.orchestration.preload)
    "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
    "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": "ssc_pipeline.orchestration.preload",
    # three DAG files: one parsing process at a time is enough
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
}
# Components started with --skip-serve-logs: every process runs on this machine and writes
# its task logs under $AIRFLOW_HOME/logs, which the API server reads directly; a log server
# (one beside the scheduler, one beside the triggerer, ~90 MB each) only serves those files
# to other machines. (docker-compose.yml keeps them: its containers do not share the folder.)
SKIP_SERVE_LOGS = ("scheduler", "triggerer")
API_USER = "ssc"
# Concurrent extract tasks per source system (each source spec names its pool and slots).
POOLS = {
    spec.pool: {"slots": spec.pool_slots, "description": spec.pool_description, "include_deferred": False}
    for spec in SPECS.values()
}


@dataclass(frozen=True)
class AirflowState:
    port: int
    jwt_secret: str
    password: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def airflow_home() -> Path:
    home = ssc_home() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    return home


def _state_file() -> Path:
    return airflow_home() / "state.json"


def load_state(create: bool = False) -> AirflowState:
    path = _state_file()
    if path.exists():
        return AirflowState(**json.loads(path.read_text()))
    if not create:
        raise RuntimeError("Airflow was never started here: run `ssc airflow start`")
    state = AirflowState(
        port=warehouse.free_port(), jwt_secret=secrets.token_urlsafe(32), password=secrets.token_urlsafe(16)
    )
    path.write_text(json.dumps(state.__dict__))
    path.chmod(0o600)
    return state


def api_client(state: AirflowState | None = None) -> AirflowClient:
    """A REST client of the running Airflow, logged in as the generated API user."""
    state = state or load_state()
    return AirflowClient(state.base_url, API_USER, state.password)


def airflow_env(state: AirflowState, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for every Airflow process (and so for every task it runs)."""
    home = airflow_home()
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({API_USER: state.password}))
    passwords.chmod(0o600)
    url = warehouse.database_url()
    meta = warehouse.DbParams.from_url(url).url("airflow").replace("postgresql://", "postgresql+psycopg2://")
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(project_root() / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            **MEMORY_SETTINGS,
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIMEZONE_NAME,
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{state.base_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{API_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(state.port),
            "AIRFLOW__API__BASE_URL": state.base_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": state.jwt_secret,
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            # Cosmos otherwise reports each task run to its vendor's usage endpoint
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__COSMOS__DBT_DOCS_DIR": str(ssc_home() / "dbt-docs"),
            "AIRFLOW__COSMOS__DBT_DOCS_INDEX_FILE_NAME": "static_index.html",
            "SSC_DATABASE_URL": url,
            "SSC_HOME": str(ssc_home()),
            "SSC_PROJECT_ROOT": str(project_root()),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    from ssc_pipeline.transform import dbt_env

    env.update(dbt_env(url))  # for the Cosmos dbt tasks
    env.update(extra or {})
    return env


def _airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def _pid_file() -> Path:
    return airflow_home() / "pids.json"


def running_pids() -> dict[str, int]:
    path = _pid_file()
    if not path.exists():
        return {}
    pids = json.loads(path.read_text())
    return {name: pid for name, pid in pids.items() if _alive(pid)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def start(extra_env: dict[str, str] | None = None, timeout: float = 180.0) -> AirflowState:
    """Migrate the metadata database and start every component; wait until the API answers."""
    if running_pids():
        stop()
    warehouse.start_database()
    warehouse.ensure_schema()
    warehouse.ensure_airflow_database()
    state = load_state(create=True)
    if not _port_free(state.port):
        state = AirflowState(warehouse.free_port(), state.jwt_secret, state.password)
        _state_file().write_text(json.dumps(state.__dict__))
    env = airflow_env(state, extra_env)
    logs = airflow_home() / "logs"
    logs.mkdir(exist_ok=True)
    migrate = subprocess.run([_airflow_bin(), "db", "migrate"], env=env, capture_output=True, text=True)
    if migrate.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{migrate.stderr[-3000:]}")
    pools = airflow_home() / "pools.json"
    pools.write_text(json.dumps(POOLS))
    imported = subprocess.run([_airflow_bin(), "pools", "import", str(pools)], env=env, capture_output=True, text=True)
    if imported.returncode != 0:
        raise RuntimeError(f"airflow pools import failed:\n{imported.stderr[-3000:]}")
    pids: dict[str, int] = {}
    for component in COMPONENTS:
        args = [_airflow_bin(), component]
        if component == "api-server":
            args += ["--host", "127.0.0.1", "--port", str(state.port), "--workers", "1"]
        if component in SKIP_SERVE_LOGS:
            args.append("--skip-serve-logs")
        log = open(logs / f"{component}.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        pids[component] = proc.pid
    _pid_file().write_text(json.dumps(pids))
    _wait_healthy(state, timeout)
    return state


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_healthy(state: AirflowState, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        dead = [name for name, pid in json.loads(_pid_file().read_text()).items() if not _alive(pid)]
        if dead:
            raise RuntimeError(f"Airflow component(s) {', '.join(dead)} exited; see {airflow_home() / 'logs'}")
        try:
            health = httpx.get(f"{state.base_url}/api/v2/monitor/health", timeout=5).json()
            if health.get("scheduler", {}).get("status") == "healthy":
                return
            last = json.dumps(health)
        except (httpx.HTTPError, ValueError) as exc:
            last = str(exc)
        time.sleep(1)
    raise TimeoutError(f"Airflow did not become healthy in {timeout:.0f}s: {last}")


def _group_members(pgid: int) -> list[int]:
    """Live processes still in the session and process group a component was started in
    (``start_new_session``: both ids are the component's pid). Empty where there is no ``/proc``."""
    members = []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid and int(fields[3]) == pgid:
            members.append(int(entry.name))
    return members


def _signal_groups(groups: list[int], sig: signal.Signals) -> None:
    for pgid in groups:
        try:
            os.killpg(pgid, sig)
        except OSError:  # the group is gone
            pass


def _wait(done: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop(grace: float = 20.0) -> None:
    """Stop the components this project started, by their process groups.

    Each component was started in a session of its own, so its process group
    holds everything it started (LocalExecutor workers, task processes), also
    what outlives it: SIGTERM to every group, up to ``grace`` seconds for the
    components to finish and two more for what they started, then SIGKILL for
    whatever is left (an idle worker may ignore SIGTERM).
    """
    groups = list(json.loads(_pid_file().read_text()).values()) if _pid_file().exists() else []
    _signal_groups(groups, signal.SIGTERM)
    _wait(lambda: not any(_alive(g) for g in groups), grace)
    if not _wait(lambda: not any(_group_members(g) for g in groups), 2.0):
        _signal_groups(groups, signal.SIGKILL)
        _wait(lambda: not any(_group_members(g) for g in groups), 5.0)
    _pid_file().unlink(missing_ok=True)
