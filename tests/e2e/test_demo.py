"""End to end: `ssc demo` through real Airflow DAG runs on a fresh embedded PostgreSQL.

Runs the demo as a user would (a subprocess with its own SSC home), checks rows
in the marts, runs it again (no duplicates), then adds a fourth organisation to
the registry and checks that it gets its own DAG run and its rows in the marts.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
import yaml

from ssc_pipeline import warehouse
from ssc_pipeline.periods import previous_month
from ssc_pipeline.registry import active_organisations
from ssc_pipeline.warehouse.embedded import EmbeddedPostgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def demo_env():
    home = Path(tempfile.mkdtemp(prefix="ssc-e2e-"))  # not pytest's basetemp, which is pruned
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SSC_"))}
    env["SSC_HOME"] = str(home)
    yield env, home
    subprocess.run([sys.executable, "-m", "ssc_pipeline.cli", "airflow", "stop"], env=env, timeout=120)
    subprocess.run([sys.executable, "-m", "ssc_pipeline.cli", "db", "stop"], env=env, timeout=120)
    shutil.rmtree(home, ignore_errors=True)


def run_demo(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ssc_pipeline.cli", "demo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"demo failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def query(home: Path, sql: str, dbname: str = "ssc") -> list[tuple]:
    url = warehouse.DbParams.from_url(EmbeddedPostgres(home=home).url()).url(dbname)
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_demo_end_to_end(demo_env: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, home = demo_env
    codes = {o.code for o in active_organisations()}
    out = run_demo(env, "--days", "2", "--tickets-per-weekday", "12")
    for code in codes:
        assert code in out
    assert "%" in out  # attainment figures

    per_org = dict(query(home, "select org_code, count(*) from marts.fct_tickets group by 1"))
    assert set(per_org) == codes and all(n > 0 for n in per_org.values())
    assert {r[0] for r in query(home, "select distinct org_code from marts.sla_monthly")} == codes
    # every extract ran as a real Airflow DAG run, in Airflow's own metadata database
    runs = query(
        home,
        "select dag_id, run_id, state from dag_run where run_id like 'nightly__%' or run_id like 'catchup__%'",
        dbname="airflow",
    )
    assert len(runs) == len(codes) * 3 + 1  # 2 nightly + 1 catch-up per organisation, + SSC service data
    assert {state for _, _, state in runs} == {"success"}
    transforms = query(home, "select state from dag_run where dag_id = 'transform'", dbname="airflow")
    assert transforms and {t[0] for t in transforms} == {"success"}
    total = query(home, "select count(*), count(distinct (org_code, ticket_id)) from marts.fct_tickets")[0]
    assert total[0] == total[1]

    # the monthly close published the last full month, and the reports were written
    month = previous_month(dt.datetime.now(dt.timezone.utc))
    published = query(home, f"select mart, version from audit.publications where month = '{month}'")
    assert ("sla_monthly", 1) in published
    assert query(home, "select count(distinct org_code) from published.sla_monthly")[0][0] == len(codes)
    reports = sorted(p.name for p in (home / "reports" / f"{month:%Y-%m}").glob("*.html"))
    assert len(reports) == len(codes) + 1  # the SSC overview and one per organisation
    costs = query(home, f"select count(*), sum(ssc_cost_eur) from marts.cost_savings_monthly where month = '{month}'")[
        0
    ]
    assert costs[0] > 0 and costs[1] > 0

    # A second run re-runs the same windows: same rows, no duplicates, nothing new to publish.
    run_demo(env, "--days", "2", "--tickets-per-weekday", "12")
    again = query(home, "select count(*), count(distinct (org_code, ticket_id)) from marts.fct_tickets")[0]
    assert again == total
    assert sorted(query(home, f"select mart, version from audit.publications where month = '{month}'")) == sorted(
        published
    )

    # Another organisation: its own DAG and its rows in the marts, no code change.
    data = yaml.safe_load((ROOT / "organisations.yml").read_text())
    data["organisations"].append(
        {
            "code": "GM0482",
            "oin": "00000001002150001000",
            "name": "Gemeente Alblasserdam",
            "source": "topdesk",
            "connection": "topdesk_gm0482",
            "schedule": "45 2 * * *",
            "joined_on": "2022-01-01",
            "active": True,
        }
    )
    registry = tmp_path / "organisations.yml"
    registry.write_text(yaml.safe_dump(data, sort_keys=False))
    out = run_demo(dict(env, SSC_REGISTRY=str(registry)), "--days", "1", "--tickets-per-weekday", "12")
    assert "GM0482" in out
    assert query(home, "select count(*) from marts.fct_tickets where org_code = 'GM0482'")[0][0] > 0
    assert query(home, "select count(*) from marts.sla_monthly where org_code = 'GM0482'")[0][0] > 0
