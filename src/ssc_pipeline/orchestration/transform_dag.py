"""The transform DAG: one whole ``dbt build`` whenever an accepted raw load lands; no clock."""

from __future__ import annotations

from functools import reduce
from operator import or_

from airflow.sdk import DAG, task

from ssc_pipeline.orchestration.assets import MARTS, SERVICE_DATA, raw_asset
from ssc_pipeline.orchestration.task_context import ssc_dag
from ssc_pipeline.registry import active_organisations


def build_transform_dag() -> DAG:
    """``dbt build`` (staging -> intermediate -> marts) as one task, then the marts Asset.

    One task runs the whole build in dbt's dependency order, with dbt's own
    threads: a retry, or the next run, rebuilds in that order, never a model on
    its own. Each model's state is in the task's log and in ``audit.dbt_runs``;
    the lineage is in dbt's docs (``ssc dbt-docs``, and "dbt Docs" in the UI).
    """
    assets = [raw_asset(org) for org in active_organisations()] + [SERVICE_DATA]
    with ssc_dag(
        "transform",
        reduce(or_, assets),
        tags=["transform", "dbt"],
        doc_md="Runs `dbt build` (staging -> intermediate -> marts) when new accepted raw data arrives.",
    ) as dag:

        @task(task_id="dbt_build", outlets=[MARTS])
        def dbt_build() -> dict:
            """Rebuild the marts; the monthly close listens to the marts Asset."""
            from ssc_pipeline.steps.transform import build_marts

            return build_marts()

        dbt_build()
    return dag
