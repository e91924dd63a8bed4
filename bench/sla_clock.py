"""Benchmark: elapsed business time for a million tickets, against plain calendar time.

DESIGN §5 asks for SLA clocks in O(1) per ticket: a calendar table of
cumulative business minutes per day, so that a clock is index(end) -
index(start), with no loop over days or minutes. This script measures what
that costs, in one run, on one PostgreSQL:

1. a scratch database ``ssc_bench_<random>`` on the warehouse server
   (``ssc_pipeline.warehouse.database_url()``), dropped at the end;
2. the real business calendar, built by dbt from the project's seeds
   (``dbt build --select +int_business_days_indexed``: holidays, calendars,
   the index table, and its tests);
3. ``bench.tickets``: N tickets made with generate_series (opened 2024-2026,
   resolved up to ten days later, 80 % on the STANDAARD calendar and 20 % on
   24X7; ``setseed`` makes them the same every run), and ``bench.ticket_holds``:
   one or two hold periods for three tickets in ten;
4. the business-time query compiled by dbt itself (``dbt compile --inline``)
   from the same macros and calendar join the models use
   (``business_minute_index``, ``utc_day``), so the bench cannot drift from
   the models: sum over all tickets of bm(resolved_at) - bm(opened_at); and
   the same less the business minutes of the holds, clipped to the ticket;
5. timings: each query once to warm the cache, then ``--repeat`` interleaved
   rounds, the median (and the best) of each. The baseline is the plain
   calendar-time aggregate ``sum(extract(epoch from resolved_at - opened_at))``
   over the same table. Other work on the machine slows both; the load
   average is printed so a reader can judge the run;
6. when the server runs on this host, the CPU time one backend spends on
   each query without parallel workers (from /proc): the per-row cost ratio,
   which other load on the machine barely moves.

Usage::

    .venv/bin/python bench/sla_clock.py                  # 1,000,000 tickets, about a minute
    .venv/bin/python bench/sla_clock.py --tickets 200000 --repeat 3

Prints both timings and the ratio (target: business time <= 3x calendar time);
see bench/README.md for recorded results.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from ssc_pipeline import warehouse
from ssc_pipeline.transform import dbt_env, dbt_project_dir

TARGET_RATIO = 3.0

GENERATE_TICKETS = """
select setseed(0.42);
create schema if not exists bench;
drop table if exists bench.tickets;
create table bench.tickets as
select
    generated.ticket_no,
    generated.calendar_id,
    calendars.calendar_key,  -- as int_tickets_targeted carries it: the clocks' join key
    generated.opened_at,
    generated.resolved_at
from (
    select
        ticket_no,
        case when ticket_no % 5 = 0 then '24X7' else 'STANDAARD' end as calendar_id,
        opened_at,
        opened_at + random() * interval '10 days' as resolved_at
    from (
        select
            ticket_no,
            timestamptz '2024-01-01 00:00:00+00' + random() * interval '1095 days' as opened_at
        from generate_series(1, {tickets}) as series (ticket_no)
    ) as opened
) as generated
inner join {calendars} as calendars on generated.calendar_id = calendars.calendar_id
order by generated.ticket_no;
drop table if exists bench.ticket_holds;
create table bench.ticket_holds as
select
    tickets.ticket_no,
    tickets.opened_at + (tickets.resolved_at - tickets.opened_at) * (0.35 * holds.hold_no - 0.25) as hold_start,
    tickets.opened_at + (tickets.resolved_at - tickets.opened_at) * (0.35 * holds.hold_no) as hold_end
from bench.tickets as tickets
cross join generate_series(1, 2) as holds (hold_no)
where tickets.ticket_no % 5 = 1 or (tickets.ticket_no % 10 = 2 and holds.hold_no = 1);
analyze bench.tickets;
analyze bench.ticket_holds;
"""

# Plain calendar time: what any dashboard would do without business hours.
CALENDAR_TIME_SQL = """
select count(*) as tickets, sum(extract(epoch from resolved_at - opened_at)) / 60 as minutes
from bench.tickets
"""

# Business time through the models' own macros (compiled by dbt, see compile_inline).
BUSINESS_TIME_INLINE = """
select
    count(*) as tickets,
    sum(
        {{ business_minute_index('tickets.resolved_at', 'resolved_day') }}
        - {{ business_minute_index('tickets.opened_at', 'opened_day') }}
    ) as minutes
from bench.tickets as tickets
left join {{ ref('int_business_days_indexed') }} as opened_day
    on
        tickets.calendar_key = opened_day.calendar_key
        and {{ utc_day('tickets.opened_at') }} = opened_day.utc_midnight_at
left join {{ ref('int_business_days_indexed') }} as resolved_day
    on
        tickets.calendar_key = resolved_day.calendar_key
        and {{ utc_day('tickets.resolved_at') }} = resolved_day.utc_midnight_at
"""

# The same with holds subtracted: each hold clipped to its ticket's [opened_at, resolved_at]
# (clipping time is clipping the index, which never decreases) and put on the index. A sum of
# differences is a difference of sums, so the total needs no grouping per ticket; the models do
# group (int_tickets_timed), which this number leaves out.
BUSINESS_TIME_WITH_HOLDS_INLINE = """
with

clocks as (

    select
        sum(
            {{ business_minute_index('tickets.resolved_at', 'resolved_day') }}
            - {{ business_minute_index('tickets.opened_at', 'opened_day') }}
        ) as minutes,
        count(*) as tickets
    from bench.tickets as tickets
    left join {{ ref('int_business_days_indexed') }} as opened_day
        on
            tickets.calendar_key = opened_day.calendar_key
            and {{ utc_day('tickets.opened_at') }} = opened_day.utc_midnight_at
    left join {{ ref('int_business_days_indexed') }} as resolved_day
        on
            tickets.calendar_key = resolved_day.calendar_key
            and {{ utc_day('tickets.resolved_at') }} = resolved_day.utc_midnight_at

),

clipped as (

    select
        tickets.calendar_key,
        greatest(holds.hold_start, tickets.opened_at) as hold_start,
        least(holds.hold_end, tickets.resolved_at) as hold_end
    from bench.ticket_holds as holds
    inner join bench.tickets as tickets on holds.ticket_no = tickets.ticket_no

),

held as (

    select
        sum(greatest(
            {{ business_minute_index('clipped.hold_end', 'end_day') }}
            - {{ business_minute_index('clipped.hold_start', 'start_day') }},
            0
        )) as minutes
    from clipped
    left join {{ ref('int_business_days_indexed') }} as start_day
        on
            clipped.calendar_key = start_day.calendar_key
            and {{ utc_day('clipped.hold_start') }} = start_day.utc_midnight_at
    left join {{ ref('int_business_days_indexed') }} as end_day
        on
            clipped.calendar_key = end_day.calendar_key
            and {{ utc_day('clipped.hold_end') }} = end_day.utc_midnight_at

)

select clocks.tickets, clocks.minutes - coalesce(held.minutes, 0) as minutes
from clocks cross join held
"""


def run_dbt_quietly(args: list[str], url: str, work: Path):  # noqa: ANN201 - dbt's result type
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(url))
    project = dbt_project_dir()
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--log-level",
            "none",
        ]
    )
    if not result.success:
        failed = [
            f"{r.node.unique_id}: {r.message}"
            for r in getattr(result.result, "results", None) or ()
            if str(getattr(r.status, "value", r.status)) in ("error", "fail", "runtime error")
        ]
        raise SystemExit(f"dbt {args[0]} failed: {'; '.join(failed) or result.exception}")
    return result


def compile_inline(sql: str, url: str, work: Path) -> str:
    """The SQL as dbt compiles it: the models' macros and refs, resolved."""
    result = run_dbt_quietly(["compile", "--inline", sql], url, work)
    return result.result.results[0].node.compiled_code


def backend_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one PostgreSQL backend, from /proc (None when the server is remote)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_query(conn: psycopg.Connection, pid: int, sql: str) -> float | None:
    before = backend_cpu_seconds(pid)
    conn.execute(sql, prepare=False).fetchone()
    after = backend_cpu_seconds(pid)
    return None if before is None or after is None else after - before


def time_query(conn: psycopg.Connection, sql: str) -> tuple[float, tuple]:
    started = time.perf_counter()
    row = conn.execute(sql, prepare=False).fetchone()  # planned afresh each time, like a dbt model
    return time.perf_counter() - started, tuple(row or ())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets to generate (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=9, help="timed rounds per query; the median counts")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    parser.add_argument("--show-sql", action="store_true", help="print the business-time SQL as dbt compiled it")
    args = parser.parse_args(argv)

    params = warehouse.DbParams.from_url(warehouse.database_url())
    dbname = f"ssc_bench_{uuid.uuid4().hex[:10]}"
    url = params.url(dbname)
    began = time.perf_counter()
    load = os.getloadavg()
    with psycopg.connect(params.url("postgres"), autocommit=True) as admin:
        admin.execute(f'create database "{dbname}"')
    try:
        with tempfile.TemporaryDirectory(prefix="ssc-bench-") as tmp:
            work = Path(tmp)
            warehouse.ensure_schema(url)
            print(f"scratch database {dbname}: building the business calendar with dbt ...", flush=True)
            run_dbt_quietly(
                ["build", "--select", "+int_business_days_indexed", "--indirect-selection", "cautious"], url, work
            )
            business_sql = compile_inline(BUSINESS_TIME_INLINE, url, work)
            holds_sql = compile_inline(BUSINESS_TIME_WITH_HOLDS_INLINE, url, work)
            calendars = (
                compile_inline("select * from {{ ref('business_calendars') }}", url, work).split("from", 1)[1].strip()
            )
            if args.show_sql:
                print(business_sql)

            with psycopg.connect(url, autocommit=True) as conn:
                print(f"generating {args.tickets:,} tickets with generate_series ...", flush=True)
                # several statements in one call; bytes, so psycopg does not read `%` as a placeholder
                conn.execute(
                    GENERATE_TICKETS.replace("{tickets}", str(int(args.tickets)))
                    .replace("{calendars}", calendars)
                    .encode()
                )
                holds = conn.execute("select count(*) from bench.ticket_holds").fetchone()[0]  # type: ignore[index]
                queries = {"calendar": CALENDAR_TIME_SQL, "business": business_sql, "business+holds": holds_sql}
                timings: dict[str, list[float]] = {name: [] for name in queries}
                answers: dict[str, tuple] = {}
                for name, sql in queries.items():  # warm-up: caches, hash tables' first allocation
                    _, answers[name] = time_query(conn, sql)
                for _ in range(args.repeat):  # interleaved, so drift hits every query alike
                    for name, sql in queries.items():
                        elapsed, _ = time_query(conn, sql)
                        timings[name].append(elapsed)
            # CPU time of one backend without parallel workers: what each query costs per row,
            # whatever else the machine is doing (only when the server runs on this host). A new
            # connection, so no plan made with parallel workers is reused.
            with psycopg.connect(url, autocommit=True) as serial:
                serial.execute("set max_parallel_workers_per_gather = 0")
                pid = serial.execute("select pg_backend_pid()").fetchone()[0]  # type: ignore[index]
                cpu: dict[str, list[float]] = {name: [] for name in ("calendar", "business")}
                for _ in range(max(3, args.repeat // 2)):
                    for name in cpu:
                        used = cpu_query(serial, pid, queries[name])
                        if used is not None:
                            cpu[name].append(used)
    finally:
        if args.keep:
            print(f"kept scratch database {dbname}")
        else:
            with psycopg.connect(params.url("postgres"), autocommit=True) as admin:
                admin.execute(f'drop database if exists "{dbname}" with (force)')

    median = {name: statistics.median(values) for name, values in timings.items()}
    best = {name: min(values) for name, values in timings.items()}
    ratio = median["business"] / median["calendar"]
    ratio_holds = median["business+holds"] / median["calendar"]
    tickets, calendar_minutes = answers["calendar"]
    rows = [
        ("calendar time   (plain sum)", "calendar"),
        ("business time   (index macro)", "business"),
        ("business time, holds subtracted", "business+holds"),
    ]
    print()
    print(f"tickets                          {tickets:>12,}   ({holds:,} hold periods)")
    for label, name in rows:
        print(
            f"{label:<32} {median[name] * 1000:>9.1f} ms median {best[name] * 1000:>8.1f} ms best "
            f"{float(answers[name][1]):>16,.0f} minutes"
        )
    print(
        f"ratio business / calendar        {ratio:>9.2f} x   (target <= {TARGET_RATIO:.0f} x; "
        f"best/best {best['business'] / best['calendar']:.2f} x; with holds {ratio_holds:.2f} x)"
    )
    if cpu["calendar"] and cpu["business"] and statistics.median(cpu["calendar"]) > 0:
        cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
        cpu_ratio = cpu_median["business"] / cpu_median["calendar"]
        print(
            f"CPU time, one backend, no parallel workers: calendar {cpu_median['calendar'] * 1000:.0f} ms, "
            f"business {cpu_median['business'] * 1000:.0f} ms, ratio {cpu_ratio:.2f} x"
        )
    print(
        f"{args.repeat} interleaved rounds; load average {load[0]:.1f} at start "
        f"on {os.cpu_count()} CPUs; whole run {time.perf_counter() - began:.0f} s"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
