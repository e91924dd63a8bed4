"""Event-driven hand-overs on a running Airflow (scheduler, DAG processor, API server, triggerer).

An organisation posts a "data ready" Asset event through Airflow's REST API;
its extract DAG runs at once, the transform follows by itself through the raw
Asset, and the marts change. Bounded in time; stops every process it started.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ssc_pipeline import warehouse
from ssc_pipeline.local import airflow_runtime, simulator_process
from ssc_pipeline.local.airflow_api import AirflowClient
from ssc_pipeline.registry import active_organisations

AMS = ZoneInfo("Europe/Amsterdam")
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def airflow(fresh_db: str) -> Iterator[AirflowClient]:
    home = Path(tempfile.mkdtemp(prefix="ssc-events-"))
    saved = os.environ.get("SSC_HOME")
    os.environ["SSC_HOME"] = str(home)
    try:
        env = simulator_process.start_simulators(active_organisations(), tickets_per_weekday=15)
        state = airflow_runtime.start(extra_env=env)
        client = airflow_runtime.api_client(state)
        client.wait_for_dags([o.dag_id for o in active_organisations()] + ["transform"])
        yield client
        client.close()
    finally:
        airflow_runtime.stop()
        simulator_process.stop_simulators()
        if saved is None:
            os.environ.pop("SSC_HOME", None)
        else:
            os.environ["SSC_HOME"] = saved
        shutil.rmtree(home, ignore_errors=True)


def count(sql: str, *params: object) -> int:
    with warehouse.connect() as conn:
        return int(conn.execute(sql, params).fetchone()[0])


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(2)


def test_data_ready_event_runs_extract_then_transform(airflow: AirflowClient) -> None:
    posted = dt.datetime.now(dt.timezone.utc)
    event = airflow.post_asset_event("ssc://ready/gm0642", extra={"announced_by": "GM0642 TOPdesk beheer"})
    assert event["uri"] == "ssc://ready/gm0642"

    def extract_run():
        runs = [r for r in airflow.runs("extract_gm0642") if r["run_type"] == "asset_triggered"]
        return runs[0] if runs else None

    wait_for(
        lambda: extract_run() is not None and extract_run()["state"] in ("success", "failed"),
        240,
        "the asset-triggered extract run of GM0642",
    )
    assert extract_run()["state"] == "success"
    # the window continues from the cursor (none yet: the last day) up to the event
    assert (
        count(
            "select count(*) from audit.loads where org_code = 'GM0642' and status = 'accepted'"
            " and run_id like 'asset_triggered%%'"
        )
        == 1
    )

    # the event's transform run may queue behind one the start-up loads began (max_active_runs=1),
    # each a dbt build with its ~300 data tests: minutes on a busy 2-core machine
    runs = airflow.wait_until_idle("transform", since=posted, timeout=600)
    assert runs and all(r["state"] == "success" for r in runs)
    assert count("select count(*) from marts.fct_tickets where org_code = 'GM0642'") > 0
    # only the organisation that announced data was extracted
    assert count("select count(*) from audit.loads where org_code <> 'GM0642' and run_id like 'asset_triggered%%'") == 0


def test_dropped_file_with_ready_marker_is_picked_up_by_the_watcher(airflow: AirflowClient) -> None:
    from ssc_pipeline.simulators.file_drop import write_ticket_drop
    from ssc_pipeline.sources.files.drops import inbox_root

    day = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=2)
    before = count("select count(*) from audit.loads where org_code = 'GM0610' and status = 'accepted'")
    written = write_ticket_drop("GM0610", inbox_root(), day, tickets_per_weekday=8)
    assert written[-1].name == "READY"

    def loaded() -> bool:
        return (
            count(
                "select count(*) from audit.loads where org_code = 'GM0610' and status = 'accepted'"
                " and window_start = %s",
                dt.datetime.combine(day, dt.time(0), tzinfo=AMS),
            )
            == 2
        )

    wait_for(loaded, 240, "the READY marker to start GM0610's extract and land its two files")
    assert not written[-1].exists()  # the trigger consumed the marker
    assert count("select count(*) from audit.loads where org_code = 'GM0610' and status = 'accepted'") == before + 2
    runs = [r for r in airflow.runs("extract_gm0610") if r["run_type"] == "asset_triggered"]
    assert runs and runs[0]["state"] in ("running", "success", "queued")
    assert (inbox_root() / "GM0610" / "processed" / written[0].name).exists()
