"""Airflow DAG file: one extract DAG per active organisation in organisations.yml."""

from ssc_pipeline.orchestration.extract_dags import build_extract_dags

for _dag in build_extract_dags():
    globals()[_dag.dag_id] = _dag
del _dag
