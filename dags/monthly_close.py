"""Airflow DAG file: the monthly close (completeness gate, write-audit-publish)."""

from ssc_pipeline.orchestration.dag_builders import build_close_dag

monthly_close = build_close_dag()
