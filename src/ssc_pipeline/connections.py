"""Credentials for an organisation's system, from Airflow connections only.

Secrets never live in ``organisations.yml``: an entry names an Airflow
connection id. Inside a task, Airflow resolves it (secrets backend, metadata
database or ``AIRFLOW_CONN_<ID>`` environment variable; see
``orchestration.task_context``). Outside Airflow (the ``ssc`` command, tests)
the same ``AIRFLOW_CONN_<ID>`` variable is read here, in either of Airflow's two
formats (JSON or URI).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit


class ConnectionNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ConnectionInfo:
    conn_id: str
    host: str | None
    login: str | None
    password: str | None = field(repr=False)
    port: int | None = None
    schema: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def env_var_name(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def connection_json(
    conn_id: str,
    *,
    conn_type: str,
    host: str,
    login: str,
    password: str,
    port: int | None = None,
    schema: str | None = None,
) -> str:
    """The JSON Airflow reads from ``AIRFLOW_CONN_<ID>``."""
    return json.dumps(
        {"conn_type": conn_type, "host": host, "login": login, "password": password, "port": port, "schema": schema}
    )


def _from_env(conn_id: str) -> ConnectionInfo | None:
    raw = os.environ.get(env_var_name(conn_id))
    if not raw:
        return None
    if raw.lstrip().startswith("{"):
        data = json.loads(raw)
        return ConnectionInfo(
            conn_id,
            data.get("host"),
            data.get("login"),
            data.get("password"),
            data.get("port"),
            data.get("schema"),
            data.get("extra") or {},
        )
    parts = urlsplit(raw)
    return ConnectionInfo(
        conn_id,
        parts.hostname,
        unquote(parts.username or "") or None,
        unquote(parts.password or "") or None,
        parts.port,
        parts.path.lstrip("/") or None,
    )


def get_connection(conn_id: str) -> ConnectionInfo:
    """The connection from ``AIRFLOW_CONN_<ID>`` (outside Airflow: the ``ssc`` command, tests).

    Inside a task the orchestration layer asks Airflow instead
    (``orchestration.task_context.airflow_connection``), which also knows its
    secrets backend and metadata database.
    """
    info = _from_env(conn_id)
    if info is None:
        raise ConnectionNotFound(
            f"Airflow connection '{conn_id}' is not defined (set it in Airflow or as {env_var_name(conn_id)})"
        )
    return info
