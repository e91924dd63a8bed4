"""The transform DAG's per-model sensors (astronomer-cosmos, watcher mode), made safe to unchain.

In watcher mode one producer task runs the whole ``dbt build``; a sensor per model
only shows that model's state. Cosmos chains the sensors like the models, so after
a build they still resumed one dependency level at a time (20-110 s per transform
run on two cores, bench 6), holding the next transform run (``max_active_runs=1``)
and the monthly close. Unchained, each sensor ends with its own model.

Unchained, though, many sensors defer while their model is about to finish, and
Cosmos' trigger looks at once. Airflow 3.3 then fails the task when the trigger
fires within seconds: the resumed attempt is already queued or running when the
scheduler reads the executor's "success" for the process that deferred, and takes
it for a task killed from outside (apache/airflow#72716; 3.3.2 only guards the
``scheduled`` state). The trigger here first waits ``DEFERRAL_SETTLE_S`` seconds,
long after the scheduler has read that event, and then polls like Cosmos' own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.sdk import DAG
from cosmos.operators._watcher.triggerer import WatcherTrigger
from cosmos.operators.watcher import DbtRunWatcherOperator

# A deferred sensor's trigger fires no sooner than this after deferral. The stale
# executor event of apache/airflow#72716 arrived 3-6 s after deferral in the reports
# and in our failed runs; 20 s leaves room for a busy two-core scheduler.
DEFERRAL_SETTLE_S = 20.0
# How often a deferred sensor then looks at its model's state (one XCom read and
# the producer's state; Cosmos' default is 10 s).
SENSOR_POKE_INTERVAL_S = 5


class SettledWatcherTrigger(WatcherTrigger):
    """Cosmos' watcher trigger that waits ``DEFERRAL_SETTLE_S`` before its first look."""

    def serialize(self) -> tuple[str, dict[str, Any]]:
        _, kwargs = super().serialize()
        return f"{__name__}.{type(self).__name__}", kwargs

    async def run(self) -> AsyncIterator[Any]:
        await asyncio.sleep(DEFERRAL_SETTLE_S)
        async for event in super().run():
            yield event


class SettledModelSensor(DbtRunWatcherOperator):
    """Cosmos' model sensor whose deferral uses :class:`SettledWatcherTrigger`."""

    def defer(self, *, trigger: Any, method_name: str, kwargs: dict[str, Any] | None = None,
              timeout: Any = None) -> None:
        if type(trigger) is WatcherTrigger:
            trigger = SettledWatcherTrigger(**trigger.serialize()[1])
        super().defer(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)


def watch_models_independently(dag: DAG, group_id: str) -> None:
    """Let each Cosmos model sensor in ``group_id`` wait for its own model only.

    Lineage stays in the dbt docs (``ssc dbt-docs``); the graph in Airflow shows the
    producer and one task per model. A failed build fails the producer, which
    notifies with the failed nodes, and ``marts_ready`` then announces nothing: the
    sensors neither retry (Cosmos' retry runs a model on its own, which unchained
    could run before its parent's) nor notify once more per model.
    """
    prefix = f"{group_id}."
    sensors = [t for t in dag.tasks if t.task_id.startswith(prefix) and type(t) is DbtRunWatcherOperator]
    sensor_ids = {s.task_id for s in sensors}
    for sensor in sensors:
        for parent_id in sensor.upstream_task_ids & sensor_ids:
            sensor.upstream_task_ids.discard(parent_id)
            dag.get_task(parent_id).downstream_task_ids.discard(sensor.task_id)
        # Same object, Cosmos' arguments kept; only the deferral differs (see the module doc).
        sensor.__class__ = SettledModelSensor
        sensor.poke_interval = SENSOR_POKE_INTERVAL_S
        sensor.retries = 0
        sensor.on_failure_callback = []
    dag.get_task(f"{prefix}dbt_producer_watcher").retries = 0  # Cosmos skips a producer's retry anyway
