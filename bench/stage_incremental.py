"""Benchmark 3: a nightly ``dbt build`` after 1 % of tickets changed, against a full refresh.

On the warehouse benchmark 1 filled (all its loads accepted by SQL here: the
raw gate has its own benchmark, 4):

1. ``dbt build`` once, untimed as a figure of its own (the first build: seeds,
   calendar, every model and test);
2. the night after: the changed 1 % of every organisation's tickets landed as
   one new load per organisation through ``landing.run_load``, accepted;
3. ``dbt build`` — the project as it is, what the transform DAG runs tonight;
4. ``dbt build --full-refresh`` over the same data.

Both builds run dbt in-process (``ssc_pipeline.transform.run_dbt``, as the
Cosmos producer task does), with the project's own threads. The ratio is 3 / 4;
dbt's ``run_results.json`` of step 3 says which nodes took the time.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg

from bench.core import Check, StageResult, fmt_seconds
from ssc_pipeline import landing, warehouse
from ssc_pipeline.nightly import TOPDESK_INCIDENTS
from ssc_pipeline.transform import DbtFailed, run_dbt


def _accept_landed(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        count = conn.execute("update audit.loads set status = 'accepted', message = 'accepted by the benchmark'"
                             " where status = 'landed'").rowcount
        conn.execute("vacuum (analyze) raw.topdesk_incidents")
        conn.execute("analyze audit.loads")
    return count


def _build(args: Sequence[str], url: str, target: Path) -> tuple[float, str | None]:
    started = time.perf_counter()
    error = None
    try:
        run_dbt(("--quiet", *args), url=url, target_path=target)
    except DbtFailed as exc:
        error = str(exc)[:600]
    return time.perf_counter() - started, error


def slowest_nodes(run_results: Path, top: int = 6) -> list[tuple[str, float]]:
    data = json.loads(run_results.read_text())
    nodes = [(r["unique_id"], float(r.get("execution_time") or 0.0)) for r in data.get("results", [])]
    return sorted(nodes, key=lambda n: n[1], reverse=True)[:top]


def materializations(manifest: Path) -> dict[str, int]:
    data = json.loads(manifest.read_text())
    counts: dict[str, int] = {}
    for node in data.get("nodes", {}).values():
        if node.get("resource_type") == "model":
            kind = node.get("config", {}).get("materialized", "?")
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def run(url: str, end: dt.datetime, delta_by_org: Mapping[str, list[dict[str, Any]]], work: Path,
        progress: Callable[[str], None] = print) -> StageResult:
    result = StageResult(3, "Nightly incremental dbt build (1 % changed) vs full refresh")
    target = work / "dbt-incremental"
    accepted = _accept_landed(url)
    progress(f"  {accepted} loads accepted; first dbt build ...")
    first, first_error = _build(("build",), url, target)
    if first_error:
        result.error = f"first dbt build failed: {first_error}"
        return result
    progress(f"  first build {fmt_seconds(first)}; landing the night's delta ...")
    started = time.perf_counter()
    changed = 0
    for org_code, records in delta_by_org.items():
        landing.run_load(org_code, TOPDESK_INCIDENTS, end, end + dt.timedelta(days=1), iter(records),
                         run_id="bench-nightly")
        changed += len(records)
    land_seconds = time.perf_counter() - started
    _accept_landed(url)
    progress(f"  {changed:,} changed tickets landed in {fmt_seconds(land_seconds)}; nightly dbt build ...")
    nightly, nightly_error = _build(("build",), url, target)
    slow = slowest_nodes(target / "run_results.json")
    progress(f"  nightly build {fmt_seconds(nightly)}; dbt build --full-refresh ...")
    full, full_error = _build(("build", "--full-refresh"), url, target)
    progress(f"  full refresh {fmt_seconds(full)}")
    kinds = materializations(target / "manifest.json")
    with psycopg.connect(url) as conn:
        tickets = conn.execute("select count(*) from marts.fct_tickets").fetchone()[0]
        raw_rows = conn.execute("select count(*) from raw.topdesk_incidents").fetchone()[0]

    result.figure("raw rows / tickets in marts.fct_tickets", f"{raw_rows:,} / {tickets:,}")
    result.figure("changed tickets landed (one load per organisation)",
                  f"{changed:,} in {len(delta_by_org)} loads, {fmt_seconds(land_seconds)}")
    result.figure("first dbt build (seeds, calendar, all models and tests)", fmt_seconds(first))
    result.figure("nightly `dbt build` (the project as it is)", fmt_seconds(nightly)
                  + (f" — FAILED: {nightly_error}" if nightly_error else ""))
    result.figure("`dbt build --full-refresh`", fmt_seconds(full) + (f" — FAILED: {full_error}" if full_error else ""))
    result.figure("model materialisations", ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    result.figure("slowest nodes of the nightly build", "; ".join(f"`{uid.split('.', 2)[-1]}` {sec:.1f} s"
                                                                   for uid, sec in slow))
    result.checks.append(Check("nightly build time / full refresh time", 100.0 * nightly / full, "<=", 10.0, "%"))
    if not kinds.get("incremental") and 100.0 * nightly / full > 10.0:
        result.limit = (f"the nightly build took {100.0 * nightly / full:.0f} % of a full refresh because no model "
                        "is incremental. Fix (dbt models): `int_topdesk_incidents_mapped` (and ServiceNow / file "
                        "equivalents), `int_tickets_timed` and `fct_tickets` incremental on (org_code, ticket_id), "
                        "reading only loads accepted since the last build; `sla_monthly` delete+insert on the "
                        "(month, org_code) pairs touched; seeds and the calendar left alone on a normal night.")
    if not kinds.get("incremental"):
        result.notes.append(
            "No model is incremental: every table is rebuilt from all of raw each night, so the nightly build "
            "does the same work as a full refresh and the ratio sits near 100 % whatever the share of changed "
            "tickets. What would fix it (code owned by the dbt models' authors): make the expensive tables "
            "`materialized='incremental'` with `unique_key` — `int_topdesk_incidents_mapped` (and the ServiceNow / "
            "file equivalents) keyed on (org_code, ticket_id), selecting only raw rows of loads accepted since the "
            "last build (`is_incremental()`: `landed_at > (select max(landed_at) from {{ this }})`, or a watermark "
            "on `audit.loads`); `int_tickets_timed` / `fct_tickets` keyed the same way and fed by the changed ticket "
            "ids; `sla_monthly` rebuilt only for the (org, month) pairs those tickets touch "
            "(`incremental_strategy='delete+insert'`, `unique_key=['month', 'org_code']`). The business-day "
            "calendar and the seeds need no rebuild at all on a normal night (a `full_refresh: false` table "
            "or a separate selector). dbt's fixed start-up (parsing, ~tens of seconds on this machine) stays "
            "and bounds the ratio from below at small sizes.")
    return result
