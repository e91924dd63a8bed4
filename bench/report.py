"""bench/RESULTS.md from the benchmarks' results: run, machine, summary, then each benchmark."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.core import StageResult, fmt_seconds


def render_results(
    run: Mapping[str, str],
    machine: Sequence[tuple[str, str]],
    stages: Sequence[StageResult],
    closing: Sequence[str] = (),
) -> str:
    """bench/RESULTS.md: run and machine, a summary table, then each benchmark's figures and notes."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`, see [HARNESS.md](HARNESS.md) for what each "
        "benchmark measures and how). Do not edit by hand: re-run the harness.",
        "",
    ]
    lines += ["## Run", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in run.items()]
    lines += ["", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in machine]
    lines += ["", "## Summary", "", "| # | benchmark | measured | target | result |", "|---|---|---|---|---|"]
    for stage in stages:
        if not stage.checks:
            lines.append(f"| {stage.number} | {stage.title} | — | — | {stage.verdict} |")
        for i, check in enumerate(stage.checks):
            number = str(stage.number) if i == 0 else ""
            title = f"{stage.title}: {check.name}" if i == 0 else check.name
            lines.append(
                f"| {number} | {title} | {check.describe_value()} | {check.describe_target()} | {check.status} |"
            )
    for stage in stages:
        lines += ["", f"## {stage.number}. {stage.title} — {stage.verdict}", ""]
        if stage.error:
            lines += [f"**Error:** `{stage.error}`", ""]
        if stage.figures:
            lines += ["| figure | value |", "|---|---|"]
            lines += [f"| {label} | {value} |" for label, value in stage.figures]
            lines.append("")
        if stage.checks:
            lines += ["| target | measured | limit | result |", "|---|---|---|---|"]
            lines += [f"| {c.name} | {c.describe_value()} | {c.describe_target()} | {c.status} |" for c in stage.checks]
            lines.append("")
        for note in stage.notes:
            lines += [note, ""]
        if stage.seconds:
            lines += ["", f"_Benchmark took {fmt_seconds(stage.seconds)} including set-up._"]
    misses = [stage for stage in stages if stage.verdict == "MISS" and stage.limit]
    if misses:
        lines += ["", "## Misses: what limits them and the suggested fixes", ""]
        lines += [f"* **{stage.number}. {stage.title}** — {stage.limit}" for stage in misses]
    if closing:
        lines += ["", *closing]
    return "\n".join(lines).rstrip() + "\n"
