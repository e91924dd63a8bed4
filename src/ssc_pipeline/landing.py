"""Streaming ``COPY`` into ``raw.*`` with ``audit.loads`` bookkeeping.

A load is a transaction: either every record of the window lands and
``audit.loads`` says ``landed`` with the row count, or nothing lands and the
load is marked ``failed`` with the reason. Raw tables are append-only; a re-run
of a window is a new load, and staging keeps the latest version of each record,
so re-running never duplicates.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ssc_pipeline import warehouse


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


def begin_load(org_code: str, entity: RawEntity, window_start: dt.datetime,
               window_end: dt.datetime, run_id: str | None = None) -> str:
    """Record a running load in its own committed transaction, so a crash stays visible."""
    load_id = str(uuid.uuid4())
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "insert into audit.loads (load_id, org_code, source_system, entity, window_start,"
            " window_end, status, run_id) values (%s, %s, %s, %s, %s, %s, 'running', %s)",
            (load_id, org_code, entity.source_system, entity.entity, window_start, window_end, run_id),
        )
    return load_id


def fail_load(load_id: str, reason: str) -> None:
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "update audit.loads set status = 'failed', finished_at = now(), message = %s"
            " where load_id = %s and status in ('running', 'landed')",
            (reason[:4000], load_id),
        )


def land_records(load_id: str, org_code: str, entity: RawEntity,
                 records: Iterable[Mapping[str, Any]]) -> int:
    """COPY all records in one transaction and mark the load ``landed``; return the row count.

    Records are streamed: nothing holds the whole window in memory.
    """
    columns = ("load_id", "org_code", *entity.key_columns, "payload")
    copy_sql = f"copy {entity.table} ({', '.join(columns)}) from stdin"
    rows = 0
    with warehouse.connect() as conn:
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for record in records:
                copy.write_row((load_id, org_code, *entity.keys(record), json.dumps(record)))
                rows += 1
        conn.execute(
            "update audit.loads set status = 'landed', rows_landed = %s, finished_at = now()"
            " where load_id = %s",
            (rows, load_id),
        )
        conn.commit()
    return rows


def run_load(org_code: str, entity: RawEntity, window_start: dt.datetime, window_end: dt.datetime,
             records: Iterable[Mapping[str, Any]], run_id: str | None = None) -> LoadResult:
    """Begin, land and book one load; on any error mark it failed and re-raise."""
    load_id = begin_load(org_code, entity, window_start, window_end, run_id)
    try:
        rows = land_records(load_id, org_code, entity, records)
    except BaseException as exc:
        fail_load(load_id, f"{type(exc).__name__}: {exc}")
        raise
    return LoadResult(load_id=load_id, org_code=org_code, entity=entity.entity, rows=rows)
