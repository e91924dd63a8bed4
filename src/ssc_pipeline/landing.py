"""Streaming ``COPY`` into ``raw.*`` with ``audit.loads`` bookkeeping.

A load is a transaction: either every record of the window lands and
``audit.loads`` says ``landed`` with the row count, or nothing lands and the
load is marked ``failed`` with the reason. Raw tables are append-only; a re-run
of a window is a new load, and staging keeps the latest version of each record,
so re-running never duplicates.

Why it is written the way it is (benchmark 1 in ``bench/RESULTS.md`` times it
against a plain COPY and ``pandas.to_sql``): one connection per load (the
``running`` row is committed on it first, then the COPY's transaction runs on
it); payloads are encoded by ``msgspec`` (~2 µs a 1.3 kB record, five times
faster than ``json.dumps``; same JSON value, UTF-8 text where json.dumps wrote ASCII escapes);
and the raw tables have no per-row foreign key: :func:`land_records` checks the
load row once instead (see ``sql/00_core.sql``). What is left is PostgreSQL's
own work per row, mostly parsing the payload into ``jsonb``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import psycopg

from ssc_pipeline import warehouse

_encode_json = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class RawEntity:
    """Where one kind of source record lands and how its typed key columns are read."""

    source_system: str
    entity: str
    table: str
    key_columns: tuple[str, ...]
    keys: Callable[[Mapping[str, Any]], tuple[Any, ...]]


@dataclass(frozen=True)
class LoadResult:
    load_id: str
    org_code: str
    entity: str
    rows: int


def begin_load(
    org_code: str,
    entity: RawEntity,
    window_start: dt.datetime,
    window_end: dt.datetime,
    run_id: str | None = None,
    conn: psycopg.Connection | None = None,
) -> str:
    """Record a running load in its own committed transaction, so a crash stays visible.

    ``conn``, if given, must be in autocommit mode (the row is committed at once).
    """
    load_id = str(uuid.uuid4())
    sql = (
        "insert into audit.loads (load_id, org_code, source_system, entity, window_start,"
        " window_end, status, run_id) values (%s, %s, %s, %s, %s, %s, 'running', %s)"
    )
    params = (load_id, org_code, entity.source_system, entity.entity, window_start, window_end, run_id)
    if conn is not None:
        conn.execute(sql, params)
    else:
        with warehouse.connect(autocommit=True) as own:
            own.execute(sql, params)
    return load_id


def fail_load(load_id: str, reason: str) -> None:
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "update audit.loads set status = 'failed', finished_at = now(), message = %s"
            " where load_id = %s and status in ('running', 'landed')",
            (reason[:4000], load_id),
        )


class LoadNotRunning(RuntimeError):
    """Rows may only land in a load that exists and is ``running``."""


def land_records(
    load_id: str,
    org_code: str,
    entity: RawEntity,
    records: Iterable[Mapping[str, Any]],
    conn: psycopg.Connection | None = None,
) -> int:
    """COPY all records in one transaction and mark the load ``landed``; return the row count.

    Records are streamed: nothing holds the whole window in memory. The load row is
    locked ``for key share`` and checked once before the COPY: the set-based form of
    the foreign key the raw tables no longer carry (a per-row trigger), and like it,
    it keeps the load from being deleted until this transaction ends. ``conn``, if
    given, is used in autocommit mode and left open (the transaction is explicit).
    """
    if conn is None:
        with warehouse.connect(autocommit=True) as own:
            return land_records(load_id, org_code, entity, records, conn=own)
    columns = ("load_id", "org_code", *entity.key_columns, "payload")
    copy_sql = f"copy {entity.table} ({', '.join(columns)}) from stdin"
    keys = entity.keys
    encode = _encode_json
    rows = 0
    with conn.transaction():
        found = conn.execute("select status from audit.loads where load_id = %s for key share", (load_id,)).fetchone()
        if found is None or found[0] != "running":
            raise LoadNotRunning(
                f"load {load_id} is {found[0] if found else 'not in audit.loads'}, "
                "not running: rows land only in a running load"
            )
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            write_row = copy.write_row
            for record in records:
                write_row((load_id, org_code, *keys(record), encode(record).decode()))
                rows += 1
        conn.execute(
            "update audit.loads set status = 'landed', rows_landed = %s, finished_at = now() where load_id = %s",
            (rows, load_id),
        )
    return rows


def run_load(
    org_code: str,
    entity: RawEntity,
    window_start: dt.datetime,
    window_end: dt.datetime,
    records: Iterable[Mapping[str, Any]],
    run_id: str | None = None,
) -> LoadResult:
    """Begin, land and book one load on one connection; on any error mark it failed and re-raise."""
    with warehouse.connect(autocommit=True) as conn:
        load_id = begin_load(org_code, entity, window_start, window_end, run_id, conn=conn)
        try:
            rows = land_records(load_id, org_code, entity, records, conn=conn)
        except BaseException as exc:
            fail_load(load_id, f"{type(exc).__name__}: {exc}")  # on a fresh connection: this one may be broken
            raise
    return LoadResult(load_id=load_id, org_code=org_code, entity=entity.entity, rows=rows)
