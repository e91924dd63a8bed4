"""The fork server's preload module (``airflow_runtime.MEMORY_SETTINGS``): safe to import before fork."""

from __future__ import annotations

import subprocess
import sys

from ssc_pipeline.local import airflow_runtime

PROBE = """
import gc, socket, threading
opened = []
real_connect = socket.socket.connect
socket.socket.connect = lambda self, *a, **k: opened.append(a) or real_connect(self, *a, **k)
import {module}
import sys
assert threading.active_count() == 1, [t.name for t in threading.enumerate()]
assert not opened, opened
assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()
assert "great_expectations" in sys.modules and "dbt" not in sys.modules
print("ok")
"""


def test_scheduler_forks_workers_from_a_fork_server_that_preloads_the_pipeline() -> None:
    settings = airflow_runtime.MEMORY_SETTINGS
    assert settings["AIRFLOW__SCHEDULER__MP_START_METHOD"] == "forkserver"
    assert settings["AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD"] == "ssc_pipeline.orchestration.preload"


def test_preload_starts_no_thread_opens_no_connection_and_freezes_the_heap() -> None:
    """Forking a process with threads or open sockets is unsafe; gc.freeze keeps shared pages shared."""
    module = airflow_runtime.MEMORY_SETTINGS["AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
