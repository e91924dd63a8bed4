"""A small client of Airflow 3's REST API (``/api/v2``) for triggering and watching runs.

Used by ``ssc demo`` and ``ssc run nightly``, and by organisations that post a
"data ready" Asset event (see README).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

TERMINAL = {"success", "failed"}


class AirflowApiError(RuntimeError):
    pass


@dataclass
class AirflowClient:
    base_url: str
    username: str
    password: str
    timeout: float = 30.0

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.base_url, timeout=self.timeout)
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def _auth(self) -> dict[str, str]:
        if self._token is None:
            resp = self._http.post("/auth/token", json={"username": self.username, "password": self.password})
            if resp.status_code >= 300:
                raise AirflowApiError(f"Airflow refused the login ({resp.status_code}): {resp.text[:300]}")
            self._token = resp.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        resp = self._http.request(method, path, headers=self._auth(), **kwargs)
        if resp.status_code == 401:
            self._token = None
            resp = self._http.request(method, path, headers=self._auth(), **kwargs)
        return resp

    def _json(self, method: str, path: str, ok: Iterable[int] = (200,), **kwargs: Any) -> Any:
        resp = self.request(method, path, **kwargs)
        if resp.status_code not in set(ok):
            raise AirflowApiError(f"{method} {path} -> {resp.status_code}: {resp.text[:500]}")
        return resp.json() if resp.content else None

    def wait_for_dags(self, dag_ids: Iterable[str], timeout: float = 180.0) -> None:
        """Wait until the DAG processor has parsed every DAG."""
        missing = set(dag_ids)
        deadline = time.monotonic() + timeout
        while missing:
            for dag_id in sorted(missing):
                if self.request("GET", f"/api/v2/dags/{dag_id}").status_code == 200:
                    missing.discard(dag_id)
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"Airflow has not parsed DAG(s) {', '.join(sorted(missing))} "
                    f"after {timeout:.0f}s; check the DAG processor log"
                )
            time.sleep(1)

    def unpause(self, dag_id: str) -> None:
        self._json("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})

    def trigger_window(
        self, dag_id: str, run_id: str, start: dt.datetime, end: dt.datetime, conf: dict[str, Any] | None = None
    ) -> str:
        """Trigger a run for the data interval [start, end) (logical date = end).

        When the run id exists already (a re-run of the same window), it is
        cleared so that it runs again: the tasks are idempotent.
        """
        body = {
            "dag_run_id": run_id,
            "logical_date": end.isoformat(),
            "data_interval_start": start.isoformat(),
            "data_interval_end": end.isoformat(),
            "conf": conf or {},
        }
        return self._trigger_or_clear(dag_id, run_id, body)

    def trigger_catchup(self, dag_id: str, run_id: str, start: dt.datetime, end: dt.datetime) -> str:
        """Trigger a catch-up run over [start, end) without a logical date.

        Airflow keeps one run per logical date, and a catch-up spans the dates
        of nightly runs; so the window travels in the run's conf instead
        (``window_start``/``window_end``, read by the extract task).
        """
        body = {
            "dag_run_id": run_id,
            "logical_date": None,
            "conf": {"window_start": start.isoformat(), "window_end": end.isoformat()},
        }
        return self._trigger_or_clear(dag_id, run_id, body)

    def _trigger_or_clear(self, dag_id: str, run_id: str, body: dict[str, Any]) -> str:
        resp = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)
        if resp.status_code == 409:
            if self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").status_code != 200:
                raise AirflowApiError(
                    f"trigger {dag_id} {run_id}: another run has logical date "
                    f"{body.get('logical_date')}: {resp.text[:300]}"
                )
            self._json(
                "POST",
                f"/api/v2/dags/{dag_id}/clearTaskInstances",
                json={"dry_run": False, "dag_run_id": run_id, "reset_dag_runs": True, "only_failed": False},
            )
            return run_id
        if resp.status_code >= 300:
            raise AirflowApiError(f"trigger {dag_id} -> {resp.status_code}: {resp.text[:500]}")
        return resp.json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def runs(self, dag_id: str, limit: int = 50) -> list[dict[str, Any]]:
        data = self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": limit, "order_by": "-run_after"})
        return data["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]

    def queued_asset_events(self, dag_id: str) -> int:
        resp = self.request("GET", f"/api/v2/dags/{dag_id}/assets/queuedEvents")
        if resp.status_code == 404:
            return 0
        return int(resp.json().get("total_entries", 0))

    def asset_id(self, uri: str) -> int:
        data = self._json("GET", "/api/v2/assets", params={"uri_pattern": uri, "limit": 100})
        for asset in data["assets"]:
            if asset["uri"] == uri:
                return int(asset["id"])
        raise AirflowApiError(f"Airflow knows no asset {uri}")

    def post_asset_event(self, uri: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._json(
            "POST", "/api/v2/assets/events", ok=(200,), json={"asset_id": self.asset_id(uri), "extra": extra or {}}
        )

    def wait_for_runs(
        self, runs: Iterable[tuple[str, str]], timeout: float = 1800.0, on_done: Any = None
    ) -> dict[tuple[str, str], str]:
        """Poll until every (dag_id, run_id) is finished; return their final states."""
        pending = set(runs)
        states: dict[tuple[str, str], str] = {}
        deadline = time.monotonic() + timeout
        while pending:
            for key in sorted(pending):
                state = self.run_state(*key)
                if state in TERMINAL:
                    states[key] = state
                    pending.discard(key)
                    if on_done:
                        on_done(key, state)
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} DAG run(s) still running after {timeout:.0f}s")
            if pending:
                time.sleep(1)
        return states

    def wait_no_active_runs(self, dag_ids: Iterable[str], timeout: float = 900.0) -> None:
        """Wait until none of the DAGs has a queued or running run (runs started by events too)."""
        deadline = time.monotonic() + timeout
        pending = list(dag_ids)
        while pending:
            pending = [d for d in pending if any(r["state"] not in TERMINAL for r in self.runs(d, limit=20))]
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"{', '.join(pending)} still running after {timeout:.0f}s")
            if pending:
                time.sleep(2)

    def wait_until_idle(self, dag_id: str, since: dt.datetime, timeout: float = 900.0) -> list[dict[str, Any]]:
        """Wait until ``dag_id`` has no queued Asset events and no active runs, and ran after ``since``.

        Used for the Asset-scheduled transform: the runs are created by the
        scheduler, not by us, so we wait for the scheduler to settle.
        """
        deadline = time.monotonic() + timeout
        while True:
            runs = [r for r in self.runs(dag_id) if _parse(r.get("run_after")) >= since]
            active = [r for r in runs if r["state"] not in TERMINAL]
            if runs and not active and self.queued_asset_events(dag_id) == 0:
                return runs
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} did not settle in {timeout:.0f}s")
            time.sleep(2)


def _parse(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
