"""DAG files import cleanly, make one extract DAG per active organisation, and do no I/O at import."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dbt_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The transform DAG is rendered from the manifest `ssc airflow start` writes with `dbt parse`
    (no database needed): write one into a private SSC home, as a fresh machine would."""
    import os

    from ssc_pipeline.transform import parse_project

    home = tmp_path_factory.mktemp("ssc-home")
    saved = os.environ.get("SSC_HOME")
    os.environ["SSC_HOME"] = str(home)
    try:
        parse_project()
        return home
    finally:
        if saved is None:
            os.environ.pop("SSC_HOME", None)
        else:
            os.environ["SSC_HOME"] = saved


@pytest.fixture(autouse=True)
def _ssc_home(dbt_manifest: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSC_HOME", str(dbt_manifest))


def _dagbag(monkeypatch: pytest.MonkeyPatch, registry: Path | None = None):
    from airflow.dag_processing.dagbag import DagBag

    if registry is not None:
        monkeypatch.setenv("SSC_REGISTRY", str(registry))

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a DAG file opened a network connection at import")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr("psycopg.connect", no_network)
    return DagBag(dag_folder=str(ROOT / "dags"))


def test_dags_import_without_errors_or_io(monkeypatch: pytest.MonkeyPatch) -> None:
    bag = _dagbag(monkeypatch)
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"extract_gm0505", "extract_gm0642", "extract_gm0590", "extract_gm0531",
                                "extract_gm0610", "extract_ssc_service_data", "transform", "monthly_close"}


def test_a_fourth_organisation_gets_its_own_dag(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "organisations.yml").read_text())
    data["organisations"].append({
        "code": "GM0482", "oin": "00000001002150001000", "name": "Gemeente Alblasserdam",
        "source": "topdesk", "connection": "topdesk_gm0482", "schedule": "45 2 * * *",
        "joined_on": "2022-01-01", "active": True})
    data["organisations"].append({
        "code": "GM0523", "oin": "00000001002010008000", "name": "Gemeente Hardinxveld-Giessendam",
        "source": "topdesk", "connection": "topdesk_gm0523", "schedule": "50 2 * * *",
        "joined_on": "2022-01-01", "active": False})
    registry = tmp_path / "organisations.yml"
    registry.write_text(yaml.safe_dump(data, sort_keys=False))
    bag = _dagbag(monkeypatch, registry)
    assert bag.import_errors == {}
    assert "extract_gm0482" in bag.dag_ids
    assert "extract_gm0523" not in bag.dag_ids  # inactive: no DAG


def test_file_drop_organisation_is_woken_by_its_ready_marker(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    monkeypatch.setenv("SSC_INBOX", str(tmp_path / "inbox"))
    bag = _dagbag(monkeypatch)
    ready = bag.dags["extract_gm0610"].timetable.asset_condition
    (watcher,) = ready.watchers
    assert watcher.trigger.filename == "READY"
    assert watcher.trigger.directory == str(tmp_path / "inbox" / "GM0610")
    assert not (tmp_path / "inbox").exists()  # computed at parse time, never created
    assert bag.dags["extract_gm0610"].get_task("extract_load").pool == "source_files"


def test_extract_dag_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    bag = _dagbag(monkeypatch)
    dag = bag.dags["extract_gm0505"]
    assert [t.task_id for t in dag.topological_sort()] == ["extract_load", "validate_load"]
    validate = dag.get_task("validate_load")
    assert [a.uri for a in validate.outlets] == ["ssc://raw/gm0505"]
    transform = bag.dags["transform"]
    assert type(transform.timetable).__name__ == "AssetTriggeredTimetable"  # no clock
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"  # cron OR "data ready"
    assert [a.uri for a in transform.get_task("marts_ready").outlets] == ["ssc://marts/all"]
    # dbt models are visible as tasks (cosmos), upstream of the marts hand-over
    model_tasks = {t.task_id for t in transform.tasks if t.task_id.startswith("dbt.")}
    assert {"dbt.fct_tickets_run", "dbt.sla_monthly_run"} <= model_tasks
    assert "dbt.dbt_producer_watcher" in model_tasks
    producer = transform.get_task("dbt.dbt_producer_watcher")
    # no test tasks: Cosmos keeps the producer's build to models, seeds and snapshots
    assert producer.dbt_cmd_flags.count("--resource-type") >= 3
    # each model's sensor waits for its own model only (no cascade after the build), defers
    # through the settled trigger, and the marts are announced once every sensor is done
    from ssc_pipeline.orchestration.model_sensors import SENSOR_POKE_INTERVAL_S, SettledModelSensor

    sensors = [transform.get_task(t) for t in model_tasks if t.endswith("_run")]
    assert len(sensors) >= 30
    assert all(type(s) is SettledModelSensor and not (s.upstream_task_ids & model_tasks)
               and s.retries == 0 and s.poke_interval == SENSOR_POKE_INTERVAL_S for s in sensors)
    assert transform.get_task("marts_ready").upstream_task_ids == \
        {s.task_id for s in sensors} | {"dbt.dbt_producer_watcher_done"}
    assert producer.retries == 0
    # the registry is copied into raw.registry_organisations before the build reads it
    assert "sync_registry" in producer.upstream_task_ids


def test_nightly_build_leaves_unit_tests_to_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The producer's one `dbt build` runs with NIGHTLY_BUILD_ENV, and dbt then selects no unit test."""
    from dbt.cli.main import dbtRunner

    from ssc_pipeline.transform import NIGHTLY_BUILD_ENV, dbt_env, dbt_project_dir

    producer = _dagbag(monkeypatch).dags["transform"].get_task("dbt.dbt_producer_watcher")
    assert producer.env == dict(NIGHTLY_BUILD_ENV)
    project = str(dbt_project_dir())

    def listed(env: dict[str, str]) -> list[str]:
        for key, value in {**dbt_env("postgresql://parse-only@127.0.0.1:5432/ssc"), **env}.items():
            monkeypatch.setenv(key, value)
        result = dbtRunner().invoke(["--quiet", "ls", "--resource-type", "unit_test", "--resource-type", "model",
                                     "--output", "json", "--output-keys", "resource_type",
                                     "--project-dir", project, "--profiles-dir", project,
                                     "--target-path", str(tmp_path / "target")])
        assert result.success, result.exception
        return [json.loads(line)["resource_type"] for line in result.result]

    every = listed({})
    assert every.count("unit_test") >= 20 and "model" in every  # CI's build runs the unit tests
    nightly = listed(dict(NIGHTLY_BUILD_ENV))
    assert "unit_test" not in nightly and nightly.count("model") == every.count("model")


def test_only_extracts_and_the_monthly_close_have_a_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    bag = _dagbag(monkeypatch)
    for dag_id, dag in bag.dags.items():
        kind = type(dag.timetable).__name__
        if (dag_id.startswith("extract_gm") or dag_id == "monthly_close"):
            assert kind == "AssetOrTimeSchedule", dag_id  # a clock OR an event
        else:
            assert kind == "AssetTriggeredTimetable", dag_id  # events only
