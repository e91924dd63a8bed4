"""Triggering nightly cycles through a running Airflow and waiting for the hand-overs.

A nightly cycle for a date is one extract run per organisation with the data
interval [date 00:00, date+1 00:00) Europe/Amsterdam; the transform DAG then
follows by itself through the raw Asset events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ssc_pipeline.local.airflow_api import AirflowClient
from ssc_pipeline.periods import day_window, local_midnight
from ssc_pipeline.registry import SSC_CODE, Organisation


@dataclass(frozen=True)
class RunRef:
    org_code: str
    dag_id: str
    run_id: str
    day: dt.date


def trigger_nightly(client: AirflowClient, orgs: Iterable[Organisation], days: Iterable[dt.date]) -> list[RunRef]:
    refs = []
    for day in days:
        start, end = day_window(day)
        for org in orgs:
            run_id = f"nightly__{day.isoformat()}"
            client.trigger_window(org.dag_id, run_id, start, end)
            refs.append(RunRef(org.code, org.dag_id, run_id, day))
    return refs


def trigger_catchup(
    client: AirflowClient, orgs: Iterable[Organisation], first: dt.date, until: dt.date
) -> list[RunRef]:
    """One catch-up run per organisation (and for the SSC's service data) whose data
    interval is [first, until) local time: a missed stretch in a single run."""
    from ssc_pipeline.orchestration.extract_dags import SERVICE_DATA_DAG_ID

    start, end = local_midnight(first), local_midnight(until)
    run_id = f"catchup__{first}_{until}"  # "backfill__" is reserved by Airflow
    refs = [RunRef(SSC_CODE, SERVICE_DATA_DAG_ID, run_id, first)]  # the SSC's cost ledger, keys, surveys
    client.trigger_catchup(SERVICE_DATA_DAG_ID, run_id, start, end)
    for org in orgs:
        client.trigger_catchup(org.dag_id, run_id, start, end)
        refs.append(RunRef(org.code, org.dag_id, run_id, first))
    return refs


def run_nightly(
    client: AirflowClient,
    orgs: list[Organisation],
    days: list[dt.date],
    on_done: Callable[[RunRef, str], None] | None = None,
    catchup_from: dt.date | None = None,
) -> dict[RunRef, str]:
    """Run the nightly cycle for the days (and optionally one catch-up run from
    ``catchup_from`` up to the first day) and wait for the extracts, the transform and the
    monthly close that follow them by Asset events."""
    started = dt.datetime.now(dt.timezone.utc)
    refs = trigger_catchup(client, orgs, catchup_from, min(days)) if catchup_from else []
    refs += trigger_nightly(client, orgs, days)
    by_key = {(r.dag_id, r.run_id): r for r in refs}
    states = client.wait_for_runs(by_key, on_done=(lambda key, state: on_done(by_key[key], state)) if on_done else None)
    if any(s == "success" for s in states.values()):
        # runs started by events meanwhile (a READY marker, a "data ready" post) feed the
        # transform too: let them finish first, then the hand-overs that follow them
        client.wait_no_active_runs(sorted({r.dag_id for r in refs}))
        client.wait_until_idle("transform", since=started)
        client.wait_until_idle("monthly_close", since=started)
    return {by_key[k]: s for k, s in states.items()}
