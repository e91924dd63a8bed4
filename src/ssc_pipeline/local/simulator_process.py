"""Local stand-ins for the organisations' systems during ``ssc demo``.

The simulator runs as its own process (the Airflow tasks reach it over HTTP on
127.0.0.1, as they would reach a real TOPdesk). Credentials and the
pseudonymisation key are generated once into ``.ssc/secrets.json`` (mode 600)
and handed to Airflow as ``AIRFLOW_CONN_<ID>`` / environment variables.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from ssc_pipeline.connections import connection_json, env_var_name
from ssc_pipeline.registry import Organisation, ssc_home


def _secrets_file() -> Path:
    return ssc_home() / "secrets.json"


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
    return ssc_home() / "simulator.pid"


def start_simulators(orgs: list[Organisation], tickets_per_weekday: int = 25, timeout: float = 30.0) -> dict[str, str]:
    """Start the TOPdesk/ServiceNow simulators for the organisations; return the env Airflow needs.

    File-drop organisations need no simulator: ``write_file_drops`` plays their part.
    """
    stop_simulators()
    api_orgs = [o for o in orgs if o.source in ("topdesk", "servicenow")]
    tenants = [
        {
            "source": o.source,
            "org_code": o.code,
            "username": "ssc_api",
            "password": _simulator_password(o),
            "tickets_per_weekday": tickets_per_weekday,
        }
        for o in api_orgs
    ]
    url_file = ssc_home() / "simulator.url"
    url_file.unlink(missing_ok=True)
    env = dict(os.environ, SSC_SIMULATOR_TENANTS=json.dumps(tenants))
    log = open(ssc_home() / "simulator.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "ssc_pipeline.simulators.serve", "--url-file", str(url_file)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _pid_file().write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while not url_file.exists() or not url_file.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the simulators did not start; see {ssc_home() / 'simulator.log'}")
        time.sleep(0.2)
    urls = json.loads(url_file.read_text())
    out = {"SSC_PSEUDONYMISATION_KEY": local_secrets()["pseudonymisation_key"]}
    for org, tenant in zip(api_orgs, tenants):
        out[env_var_name(org.connection)] = connection_json(
            org.connection,
            conn_type="http",
            host=f"{urls[org.source]}/{org.code.lower()}",
            login=tenant["username"],
            password=tenant["password"],
        )
    return out


def write_file_drops(
    orgs: list[Organisation], days: list[dt.date], tickets_per_weekday: int = 25, service_month: dt.date | None = None
) -> int:
    """Play the file-drop organisations (tickets and holds per day, then READY) and, for
    ``service_month``, the SSC's finance office: the year's cost ledger up to that month,
    allocation keys, baselines and survey responses."""
    from ssc_pipeline.simulators.file_drop import write_service_data, write_ticket_drop
    from ssc_pipeline.sources.files.drops import inbox_root

    written = 0
    if service_month is not None:
        written += len(
            write_service_data(
                inbox_root(), service_month.year, org_codes=[o.code for o in orgs], months=service_month.month
            )
        )
    for org in orgs:
        if org.source != "files":
            continue
        for day in days:
            written += len(write_ticket_drop(org.code, inbox_root(), day, tickets_per_weekday=tickets_per_weekday))
    return written


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
