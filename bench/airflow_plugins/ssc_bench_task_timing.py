"""Airflow plugin loaded only by the benchmark's own Airflow (bench/stage_flow.py).

A listener that appends one JSON line per task-body start and end to the file
named by ``SSC_BENCH_TIMINGS`` (wall-clock seconds, with the operator's class),
so that the benchmark can tell time spent *inside* task bodies (the
pipeline's work) from time spent around them (scheduling, task start-up,
Asset hand-overs). The bench points ``AIRFLOW__CORE__PLUGINS_FOLDER`` here; no
other Airflow loads it, and without ``SSC_BENCH_TIMINGS`` it does nothing.

``on_task_instance_running`` fires in the task process just before
``execute``; ``on_task_instance_success`` / ``_failed`` right after it (and the
XCom push). A deferring sensor logs a start without an end; it is resumed in a
new process, which logs a new start.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from airflow.plugins_manager import AirflowPlugin
from pluggy import HookimplMarker

hookimpl = HookimplMarker("airflow")


def _write(event: str, task_instance: Any) -> None:
    path = os.environ.get("SSC_BENCH_TIMINGS")
    if not path:
        return
    task = getattr(task_instance, "task", None)
    record = {
        "event": event,
        "t": time.time(),
        "pid": os.getpid(),
        "dag_id": getattr(task_instance, "dag_id", None),
        "run_id": getattr(task_instance, "run_id", None),
        "task_id": getattr(task_instance, "task_id", None),
        "map_index": getattr(task_instance, "map_index", -1),
        "try_number": getattr(task_instance, "try_number", None),
        "operator": type(task).__name__ if task is not None else None,
    }
    with open(path, "a", encoding="utf-8") as handle:  # O_APPEND: one line per write, never interleaved
        handle.write(json.dumps(record) + "\n")


class _TaskTimingListener:
    @hookimpl
    def on_task_instance_running(self, previous_state: Any, task_instance: Any) -> None:
        _write("running", task_instance)

    @hookimpl
    def on_task_instance_success(self, previous_state: Any, task_instance: Any) -> None:
        _write("success", task_instance)

    @hookimpl
    def on_task_instance_failed(self, previous_state: Any, task_instance: Any, error: Any = None) -> None:
        _write("failed", task_instance)


class SscBenchTaskTiming(AirflowPlugin):
    name = "ssc_bench_task_timing"
    listeners = [_TaskTimingListener()]
