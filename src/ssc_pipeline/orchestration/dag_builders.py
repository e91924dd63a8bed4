"""Builds the DAGs from the registry; the files in ``dags/`` only call these.

No I/O at import beyond reading ``organisations.yml``; task bodies are one call
into ``ssc_pipeline`` and import it lazily, so parsing stays fast.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from airflow.sdk import DAG, AssetOrTimeSchedule, CronTriggerTimetable, task

from ssc_pipeline.notifications import SscFailureNotifier
from ssc_pipeline.orchestration.assets import (
    MARTS,
    PUBLISHED,
    SERVICE_DATA,
    raw_asset,
    ready_asset,
    service_data_ready_asset,
)
from ssc_pipeline.registry import Organisation, active_organisations

START = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
TIMEZONE = "Europe/Amsterdam"
DEFAULT_ARGS = {"retries": 1, "retry_delay": dt.timedelta(seconds=20),
                "on_failure_callback": [SscFailureNotifier()]}


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


def source_pool(source: str) -> str:
    """One pool per source system, so no remote system is hit harder than its rate limit."""
    return f"source_{source}"


def build_extract_dag(org: Organisation) -> DAG:
    """Nightly on the organisation's cron, or at once on its "data ready" Asset event."""
    schedule = AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(org.schedule, timezone=TIMEZONE, interval=dt.timedelta(days=1)),
        assets=ready_asset(org),
    )
    with DAG(
        dag_id=org.dag_id, schedule=schedule, start_date=START, catchup=False,
        max_active_runs=2, default_args=DEFAULT_ARGS, tags=["extract", org.source, org.code],
        doc_md=f"Extract {org.name} ({org.code}) from {org.source} via connection `{org.connection}`, "
               "land it in `raw`, and validate the load before it may reach staging.",
    ) as dag:

        @task(task_id="extract_load", pool=source_pool(org.source))
        def extract_load(data_interval_start=None, data_interval_end=None, run_id=None, dag_run=None) -> dict:
            from ssc_pipeline.nightly import TICKET_ENTITY, extract_load, resolve_window

            start, end = catchup_window(dag_run) or resolve_window(
                org.code, TICKET_ENTITY[org.source], data_interval_start, data_interval_end,
                getattr(dag_run, "run_after", None), started_by_event(dag_run))
            return extract_load(org.code, start, end, run_id)

        @task(task_id="validate_load", outlets=[raw_asset(org)], retries=0)
        def validate_load(extracted: dict) -> dict:
            from ssc_pipeline.nightly import validate_loads

            return validate_loads(org.code, extracted)

        validate_load(extract_load())
    return dag


def build_extract_dags() -> list[DAG]:
    return [build_extract_dag(org) for org in active_organisations()] + [build_service_data_dag()]


SERVICE_DATA_DAG_ID = "extract_ssc_service_data"


def build_service_data_dag() -> DAG:
    """The SSC's own files (cost ledger, allocation keys, baselines, surveys) from ``<inbox>/SSC``.

    Event-driven only: these files come when finance sends them, not nightly.
    """
    # No clock: the finance office's READY marker (or a "data ready" post) starts it.
    with DAG(
        dag_id=SERVICE_DATA_DAG_ID, schedule=service_data_ready_asset(), start_date=START, catchup=False, max_active_runs=1,
        default_args=DEFAULT_ARGS, tags=["extract", "files", "SSC"],
        doc_md="Load the SSC's cost ledger, allocation keys, baselines and survey responses dropped in "
               "`<inbox>/SSC/` (see docs/file-drops.md).",
    ) as dag:

        @task(task_id="extract_load", pool=source_pool("files"))
        def extract_load(data_interval_start=None, data_interval_end=None, run_id=None, dag_run=None) -> dict:
            from ssc_pipeline.nightly import extract_service_data

            start, end = catchup_window(dag_run) or (data_interval_start, data_interval_end)
            return extract_service_data(start, end, run_id)

        @task(task_id="validate_load", outlets=[SERVICE_DATA], retries=0)
        def validate_load(extracted: dict) -> dict:
            from ssc_pipeline.nightly import validate_loads

            return validate_loads("SSC", extracted)

        validate_load(extract_load())
    return dag


def build_transform_dag() -> DAG:
    """dbt build whenever any organisation's accepted raw load lands; no clock.

    The dbt models are Airflow tasks through astronomer-cosmos in WATCHER mode:
    one producer task runs a single ``dbt build`` (one dbt start-up, dbt's own
    threads) while a light sensor per model shows that model's state, each on its
    own (``model_sensors.watch_models_independently``). This keeps orchestration
    overhead near one dbt invocation instead of one per model.
    The DAG is rendered from the manifest ``ssc airflow start`` writes with
    ``dbt parse``, so parsing runs no dbt and touches no database.
    """
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, SeedRenderingBehavior, TestBehavior

    from ssc_pipeline.orchestration.model_sensors import watch_models_independently
    from ssc_pipeline.transform import NIGHTLY_BUILD_ENV, dbt_project_dir, manifest_path

    assets = [raw_asset(org) for org in active_organisations()] + [SERVICE_DATA]
    project = dbt_project_dir()
    with DAG(
        dag_id="transform", schedule=reduce(or_, assets), start_date=START, catchup=False,
        max_active_runs=1, default_args=DEFAULT_ARGS, tags=["transform", "dbt"],
        doc_md="Runs `dbt build` (staging -> intermediate -> marts) when new accepted raw data arrives; "
               "each dbt model is shown as a task (astronomer-cosmos, watcher mode).",
    ) as dag:
        dbt = DbtTaskGroup(
            group_id="dbt",
            # Unit tests (SQL against fixed inputs) stay out of the nightly build: CI runs them.
            project_config=ProjectConfig(dbt_project_path=project, manifest_path=manifest_path(),
                                         install_dbt_deps=False, env_vars=dict(NIGHTLY_BUILD_ENV)),
            profile_config=ProfileConfig(profile_name="ssc", target_name="default",
                                         profiles_yml_filepath=project / "profiles.yml"),
            execution_config=ExecutionConfig(execution_mode=ExecutionMode.WATCHER,
                                             invocation_mode=InvocationMode.DBT_RUNNER),
            # Only models get a task, to keep the DAG light. With no test tasks rendered,
            # Cosmos 1.15 limits the producer's `dbt build` to models, seeds and snapshots
            # (`--resource-type`): the data tests run in CI and `make test`, and the monthly
            # close's GX mart suites gate what is published (docs/incremental.md, "Data
            # tests and the nightly build").
            render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, emit_datasets=False,
                                       test_behavior=TestBehavior.NONE,
                                       seed_rendering_behavior=SeedRenderingBehavior.NONE),
        )
        watch_models_independently(dag, dbt.group_id)

        @task(task_id="sync_registry")
        def sync_registry() -> int:
            """organisations.yml into raw.registry_organisations, read by the dbt build."""
            from ssc_pipeline import registry_table

            return registry_table.sync_registry()

        sync_registry() >> dbt

        @task(task_id="marts_ready", outlets=[MARTS])
        def marts_ready() -> None:
            """Announce the rebuilt marts (the monthly close listens to this Asset)."""

        dbt >> marts_ready()
    return dag


def build_close_dag() -> DAG:
    """The monthly close: on its own monthly schedule OR when the marts were rebuilt.

    Triggered by new marts it publishes the last full month only once that month
    is complete (otherwise it skips quietly); on its schedule (the 2nd, 07:00) an
    incomplete month fails the run, naming what blocks it, so the data team is told.
    """
    schedule = AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 7 2 * *", timezone=TIMEZONE), assets=MARTS)
    with DAG(
        dag_id="monthly_close", schedule=schedule, start_date=START, catchup=False, max_active_runs=1,
        default_args=DEFAULT_ARGS, tags=["close", "publish"],
        doc_md="Completeness gate and write-audit-publish of the last full month into `published.*`.",
    ) as dag:

        @task(task_id="close_last_month", outlets=[PUBLISHED], retries=0)
        def close_last_month(dag_run=None) -> dict:
            from ssc_pipeline.publishing import close_due_month

            return close_due_month(getattr(dag_run, "run_after", None), started_by_event(dag_run))

        close_last_month()
    return dag
