"""The transform DAG's model sensors defer through a trigger that first lets Airflow settle.

apache/airflow#72716: a trigger that fires within seconds of the deferral gets the resumed
task failed by the scheduler. These tests check the deferral the sensors really raise and
the delay before the trigger's first look at the model's state.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from airflow.sdk.exceptions import TaskDeferred
from airflow._shared.module_loading import import_string  # what the triggerer uses
from cosmos.operators._watcher.triggerer import WatcherTrigger

from ssc_pipeline.orchestration import model_sensors
from ssc_pipeline.orchestration.model_sensors import SettledModelSensor, SettledWatcherTrigger


def _cosmos_trigger() -> WatcherTrigger:
    return WatcherTrigger(model_unique_id="model.ssc.fct_tickets", producer_task_id="dbt.dbt_producer_watcher",
                          dag_id="transform", run_id="r1", map_index=-1, poke_interval=5)


def test_sensor_defers_through_the_settled_trigger() -> None:
    sensor = SettledModelSensor(task_id="fct_tickets_run", project_dir="/nonexistent",
                                extra_context={"dbt_node_config": {"unique_id": "model.ssc.fct_tickets"}})
    with pytest.raises(TaskDeferred) as deferred:
        sensor.defer(trigger=_cosmos_trigger(), method_name="execute_complete", timeout=None)
    trigger = deferred.value.trigger
    assert type(trigger) is SettledWatcherTrigger
    classpath, kwargs = trigger.serialize()
    # the triggerer rebuilds it from this path: it must be ours, with Cosmos' arguments intact
    assert import_string(classpath) is SettledWatcherTrigger
    assert kwargs == _cosmos_trigger().serialize()[1]
    assert deferred.value.method_name == "execute_complete"


def test_trigger_waits_before_its_first_look(monkeypatch: pytest.MonkeyPatch) -> None:
    looks: list[float] = []

    async def cosmos_run(self: WatcherTrigger):  # Cosmos' polling loop, reduced to its first look
        looks.append(time.monotonic())
        yield {"status": "success"}

    monkeypatch.setattr(WatcherTrigger, "run", cosmos_run)
    monkeypatch.setattr(model_sensors, "DEFERRAL_SETTLE_S", 0.4)

    async def first_event() -> object:
        async for event in SettledWatcherTrigger(**_cosmos_trigger().serialize()[1]).run():
            return event
        return None

    started = time.monotonic()
    assert asyncio.run(first_event()) == {"status": "success"}
    assert len(looks) == 1 and looks[0] - started >= 0.4
