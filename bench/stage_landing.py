"""Benchmark 1: landing throughput of ``landing.run_load`` against a plain COPY and pandas.to_sql.

All three write the same rows into the same table (``raw.topdesk_incidents``,
with its indexes and its foreign key to ``audit.loads``) of the same database:

* **run_load** — the pipeline: ``begin_load`` (a committed ``audit.loads``
  row), then per record ``json.dumps`` + ``write_row`` into one streaming COPY,
  then the ``landed`` bookkeeping, in one transaction. Fed the records as the
  connector yields them (Python dicts), one history load and one current load
  per organisation. These rows stay: benchmarks 3 and 4 build on them.
* **plain COPY** — the ceiling: the same rows already serialised as a file in
  COPY's text format, the format run_load streams (serialising is not timed:
  a team loading a file has it), written with ``COPY raw.topdesk_incidents
  (...) FROM STDIN``.
* **pandas.to_sql** — what a team writes instead: records to a DataFrame
  (``json.dumps`` of each payload, as run_load does) and
  ``df.to_sql("topdesk_incidents", engine, schema="raw", if_exists="append",
  index=False)`` through SQLAlchemy + psycopg2 (pandas' defaults).

The two baselines run in a transaction that is rolled back (the table then
holds exactly the pipeline's loads; commit costs next to nothing with the
embedded server's ``synchronous_commit=off``, as for run_load), and the
table is vacuumed after each organisation so dead rows do not slow the next
one. The three alternate per organisation, so drift in the shared machine's
load hits all of them alike. Ratios are of throughput (rows per second).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from bench.core import Check, StageResult, fmt_rate, fmt_seconds
from bench.data import OrgLoad, copy_buffer, nightly_delta, org_load, period_end
from ssc_pipeline import landing, warehouse
from ssc_pipeline.nightly import TOPDESK_INCIDENTS

COPY_SQL = ("copy raw.topdesk_incidents (load_id, org_code, incident_id, modified_at, payload)"
            " from stdin")


def _baseline_load(conn: psycopg.Connection, org_code: str) -> str:
    load_id = str(uuid.uuid4())
    conn.execute("insert into audit.loads (load_id, org_code, source_system, entity, window_start, window_end,"
                 " status, message) values (%s, %s, 'topdesk', 'incidents', now(), now(), 'failed',"
                 " 'benchmark baseline')", (load_id, org_code))
    return load_id


def time_plain_copy(url: str, load: OrgLoad) -> float:
    """Seconds to COPY the organisation's rows from a ready text-format buffer (rolled back)."""
    with psycopg.connect(url) as conn:
        load_id = _baseline_load(conn, load.org_code)
        buffers = [copy_buffer(load_id, load.org_code, load.history), copy_buffer(load_id, load.org_code, load.current)]
        started = time.perf_counter()
        with conn.cursor() as cur:
            for buffer in buffers:
                with cur.copy(COPY_SQL) as copy:
                    for i in range(0, len(buffer), 1 << 20):
                        copy.write(buffer[i:i + (1 << 20)])
        elapsed = time.perf_counter() - started
        conn.rollback()
    return elapsed


def time_to_sql(url: str, load: OrgLoad) -> float:
    """Seconds for records -> DataFrame -> ``to_sql`` (pandas defaults), rolled back."""
    import pandas as pd
    import sqlalchemy

    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg2://"))
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            load_id = str(uuid.uuid4())
            conn.exec_driver_sql(
                "insert into audit.loads (load_id, org_code, source_system, entity, window_start, window_end,"
                " status, message) values (%s, %s, 'topdesk', 'incidents', now(), now(), 'failed',"
                " 'benchmark baseline')", (load_id, load.org_code))
            started = time.perf_counter()
            for records in (load.history, load.current):
                frame = pd.DataFrame({
                    "load_id": load_id, "org_code": load.org_code,
                    "incident_id": [r["id"] for r in records],
                    "modified_at": [r["modificationDate"] for r in records],
                    "payload": [json.dumps(r) for r in records],
                })
                frame.to_sql("topdesk_incidents", conn, schema="raw", if_exists="append", index=False)
            elapsed = time.perf_counter() - started
            trans.rollback()
    finally:
        engine.dispose()
    return elapsed


def time_run_load(load: OrgLoad, end: dt.datetime) -> tuple[float, list[str]]:
    """Seconds for the pipeline's two loads of the organisation (kept); their load ids."""
    start = end - dt.timedelta(days=365)
    started = time.perf_counter()
    first = landing.run_load(load.org_code, TOPDESK_INCIDENTS, start, end - dt.timedelta(days=1),
                             iter(load.history), run_id="bench-history")
    second = landing.run_load(load.org_code, TOPDESK_INCIDENTS, start, end, iter(load.current),
                              run_id="bench-current")
    return time.perf_counter() - started, [first.load_id, second.load_id]


def profile_run_load(url: str, load: OrgLoad, end: dt.datetime) -> list[tuple[str, float]]:
    """Where run_load's time goes, as shares of cProfile's total (a separate load, deleted after).

    cProfile slows Python down, so only the shares are reported, never its timing.
    """
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    outcome = landing.run_load("GM9999", TOPDESK_INCIDENTS, end - dt.timedelta(days=1), end, iter(load.current))
    profiler.disable()
    groups: dict[str, float] = {}
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, _, own, _, _) in stats.items():
        if "json" in filename or function in ("dumps", "encode", "iterencode") or "JSONEncoder" in function:
            group = "json.dumps of each record"
        elif "poll" in function or "select" in function or "wait" in function:
            group = "waiting for PostgreSQL (COPY, commit, audit rows)"
        elif "psycopg" in filename or "write_row" in function:
            group = "psycopg COPY row formatting and sending"
        else:
            group = "other Python (generator, keys, bookkeeping)"
        groups[group] = groups.get(group, 0.0) + own
    total = sum(groups.values()) or 1.0
    with psycopg.connect(url) as conn:
        conn.execute("delete from raw.topdesk_incidents where load_id = %s", (outcome.load_id,))
        conn.execute("delete from audit.loads where load_id = %s", (outcome.load_id,))
        conn.commit()
    return sorted(((g, t / total) for g, t in groups.items()), key=lambda item: -item[1])


def _vacuum(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum (analyze) raw.topdesk_incidents")


def run(url: str, orgs: int, tickets: int, history_share: float, changed_share: float, pandas_orgs: int,
        progress: Callable[[str], None] = print) -> tuple[StageResult, dict[str, Any]]:
    """Land ``orgs`` × ``tickets`` (+ history) three ways; return the result and what later stages need
    (the night-after delta of benchmark 3 is made here, while the tickets are at hand)."""
    result = StageResult(1, "Landing throughput (run_load vs plain COPY vs pandas.to_sql)")
    warehouse.ensure_schema(url)
    end = period_end()
    key = os.environ["SSC_PSEUDONYMISATION_KEY"].encode()
    totals = {"run_load": 0.0, "copy": 0.0, "to_sql": 0.0, "generate": 0.0}
    rows = pandas_rows = 0
    profile: list[tuple[str, float]] = []
    delta_by_org: dict[str, list[dict[str, Any]]] = {}
    for index in range(1, orgs + 1):
        org_code = f"GM{index:04d}"
        began = time.perf_counter()
        load = org_load(org_code, tickets, end, key, history_share)
        delta_by_org[org_code] = nightly_delta(load.tickets, end, key, changed_share)
        totals["generate"] += time.perf_counter() - began
        seconds, _ = time_run_load(load, end)
        totals["run_load"] += seconds
        totals["copy"] += time_plain_copy(url, load)
        rows += load.rows
        if index <= pandas_orgs:
            totals["to_sql"] += time_to_sql(url, load)
            pandas_rows += load.rows
        _vacuum(url)
        progress(f"  {org_code}: {load.rows:,} rows; run_load {fmt_rate(load.rows, seconds)}")
        if index == orgs:
            profile = profile_run_load(url, load, end)
            _vacuum(url)
        del load
    with psycopg.connect(url) as conn:
        landed = conn.execute("select count(*), pg_total_relation_size('raw.topdesk_incidents')"
                              " from raw.topdesk_incidents").fetchone()
    run_load_rate = rows / totals["run_load"]
    to_sql_rate = pandas_rows / totals["to_sql"] if totals["to_sql"] else None
    speedup = run_load_rate / to_sql_rate if to_sql_rate else None
    copy_rate = rows / totals["copy"]
    result.figure("rows landed", f"{rows:,} ({orgs} organisations × {tickets:,} tickets + "
                                 f"{rows - orgs * tickets:,} earlier versions; {2 * orgs} loads)")
    result.figure("raw.topdesk_incidents after landing", f"{landed[0]:,} rows, {landed[1] / 2**20:,.0f} MiB "
                                                          "(table + indexes)")
    result.figure("run_load (pipeline)", f"{fmt_seconds(totals['run_load'])} — {fmt_rate(rows, totals['run_load'])}")
    result.figure("plain COPY of the same rows", f"{fmt_seconds(totals['copy'])} — {fmt_rate(rows, totals['copy'])}")
    if to_sql_rate is not None:
        scope = "all organisations" if pandas_orgs == orgs else f"the first {pandas_orgs} organisations"
        result.figure("pandas.DataFrame.to_sql", f"{fmt_seconds(totals['to_sql'])} for {pandas_rows:,} rows "
                                                 f"({scope}) — {fmt_rate(pandas_rows, totals['to_sql'])}")
    result.figure("record generation (not timed in any figure)", fmt_seconds(totals["generate"]))
    result.checks.append(Check("run_load / plain COPY throughput", run_load_rate / copy_rate, ">=", 0.5))
    result.checks.append(Check("run_load / pandas.to_sql throughput", speedup, ">=", 5.0))
    result.figure("where run_load's time goes (cProfile shares, one organisation's current load)",
                  "; ".join(f"{group} {share:.0%}" for group, share in profile))
    ceiling = copy_rate / to_sql_rate if to_sql_rate else None
    if ceiling is not None:
        result.figure("plain COPY / pandas.to_sql throughput (the most any loader could gain over pandas here)",
                      f"{ceiling:.2f}×")
    if speedup is not None and speedup < 5.0 and ceiling is not None and ceiling < 5.0:
        result.notes.append(
            f"Why the pandas target misses: even a plain COPY of a ready file is only {ceiling:.1f}× faster than "
            "`to_sql` into this table, so no loader can be 5× faster: most of the time is PostgreSQL's, common to "
            "every method — parsing each ~1.3 kB payload into `jsonb`, maintaining the two indexes "
            "(`load_id`; `org_code, incident_id, modified_at desc`) and the foreign key to `audit.loads`. "
            "pandas is also no longer slow: SQLAlchemy 2 sends `to_sql`'s rows as multi-row INSERTs "
            "(insertmanyvalues, 1 000 rows a statement), not one statement per row. What would move it "
            "(not in the bench's files): landing the payload as `json` or `text` and casting in staging moves "
            "the parse cost to every read; fewer indexes on `raw` (the key index could be built per load after "
            "the COPY). In run_load itself, `json.dumps` is the largest Python share; a faster encoder "
            "(orjson, not a dependency today) would narrow the gap to the plain COPY, not reach 5×.")
    limits = []
    if run_load_rate / copy_rate < 0.5:
        limits.append(f"run_load reaches {run_load_rate / copy_rate:.2f}× the plain COPY's throughput at "
                      f"{rows // (2 * orgs):,} rows per load: per load it opens two connections and commits two "
                      "audit transactions, and per record its Python share is mostly `json.dumps` and psycopg's "
                      "row formatting (profile above).")
    if speedup is not None and speedup < 5.0:
        limits.append(f"pandas: run_load reaches {speedup:.1f}× the throughput of `to_sql`, but a plain COPY of a "
                      f"ready file reaches "
                      f"only {ceiling or 0:.1f}×, so no loader of these rows into this table can reach "
                      "5×: the time is PostgreSQL's (jsonb parsing of every ~1.3 kB payload, two indexes, the "
                      "foreign key), and SQLAlchemy 2 batches `to_sql` into 1 000-row INSERTs. Nothing in "
                      "run_load can fix that; moving it needs a cheaper raw table (payload as `json`/`text`, "
                      "fewer indexes — the lead's DDL) or a target stated against the plain COPY.")
    result.limit = " ".join(limits) or None
    result.notes.append(
        "run_load's time includes its two audit transactions per load and `json.dumps` of every record; "
        "the plain COPY is fed a ready file in COPY's text format (no serialisation), so the first ratio is the pipeline's whole "
        "overhead over the database's own ingest speed. pandas is timed from the same Python records "
        "(DataFrame construction + `to_sql`), in a transaction rolled back afterwards.")
    return result, {"end": end, "delta_by_org": delta_by_org, "rows": rows}
