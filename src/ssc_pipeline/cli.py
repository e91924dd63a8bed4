"""The ``ssc`` command (DESIGN §4.1)."""

from __future__ import annotations

import warnings

# platformdirs (via the embedded PostgreSQL wheel) warns on machines without a login session.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ssc_pipeline import warehouse

console = Console(width=None if sys.stdout.isatty() else 120)


def _cmd_demo(args: argparse.Namespace) -> int:
    from ssc_pipeline.local.demo import run_demo

    summary = run_demo(
        days=args.days, keep_running=args.keep_running, tickets_per_weekday=args.tickets_per_weekday, console=console
    )
    bad = [s for s in summary if s.tickets_in_marts == 0 or s.loads_failed or s.loads_quarantined]
    if os.environ.get("SSC_DATABASE_URL") is None:
        console.print("The embedded database keeps running for BI tools and `ssc status`; `ssc db stop` stops it.")
    for s in bad:
        console.print(
            f"[red]{s.org_code}: failed or quarantined loads, or no tickets in the marts (see `ssc status`)[/]"
        )
    return 1 if bad else 0


def _cmd_db(args: argparse.Namespace) -> int:
    if args.action == "start":
        url = warehouse.start_database()
        warehouse.ensure_schema()
        print(url)
    elif args.action == "stop":
        if os.environ.get("SSC_DATABASE_URL"):
            print("SSC_DATABASE_URL is set: nothing to stop")
        else:
            from ssc_pipeline.warehouse.embedded import EmbeddedPostgres

            EmbeddedPostgres().stop()
    else:
        print(warehouse.database_url())
    return 0


def _cmd_airflow(args: argparse.Namespace) -> int:
    from ssc_pipeline.local import airflow_runtime

    if args.action == "start":
        state = airflow_runtime.start()
        print(
            f"Airflow UI and API on {state.base_url} (user {airflow_runtime.API_USER}; "
            f"password in {airflow_runtime.airflow_home() / 'state.json'})"
        )
    else:
        airflow_runtime.stop()
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from ssc_pipeline.local import airflow_runtime
    from ssc_pipeline.local.runs import run_nightly
    from ssc_pipeline.registry import active_organisations

    orgs = [o for o in active_organisations() if args.org in (None, o.code)]
    if not orgs:
        console.print(f"[red]no active organisation {args.org} in organisations.yml[/]")
        return 2
    if not airflow_runtime.running_pids():
        console.print("[red]Airflow is not running: start it with `ssc airflow start` (or use `ssc demo`)[/]")
        return 2
    states = run_nightly(airflow_runtime.api_client(), orgs, [dt.date.fromisoformat(args.date)])
    for ref, st in states.items():
        console.print(f"{ref.org_code} {ref.day}: {st}")
    return 0 if all(s == "success" for s in states.values()) else 1


def _cmd_close_month(args: argparse.Namespace) -> int:
    from ssc_pipeline.periods import parse_month
    from ssc_pipeline.publishing import MonthBlocked, close_month

    try:
        result = close_month(
            parse_month(args.month),
            override=tuple(args.override or ()),
            reason=args.reason,
            actor=args.actor or os.environ.get("USER"),
        )
    except MonthBlocked as exc:
        console.print(f"[red]blocked:[/] {exc}")
        return 1
    for p in result.published:
        state = "published" if p.created else "unchanged, nothing new"
        console.print(
            f"{args.month} {p.mart}: version {p.version} ({state}; {p.rows} rows, checksum {p.checksum[:12]})"
        )
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from ssc_pipeline.periods import parse_month
    from ssc_pipeline.reports import render_report

    path = render_report(parse_month(args.month), args.org, args.out)
    console.print(f"report written: {path}")
    return 0


def _cmd_backfill(args: argparse.Namespace) -> int:
    from ssc_pipeline.local import airflow_runtime
    from ssc_pipeline.local.runs import run_nightly
    from ssc_pipeline.registry import active_organisations

    orgs = [o for o in active_organisations() if o.code == args.org]
    if not orgs:
        console.print(f"[red]no active organisation {args.org} in organisations.yml[/]")
        return 2
    first, last = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    states = run_nightly(airflow_runtime.api_client(), orgs, days)
    failed = [ref for ref, st in states.items() if st != "success"]
    console.print(f"backfill {args.org} {first}..{last}: {len(states) - len(failed)} ok, {len(failed)} failed")
    return 1 if failed else 0


def _cmd_dbt_docs(args: argparse.Namespace) -> int:
    from ssc_pipeline.transform import generate_docs

    console.print(f"dbt docs: {generate_docs()} (open in a browser; also under 'dbt Docs' in the Airflow UI)")
    return 0


def _cmd_release(args: argparse.Namespace) -> int:
    from ssc_pipeline.validation import release_load

    release_load(args.load_id, args.by, args.reason)
    console.print(f"load {args.load_id} released by {args.by}; the next transform picks it up")
    return 0


def _table(title: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def _cmd_status(args: argparse.Namespace) -> int:
    from ssc_pipeline.periods import TIMEZONE_NAME
    from ssc_pipeline.validation import data_docs_index

    params = {"tz": TIMEZONE_NAME, "limit": args.limit}
    with warehouse.connect() as conn:
        loads = conn.execute(
            "select org_code, entity, to_char(window_start at time zone %(tz)s, 'YYYY-MM-DD HH24:MI'),"
            " status, rows_landed from audit.loads order by started_at desc limit %(limit)s",
            params,
        ).fetchall()
        quarantined = conn.execute(
            "select load_id, org_code, entity, to_char(window_start at time zone %(tz)s, 'YYYY-MM-DD'),"
            " left(message, 300) from audit.loads where status in ('quarantined', 'failed')"
            " order by started_at desc limit %(limit)s",
            params,
        ).fetchall()
        validations = conn.execute(
            "select to_char(validated_at, 'YYYY-MM-DD HH24:MI'), suite, target, success, expectations, failed"
            " from audit.validations order by validated_at desc limit %s",
            (args.limit,),
        ).fetchall()
        published = conn.execute(
            "select to_char(month, 'YYYY-MM'), mart, version, row_count, left(checksum, 12),"
            " to_char(published_at, 'YYYY-MM-DD HH24:MI'), coalesce(note, '')"
            " from audit.publications order by month desc, mart, version desc limit %s",
            (args.limit,),
        ).fetchall()
    _table("recent loads", ("org", "entity", "window start", "status", "rows"), loads)
    _table("quarantined and failed loads", ("load", "org", "entity", "window", "reason"), quarantined)
    _table("recent validations", ("at", "suite", "target", "success", "expectations", "failed"), validations)
    _table("published months", ("month", "mart", "version", "rows", "checksum", "published", "note"), published)
    docs = data_docs_index()
    console.print(f"GX Data Docs: {docs if docs.exists() else 'not built yet (no validation has run)'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ssc", description="SSC data pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the nightly flow end to end on the embedded database")
    demo.add_argument("--days", type=int, default=7, help="nightly cycles for the last N days (default 7)")
    demo.add_argument("--tickets-per-weekday", type=int, default=25)
    demo.add_argument("--keep-running", action="store_true", help="leave Airflow and the simulators running")
    demo.set_defaults(func=_cmd_demo)
    db = sub.add_parser("db", help="embedded PostgreSQL")
    db.add_argument("action", choices=("start", "stop", "url"))
    db.set_defaults(func=_cmd_db)
    airflow = sub.add_parser("airflow", help="local Airflow (UI and API on 127.0.0.1)")
    airflow.add_argument("action", choices=("start", "stop"))
    airflow.set_defaults(func=_cmd_airflow)
    run = sub.add_parser("run", help="run a cycle through Airflow")
    run.add_argument("cycle", choices=("nightly",))
    run.add_argument("--date", required=True, help="YYYY-MM-DD")
    run.add_argument("--org", default=None, help="organisation code (default: all active)")
    run.set_defaults(func=_cmd_run)
    close = sub.add_parser("close-month", help="completeness gate + certified publication of a month")
    close.add_argument("month", help="YYYY-MM")
    close.add_argument(
        "--override",
        action="append",
        metavar="ORG",
        help="publish without this late organisation (needs --reason; recorded)",
    )
    close.add_argument("--reason", default=None)
    close.add_argument("--actor", default=None, help="who decides the override (default: $USER)")
    close.set_defaults(func=_cmd_close_month)
    report = sub.add_parser("report", help="director report (HTML) for a published month")
    report.add_argument("month", help="YYYY-MM")
    report.add_argument("--org", default=None, help="organisation code (default: SSC overview)")
    report.add_argument("--out", required=True, type=Path)
    report.set_defaults(func=_cmd_report)
    backfill = sub.add_parser("backfill", help="re-run an organisation's nightly windows for a date range")
    backfill.add_argument("--org", required=True)
    backfill.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
    backfill.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD (inclusive)")
    backfill.set_defaults(func=_cmd_backfill)
    dbt_docs = sub.add_parser("dbt-docs", help="generate dbt's documentation site (one static HTML file)")
    dbt_docs.set_defaults(func=_cmd_dbt_docs)
    release = sub.add_parser("release", help="accept a quarantined load after review (recorded)")
    release.add_argument("load_id")
    release.add_argument("--by", required=True, help="who decides")
    release.add_argument("--reason", required=True, help="why the load may pass")
    release.set_defaults(func=_cmd_release)
    status = sub.add_parser("status", help="recent loads, quarantines, validations, published months")
    status.add_argument("--limit", type=int, default=30)
    status.set_defaults(func=_cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one readable line for the user, not a traceback
        from ssc_pipeline.registry import RegistryError

        if isinstance(exc, RegistryError):
            console.print(f"[red]error:[/] {exc}")
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
