"""The transform task's body: one whole ``dbt build`` of the marts, in dependency order.

One task, one build: a retry (or the next run) rebuilds everything in
dependency order, never a model on its own before its parents. Each model's
state is in the task's log (dbt's own lines) and in ``audit.dbt_runs``.
"""

from __future__ import annotations

import logging

from ssc_pipeline import transform
from ssc_pipeline.warehouse import roles

log = logging.getLogger(__name__)


def build_marts() -> dict[str, object]:
    """The nightly build (no unit tests: ``transform.NIGHTLY_BUILD_ENV``); raises ``DbtFailed``."""
    roles.ensure_org_roles()  # the marts' row-level security grants read to every organisation role
    outcome = transform.run_dbt(("build",), extra_env=transform.NIGHTLY_BUILD_ENV)
    log.info("dbt build %s: %d nodes", outcome.invocation_id, outcome.nodes)
    return {"invocation_id": outcome.invocation_id, "nodes": outcome.nodes}
