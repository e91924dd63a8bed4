"""``make bench`` / ``python -m bench`` / ``python bench/run.py``: run the six benchmarks, write RESULTS.md.

Everything runs in a temporary SSC home with its own embedded PostgreSQL (or
new ``bench_*`` databases on ``SSC_DATABASE_URL``'s server), never in
``.ssc/`` or the database ``ssc``; all that is started is stopped at the end.
See ``bench/HARNESS.md`` for what each benchmark measures.

Order of execution (the report is in the issue's order, 1-6): the DAG parse
(5) needs no database; landing (1) fills the warehouse that the nightly
build (3) and the GX load (4) use; the SLA clock (2) makes its own scratch
database; the Airflow flow (6) gets fresh databases of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.core import SCALES, Sizes, StageResult, fmt_seconds, resolve_sizes  # noqa: E402
from bench.report import render_results  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
ORDER = (5, 1, 3, 4, 2, 6)
TITLES = {
    1: "Landing throughput (run_load vs plain COPY vs pandas.to_sql)",
    2: "Elapsed business time vs plain calendar time (bench/sla_clock.py)",
    3: "Nightly incremental dbt build (1 % changed) vs full refresh",
    4: "Raw GX suite on one load vs hand-written SQL",
    5: "DAG parse time",
    6: "Whole nightly flow through Airflow",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        choices=sorted(SCALES),
        default="full",
        help="size preset: 'full' is issue #9's municipal scale (20-25 min on 2 cores); "
        "'quick' has a tenth of the tickets (~15 min)",
    )
    parser.add_argument("--orgs", type=int, help="organisations in the generated load (default 20)")
    parser.add_argument("--tickets", type=int, help="tickets per organisation (full 50 000; quick 5 000)")
    parser.add_argument("--gx-rows", type=int, help="rows of the load the GX suite validates (full 1 000 000)")
    parser.add_argument("--flow-tickets", type=int, help="tickets through the Airflow flow (full 1 000 000)")
    parser.add_argument("--flow-orgs", type=int, help="organisations in the Airflow flow (default 20)")
    parser.add_argument("--dag-orgs", type=int, help="organisations in the registry for DAG parsing (default 100)")
    parser.add_argument("--sla-tickets", type=int, help="tickets of the SLA-clock benchmark (default: all tickets)")
    parser.add_argument("--pandas-orgs", type=int, help="organisations also loaded through pandas.to_sql")
    parser.add_argument("--repeat", type=int, help="timed rounds of the short measurements (median counts)")
    parser.add_argument("--only", help="comma-separated benchmarks to run, e.g. 1,3 (3 and 4 bring 1 along)")
    parser.add_argument(
        "--out",
        type=Path,
        help=f"where to write the results (default {RESULTS} for a "
        "complete run; a partial run writes nothing unless given)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary SSC home (its path is printed)")
    return parser.parse_args(argv)


def selected(only: str | None) -> list[int]:
    if not only:
        return list(ORDER)
    wanted = {int(part) for part in only.split(",") if part.strip()}
    if wanted - set(TITLES):
        raise SystemExit(f"--only takes numbers 1-6, not {only}")
    if wanted & {3, 4}:
        wanted.add(1)
    return [n for n in ORDER if n in wanted]


def _log(started: float) -> Callable[[str], None]:
    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)

    return log


def run_stages(
    sizes: Sizes, numbers: list[int], keep: bool, log: Callable[[str], None]
) -> tuple[list[tuple[str, str]], dict[int, StageResult], dict[str, str]]:
    from bench import stage_dagparse, stage_flow, stage_gx, stage_incremental, stage_landing, stage_sla
    from bench.env import BenchEnv, load_average, machine_description

    results: dict[int, StageResult] = {}
    with BenchEnv(keep=keep) as env:
        log(f"SSC home {env.home}; PostgreSQL {'at SSC_DATABASE_URL' if env.external else 'embedded'}")
        machine = machine_description(env)
        extra = {"load average at start (1 / 5 / 15 min)": load_average()}
        shared: dict[str, object] = {}
        landing_url = ""

        def attempt(number: int, body: Callable[[], StageResult]) -> None:
            log(f"benchmark {number}: {TITLES[number]}")
            began = time.perf_counter()
            try:
                result = body()
            except Exception as exc:  # one broken benchmark must not lose the others' figures
                traceback.print_exc()
                result = StageResult(number, TITLES[number], error=f"{type(exc).__name__}: {exc}"[:1500])
            result.seconds = time.perf_counter() - began
            results[number] = result
            log(f"benchmark {number}: {result.verdict} ({fmt_seconds(result.seconds)})")

        for number in numbers:
            if number == 5:
                attempt(5, lambda: stage_dagparse.run(env.home, sizes.dag_orgs, sizes.repeat, log))
            elif number == 1:
                landing_url = env.database("landing")
                env.use(landing_url)

                def landing_stage() -> StageResult:
                    result, context = stage_landing.run(
                        landing_url,  # noqa: B023 - called at once, inside this iteration
                        sizes.orgs,
                        sizes.tickets,
                        sizes.history_share,
                        sizes.changed_share,
                        sizes.pandas_orgs,
                        log,
                    )
                    shared.update(context)
                    return result

                attempt(1, landing_stage)
            elif number in (3, 4) and "end" not in shared:
                results[number] = StageResult(number, TITLES[number], error="needs benchmark 1's data, which failed")
            elif number == 3:
                env.use(landing_url)
                attempt(
                    3,
                    lambda: stage_incremental.run(
                        landing_url,  # noqa: B023 - called at once, inside this iteration
                        shared["end"],
                        shared["delta_by_org"],  # type: ignore[arg-type]
                        env.home,
                        log,
                    ),
                )
            elif number == 4:
                env.use(landing_url)
                attempt(4, lambda: stage_gx.run(landing_url, sizes.gx_rows, sizes.repeat, log))  # noqa: B023
            elif number == 2:
                attempt(2, lambda: stage_sla.run(env.admin_url, sizes.sla_tickets, None, log))
            elif number == 6:
                attempt(6, lambda: stage_flow.run(env, sizes.flow_orgs, sizes.flow_tickets, log))
        extra["load average at end (1 / 5 / 15 min)"] = load_average()
    return machine, results, extra


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = resolve_sizes(
        args.scale,
        args.orgs,
        args.tickets,
        gx_rows=args.gx_rows,
        flow_tickets=args.flow_tickets,
        flow_orgs=args.flow_orgs,
        dag_orgs=args.dag_orgs,
        sla_tickets=args.sla_tickets,
        pandas_orgs=args.pandas_orgs,
        repeat=args.repeat,
    )
    numbers = selected(args.only)
    started = time.perf_counter()
    log = _log(started)
    log(f"scale {args.scale}: {sizes}")
    began_at = dt.datetime.now().astimezone()
    machine, results, extra = run_stages(sizes, numbers, args.keep, log)
    total = time.perf_counter() - started
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    run_info = {
        "started": began_at.strftime("%Y-%m-%d %H:%M %Z"),
        "command": f"`{command.strip()}`",
        "scale": f"{args.scale} — {_describe(sizes)}",
        "whole run": fmt_seconds(total),
        **extra,
    }
    stages = [results[n] for n in sorted(results)]
    text = render_results(run_info, machine, stages)
    out = args.out or (RESULTS if not args.only else None)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        log(f"wrote {out}")
    print()
    for stage in stages:
        line = ", ".join(
            f"{c.name} {c.describe_value()} (target {c.describe_target()}) {c.status}" for c in stage.checks
        )
        print(f"{stage.number}. {stage.title}: {stage.verdict} — {line or stage.error}")
    return 1 if any(s.error and not any(c.value is not None for c in s.checks) for s in stages) else 0


def _describe(sizes: Sizes) -> str:
    return (
        f"{sizes.orgs} organisations × {sizes.tickets:,} tickets (+{sizes.history_share:.0%} history), "
        f"{sizes.changed_share:.0%} changed overnight; GX load {sizes.gx_rows:,} rows; "
        f"{sizes.dag_orgs} organisations for DAG parsing; flow {sizes.flow_tickets:,} tickets over "
        f"{sizes.flow_orgs} organisations; SLA clock {sizes.sla_tickets:,} tickets; pandas on "
        f"{sizes.pandas_orgs} organisations; {sizes.repeat} rounds"
    )


if __name__ == "__main__":
    raise SystemExit(main())
