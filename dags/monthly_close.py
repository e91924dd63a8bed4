"""Airflow DAG file: the monthly close (completeness gate, write-audit-publish)."""

from ssc_pipeline.orchestration.close_dag import build_close_dag

monthly_close = build_close_dag()
