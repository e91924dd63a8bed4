"""The extract DAGs, built from the registry: one per active organisation, one for the SSC's own files.

No I/O at import beyond reading ``organisations.yml``; task bodies are one call
into ``ssc_pipeline.steps`` and import it lazily, so parsing stays fast.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, AssetOrTimeSchedule, CronTriggerTimetable, task

from ssc_pipeline.orchestration.assets import SERVICE_DATA, raw_asset, ready_asset, service_data_ready_asset
from ssc_pipeline.orchestration.task_context import (
    TIMEZONE,
    airflow_connection,
    catchup_window,
    ssc_dag,
    started_by_event,
)
from ssc_pipeline.registry import SSC_CODE, Organisation, active_organisations
from ssc_pipeline.sources.spec import FILES, spec_for

SERVICE_DATA_DAG_ID = "extract_ssc_service_data"


def build_extract_dag(org: Organisation) -> DAG:
    """Nightly on the organisation's cron, or at once on its "data ready" Asset event."""
    schedule = AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(org.schedule, timezone=TIMEZONE, interval=dt.timedelta(days=1)),
        assets=ready_asset(org),
    )
    with ssc_dag(
        org.dag_id,
        schedule,
        tags=["extract", org.source, org.code],
        doc_md=f"Extract {org.name} ({org.code}) from {org.source} via connection `{org.connection}`, "
        "land it in `raw`, and validate the load before it may reach staging.",
        max_active_runs=2,
    ) as dag:

        @task(task_id="extract_load", pool=spec_for(org.source).pool)
        def extract_load(data_interval_start=None, data_interval_end=None, run_id=None, dag_run=None) -> dict:
            from ssc_pipeline.steps.extract import extract_load, resolve_window

            start, end = catchup_window(dag_run) or resolve_window(
                org.code,
                data_interval_start,
                data_interval_end,
                getattr(dag_run, "run_after", None),
                started_by_event(dag_run),
            )
            return extract_load(org.code, start, end, run_id, resolve_connection=airflow_connection)

        @task(task_id="validate_load", outlets=[raw_asset(org)], retries=0)
        def validate_load(extracted: dict) -> dict:
            from ssc_pipeline.steps.validate import validate_loads

            return validate_loads(org.code, extracted)

        validate_load(extract_load())
    return dag


def build_service_data_dag() -> DAG:
    """The SSC's own files (cost ledger, allocation keys, baselines, surveys) from ``<inbox>/SSC``.

    Event-driven only: these files come when finance sends them, not nightly.
    """
    with ssc_dag(
        SERVICE_DATA_DAG_ID,
        service_data_ready_asset(),
        tags=["extract", "files", SSC_CODE],
        doc_md="Load the SSC's cost ledger, allocation keys, baselines and survey responses dropped in "
        "`<inbox>/SSC/` (see docs/file-drops.md).",
    ) as dag:

        @task(task_id="extract_load", pool=FILES.pool)
        def extract_load(data_interval_start=None, data_interval_end=None, run_id=None, dag_run=None) -> dict:
            from ssc_pipeline.steps.extract import extract_service_data

            start, end = catchup_window(dag_run) or (data_interval_start, data_interval_end)
            return extract_service_data(start, end, run_id)

        @task(task_id="validate_load", outlets=[SERVICE_DATA], retries=0)
        def validate_load(extracted: dict) -> dict:
            from ssc_pipeline.steps.validate import validate_loads

            return validate_loads(SSC_CODE, extracted)

        validate_load(extract_load())
    return dag


def build_extract_dags() -> list[DAG]:
    return [build_extract_dag(org) for org in active_organisations()] + [build_service_data_dag()]
