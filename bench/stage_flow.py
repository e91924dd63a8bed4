"""Benchmark 6: the whole nightly flow through a real Airflow, for N tickets.

Set-up (not timed as part of the flow):

* a fresh warehouse database and a separate Airflow metadata database on the
  bench's server; a generated registry of ``flow_orgs`` file-drop
  organisations (``SSC_REGISTRY``);
* per organisation one day's drop in the bench's inbox (``SSC_INBOX``):
  ``tickets_<ORG>_<day>.csv`` with ``flow_tickets / flow_orgs`` tickets and
  ``ticket_holds_<ORG>_<day>.csv`` with their holds, from the simulators'
  generator (``bench.data.write_drop``) — an export of every ticket the
  organisation has, the heaviest night there is;
* ``airflow_runtime.start(extra_env=...)``: scheduler, DAG processor, API
  server and triggerer as the demo runs them, plus a listener plugin
  (``bench/airflow_plugins``) that logs when each task body starts and ends.

Why the file-drop path: it is the only source whose volume per night is not
bounded by a simulator (the TOPdesk simulator regenerates 60 days of tickets
per request and is asked for each incident's progress trail, so a million
tickets would measure the simulator, not the pipeline).

The flow: ``runs.run_nightly`` triggers every organisation's extract DAG for
the day through the REST API and waits for the extracts (landing + GX raw
gate), the Asset-triggered transform (one dbt build task) and the
monthly close. Figures:

* **wall time**: from the trigger to the end of the last task instance of any
  of those runs (Airflow's own ``end_date``);
* **orchestration share**: the part of the wall time in which no task body
  doing pipeline work was running, ``1 - |union of task-body intervals| /
  wall``. Task bodies come from the listener. What is left is Airflow's own
  time: scheduling, starting task processes, Asset hand-overs.
  It is a lower bound of orchestration's cost (a body's own imports and
  connections count as work), and on a shared machine it includes waiting
  for a CPU;
* **peak memory**: every 0.5 s psutil sums the proportional set size (PSS:
  a page shared by n processes counts 1/n in each) of the Airflow components
  and all their descendants (LocalExecutor's workers, the fork server they
  come from, and the task processes, which run the pipeline's code). PSS
  sums to the physical memory used; the resident set size (RSS) of the same
  processes is reported beside it, but counts a shared page once per process
  that maps it, and forked task processes share most of their pages.
  PostgreSQL is reported beside, not counted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import psycopg

from bench.core import (
    Check,
    StageResult,
    TaskBody,
    clip,
    fmt_seconds,
    registry_entries,
    registry_yaml,
    task_bodies,
    union_length,
)
from bench.data import org_tickets, period_end, write_drop
from bench.env import BenchEnv, load_average
from ssc_pipeline import warehouse
from ssc_pipeline.registry import load_registry

PLUGINS = Path(__file__).resolve().parent / "airflow_plugins"


class MemorySampler(threading.Thread):
    """Peak summed PSS and RSS of process trees, by group, with what each process was at the peaks.

    PSS (proportional set size: a page shared by n processes counts 1/n in each)
    sums to the physical memory the processes use; RSS counts a shared page in
    every process that maps it, so the RSS sum of forked processes overstates it.
    Both are read from ``/proc/<pid>/smaps_rollup`` (psutil), every sample.
    """

    def __init__(self, groups: dict[str, Callable[[], list[int]]], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.interval = interval
        self.peak_rss: dict[str, int] = dict.fromkeys(groups, 0)
        self.peak_pss: dict[str, int] = dict.fromkeys(groups, 0)
        self.peak_processes: dict[str, int] = dict.fromkeys(groups, 0)
        self.peak_pss_processes: dict[str, int] = dict.fromkeys(groups, 0)
        self.peak_total_pss = 0
        # per group, at its RSS peak and at its PSS peak: (kind, pid, rss, pss) per process
        self.peak_breakdown: dict[str, list[tuple[str, int, int, int]]] = {group: [] for group in groups}
        self.peak_pss_breakdown: dict[str, list[tuple[str, int, int, int]]] = {group: [] for group in groups}
        self.samples = 0
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)

    @staticmethod
    def _tree(roots: list[int]) -> list[psutil.Process]:
        procs: dict[int, psutil.Process] = {}
        for pid in roots:
            try:
                root = psutil.Process(pid)
                procs[pid] = root
                for child in root.children(recursive=True):
                    procs[child.pid] = child
            except psutil.Error:
                continue
        return list(procs.values())

    def sample(self) -> None:
        total_pss = 0
        for group, roots in self.groups.items():
            rss = pss = 0
            procs = self._tree(roots())
            sizes: list[tuple[str, int, int, int]] = []
            for proc in procs:
                try:
                    info = proc.memory_full_info()
                except psutil.Error:
                    continue
                own_pss = getattr(info, "pss", info.rss)
                rss += info.rss
                pss += own_pss
                sizes.append((_process_kind(proc), proc.pid, info.rss, own_pss))
            if rss > self.peak_rss[group]:
                self.peak_rss[group] = rss
                self.peak_processes[group] = len(sizes)
                self.peak_breakdown[group] = sizes
            if pss > self.peak_pss[group]:
                self.peak_pss[group] = pss
                self.peak_pss_processes[group] = len(sizes)
                self.peak_pss_breakdown[group] = sizes
            total_pss += pss
        self.peak_total_pss = max(self.peak_total_pss, total_pss)
        self.samples += 1

    def run(self) -> None:
        while not self._stop_event.is_set():
            started = time.monotonic()
            self.sample()
            self._stop_event.wait(max(0.05, self.interval - (time.monotonic() - started)))


TASK_PROCESS = "task process"


def _process_kind(proc: psutil.Process) -> str:
    """What a process is, from its title: Airflow names its components, LocalExecutor's workers
    (``airflow worker -- LocalExecutor: <idle> | <ti id>``) and task processes (``airflow worker -- <ti id>``)."""
    try:
        title = " ".join(proc.cmdline())
    except psutil.Error:
        return "exited while sampled"
    if "LocalExecutor" in title:
        return "LocalExecutor worker, idle" if "<idle>" in title else "LocalExecutor worker, supervising a task"
    if title.startswith("airflow worker --"):
        return TASK_PROCESS
    if title.startswith("airflow serve-logs"):
        return "airflow serve-logs"
    words = title.replace("/", " ").split()
    if "multiprocessing.forkserver" in title:
        return "multiprocessing fork server (preloaded modules)"
    if "multiprocessing.resource_tracker" in title:
        return "multiprocessing resource tracker"
    for kind in ("scheduler", "dag-processor", "triggerer", "api-server", "api_server"):
        if kind in words:
            return f"airflow {kind.replace('_', '-')}"
    if words[:1] == ["postgres:"] or "postgres" in words[:2]:
        return "postgres"
    return " ".join(words[:2])[:40] or "?"


def name_task_processes(
    breakdown: list[tuple[str, int, int, int]], task_of_pid: dict[int, str]
) -> list[tuple[str, int, int, int]]:
    """Task processes by their task (the listener logs each body's pid and task id)."""
    return [
        (f"{kind}: {task_of_pid[pid]}" if kind == TASK_PROCESS and pid in task_of_pid else kind, pid, rss, pss)
        for kind, pid, rss, pss in breakdown
    ]


def summarise_breakdown(breakdown: list[tuple[str, int, int, int]], by: str = "rss") -> str:
    """``kind: n × avg MB = total MB`` per kind of process (PSS or RSS), largest first."""
    index = 3 if by == "pss" else 2
    kinds: dict[str, list[int]] = {}
    for entry in breakdown:
        kinds.setdefault(entry[0], []).append(entry[index])
    parts = sorted(kinds.items(), key=lambda item: -sum(item[1]))
    return "; ".join(
        f"{kind}: {len(sizes)} × {sum(sizes) / len(sizes) / 1e6:,.0f} MB = {sum(sizes) / 1e6:,.0f} MB"
        for kind, sizes in parts
    )


def _postmaster_pid(env: BenchEnv) -> list[int]:
    if env.server is None:
        return []
    try:
        return [int((env.server.pgdata / "postmaster.pid").read_text().splitlines()[0])]
    except (OSError, ValueError, IndexError):
        return []


def _ts(value: str | None) -> float | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _task_instances(client: Any, dag_id: str, since: float) -> list[dict[str, Any]]:
    out = []
    for run in client.runs(dag_id, limit=100):
        after = _ts(run.get("run_after")) or 0.0
        if after + 1 >= since:
            out += [
                dict(ti, dag_id=dag_id, run_id=run["dag_run_id"])
                for ti in client.task_instances(dag_id, run["dag_run_id"])
            ]
    return out


def settle(client: Any, dag_ids: list[str], timeout: float = 300.0) -> float:
    """Wait until Airflow is quiet: the runs it starts by itself on start-up are done.

    Unpaused at creation, every extract DAG gets one run for its latest cron
    tick (empty inbox: nothing to land), the monthly close one for its latest
    tick, and the transform follows their Asset events. Measuring the night
    with those still going would time start-up noise (and let a start-up run
    pick up the night's files), so the drops are written only after this.
    """
    began = time.monotonic()
    quiet = 0
    while time.monotonic() - began < timeout:
        busy = False
        for dag_id in dag_ids:
            runs = client.runs(dag_id, limit=20)
            if any(r["state"] not in ("success", "failed") for r in runs):
                busy = True
                break
        if not busy and client.queued_asset_events("transform") == 0:
            quiet += 1
            if quiet >= 3:
                break
        else:
            quiet = 0
        time.sleep(2)
    return time.monotonic() - began


def _write_drops(orgs: list[Any], flow_tickets: int, inbox: Path, day: dt.date, as_of: dt.datetime) -> tuple[int, int]:
    tickets = holds = 0
    per_org, extra = divmod(flow_tickets, len(orgs))
    for index, org in enumerate(orgs):
        count = per_org + (1 if index < extra else 0)
        t, h = write_drop(inbox, org.code, day, org_tickets(org.code, count, as_of), as_of)
        tickets += t
        holds += h
    return tickets, holds


def _body_kind(body: TaskBody) -> str:
    if body.waits:
        return "sensors (waiting, not work)"
    if body.dag_id.startswith("extract_"):
        return f"extract DAGs: {body.task_id}"
    if body.dag_id == "transform":
        return "transform: dbt build" if body.task_id == "dbt_build" else f"transform: {body.task_id}"
    return f"{body.dag_id}: {body.task_id}"


def run(env: BenchEnv, flow_orgs: int, flow_tickets: int, progress: Callable[[str], None] = print) -> StageResult:
    from ssc_pipeline.local import airflow_runtime
    from ssc_pipeline.local.airflow_api import AirflowClient
    from ssc_pipeline.local.runs import run_nightly
    from ssc_pipeline.periods import AMS, day_window

    result = StageResult(6, f"Whole nightly flow through Airflow ({flow_tickets:,} tickets, {flow_orgs} organisations)")
    url = env.database("flow")
    meta = env.database("airflow")
    env.use(url)
    warehouse.ensure_schema(url)
    registry = env.home / "organisations-flow.yml"
    registry.write_text(registry_yaml(registry_entries(flow_orgs, sources=("files",))), encoding="utf-8")
    os.environ["SSC_REGISTRY"] = str(registry)
    orgs = load_registry(registry)
    day = (period_end() - dt.timedelta(days=1)).astimezone(AMS).date()
    as_of = day_window(day)[1].astimezone(dt.timezone.utc)
    progress("  starting Airflow ...")
    timings = env.home / "task-timings.jsonl"
    extra = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta.replace("postgresql://", "postgresql+psycopg2://"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS),
        "SSC_BENCH_TIMINGS": str(timings),
    }
    sampler = MemorySampler(
        {
            "airflow": lambda: list(airflow_runtime.running_pids().values()),
            "postgres": lambda: _postmaster_pid(env),
        }
    )
    client = None
    try:
        began = time.perf_counter()
        state = airflow_runtime.start(extra_env=extra, timeout=300)
        client = AirflowClient(state.base_url, airflow_runtime.API_USER, state.password)
        client.wait_for_dags([o.dag_id for o in orgs] + ["transform", "monthly_close"], timeout=600)
        startup = time.perf_counter() - began
        progress(f"  Airflow up and every DAG parsed in {fmt_seconds(startup)}; waiting for its start-up runs ...")
        every_dag = [d["dag_id"] for d in client.request("GET", "/api/v2/dags", params={"limit": 1000}).json()["dags"]]
        quiet = settle(client, every_dag)
        began = time.perf_counter()
        tickets, holds = _write_drops(orgs, flow_tickets, Path(os.environ["SSC_INBOX"]), day, as_of)
        progress(
            f"  quiet after {fmt_seconds(quiet)}; dropped {tickets:,} tickets and {holds:,} holds for "
            f"{len(orgs)} organisations in {fmt_seconds(time.perf_counter() - began)}; "
            "triggering the nightly runs ..."
        )
        load_before = load_average()
        sampler.start()
        triggered = time.time()
        states = run_nightly(client, orgs, [day])
        settled = time.time()
        sampler.stop()
        load_after = load_average()
        instances = []
        for ref in states:
            instances += [
                dict(ti, dag_id=ref.dag_id, run_id=ref.run_id) for ti in client.task_instances(ref.dag_id, ref.run_id)
            ]
        for dag_id in ("transform", "monthly_close"):
            instances += _task_instances(client, dag_id, triggered)
    finally:
        if sampler.is_alive():
            sampler.stop()
        if client is not None:
            client.close()
        airflow_runtime.stop()
        os.environ.pop("SSC_REGISTRY", None)
    progress(f"  flow settled after {fmt_seconds(settled - triggered)}; Airflow stopped")

    ends = [_ts(ti.get("end_date")) for ti in instances]
    finished = max((e for e in ends if e), default=settled)
    wall = finished - triggered
    events = [json.loads(line) for line in timings.read_text().splitlines()] if timings.exists() else []
    bodies = [b for b in task_bodies(events) if b.end >= triggered]
    work = [b for b in bodies if not b.waits]
    work_union = union_length(clip([(b.start, b.end) for b in work], triggered, finished))
    orchestration = max(0.0, 1.0 - work_union / wall) if wall > 0 else None
    ti_seconds = sum(float(ti.get("duration") or 0.0) for ti in instances)
    by_kind: dict[str, list[float]] = {}
    for body in bodies:
        by_kind.setdefault(_body_kind(body), []).append(body.seconds)

    def since_trigger(selected: list[TaskBody]) -> str:
        return f"+{fmt_seconds(max(b.end for b in selected) - triggered)}" if selected else "—"

    extract_bodies = [b for b in work if b.dag_id.startswith("extract_")]
    builds = [b for b in work if b.dag_id == "transform" and b.task_id == "dbt_build"]
    failed = {f"{r.org_code}": s for r, s in states.items() if s != "success"}
    failed_tis = [f"{ti['dag_id']}.{ti['task_id']}" for ti in instances if ti.get("state") == "failed"]
    with psycopg.connect(url) as conn:
        loads = dict(conn.execute("select status, count(*) from audit.loads group by status").fetchall())
        landed = conn.execute(
            "select coalesce(sum(rows_landed), 0) from audit.loads where entity = 'tickets' and status = 'accepted'"
        ).fetchone()[0]
        marts = (
            conn.execute("select count(*) from marts.fct_tickets").fetchone()[0]
            if conn.execute("select to_regclass('marts.fct_tickets')").fetchone()[0]
            else 0
        )

    result.figure(
        "input",
        f"{tickets:,} tickets + {holds:,} hold periods in {2 * len(orgs)} files "
        f"({len(orgs)} file-drop organisations, day {day})",
    )
    result.figure(
        "extract runs",
        ", ".join(f"{n} {s}" for s, n in _count(states.values()).items())
        + (f" (failed: {', '.join(failed)})" if failed else ""),
    )
    result.figure("audit.loads after the flow", ", ".join(f"{n} {s}" for s, n in sorted(loads.items())))
    result.figure("tickets landed (accepted) / in marts.fct_tickets", f"{int(landed):,} / {marts:,}")
    result.figure("Airflow start-up incl. migrate and first parse (not in the flow's time)", fmt_seconds(startup))
    result.figure("wall time, trigger → last task instance ends", fmt_seconds(wall))
    result.figure("time with at least one task body at work (union)", fmt_seconds(work_union))
    result.figure(
        "timeline",
        f"last extract/validate body ends {since_trigger(extract_bodies)}; "
        f"{len(builds)} transform run(s) (dbt builds: "
        f"{', '.join(fmt_seconds(b.seconds) for b in builds) or '—'}), last ends "
        f"{since_trigger(builds)}; flow ends +{fmt_seconds(wall)}",
    )
    for kind, secs in sorted(by_kind.items()):
        result.figure(
            f"task bodies — {kind}", f"{len(secs)} bodies, Σ {fmt_seconds(sum(secs))}, longest {fmt_seconds(max(secs))}"
        )
    result.figure(
        "task instances (REST API) / Σ their durations",
        f"{len(instances)} / {fmt_seconds(ti_seconds)}"
        f" (Σ work bodies {fmt_seconds(sum(b.seconds for b in work))}: the rest is per-task start-up "
        "and sensors)",
    )
    if failed_tis:
        result.figure("failed task instances", ", ".join(failed_tis))
    task_of_pid = {int(e["pid"]): str(e.get("task_id")) for e in events if e.get("pid") and e.get("task_id")}
    pss_peak = sampler.peak_pss["airflow"] / 1e9
    components_pss = sum(
        pss
        for kind, _, _, pss in sampler.peak_pss_breakdown["airflow"]
        if not kind.startswith((TASK_PROCESS, "LocalExecutor worker"))
    )
    rss_peak = sampler.peak_rss["airflow"] / 1e9
    result.figure(
        "Airflow settings that bound its memory (`airflow_runtime.MEMORY_SETTINGS`)",
        ", ".join(f"`{k.removeprefix('AIRFLOW__')}={v}`" for k, v in airflow_runtime.MEMORY_SETTINGS.items()),
    )
    result.figure(
        "peak PSS, Airflow + pipeline processes (the measured figure)",
        f"{pss_peak:.2f} GB ({sampler.peak_pss_processes['airflow']} processes)",
    )
    result.figure(
        "at that peak, by process (PSS)",
        summarise_breakdown(name_task_processes(sampler.peak_pss_breakdown["airflow"], task_of_pid), "pss"),
    )
    result.figure(
        "peak RSS of the same processes (shared pages counted in every process)",
        f"{rss_peak:.2f} GB ({sampler.peak_processes['airflow']} processes)",
    )
    result.figure(
        "at that peak, by process (RSS)",
        summarise_breakdown(name_task_processes(sampler.peak_breakdown["airflow"], task_of_pid)),
    )
    result.figure(
        "peak PSS / RSS, PostgreSQL (beside, not counted)",
        f"{sampler.peak_pss['postgres'] / 1e9:.2f} GB / {sampler.peak_rss['postgres'] / 1e9:.2f} GB "
        f"({sampler.peak_processes['postgres']} processes; RSS counts shared buffers per backend)"
        if env.server
        else "not sampled (external server)",
    )
    result.figure(
        "peak PSS, Airflow + pipeline and PostgreSQL together",
        f"{sampler.peak_total_pss / 1e9:.2f} GB ({sampler.samples} samples, every 0.5 s)",
    )
    result.figure("load average before / after the flow (other users' work included)", f"{load_before} → {load_after}")
    result.checks.append(Check("wall time", wall, "<=", 600.0, "s"))
    result.checks.append(
        Check(
            "orchestration share of wall time", None if orchestration is None else 100 * orchestration, "<=", 30.0, "%"
        )
    )
    result.checks.append(Check("peak memory (PSS, Airflow + pipeline)", pss_peak, "<=", 2.0, "GB"))
    result.notes.append(
        "Orchestration share: the wall time minus the time in which at least one task body doing pipeline "
        "work (extract_load, validate_load, dbt_build, close_last_month) was "
        "running, over the wall time. Task start-up, scheduling and Asset "
        "hand-overs count as orchestration. A body's own imports and connections count as work, so this is a "
        "lower bound."
    )
    result.notes.append(
        f"Memory is measured as PSS (proportional set size, from `/proc/<pid>/smaps_rollup`): a page shared by n "
        f"processes counts 1/n in each, so the sum over processes is the physical memory they use. The RSS sum "
        f"({rss_peak:.2f} GB) counts a shared page once in every process that maps it: Airflow forks its "
        f"workers, and they fork the task processes, from processes that already hold Airflow, the task SDK and "
        f"(with the fork server) the pipeline's and Great Expectations' modules, so most of each process's "
        f"resident pages are the same physical pages. The issue's 2 GB is a question of RAM needed, which PSS "
        f"answers and RSS overstates ({rss_peak / pss_peak if pss_peak else 0:.1f}× here)."
    )
    result.notes.append(
        "What keeps it down (`ssc_pipeline.local.airflow_runtime`, measured against the first run's "
        "4.15 GB RSS / 2.29 GB PSS at parallelism 6): LocalExecutor's workers are forked from a "
        "`multiprocessing` fork server that imported what task processes need once — Airflow's task runner, the "
        "pipeline and Great Expectations (~220 MB and ~4 s of CPU per import, which every raw-gate task paid) — "
        "and froze it for the garbage collector, so workers and task processes share those pages; the scheduler "
        "and the triggerer run without their log servers (`--skip-serve-logs`: every component runs on this "
        "machine and the API server reads the task logs from `$AIRFLOW_HOME/logs`); one DAG-parsing process; "
        f"parallelism {airflow_runtime.MEMORY_SETTINGS['AIRFLOW__CORE__PARALLELISM']}. Of the peak, "
        f"{components_pss / 1e9:.2f} GB is Airflow's standing processes (API server, triggerer and its trigger "
        "runner, DAG processor and its parsing child, scheduler, fork server) and "
        f"{(sampler.peak_pss['airflow'] - components_pss) / 1e9:.2f} GB the LocalExecutor workers and the task "
        "processes they run."
    )
    limits = []
    if wall > 600:
        extract_end = max((b.end for b in extract_bodies), default=triggered) - triggered
        limits.append(
            f"wall time {fmt_seconds(wall)}: the {len(extract_bodies)} extract and raw-gate task bodies (Σ "
            f"{fmt_seconds(sum(b.seconds for b in extract_bodies))}, at most "
            f"{airflow_runtime.MEMORY_SETTINGS['AIRFLOW__CORE__PARALLELISM']} at once on 2 cores) ended at "
            f"+{fmt_seconds(extract_end)}; the transform's dbt builds took "
            f"{', '.join(fmt_seconds(b.seconds) for b in builds) or '—'} — the first ones start on the first "
            "organisations' Asset events and share the 2 cores with the extracts still running, and each later "
            "one rebuilds the tickets the loads since brought (docs/incremental.md). The work itself is the "
            "limit here (orchestration share above): landing and validating the rows, and the dbt builds."
        )
    if orchestration is not None and orchestration > 0.30:
        limits.append(
            f"orchestration share {100 * orchestration:.1f} %: of the {fmt_seconds(wall)} wall time, "
            f"{fmt_seconds(wall - work_union)} had no task body at work: task process start-ups, scheduler loops "
            "and Asset hand-overs between the extract, transform and close runs. Each of those "
            "waits for a scheduler loop and a task process start, which other users' load on the machine "
            "lengthens while the work gets no longer."
        )
    result.limit = " ".join(limits)
    if pss_peak > 2.0:
        top = summarise_breakdown(name_task_processes(sampler.peak_pss_breakdown["airflow"], task_of_pid), "pss")
        result.limit = ((result.limit + " ") if result.limit else "") + (
            f"peak PSS {pss_peak:.2f} GB (RSS {rss_peak:.2f} GB). By process at the peak: {top}. "
            "Levers in `ssc_pipeline.local.airflow_runtime`: fewer task processes at once "
            "(`AIRFLOW__CORE__PARALLELISM`), more modules in the fork server's preload "
            "(`ssc_pipeline.orchestration.preload`)."
        )
    validate = by_kind.get("extract DAGs: validate_load", [])
    if validate and sum(validate) > 0.5 * sum(b.seconds for b in work):
        result.notes.append(
            f"Most task-body time is the raw gate: {len(validate)} validate_load bodies, Σ "
            f"{fmt_seconds(sum(validate))} (longest {fmt_seconds(max(validate))}), against "
            f"{fmt_seconds(sum(by_kind.get('extract DAGs: extract_load', [0.0])))} for landing. Each runs the "
            f"ticket and hold suites and the load-profile suite per load and rebuilds the Data Docs site under a "
            f"file lock, with up to {airflow_runtime.MEMORY_SETTINGS['AIRFLOW__CORE__PARALLELISM']} task processes "
            f"competing for 2 cores; see benchmark 4 for the suite's own "
            f"cost and its fix. At `--scale full` this is what to watch for the 10-minute limit."
        )
    if failed or failed_tis:
        result.error = f"some runs failed: {failed or ''} {failed_tis or ''}; logs under the bench's Airflow home"
    return result


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts
