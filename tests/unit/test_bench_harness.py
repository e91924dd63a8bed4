"""The benchmark harness's pure helpers (bench/core.py, bench/run.py's argument handling).

The benchmarks themselves never run in the test suite (they take minutes and
start servers); this only checks, in milliseconds, the parts whose mistakes
would silently make a figure wrong: sizes, verdicts, interval arithmetic,
generated registries, the SQL that stands in for the GX suite, parsing of
the SLA script's output, pairing of task-body events, and the report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import core  # noqa: E402
from bench.report import render_results  # noqa: E402
from bench.run import parse_args, selected  # noqa: E402
from ssc_pipeline.registry import parse_registry, rsin_passes_eleven_proof  # noqa: E402


def test_full_is_municipal_scale_and_the_default_while_quick_is_modest() -> None:
    quick, full = core.resolve_sizes("quick"), core.resolve_sizes("full")
    assert quick.total_tickets == 100_000 and quick.dag_orgs == 100
    assert parse_args([]).scale == "full"
    assert full.total_tickets == 1_000_000 and full.gx_rows == 1_000_000 and full.flow_tickets == 1_000_000


def test_orgs_and_tickets_override_and_move_the_sla_size() -> None:
    sizes = core.resolve_sizes("quick", orgs=3, tickets=1000)
    assert (sizes.orgs, sizes.tickets, sizes.sla_tickets, sizes.pandas_orgs) == (3, 1000, 3000, 3)
    assert core.resolve_sizes("quick", orgs=3, tickets=1000, sla_tickets=77).sla_tickets == 77
    assert core.resolve_sizes("full", gx_rows=5).gx_rows == 5


@pytest.mark.parametrize("kwargs", [{"orgs": 0}, {"gx_rows": 0}])
def test_sizes_refuse_nonsense(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        core.resolve_sizes("quick", **kwargs)
    with pytest.raises(ValueError):
        core.resolve_sizes("huge")


def test_checks_and_verdicts() -> None:
    assert core.Check("r", 0.6, ">=", 0.5).status == "PASS"
    assert core.Check("r", 0.4, ">=", 0.5).status == "MISS"
    assert core.Check("t", 2.0, "<=", 2.0, "s").status == "PASS"
    assert core.Check("t", None, "<=", 2.0).status == "N/A"
    assert core.verdict([core.Check("a", 1, "<=", 2), core.Check("b", 3, "<=", 2)]) == "MISS"
    assert core.verdict([core.Check("a", None, "<=", 2)]) == "N/A"
    assert core.Check("m", 1.5, "<=", 2.0, "GB").describe_target() == "≤ 2.00 GB"


def test_union_length_counts_overlaps_once() -> None:
    assert core.union_length([]) == 0
    assert core.union_length([(0, 10), (5, 15), (20, 25), (21, 22)]) == 20
    assert core.union_length([(3, 1)]) == 0
    assert core.clip([(0, 10), (12, 20)], 5, 15) == [(5, 10), (12, 15)]


def test_generated_rsins_pass_the_eleven_proof_and_registry_parses() -> None:
    rsins = core.valid_rsins(150)
    assert len(set(rsins)) == 150 and all(rsin_passes_eleven_proof(r) for r in rsins)
    entries = core.registry_entries(100)
    orgs = parse_registry(yaml.safe_load(core.registry_yaml(entries)))
    assert [o.code for o in orgs][:2] == ["GM0001", "GM0002"] and len(orgs) == 100
    assert {o.source for o in orgs} == {"topdesk", "servicenow", "files"}
    assert all(o.oin.startswith("00000001") and o.oin.endswith("000") for o in orgs)
    assert {
        o.source
        for o in parse_registry(yaml.safe_load(core.registry_yaml(core.registry_entries(4, sources=("files",)))))
    } == {"files"}


def test_sla_clock_output_is_parsed_in_either_format() -> None:
    old = (
        "tickets                             1,000,000   (300,000 hold periods)\n"
        "calendar time   (plain sum)           41.2 ms   1 minutes\n"
        "business time   (index macro)        101.5 ms   1 minutes\n"
        "business time, holds subtracted      180.0 ms   1 minutes\n"
        "ratio business / calendar             2.46 x    (target <= 3x; with holds 4.37 x)\n"
    )
    new = (
        "tickets                               50,000\n"
        "calendar time  (plain sum)            9.5 ms median      7.3 ms best\n"
        "business time  (index macro)         41.6 ms median     28.2 ms best\n"
        "ratio business / calendar            4.37 x  (best/best 3.85 x; target <= 3 x)\n"
        "9 interleaved rounds; load average 8.2 at start on 2 CPUs; whole run 12 s\n"
    )
    first, second = core.parse_sla_clock_output(old), core.parse_sla_clock_output(new)
    assert (first["ratio"], first["ratio_holds"], first["tickets"]) == (2.46, 4.37, 1_000_000)
    assert (second["ratio"], second["ratio_best"], second["rounds"], second["calendar_ms"]) == (4.37, 3.85, 9, 9.5)
    assert core.parse_sla_clock_output("nothing") == {}


def test_rules_sql_covers_every_expectation_of_the_raw_suite() -> None:
    suite = json.loads((ROOT / "expectations" / "raw_topdesk_incidents.json").read_text())
    sql, labels = core.rules_sql(suite, "select 1")
    assert len(labels) == len(suite["expectations"])
    assert sql.count("count(*) filter") == len(labels)
    assert "having count(*) > 1" in sql  # uniqueness counts every row of a duplicated value
    assert '"resolved_at" is not null and checked."opened_at" is not null' in sql
    assert "'Wachten op gebruiker'" in sql and "not in (false)" in sql


def test_rules_sql_refuses_what_it_cannot_translate() -> None:
    with pytest.raises(ValueError):
        core.rules_sql({"expectations": [{"type": "expect_table_row_count_to_equal", "kwargs": {}}]}, "select 1")
    with pytest.raises(ValueError):
        core.rules_sql(
            {
                "expectations": [
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x; drop table y"}}
                ]
            },
            "select 1",
        )
    sql, _ = core.rules_sql(
        {
            "expectations": [
                {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "s", "value_set": ["it's"]}}
            ]
        },
        "select 1",
    )
    assert "'it''s'" in sql


def test_task_bodies_pair_by_process_and_skip_deferrals() -> None:
    def ev(event: str, t: float, pid: int, task: str, op: str = "_PythonDecoratedOperator") -> dict[str, object]:
        return {
            "event": event,
            "t": t,
            "pid": pid,
            "dag_id": "d",
            "run_id": "r",
            "task_id": task,
            "map_index": -1,
            "operator": op,
        }

    bodies = core.task_bodies(
        [
            ev("running", 1.0, 10, "extract_load"),
            ev("success", 4.0, 10, "extract_load"),
            ev("running", 2.0, 11, "wait_for_file", "FileSensor"),  # deferred: no end in this process
            ev("running", 9.0, 12, "wait_for_file", "FileSensor"),
            ev("success", 9.5, 12, "wait_for_file", "FileSensor"),
            ev("running", 3.0, 13, "dbt_build", "_PythonDecoratedOperator"),
            ev("failed", 8.0, 13, "dbt_build", "_PythonDecoratedOperator"),
        ]
    )
    assert [(b.task_id, b.seconds, b.state) for b in bodies] == [
        ("extract_load", 3.0, "success"),
        ("dbt_build", 5.0, "failed"),
        ("wait_for_file", 0.5, "success"),
    ]
    assert [b.waits for b in bodies] == [False, False, True]


def test_report_has_machine_summary_and_every_stage() -> None:
    stage = core.StageResult(
        1, "Landing", checks=[core.Check("ratio", 0.7, ">=", 0.5)], figures=[("rows", "10")], notes=["A note."]
    )
    missing = core.StageResult(2, "SLA", checks=[core.Check("ratio", None, "<=", 3.0)], error="not available")
    text = render_results({"started": "now"}, [("CPU", "x86")], [stage, missing])
    assert "## Machine" in text and "| CPU | x86 |" in text
    assert "| 1 | Landing: ratio | 0.70× | ≥ 0.50× | PASS |" in text
    assert "## 2. SLA — N/A" in text and "not available" in text and "A note." in text


def test_formatting() -> None:
    assert core.fmt_seconds(0.25) == "250 ms" and core.fmt_seconds(1.5) == "1.50 s"
    assert core.fmt_seconds(185) == "3 min 05.0 s"
    assert core.fmt_bytes(3 * 2**30) == "3.00 GiB"
    assert core.fmt_rate(1000, 2) == "500 rows/s"


def test_cli_selection() -> None:
    assert selected(None) == [5, 1, 3, 4, 2, 6]
    assert selected("4") == [1, 4]
    assert selected("6,2") == [2, 6]
    with pytest.raises(SystemExit):
        selected("7")
    args = parse_args(["--scale", "full", "--orgs", "2", "--only", "1"])
    assert (args.scale, args.orgs, args.only) == ("full", 2, "1")


def test_plain_copy_buffer_escapes_text_format() -> None:
    from bench.data import copy_buffer

    record = {"id": "a\tb", "modificationDate": "2026-01-01T00:00:00.000+0000", "x": "back\\slash\nline"}
    line = copy_buffer("L", "GM0001", [record]).decode()
    fields = line.rstrip("\n").split("\t")
    assert line.count("\n") == 1 and len(fields) == 5
    assert fields[2] == "a\\tb"
    assert json.loads(fields[4].replace("\\\\", "\\")) == record
