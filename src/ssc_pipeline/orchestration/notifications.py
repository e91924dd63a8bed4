"""Failure notifications for the DAGs: always logged; posted to a webhook when configured.

A webhook (Teams, Slack, Mattermost: all take a JSON body with ``text``) is
configured as the Airflow connection ``ssc_alerts`` (host = the webhook URL)
or the environment variable ``SSC_ALERT_WEBHOOK_URL``; the URL is a secret and
is never logged. The message names the organisation, the step and the reason.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from airflow.sdk import BaseNotifier

log = logging.getLogger(__name__)


def failure_message(context: dict[str, Any]) -> str:
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    run_id = context.get("run_id") or getattr(ti, "run_id", "?")
    org = dag_id.removeprefix("extract_").upper() if dag_id.startswith("extract_") else "all organisations"
    reason = context.get("exception") or context.get("reason") or "unknown"
    return f"SSC pipeline failure — organisation {org}, step {dag_id}.{task_id} (run {run_id}): {reason}"


def _webhook_url() -> str | None:
    if url := os.environ.get("SSC_ALERT_WEBHOOK_URL"):
        return url
    try:
        from airflow.sdk import Connection

        conn = Connection.get("ssc_alerts")
        return conn.host or None
    except Exception:  # noqa: BLE001 - no connection configured: log only
        return None


class SscFailureNotifier(BaseNotifier):
    """Logs every failure; posts it to the webhook when one is configured."""

    template_fields = ()

    def notify(self, context: dict[str, Any]) -> None:
        message = failure_message(context)
        log.error(message)
        url = _webhook_url()
        if not url:
            return
        import httpx

        try:
            httpx.post(url, json={"text": message}, timeout=10).raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("failure notification could not be posted to the webhook: %s", type(exc).__name__)
