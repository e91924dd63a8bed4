"""What every DAG shares: defaults, and what a task reads from its run and from Airflow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import DAG

from ssc_pipeline.connections import ConnectionInfo
from ssc_pipeline.orchestration.notifications import SscFailureNotifier
from ssc_pipeline.periods import TIMEZONE_NAME

START = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
TIMEZONE = TIMEZONE_NAME
DEFAULT_ARGS = {"retries": 1, "retry_delay": dt.timedelta(seconds=20), "on_failure_callback": [SscFailureNotifier()]}


def ssc_dag(dag_id: str, schedule: Any, *, tags: list[str], doc_md: str, max_active_runs: int = 1) -> DAG:
    """A DAG with the project's defaults: no catch-up of missed intervals, retries and failure notices."""
    return DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=max_active_runs,
        default_args=DEFAULT_ARGS,
        tags=tags,
        doc_md=doc_md,
    )


def started_by_event(dag_run: object) -> bool:
    """Was this run started by an Asset event (rather than the clock or a person)?"""
    run_type = getattr(dag_run, "run_type", "")
    return "asset" in str(getattr(run_type, "value", run_type)).lower()


def catchup_window(dag_run: object) -> tuple[dt.datetime, dt.datetime] | None:
    """The [start, end) a catch-up run carries in its conf (``ssc backfill``, the demo), if any."""
    conf = getattr(dag_run, "conf", None) or {}
    if "window_start" not in conf or "window_end" not in conf:
        return None
    return dt.datetime.fromisoformat(conf["window_start"]), dt.datetime.fromisoformat(conf["window_end"])


def airflow_connection(conn_id: str) -> ConnectionInfo:
    """An organisation's system as Airflow resolves it (secrets backend, metadata database or
    ``AIRFLOW_CONN_<ID>``); raises ``LookupError`` naming the connection when it is not defined."""
    from airflow.sdk import Connection

    try:
        conn = Connection.get(conn_id)
    except Exception as exc:  # noqa: BLE001 - Airflow raises its own not-found type
        raise LookupError(
            f"Airflow connection '{conn_id}' is not defined (set it in Airflow or as AIRFLOW_CONN_{conn_id.upper()})"
        ) from exc
    return ConnectionInfo(
        conn_id,
        conn.host,
        conn.login,
        conn.password,
        conn.port,
        conn.schema,
        conn.extra_dejson if hasattr(conn, "extra_dejson") else {},
    )
