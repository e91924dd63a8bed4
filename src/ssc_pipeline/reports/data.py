"""Reading the certified figures: the latest version of each month of each published table.

Reports read ``published.*`` only, never the marts: a director signs figures
that passed the monthly close, and a figure printed in a report must be
traceable to one publication (mart, month, version, checksum). A month can be
republished (version 2 after a late correction); the latest version of the
*whole month* wins, so an organisation missing from a correction is not
shown with its superseded figures.

The SLA table is published first; the cost and satisfaction tables may not
exist yet or be empty. That is not an error: the report then says there are
no published figures for that part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from psycopg import sql
from psycopg.rows import dict_row

from ssc_pipeline import warehouse
from ssc_pipeline.periods import add_months, first_of_month

SLA, COST, CSAT = "sla_monthly", "cost_savings_monthly", "csat_monthly"
MARTS = (SLA, COST, CSAT)
LINEAGE_COLUMNS = ("version", "published_at", "dbt_invocation_id", "validation_run_id", "source_row_count", "checksum")
HISTORY_MONTHS = 12  # trend charts: the report month and the eleven before it

Row = Mapping[str, Any]


class ReportError(RuntimeError):
    """The report cannot be made (month not published, organisation unknown)."""


@dataclass(frozen=True)
class Lineage:
    """Where one month of one published table came from, as printed in the lineage section."""

    mart: str
    month: dt.date
    version: int
    published_at: dt.datetime
    dbt_invocation_id: str | None
    validation_run_id: str | None
    source_row_count: int | None
    checksum: str | None
    completeness_override: str | None = None  # set when the close published without someone's data


@dataclass(frozen=True)
class PublishedTable:
    """The rows of one published table in the report's window, latest version per month."""

    mart: str
    exists: bool
    rows: tuple[Row, ...] = ()

    def month_rows(self, month: dt.date) -> list[Row]:
        return [r for r in self.rows if r["month"] == month]

    def for_org(self, org_code: str) -> PublishedTable:
        return replace(self, rows=tuple(r for r in self.rows if r["org_code"] == org_code))

    def lineage(self) -> list[Lineage]:
        """One entry per month and distinct lineage (normally one per month), oldest first."""
        seen: dict[tuple[Any, ...], Lineage] = {}
        for row in self.rows:
            values = (*(row[c] for c in LINEAGE_COLUMNS), row.get("completeness_override"))
            key = (row["month"], *values)
            if key not in seen:
                seen[key] = Lineage(self.mart, row["month"], *values)
        return sorted(seen.values(), key=lambda item: (item.month, item.version, str(item.checksum)))


@dataclass(frozen=True)
class ReportData:
    """Everything a report prints, for all organisations or (after ``for_org``) one."""

    month: dt.date
    tables: dict[str, PublishedTable] = field(default_factory=dict)
    org_code: str | None = None

    @property
    def first_month(self) -> dt.date:
        return add_months(self.month, -(HISTORY_MONTHS - 1))

    @property
    def history(self) -> list[dt.date]:
        return [add_months(self.first_month, i) for i in range(HISTORY_MONTHS)]

    @property
    def year_months(self) -> list[dt.date]:
        """January up to the report month: the cost chart runs over the calendar year."""
        return [dt.date(self.month.year, m, 1) for m in range(1, self.month.month + 1)]

    def table(self, mart: str) -> PublishedTable:
        return self.tables.get(mart) or PublishedTable(mart, exists=False)

    def for_org(self, org_code: str) -> ReportData:
        return ReportData(self.month, {m: t.for_org(org_code) for m, t in self.tables.items()}, org_code)

    def org_codes(self) -> list[str]:
        """Organisations with published figures in the report month, in code order."""
        return sorted({r["org_code"] for t in self.tables.values() for r in t.month_rows(self.month)})


def _table_exists(conn: Any, mart: str) -> bool:
    found = conn.execute("select to_regclass(%s)", (f"published.{mart}",)).fetchone()
    return found is not None and found[0] is not None


def _latest_rows(conn: Any, mart: str, first: dt.date, last: dt.date) -> tuple[Row, ...]:
    query = sql.SQL(
        "select t.* from published.{table} as t "
        "where t.month between %(first)s and %(last)s "
        "and t.version = (select max(v.version) from published.{table} as v where v.month = t.month) "
        "order by t.month, t.org_code"
    ).format(table=sql.Identifier(mart))
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, {"first": first, "last": last})
        return tuple(_normalise(row) for row in cur.fetchall())


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    """``month`` as a date even if a publisher stored a timestamp."""
    month = row.get("month")
    if isinstance(month, dt.datetime):
        row["month"] = month.date().replace(day=1)
    elif isinstance(month, str):
        row["month"] = dt.date.fromisoformat(month[:7] + "-01")
    return row


def load_report_data(month: dt.date, url: str | None = None, marts: Iterable[str] = MARTS) -> ReportData:
    """Read the report month and the eleven before it from every published table there is."""
    month = first_of_month(month)
    first = add_months(month, -(HISTORY_MONTHS - 1))
    tables: dict[str, PublishedTable] = {}
    with warehouse.connect(url) as conn:
        conn.execute("set transaction read only")
        for mart in marts:
            if not _table_exists(conn, mart):
                tables[mart] = PublishedTable(mart, exists=False)
                continue
            tables[mart] = PublishedTable(mart, exists=True, rows=_latest_rows(conn, mart, first, month))
    data = ReportData(month, tables)
    if not data.table(SLA).month_rows(month):
        raise ReportError(
            f"no published SLA figures for {month:%Y-%m}: close the month first (`ssc close-month {month:%Y-%m}`)"
        )
    return data
