"""Benchmark 1: landing throughput of ``landing.run_load`` against a plain COPY and pandas.to_sql.

All three write the same rows into the same table (``raw.topdesk_incidents``
as the pipeline's DDL makes it: typed key columns, ``jsonb`` payload, one
index on ``load_id``; no per-row foreign key, see ``sql/00_core.sql``) of the
same database:

* **run_load** — the pipeline: ``begin_load`` (a committed ``audit.loads``
  row), then, on the same connection, per record a ``msgspec`` JSON encoding +
  ``write_row`` into one streaming COPY and the ``landed`` bookkeeping, in one
  transaction. Fed the records as the connector yields them (Python dicts),
  one history load and one current load per organisation. These rows stay:
  benchmarks 3 and 4 build on them.
* **plain COPY** — the ceiling: the same rows already serialised as a file in
  COPY's text format, the format run_load streams (serialising is not timed:
  a team loading a file has it), written with ``COPY raw.topdesk_incidents
  (...) FROM STDIN``.
* **pandas.to_sql** — what a team writes instead: records to a DataFrame
  (``json.dumps`` of each payload) and
  ``df.to_sql("topdesk_incidents", engine, schema="raw", if_exists="append",
  index=False)`` through SQLAlchemy + psycopg2 (pandas' defaults).

The two baselines run in a transaction that is rolled back (the table then
holds exactly the pipeline's loads; commit costs next to nothing with the
embedded server's ``synchronous_commit=off``, as for run_load), and the
table is vacuumed after each organisation so dead rows do not slow the next
one. The three alternate per organisation, so drift in the shared machine's
load hits all of them alike. Ratios are of throughput (rows per second).

What bounds the ratio to pandas is measured too (:func:`database_floor`):
PostgreSQL's own time per row for a COPY of a ready buffer into scratch
tables that differ in one feature each — payload as ``text`` without index,
as ``jsonb`` without index, the raw table's shape, and that shape fed in
COPY's binary format — so the report can say which part of the database's
work a faster loader could still avoid and which it cannot.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import struct
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from bench.core import Check, StageResult, fmt_rate, fmt_seconds
from bench.data import OrgLoad, copy_buffer, nightly_delta, org_load, period_end
from ssc_pipeline import landing, warehouse
from ssc_pipeline.sources.spec import TOPDESK

TOPDESK_INCIDENTS = TOPDESK.tickets

COPY_SQL = "copy raw.topdesk_incidents (load_id, org_code, incident_id, modified_at, payload) from stdin"


def _baseline_load(conn: psycopg.Connection, org_code: str) -> str:
    load_id = str(uuid.uuid4())
    conn.execute(
        "insert into audit.loads (load_id, org_code, source_system, entity, window_start, window_end,"
        " status, message) values (%s, %s, 'topdesk', 'incidents', now(), now(), 'failed',"
        " 'benchmark baseline')",
        (load_id, org_code),
    )
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
                        copy.write(buffer[i : i + (1 << 20)])
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
                " 'benchmark baseline')",
                (load_id, load.org_code),
            )
            started = time.perf_counter()
            for records in (load.history, load.current):
                frame = pd.DataFrame(
                    {
                        "load_id": load_id,
                        "org_code": load.org_code,
                        "incident_id": [r["id"] for r in records],
                        "modified_at": [r["modificationDate"] for r in records],
                        "payload": [json.dumps(r) for r in records],
                    }
                )
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
    first = landing.run_load(
        load.org_code, TOPDESK_INCIDENTS, start, end - dt.timedelta(days=1), iter(load.history), run_id="bench-history"
    )
    second = landing.run_load(load.org_code, TOPDESK_INCIDENTS, start, end, iter(load.current), run_id="bench-current")
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
        if "json" in filename or "msgspec" in function or "dumps" in function or "JSONEncoder" in function:
            group = "JSON encoding of each record (msgspec)"
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


FLOOR_SHAPES = (
    ("text payload, no index", "payload text", False),
    ("jsonb payload, no index", "payload jsonb", False),
    ("the raw table's shape (jsonb, load_id index)", "payload jsonb", True),
)


def _binary_buffer(load_id: str, org_code: str, records: list[dict[str, Any]]) -> bytes:
    """The same rows in COPY's binary format (what a loader avoiding text escaping would send)."""
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    load = uuid.UUID(load_id).bytes
    org = org_code.encode()
    parts = [b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)]
    for record in records:
        incident = record["id"].encode()
        modified = dt.datetime.fromisoformat(record["modificationDate"])
        payload = b"\x01" + json.dumps(record).encode()
        parts.append(
            struct.pack("!hi", 5, 16)
            + load
            + struct.pack("!i", len(org))
            + org
            + struct.pack("!i", len(incident))
            + incident
            + struct.pack("!iq", 8, (modified - epoch) // dt.timedelta(microseconds=1))
            + struct.pack("!i", len(payload))
            + payload
        )
    parts.append(struct.pack("!h", -1))
    return b"".join(parts)


def _backend_cpu(conn: psycopg.Connection) -> Callable[[], float] | None:
    """Seconds of CPU the connection's server process has used so far, if the server runs on this
    machine (``/proc``): unlike wall time, it does not count waiting for a core other users hold."""
    pid = conn.execute("select pg_backend_pid()").fetchone()[0]
    stat = Path(f"/proc/{pid}/stat")
    try:
        if (
            conn.info.host not in ("127.0.0.1", "localhost", "::1")
            or b"postgres" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        ):
            return None
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return seconds


def database_floor(url: str, load: OrgLoad, rounds: int = 3, repeat: int = 4) -> tuple[dict[str, float], str]:
    """PostgreSQL's own seconds per row for a COPY of a ready buffer, by table shape.

    Each variant COPYs the organisation's rows ``repeat`` times into a fresh scratch table (in a
    transaction that is rolled back); the best of ``rounds`` interleaved rounds counts. Measured as
    the server process's CPU time where the server is local, else as wall time; says which.
    """
    columns = "(load_id, org_code, incident_id, modified_at, payload)"
    records = load.history + load.current
    timings: dict[str, list[float]] = {}
    with psycopg.connect(url) as conn:
        cpu = _backend_cpu(conn)
        clock = cpu or time.perf_counter
        load_id = _baseline_load(conn, load.org_code)
        text = copy_buffer(load_id, load.org_code, records)
        binary = _binary_buffer(load_id, load.org_code, records)
        variants = [(label, ddl, indexed, "text", text) for label, ddl, indexed in FLOOR_SHAPES]
        variants.append(("the raw table's shape, COPY in binary format", "payload jsonb", True, "binary", binary))
        for round_ in range(rounds):
            for number, (label, ddl, indexed, fmt, buffer) in enumerate(variants):
                table = f"bench_floor_{round_}_{number}"
                conn.execute(
                    f"create table {table} (load_id uuid not null, org_code text not null, incident_id"
                    f" text not null, modified_at timestamptz not null, {ddl} not null,"
                    " landed_at timestamptz not null default now())"
                )
                if indexed:
                    conn.execute(f"create index on {table} (load_id)")
                started = clock()
                for _ in range(repeat):
                    with (
                        conn.cursor() as cur,
                        cur.copy(
                            f"copy {table} {columns} from stdin" + (" (format binary)" if fmt == "binary" else "")
                        ) as copy,
                    ):
                        for i in range(0, len(buffer), 1 << 20):
                            copy.write(buffer[i : i + (1 << 20)])
                timings.setdefault(label, []).append((clock() - started) / (repeat * len(records)))
        conn.rollback()
    how = "the server process's CPU time" if cpu else "wall time (server not on this machine)"
    return {label: min(values) for label, values in timings.items()}, how


def _vacuum(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum (analyze) raw.topdesk_incidents")


def run(
    url: str,
    orgs: int,
    tickets: int,
    history_share: float,
    changed_share: float,
    pandas_orgs: int,
    progress: Callable[[str], None] = print,
) -> tuple[StageResult, dict[str, Any]]:
    """Land ``orgs`` × ``tickets`` (+ history) three ways; return the result and what later stages need
    (the night-after delta of benchmark 3 is made here, while the tickets are at hand)."""
    result = StageResult(1, "Landing throughput (run_load vs plain COPY vs pandas.to_sql)")
    warehouse.ensure_schema(url)
    end = period_end()
    key = os.environ["SSC_PSEUDONYMISATION_KEY"].encode()
    totals = {"run_load": 0.0, "copy": 0.0, "to_sql": 0.0, "generate": 0.0}
    rows = pandas_rows = 0
    profile: list[tuple[str, float]] = []
    floor: dict[str, float] = {}
    floor_how = ""
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
            floor, floor_how = database_floor(url, load)
        del load
    with psycopg.connect(url) as conn:
        landed = conn.execute(
            "select count(*), pg_total_relation_size('raw.topdesk_incidents') from raw.topdesk_incidents"
        ).fetchone()
    run_load_rate = rows / totals["run_load"]
    to_sql_rate = pandas_rows / totals["to_sql"] if totals["to_sql"] else None
    speedup = run_load_rate / to_sql_rate if to_sql_rate else None
    copy_rate = rows / totals["copy"]
    result.figure(
        "rows landed",
        f"{rows:,} ({orgs} organisations × {tickets:,} tickets + "
        f"{rows - orgs * tickets:,} earlier versions; {2 * orgs} loads)",
    )
    result.figure(
        "raw.topdesk_incidents after landing", f"{landed[0]:,} rows, {landed[1] / 2**20:,.0f} MiB (table + indexes)"
    )
    result.figure("run_load (pipeline)", f"{fmt_seconds(totals['run_load'])} — {fmt_rate(rows, totals['run_load'])}")
    result.figure("plain COPY of the same rows", f"{fmt_seconds(totals['copy'])} — {fmt_rate(rows, totals['copy'])}")
    if to_sql_rate is not None:
        scope = "all organisations" if pandas_orgs == orgs else f"the first {pandas_orgs} organisations"
        result.figure(
            "pandas.DataFrame.to_sql",
            f"{fmt_seconds(totals['to_sql'])} for {pandas_rows:,} rows "
            f"({scope}) — {fmt_rate(pandas_rows, totals['to_sql'])}",
        )
    result.figure("record generation (not timed in any figure)", fmt_seconds(totals["generate"]))
    result.checks.append(Check("run_load / plain COPY throughput", run_load_rate / copy_rate, ">=", 0.5))
    result.checks.append(Check("run_load / pandas.to_sql throughput", speedup, ">=", 5.0))
    result.figure(
        "where run_load's time goes (cProfile shares, one organisation's current load)",
        "; ".join(f"{group} {share:.0%}" for group, share in profile),
    )
    ceiling = copy_rate / to_sql_rate if to_sql_rate else None
    if ceiling is not None:
        result.figure(
            "plain COPY / pandas.to_sql throughput (the most any loader could gain over pandas here)", f"{ceiling:.2f}×"
        )
    if floor:
        result.figure(
            f"PostgreSQL's time per row to COPY a ready buffer of one organisation's rows ({floor_how}, "
            "best of 3 rounds of 4 COPYs)",
            "; ".join(f"{label} {seconds * 1e6:.1f} µs" for label, seconds in floor.items()),
        )
    speedup_ok = speedup is not None and speedup >= 5.0
    limits = []
    if run_load_rate / copy_rate < 0.5:
        limits.append(
            f"run_load reaches {run_load_rate / copy_rate:.2f}× the plain COPY's throughput at "
            f"{rows // (2 * orgs):,} rows per load: per record its Python share is the JSON encoding "
            "and psycopg's row formatting (profile above)."
        )
    if speedup is not None and not speedup_ok and floor and ceiling is not None:
        text_us = floor[FLOOR_SHAPES[0][0]] * 1e6
        jsonb_us = floor[FLOOR_SHAPES[1][0]] * 1e6
        raw_us = floor[FLOOR_SHAPES[2][0]] * 1e6
        binary_us = floor["the raw table's shape, COPY in binary format"] * 1e6
        parse_us, index_us = jsonb_us - text_us, raw_us - jsonb_us
        split = (
            f"parsing the ~1.3 kB payload into `jsonb` {parse_us:.1f} µs ({parse_us / raw_us:.0%}), "
            if parse_us > 0.1
            else "parsing into `jsonb` too little to measure this time, "
        )
        split += (
            f"the `load_id` index {index_us:.1f} µs ({index_us / raw_us:.0%}), "
            if index_us > 0.1
            else "the `load_id` index too little to measure, "
        )
        split += (
            f"the rest ({text_us:.1f} µs) what a `text` payload without index costs too: reading the line, "
            "writing heap and WAL"
        )
        binary_text = (
            f"COPY's binary format (no text escaping for the server to undo) takes {binary_us:.1f} µs, "
            f"{1 - binary_us / raw_us:.0%} less"
            if binary_us < raw_us
            else f"COPY's binary format gains nothing measurable ({binary_us:.1f} µs)"
        )
        if ceiling < 5.0:
            head = (
                f"pandas: run_load reaches {speedup:.1f}× the throughput of `to_sql`, and even a plain COPY of a "
                f"ready file only {ceiling:.1f}× (timed interleaved with pandas, so under the same load): no "
                "loader of these rows into this table reaches 5× on this machine. The time is PostgreSQL's: "
            )
        else:
            head = (
                f"pandas: run_load reaches {speedup:.1f}× the throughput of `to_sql` while a plain COPY of a "
                f"ready file reaches {ceiling:.1f}×, so the rest is the loader's (profile above). For the "
                "record, PostgreSQL's part: "
            )
        limits.append(
            f"{head}{raw_us:.1f} µs of server CPU per row for this table's shape — {split}. {binary_text}. "
            f"run_load itself reaches {run_load_rate / copy_rate:.2f}× the plain COPY's throughput; pandas spends "
            f"{1e6 / to_sql_rate:.0f} µs a row (wall), most of it its own (DataFrame, SQLAlchemy's 1 000-row "
            "INSERTs through psycopg2), so a lighter table helps both and the ratio barely moves. Left for the "
            "loader: the binary format (it needs typed key values: TOPdesk's and ServiceNow's timestamps are "
            "strings that PostgreSQL parses) — a few per cent, not 5×; for the database, only a payload that is "
            "not `jsonb`, which the contract rules out."
        )
    result.limit = " ".join(limits) or None
    result.notes.append(
        "What changed since the first measurement (2.68× pandas): the raw tables lost the per-row foreign key to "
        "`audit.loads` (an RI trigger per landed row, ~19 % of the database's time on a COPY by `perf`; the "
        "integrity is now checked once per load — `sql/00_core.sql`) and the (org_code, incident_id, modified_at "
        "desc) index that no reader uses (EXPLAIN of the staging models: sequential scan + sort); run_load encodes "
        "with msgspec (~2 µs a record against ~10 µs for `json.dumps`) and uses one connection per load instead of "
        "three. pandas gains from the lighter table too"
        + (
            f"; its {1e6 / to_sql_rate:.0f} µs a row here are mostly its own (DataFrame, SQLAlchemy's multi-row "
            "INSERTs of 1 000 rows through psycopg2)."
            if to_sql_rate
            else "."
        )
    )
    result.notes.append(
        "run_load's time includes its two audit statements per load and the encoding of every record; "
        "the plain COPY is fed a ready file in COPY's text format (no serialisation), so the first ratio is the "
        "pipeline's whole overhead over the database's own ingest speed. pandas is timed from the same Python "
        "records (DataFrame construction + `to_sql`), in a transaction rolled back afterwards. The floor "
        "measurements COPY one organisation's rows into fresh scratch tables (rolled back), so they time the "
        "database's per-row work without the client."
    )
    return result, {"end": end, "delta_by_org": delta_by_org, "rows": rows}
