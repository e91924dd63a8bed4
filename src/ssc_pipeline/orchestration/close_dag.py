"""The monthly close DAG: completeness gate and write-audit-publish of the last full month."""

from __future__ import annotations

from airflow.sdk import DAG, AssetOrTimeSchedule, CronTriggerTimetable, task

from ssc_pipeline.orchestration.assets import MARTS, PUBLISHED
from ssc_pipeline.orchestration.task_context import TIMEZONE, ssc_dag, started_by_event


def build_close_dag() -> DAG:
    """The monthly close: on its own monthly schedule OR when the marts were rebuilt.

    Triggered by new marts it publishes the last full month only once that month
    is complete (otherwise it skips quietly); on its schedule (the 2nd, 07:00) an
    incomplete month fails the run, naming what blocks it, so the data team is told.
    """
    schedule = AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 7 2 * *", timezone=TIMEZONE), assets=MARTS)
    with ssc_dag(
        "monthly_close",
        schedule,
        tags=["close", "publish"],
        doc_md="Completeness gate and write-audit-publish of the last full month into `published.*`.",
    ) as dag:

        @task(task_id="close_last_month", outlets=[PUBLISHED], retries=0)
        def close_last_month(dag_run=None) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            from ssc_pipeline.publishing import MonthBlocked
            from ssc_pipeline.steps.close import close_due_month

            try:
                return close_due_month(getattr(dag_run, "run_after", None))
            except MonthBlocked as exc:
                if started_by_event(dag_run):
                    raise AirflowSkipException(f"not yet: {exc}") from exc
                raise

        close_last_month()
    return dag
