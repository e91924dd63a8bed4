"""What every Airflow task process needs, imported once before LocalExecutor forks its workers.

``airflow_runtime`` runs the scheduler with ``[scheduler] mp_start_method =
forkserver`` and this module in ``mp_forkserver_preload``: Python's fork server
imports it once, LocalExecutor's workers are forked from the fork server and
every task process is forked from a worker, so the modules below sit in
memory once and are shared copy-on-write instead of being imported again by
each task (Great Expectations alone, with pandas and SQLAlchemy, is ~220 MB
and ~4 s of CPU per import; every raw-gate task needs it). Measured in
``bench/RESULTS.md``, benchmark 6 (peak memory of the nightly flow).

``gc.freeze()`` at the end moves everything imported so far into the garbage
collector's permanent generation: a collection in a forked process then
never walks (and so never writes to, and copies) the shared objects.

No I/O, no threads, no connections at import: only modules whose import is
side-effect free (the same ones DAG files and task bodies import anyway).
dbt (one build task a night) is
left out: sharing them would put their pages in every worker for one task.
"""

from __future__ import annotations

import gc
import logging

# LocalExecutor's worker loop, then the task processes: they parse their DAG file (airflow.sdk +
# the DAG builders) and run a body.
import airflow.executors.local_executor  # noqa: F401
import airflow.sdk  # noqa: F401
import airflow.sdk.execution_time.supervisor  # noqa: F401
import airflow.sdk.execution_time.task_runner  # noqa: F401

import ssc_pipeline.landing  # noqa: F401
import ssc_pipeline.orchestration.close_dag  # noqa: F401
import ssc_pipeline.orchestration.extract_dags  # noqa: F401
import ssc_pipeline.orchestration.transform_dag  # noqa: F401
import ssc_pipeline.publishing  # noqa: F401
import ssc_pipeline.steps.extract  # noqa: F401
import ssc_pipeline.steps.inbox  # noqa: F401
import ssc_pipeline.steps.validate  # noqa: F401
import ssc_pipeline.validation  # noqa: F401

# The raw gate's Great Expectations (quietly: its import logs every documented method at INFO).
_gx_logger = logging.getLogger("great_expectations")
_level = _gx_logger.level
_gx_logger.setLevel(logging.WARNING)
try:
    import great_expectations  # noqa: F401
    import great_expectations.core  # noqa: F401
    import great_expectations.data_context.types.base  # noqa: F401
finally:
    _gx_logger.setLevel(_level)

gc.freeze()
