"""Runs the dbt project (staging -> intermediate -> marts) against the warehouse.

dbt reads its connection from ``SSC_DB_*`` environment variables (see
``dbt_project/profiles.yml``); they are derived here from the one warehouse URL
so that there is a single source of truth for where the data lives.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ssc_pipeline import warehouse
from ssc_pipeline.registry import project_root, ssc_home
from ssc_pipeline.warehouse.registry_table import sync_registry


class DbtFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class DbtOutcome:
    success: bool
    invocation_id: str | None
    nodes: int
    failures: list[str]


def dbt_project_dir() -> Path:
    return project_root() / "dbt_project"


def dbt_env(url: str | None = None) -> dict[str, str]:
    params = warehouse.DbParams.from_url(url or warehouse.database_url())
    return {
        "SSC_DB_HOST": params.host,
        "SSC_DB_PORT": str(params.port),
        "SSC_DB_USER": params.user,
        "SSC_DB_PASSWORD": params.password,
        "SSC_DB_NAME": params.dbname,
    }


# What the nightly build (the transform DAG's one `dbt build`) leaves out: dbt's unit
# tests check the models' SQL against fixed inputs, not the night's data, so they run
# where the SQL changes (CI and `make test` build with them); the data tests run there
# too, and the monthly close's GX mart suites gate what is published
# (docs/incremental.md). dbt reads this variable only for `build`, `list` and `test`.
NIGHTLY_BUILD_ENV: Mapping[str, str] = {"DBT_EXCLUDE_RESOURCE_TYPES": "unit_test test"}


def run_dbt(
    args: Sequence[str] = ("build",),
    url: str | None = None,
    target_path: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> DbtOutcome:
    """Invoke dbt in-process; raise ``DbtFailed`` naming the failed nodes.

    ``extra_env`` (e.g. ``NIGHTLY_BUILD_ENV``) is set for this invocation only.
    Every command but ``parse`` and ``docs`` first copies organisations.yml into
    raw.registry_organisations, so the build sees the current registry.
    """
    from dbt.cli.main import dbtRunner

    if next((a for a in args if not a.startswith("-")), None) not in ("parse", "docs"):
        sync_registry(url)

    project = dbt_project_dir()
    target = target_path or (ssc_home() / "dbt-target")
    cli_args = [
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]
    env = {**dbt_env(url), **(extra_env or {})}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # dbt's profiles.yml reads env_var(); restored afterwards
    try:
        result = dbtRunner().invoke(cli_args)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    failures: list[str] = []
    nodes = 0
    invocation_id = None
    if result.result is not None and hasattr(result.result, "results"):
        for node_result in result.result.results:
            nodes += 1
            status = str(getattr(node_result.status, "value", node_result.status))
            if status in ("error", "fail", "runtime error"):
                failures.append(f"{node_result.node.unique_id}: {node_result.message}")
        invocation_id = getattr(getattr(result.result, "args", None), "invocation_id", None)
    if invocation_id is None:
        from dbt_common.invocation import get_invocation_id

        invocation_id = get_invocation_id()
    if not result.success:
        detail = "; ".join(failures) or str(result.exception)
        raise DbtFailed(f"dbt {' '.join(a for a in args if not a.startswith('-'))} failed: {detail}")
    return DbtOutcome(True, invocation_id, nodes, failures)


def docs_dir() -> Path:
    return ssc_home() / "dbt-docs"


def generate_docs() -> Path:
    """dbt's documentation site (models, columns, lineage, exposures) as one static HTML file.

    Also the folder Airflow's UI shows under "dbt Docs" (astronomer-cosmos plugin,
    ``AIRFLOW__COSMOS__DBT_DOCS_DIR``).
    """
    target = docs_dir()
    run_dbt(("docs", "generate", "--static"), target_path=target)
    return target / "static_index.html"
