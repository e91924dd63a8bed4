"""Monthly close: completeness gate, then write-audit-publish into immutable, versioned ``published.*``.

Write: the month's rows of each mart are copied apart (schema ``published_wap``,
invisible to readers). Audit: the mart's GX suite runs on that copy.
Publish: in ONE transaction, every mart whose copy differs from its latest
published version (by checksum) gets a new version; an unchanged month
creates nothing. Published rows are never updated or deleted, so version 1
stays when version 2 corrects it. ``audit.publications`` records each one.

A month is complete when every active organisation that had joined by the
month's end has accepted ticket loads whose windows together cover the whole
local month, and every mart suite passed. An override lets the SSC publish
without a late organisation; it needs a reason, is recorded, and marks the
published rows (``completeness_override``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from psycopg import sql

from ssc_pipeline import validation, warehouse
from ssc_pipeline.periods import local_midnight, month_bounds
from ssc_pipeline.registry import Organisation, active_organisations
from ssc_pipeline.sources.spec import spec_for
from ssc_pipeline.warehouse import roles

MARTS = ("sla_monthly", "cost_savings_monthly", "csat_monthly")
LINEAGE = (
    "version integer not null, published_at timestamptz not null, dbt_invocation_id text,"
    " validation_run_id text not null, source_row_count bigint not null, checksum text not null,"
    " completeness_override text"
)


class MonthBlocked(RuntimeError):
    """The close cannot publish; the message names every blocking organisation or check."""


@dataclass(frozen=True)
class Published:
    mart: str
    version: int
    created: bool
    rows: int
    checksum: str


@dataclass
class CloseResult:
    month: dt.date
    published: list[Published] = field(default_factory=list)
    overridden: tuple[str, ...] = ()


def completeness_blockers(month: dt.date, orgs: list[Organisation] | None = None) -> list[str]:
    """Organisations whose accepted loads do not cover the whole month (joined by its end)."""
    start, end = month_bounds(month)
    blockers = []
    with warehouse.connect() as conn:
        for org in orgs if orgs is not None else active_organisations():
            if org.joined_on >= end.date():
                continue
            covered, loads = conn.execute(
                "select coalesce(range_agg(tstzrange(window_start, window_end, '[)'))"
                "        @> tstzrange(%s, %s, '[)'), false), count(*)"
                " from audit.loads where org_code = %s and entity = %s and status = 'accepted'"
                " and window_end > %s and window_start < %s",
                (
                    max(start, local_midnight(org.joined_on)),
                    end,
                    org.code,
                    spec_for(org.source).ticket_entity,
                    start,
                    end,
                ),
            ).fetchone()
            if not covered:
                blockers.append(
                    f"organisation {org.code} ({org.name}): accepted loads do not cover "
                    f"{month:%Y-%m} ({loads} accepted load(s) overlap it)"
                )
    return blockers


def _existing_marts() -> list[str]:
    with warehouse.connect() as conn:
        rows = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' and table_name = any(%s)",
            (list(MARTS),),
        ).fetchall()
    present = {r[0] for r in rows}
    return [m for m in MARTS if m in present]


def _write_candidate(mart: str, month: dt.date) -> str:
    """Write step: the month's rows apart, where no reader looks."""
    name = f"{mart}__{month:%Y%m}"
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("create schema if not exists published_wap")
        conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier("published_wap", name)))
        conn.execute(
            sql.SQL("create table {} as select * from {} where month = %s").format(
                sql.Identifier("published_wap", name), sql.Identifier("marts", mart)
            ),
            (month,),
        )
    return f"published_wap.{name}"


def _audit_candidate(mart: str, table: str, month: dt.date) -> validation.ValidationOutcome | None:
    suite_name = f"mart_{mart}"
    if not (validation.expectations_dir() / f"{suite_name}.json").exists():
        return None
    query = validation.load_suite_json(suite_name)["meta"]["query"]
    outcome = validation.run_suite(suite_name, query.format(table=table, month=month.isoformat()))
    validation.record_outcome(outcome, target=f"mart:{mart}:{month:%Y-%m}", month=month.isoformat())
    validation.publish_data_docs([outcome])
    return outcome


def _ensure_published_table(conn, mart: str) -> None:  # noqa: ANN001 - psycopg connection
    exists = conn.execute(
        "select 1 from information_schema.tables where table_schema = 'published' and table_name = %s", (mart,)
    ).fetchone()
    if exists:
        return
    conn.execute(
        sql.SQL("create table {} as select * from {} with no data").format(
            sql.Identifier("published", mart), sql.Identifier("marts", mart)
        )
    )
    for column in LINEAGE.split(", "):
        conn.execute(sql.SQL("alter table {} add column " + column).format(sql.Identifier("published", mart)))
    conn.execute(sql.SQL("create index on {} (month, version)").format(sql.Identifier("published", mart)))
    roles.protect_table(conn, "published", mart)


def close_month(
    month: dt.date, *, override: tuple[str, ...] = (), reason: str | None = None, actor: str | None = None
) -> CloseResult:
    """Gate, write, audit and publish one month; raise ``MonthBlocked`` naming what blocks it."""
    if override and not reason:
        raise ValueError("an override needs a reason (recorded with the publication)")
    warehouse.ensure_schema()
    roles.ensure_org_roles()
    blockers = [b for b in completeness_blockers(month) if not any(f"organisation {code} " in b for code in override)]
    marts = _existing_marts()
    if "sla_monthly" not in marts:
        blockers.append("marts.sla_monthly does not exist: run the transform first")
    candidates: dict[str, tuple[str, str]] = {}
    for mart in marts:
        table = _write_candidate(mart, month)
        outcome = _audit_candidate(mart, table, month)
        if outcome is not None and not outcome.success:
            blockers.append(
                f"mart suite mart_{mart} failed for {month:%Y-%m}: "
                + "; ".join(f.describe() for f in outcome.critical_failures)
            )
        candidates[mart] = (table, outcome.validation_id if outcome else f"none:{uuid.uuid4()}")
    if blockers:
        raise MonthBlocked(f"month {month:%Y-%m} cannot be published: " + "; ".join(blockers))
    note = f"published without {', '.join(override)}: {reason} (by {actor or 'unknown'})" if override else None
    result = CloseResult(month=month, overridden=tuple(override))
    with warehouse.connect() as conn:
        conn.execute("select pg_advisory_xact_lock(770002)")  # one close at a time
        dbt_run = conn.execute(
            "select invocation_id from audit.dbt_runs where success order by finished_at desc limit 1"
        ).fetchone()
        for mart, (table, validation_id) in candidates.items():
            _ensure_published_table(conn, mart)
            result.published.append(
                _publish_one(conn, mart, table, month, validation_id, dbt_run[0] if dbt_run else None, note)
            )
        conn.commit()
    return result


def _add_new_columns(conn, mart: str, schema: str, name: str) -> list[str]:  # noqa: ANN001
    """Marts may gain columns (never lose or rename them): the published table follows."""
    typed = conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a"
        " where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum",
        (f"{schema}.{name}",),
    ).fetchall()
    have = {
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'published' and table_name = %s",
            (mart,),
        ).fetchall()
    }
    for column, type_ in typed:
        if column not in have:
            conn.execute(
                sql.SQL("alter table {} add column {} " + type_).format(
                    sql.Identifier("published", mart), sql.Identifier(column)
                )
            )
    return [c for c, _ in typed]


def _publish_one(
    conn,
    mart: str,
    table: str,
    month: dt.date,
    validation_id: str,  # noqa: ANN001
    invocation_id: str | None,
    note: str | None,
) -> Published:
    schema, name = table.split(".")
    candidate = sql.Identifier(schema, name)
    rows, checksum = conn.execute(
        sql.SQL("select count(*), md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) from {} t").format(
            candidate
        )
    ).fetchone()
    latest = conn.execute(
        "select version, checksum from audit.publications where month = %s and mart = %s order by version desc limit 1",
        (month, mart),
    ).fetchone()
    if latest and latest[1] == checksum:
        return Published(mart, latest[0], False, rows, checksum)
    version = (latest[0] if latest else 0) + 1
    columns = _add_new_columns(conn, mart, schema, name)
    target_cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    conn.execute(
        sql.SQL(
            "insert into {} ({}, version, published_at, dbt_invocation_id, validation_run_id,"
            " source_row_count, checksum, completeness_override)"
            " select {}, %s, now(), %s, %s, %s, %s, %s from {}"
        ).format(sql.Identifier("published", mart), target_cols, target_cols, candidate),
        (version, invocation_id, validation_id, rows, checksum, note),
    )
    conn.execute(
        "insert into audit.publications (publication_id, month, mart, version, row_count, checksum, note)"
        " values (%s, %s, %s, %s, %s, %s, %s)",
        (str(uuid.uuid4()), month, mart, version, rows, checksum, note),
    )
    return Published(mart, version, True, rows, checksum)
