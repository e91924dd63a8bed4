"""``airflow_runtime.stop`` ends what a component leaves behind in its process group."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ssc_pipeline.local import airflow_runtime

# The "component" exits on SIGTERM; the process it forked ignores SIGTERM, as an idle
# LocalExecutor worker blocked on its queue may.
LEADER = """
import os, signal, time
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print(os.getpid(), flush=True)
    time.sleep(120)
    os._exit(0)
time.sleep(120)
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_stop_kills_a_straggler_whose_component_already_exited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSC_HOME", str(tmp_path))
    leader = subprocess.Popen([sys.executable, "-c", LEADER], start_new_session=True, stdout=subprocess.PIPE, text=True)
    try:
        straggler = int(leader.stdout.readline())
        airflow_runtime._pid_file().write_text(json.dumps({"scheduler": leader.pid}))
        assert set(airflow_runtime._group_members(leader.pid)) == {leader.pid, straggler}
        airflow_runtime.stop()
        leader.wait(timeout=10)
        assert not airflow_runtime._alive(straggler)
        assert airflow_runtime._group_members(leader.pid) == []
        assert not airflow_runtime._pid_file().exists()
    finally:
        if leader.poll() is None:
            leader.kill()
