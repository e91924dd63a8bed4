"""Pure helpers of the benchmark harness: sizes, verdicts, formatting, generated inputs.

Nothing here touches a database or starts a process, so ``tests/unit/
test_bench_harness.py`` can check it in milliseconds; the stages themselves
(``bench/stage_*.py``) are never run by the test suite.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is. ``default`` fits ``make bench`` in about 20 minutes on 2 shared
    cores; ``full`` is the municipal scale of issue #9."""

    orgs: int  # organisations in the generated load (stages 1, 3)
    tickets: int  # tickets per organisation
    history_share: float  # share of tickets also landed in an earlier version (history)
    changed_share: float  # share of tickets changed in the nightly delta (stage 3)
    gx_rows: int  # rows of the one load the GX suite validates (stage 4)
    dag_orgs: int  # organisations in the generated registry for DAG parsing (stage 5)
    flow_orgs: int  # organisations in the Airflow flow (stage 6)
    flow_tickets: int  # tickets through the whole Airflow flow, all organisations together
    sla_tickets: int  # tickets of the SLA-clock benchmark (stage 2)
    pandas_orgs: int  # organisations whose rows also go through pandas.to_sql (stage 1)
    repeat: int  # timed rounds of the short SQL/GX measurements (median counts)

    @property
    def total_tickets(self) -> int:
        return self.orgs * self.tickets


SCALES: dict[str, Sizes] = {
    # issue #9's sizes, what `make bench` runs
    "full": Sizes(
        orgs=20,
        tickets=50_000,
        history_share=0.2,
        changed_share=0.01,
        gx_rows=1_000_000,
        dag_orgs=100,
        flow_orgs=20,
        flow_tickets=1_000_000,
        sla_tickets=1_000_000,
        pandas_orgs=4,
        repeat=3,
    ),
    # a tenth of the tickets, for a check within ~15-20 min on 2 cores
    "quick": Sizes(
        orgs=20,
        tickets=5_000,
        history_share=0.2,
        changed_share=0.01,
        gx_rows=250_000,
        dag_orgs=100,
        flow_orgs=20,
        flow_tickets=50_000,
        sla_tickets=1_000_000,  # the size: ~30 s, all in SQL
        pandas_orgs=20,
        repeat=3,
    ),
}


def resolve_sizes(scale: str, orgs: int | None = None, tickets: int | None = None, **overrides: int | None) -> Sizes:
    """The preset of ``scale`` with explicit ``--orgs``/``--tickets``/... applied.

    ``--orgs``/``--tickets`` also move the SLA-clock size (all tickets) unless it
    is given itself; pandas is capped at the number of organisations.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    sizes = SCALES[scale]
    if orgs is not None:
        sizes = replace(sizes, orgs=orgs)
    if tickets is not None:
        sizes = replace(sizes, tickets=tickets)
    if (orgs is not None or tickets is not None) and overrides.get("sla_tickets") is None:
        sizes = replace(sizes, sla_tickets=sizes.total_tickets)
    given = {k: v for k, v in overrides.items() if v is not None}
    sizes = replace(sizes, **given)
    sizes = replace(sizes, pandas_orgs=min(sizes.pandas_orgs, sizes.orgs))
    for name in ("orgs", "tickets", "gx_rows", "dag_orgs", "flow_orgs", "flow_tickets", "sla_tickets", "repeat"):
        if getattr(sizes, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1")
    return sizes


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class Check:
    """One target: ``value`` ``op`` ``target`` (op is ``<=`` or ``>=``); value None = not measured."""

    name: str
    value: float | None
    op: str
    target: float
    unit: str = "x"

    @property
    def status(self) -> str:
        if self.value is None:
            return "N/A"
        ok = self.value <= self.target if self.op == "<=" else self.value >= self.target
        return "PASS" if ok else "MISS"

    def describe_value(self) -> str:
        return "—" if self.value is None else fmt_value(self.value, self.unit)

    def describe_target(self) -> str:
        return f"{'≤' if self.op == '<=' else '≥'} {fmt_value(self.target, self.unit)}"


def verdict(checks: Sequence[Check]) -> str:
    """A stage's verdict: MISS if any target missed, N/A if nothing measured, else PASS."""
    states = [c.status for c in checks]
    if "MISS" in states:
        return "MISS"
    if not states or all(s == "N/A" for s in states):
        return "N/A"
    return "PASS" if "N/A" not in states else "PASS (partly N/A)"


@dataclass
class StageResult:
    """What one benchmark reports: its figures, its targets, and what a reader must know."""

    number: int
    title: str
    checks: list[Check] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    limit: str | None = None  # for a miss: what limits it and the suggested fix, in one paragraph

    def figure(self, label: str, value: str) -> None:
        self.figures.append((label, value))

    @property
    def verdict(self) -> str:
        if self.error and not any(c.value is not None for c in self.checks):
            return "N/A"
        return verdict(self.checks)


# --------------------------------------------------------------------------- formatting


def fmt_value(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "s":
        return fmt_seconds(value)
    if unit == "B":
        return fmt_bytes(value)
    return f"{value:,.2f} {unit}"


def fmt_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:04.1f} s"


def fmt_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:,.0f} {unit}" if unit == "B" else f"{count:,.2f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def fmt_rate(rows: float, seconds: float) -> str:
    return "—" if seconds <= 0 else f"{rows / seconds:,.0f} rows/s"


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


# --------------------------------------------------------------------------- time intervals


def union_length(intervals: Iterable[tuple[float, float]]) -> float:
    """Total length covered by the intervals (overlaps counted once)."""
    total = 0.0
    end_so_far: float | None = None
    start_so_far = 0.0
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if end_so_far is None or start > end_so_far:
            if end_so_far is not None:
                total += end_so_far - start_so_far
            start_so_far, end_so_far = start, end
        else:
            end_so_far = max(end_so_far, end)
    if end_so_far is not None:
        total += end_so_far - start_so_far
    return total


def clip(intervals: Iterable[tuple[float, float]], low: float, high: float) -> list[tuple[float, float]]:
    return [(max(s, low), min(e, high)) for s, e in intervals if min(e, high) > max(s, low)]


# --------------------------------------------------------------------------- registries


def eleven_proof_check_digit(first_eight: str) -> int | None:
    """The ninth digit that makes ``first_eight`` + digit pass the RSIN 11-proof, or None."""
    if not re.fullmatch(r"\d{8}", first_eight):
        raise ValueError("eight digits expected")
    total = sum(w * int(d) for w, d in zip(range(9, 1, -1), first_eight))
    digit = total % 11
    if digit == 10 or total - digit == 0:
        return None
    return digit


def valid_rsins(count: int, start: int = 10_000_000) -> list[str]:
    """``count`` distinct 9-digit RSINs that pass the 11-proof, deterministic from ``start``."""
    found: list[str] = []
    base = start
    while len(found) < count:
        first = f"{base:08d}"
        digit = eleven_proof_check_digit(first)
        if digit is not None:
            found.append(first + str(digit))
        base += 1
    return found


# Of every 20 organisations 12 TOPdesk, 5 ServiceNow, 3 file drops, interleaved so any prefix is mixed too.
SOURCE_MIX = (
    "topdesk",
    "servicenow",
    "topdesk",
    "files",
    "topdesk",
    "servicenow",
    "topdesk",
    "topdesk",
    "servicenow",
    "topdesk",
    "files",
    "topdesk",
    "servicenow",
    "topdesk",
    "topdesk",
    "servicenow",
    "topdesk",
    "files",
    "topdesk",
    "topdesk",
)


def registry_entries(
    count: int, sources: Sequence[str] | None = None, joined_on: dt.date = dt.date(2020, 1, 1)
) -> list[dict[str, Any]]:
    """``count`` valid organisations.yml entries: GM0001.., OIN 00000001 + RSIN + 000.

    ``sources`` is cycled over (default: 60 % TOPdesk, 25 % ServiceNow, 15 % file drops,
    a plausible mix for an SSC); cron minutes are spread so schedules differ.
    """
    if count > 9999:
        raise ValueError("at most 9999 GM codes")
    cycle = list(sources or SOURCE_MIX)
    entries = []
    for index, rsin in enumerate(valid_rsins(count), start=1):
        source = cycle[(index - 1) % len(cycle)]
        code = f"GM{index:04d}"
        entries.append(
            {
                "code": code,
                "oin": f"00000001{rsin}000",
                "name": f"Benchmarkgemeente {index:04d}",
                "source": source,
                "connection": f"{source}_{code.lower()}",
                "schedule": f"{index % 60} {1 + (index // 60) % 4} * * *",
                "joined_on": joined_on.isoformat(),
                "active": True,
            }
        )
    return entries


def registry_yaml(entries: Sequence[Mapping[str, Any]]) -> str:
    import yaml

    return "# Generated by the benchmark harness (bench/core.py); not a real registry.\n" + yaml.safe_dump(
        {"organisations": [dict(e) for e in entries]}, sort_keys=False, allow_unicode=True
    )


# --------------------------------------------------------------------------- SLA-clock output


_SLA_PATTERNS = {
    "calendar_ms": r"calendar time\s+\(plain sum\)\s+([\d.,]+)\s*ms",
    "business_ms": r"business time\s+\(index macro\)\s+([\d.,]+)\s*ms",
    "business_holds_ms": r"business time, holds subtracted\s+([\d.,]+)\s*ms",
    "ratio": r"ratio business / calendar\s+([\d.,]+)\s*x",
    "ratio_holds": r"with holds\s+([\d.,]+)\s*x",
    "ratio_best": r"best/best\s+([\d.,]+)\s*x",
    "tickets": r"^tickets\s+([\d,]+)",
    "rounds": r"(\d+) (?:interleaved )?rounds",
}


def parse_sla_clock_output(text: str) -> dict[str, float]:
    """The figures ``bench/sla_clock.py`` prints (its own format; see that file's ``main``)."""
    found: dict[str, float] = {}
    for key, pattern in _SLA_PATTERNS.items():
        match = re.search(pattern, text, flags=re.MULTILINE)
        if match:
            found[key] = float(match.group(1).replace(",", ""))
    return found


# --------------------------------------------------------------------------- the raw suite as plain SQL


_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"unexpected column name {name!r}")
    return f'"{name}"'


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"cannot render {value!r} as SQL")


def rules_sql(suite: Mapping[str, Any], query: str) -> tuple[str, list[str]]:
    """One SQL statement computing, per expectation, the number of failing rows, as GX counts them.

    This is what a team writes instead of a GX suite: one ``count(*) filter (...)``
    per rule over the same query. It is derived from the suite's JSON (rather
    than typed out) so that it can never test other rules than the suite does;
    the stage checks that both report the same counts. Semantics follow GX 1.x:
    nulls are ignored except by ``not_be_null``; uniqueness counts every row
    whose value occurs more than once; pair comparisons skip rows as
    ``ignore_row_if`` says. Returns the SQL and one label per expectation.
    """
    selects = ["count(*) as row_count"]
    joins: list[str] = []
    ctes = [f"checked as (\n{query}\n)"]
    labels: list[str] = []
    for index, exp in enumerate(suite["expectations"]):
        kind, kwargs = exp["type"], exp.get("kwargs", {})
        alias = f"e{index}"
        if kind == "expect_column_values_to_not_be_null":
            condition = f"checked.{_ident(kwargs['column'])} is null"
        elif kind == "expect_column_values_to_be_unique":
            col = _ident(kwargs["column"])
            ctes.append(
                f"dup{index} as (select {col} as value from checked where {col} is not null"
                f" group by {col} having count(*) > 1)"
            )
            joins.append(f"left join dup{index} on checked.{col} = dup{index}.value")
            condition = f"dup{index}.value is not null"
        elif kind == "expect_column_values_to_be_in_set":
            col = _ident(kwargs["column"])
            values = ", ".join(_literal(v) for v in kwargs["value_set"])
            condition = f"checked.{col} is not null and checked.{col} not in ({values})"
        elif kind == "expect_column_values_to_match_regex":
            col = _ident(kwargs["column"])
            condition = f"checked.{col} is not null and not (checked.{col} ~ {_literal(kwargs['regex'])})"
        elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
            a, b = _ident(kwargs["column_A"]), _ident(kwargs["column_B"])
            op = ">=" if kwargs.get("or_equal") else ">"
            ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
            if ignore == "either_value_is_missing":
                keep = f"checked.{a} is not null and checked.{b} is not null"
            elif ignore == "both_values_are_missing":
                keep = f"not (checked.{a} is null and checked.{b} is null)"
            else:
                keep = "true"
            condition = f"{keep} and not coalesce(checked.{a} {op} checked.{b}, false)"
        else:
            raise ValueError(f"no plain-SQL equivalent written for {kind}")
        selects.append(f"count(*) filter (where {condition}) as {alias}")
        rule = (exp.get("meta") or {}).get("rule") or kind
        labels.append(rule)
    sql = (
        "with " + ",\n".join(ctes) + "\nselect\n    " + ",\n    ".join(selects) + "\nfrom checked\n" + "\n".join(joins)
    )
    return sql, labels


# --------------------------------------------------------------------------- task-body timings (stage 6)


@dataclass(frozen=True)
class TaskBody:
    """One run of one task body, from the benchmark's Airflow listener (wall-clock seconds)."""

    dag_id: str
    run_id: str
    task_id: str
    operator: str
    start: float
    end: float
    state: str

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def waits(self) -> bool:
        """A sensor waits for others' work; it does none itself."""
        return "Sensor" in self.operator


def task_bodies(events: Iterable[Mapping[str, Any]]) -> list[TaskBody]:
    """Pair the listener's start and end lines by process; a start without an end (a sensor that
    deferred, or a killed task) has no body to count."""
    open_: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    bodies = []
    for event in sorted(events, key=lambda e: e["t"]):
        key = (event.get("pid"), event.get("dag_id"), event.get("run_id"), event.get("task_id"), event.get("map_index"))
        if event["event"] == "running":
            open_[key] = event
        elif key in open_:
            start = open_.pop(key)
            bodies.append(
                TaskBody(
                    str(event["dag_id"]),
                    str(event["run_id"]),
                    str(event["task_id"]),
                    str(event.get("operator") or ""),
                    float(start["t"]),
                    float(event["t"]),
                    str(event["event"]),
                )
            )
    return bodies
