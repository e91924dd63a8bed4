"""``ssc demo``: the whole nightly flow on a fresh machine, on real components.

Embedded PostgreSQL, the TOPdesk simulator, a real Airflow (scheduler, DAG
processor, API server, triggerer) running the extract DAGs for the last days,
the Asset-triggered dbt transform, and a summary per organisation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ssc_pipeline import warehouse
from ssc_pipeline.local import airflow_runtime, simulator_process
from ssc_pipeline.local.runs import RunRef, run_nightly
from ssc_pipeline.periods import local_today, previous_month
from ssc_pipeline.publishing import completeness_blockers
from ssc_pipeline.registry import active_organisations, ssc_home


@dataclass(frozen=True)
class OrgSummary:
    org_code: str
    name: str
    loads_accepted: int
    loads_quarantined: int
    loads_failed: int
    rows_landed: int
    tickets_in_marts: int
    month_attainment_pct: float | None


def last_days(n: int, today: dt.date | None = None) -> list[dt.date]:
    today = today or local_today()
    return [today - dt.timedelta(days=i) for i in range(n, 0, -1)]


def summarise(since: dt.datetime, month: dt.date) -> list[OrgSummary]:
    """Per organisation: this run's loads, and what the marts now hold (loaded before or now)."""
    loads_sql = """
        select org_code,
               count(*) filter (where status = 'accepted'),
               count(*) filter (where status = 'quarantined'),
               count(*) filter (where status = 'failed'),
               coalesce(sum(rows_landed) filter (where status = 'accepted'), 0)
        from audit.loads where started_at >= %(since)s group by org_code
    """
    attainment_sql = """
        select org_code,
               round(100.0 * sum(resolution_met) / nullif(sum(resolution_met + resolution_breached), 0), 2)
        from marts.sla_monthly where month = %(month)s group by org_code
    """
    with warehouse.connect() as conn:
        loads = {r[0]: r[1:] for r in conn.execute(loads_sql, {"since": since}).fetchall()}
        tickets = dict(conn.execute("select org_code, count(*) from marts.fct_tickets group by org_code").fetchall())
        attainment = dict(conn.execute(attainment_sql, {"month": month}).fetchall())
    out = []
    for org in active_organisations():
        accepted, quarantined, failed, rows = loads.get(org.code, (0, 0, 0, 0))
        pct = attainment.get(org.code)
        out.append(
            OrgSummary(
                org.code,
                org.name,
                accepted,
                quarantined,
                failed,
                int(rows),
                tickets.get(org.code, 0),
                float(pct) if pct is not None else None,
            )
        )
    return out


def print_summary(console: Console, summary: list[OrgSummary], month: dt.date) -> None:
    table = Table(title=f"SSC nightly demo — resolution attainment {month:%Y-%m} (month to date)")
    for col in (
        "organisation",
        "loads accepted",
        "quarantined",
        "failed",
        "tickets loaded",
        "tickets in marts",
        "resolution attainment",
    ):
        table.add_column(col, justify="right" if col != "organisation" else "left")
    for s in summary:
        table.add_row(
            f"{s.org_code} {s.name}",
            str(s.loads_accepted),
            str(s.loads_quarantined),
            str(s.loads_failed),
            str(s.rows_landed),
            str(s.tickets_in_marts),
            "—" if s.month_attainment_pct is None else f"{s.month_attainment_pct:.2f} %",
        )
    console.print(table)


def report_published_month(console: Console, month: dt.date) -> list[Path]:
    """Say whether the monthly close published the month (and why not), and write its reports."""
    with warehouse.connect() as conn:
        published = conn.execute(
            "select mart, max(version) from audit.publications where month = %s group by mart order by mart", (month,)
        ).fetchall()
    if not published:
        blockers = completeness_blockers(month)
        console.print(f"[yellow]{month:%Y-%m} not published[/]: " + ("; ".join(blockers) or "see `ssc status`"))
        return []
    console.print(
        f"{month:%Y-%m} certified and published by the monthly close: "
        + ", ".join(f"{mart} v{version}" for mart, version in published)
    )
    from ssc_pipeline.reports import render_all

    paths = render_all(month, ssc_home() / "reports" / f"{month:%Y-%m}")
    console.print(f"director reports: {len(paths)} file(s) in {ssc_home() / 'reports' / f'{month:%Y-%m}'}")
    return paths


def run_demo(
    days: int = 7, keep_running: bool = False, tickets_per_weekday: int = 25, console: Console | None = None
) -> list[OrgSummary]:
    console = console or Console()
    started = dt.datetime.now(dt.timezone.utc)
    orgs = active_organisations()
    console.print(
        f"[bold]1/4[/] database: {warehouse.DbParams.from_url(warehouse.start_database()).host} "
        f"(embedded unless SSC_DATABASE_URL is set)"
    )
    warehouse.ensure_schema()
    console.print(f"[bold]2/4[/] simulators for {len(orgs)} organisation(s)")
    env = simulator_process.start_simulators(orgs, tickets_per_weekday=tickets_per_weekday)
    try:
        console.print("[bold]3/4[/] starting Airflow (scheduler, DAG processor, API server, triggerer)")
        state = airflow_runtime.start(extra_env=env)
        console.print(
            f"      Airflow UI: {state.base_url} (user {airflow_runtime.API_USER}, "
            f"password in {airflow_runtime.airflow_home() / 'state.json'})"
        )
        client = airflow_runtime.api_client(state)
        client.wait_for_dags([o.dag_id for o in orgs] + ["transform"])
        day_list = last_days(days)
        month = previous_month(dt.datetime.now(dt.timezone.utc))
        catchup_days = [month + dt.timedelta(days=i) for i in range((day_list[0] - month).days)]
        dropped = simulator_process.write_file_drops(
            orgs, catchup_days + day_list, tickets_per_weekday=tickets_per_weekday, service_month=month
        )
        if dropped:
            console.print(f"      {dropped} file(s) dropped in the inbox by the file-drop organisations")
        with Progress(
            TextColumn("[bold]4/4[/] nightly runs {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(
                f"catch-up {month}..{day_list[0] - dt.timedelta(days=1)} + nightly {day_list[0]}..{day_list[-1]}",
                total=len(orgs) * (len(day_list) + 1) + 1,
            )
            failures: list[RunRef] = []

            def done(ref: RunRef, state_: str) -> None:
                progress.advance(task)
                if state_ != "success":
                    failures.append(ref)

            run_nightly(client, orgs, day_list, on_done=done, catchup_from=month)
        for ref in failures:
            console.print(f"[red]run failed[/]: {ref.org_code} {ref.day} ({ref.dag_id} / {ref.run_id})")
        this_month = day_list[-1].replace(day=1)  # the month of the last loaded day
        summary = summarise(started, this_month)
        print_summary(console, summary, this_month)
        report_published_month(console, month)
        client.close()
        return summary
    finally:
        if not keep_running:
            airflow_runtime.stop()
            simulator_process.stop_simulators()
