"""Local stand-ins for the organisations' systems during ``ssc demo``.

The simulator runs as its own process (the Airflow tasks reach it over HTTP on
127.0.0.1, as they would reach a real TOPdesk). Credentials and the
pseudonymisation key are generated once into ``.ssc/secrets.json`` (mode 600)
and handed to Airflow as ``AIRFLOW_CONN_<ID>`` / environment variables.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from ssc_pipeline import warehouse
from ssc_pipeline.connections import connection_json, env_var_name
from ssc_pipeline.registry import Organisation


def _secrets_file() -> Path:
    return warehouse.ssc_home() / "secrets.json"


def local_secrets() -> dict[str, str]:
    """Generated once per SSC home: the pseudonymisation key and simulator passwords."""
    path = _secrets_file()
    data = json.loads(path.read_text()) if path.exists() else {}
    if "pseudonymisation_key" not in data:
        data["pseudonymisation_key"] = secrets.token_urlsafe(32)
        path.write_text(json.dumps(data))
        path.chmod(0o600)
    return data


def _simulator_password(org: Organisation) -> str:
    data = local_secrets()
    key = f"simulator_password_{org.code}"
    if key not in data:
        data[key] = secrets.token_urlsafe(16)
        _secrets_file().write_text(json.dumps(data))
    return data[key]


def _pid_file() -> Path:
    return warehouse.ssc_home() / "simulator.pid"


def start_simulators(orgs: list[Organisation], tickets_per_weekday: int = 25,
                     timeout: float = 30.0) -> dict[str, str]:
    """Start the TOPdesk simulator for the organisations; return the environment Airflow needs."""
    stop_simulators()
    topdesk = [o for o in orgs if o.source == "topdesk"]
    tenants = [{"org_code": o.code, "username": "ssc_api", "password": _simulator_password(o),
                "tickets_per_weekday": tickets_per_weekday} for o in topdesk]
    url_file = warehouse.ssc_home() / "simulator.url"
    url_file.unlink(missing_ok=True)
    env = dict(os.environ, SSC_SIMULATOR_TENANTS=json.dumps(tenants))
    log = open(warehouse.ssc_home() / "simulator.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen([sys.executable, "-m", "ssc_pipeline.simulators.serve", "--url-file", str(url_file)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    _pid_file().write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while not url_file.exists() or not url_file.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the TOPdesk simulator did not start; see {warehouse.ssc_home() / 'simulator.log'}")
        time.sleep(0.2)
    base_url = url_file.read_text().strip()
    out = {"SSC_PSEUDONYMISATION_KEY": local_secrets()["pseudonymisation_key"]}
    for org, tenant in zip(topdesk, tenants):
        out[env_var_name(org.connection)] = connection_json(
            org.connection, conn_type="http", host=f"{base_url}/{org.code.lower()}",
            login=tenant["username"], password=tenant["password"])
    return out


def stop_simulators() -> None:
    path = _pid_file()
    if not path.exists():
        return
    pid = int(path.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
    except OSError:
        pass
    path.unlink(missing_ok=True)
