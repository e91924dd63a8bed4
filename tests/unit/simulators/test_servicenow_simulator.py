"""The ServiceNow Table API simulator (served on 127.0.0.1, port 0) and its rendering of tickets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from ssc_pipeline.simulators.faults import FaultPlan
from ssc_pipeline.simulators.incident_generator import generate_day, hold_intervals_as_of
from ssc_pipeline.simulators.servicenow import ServiceNowSimulator, ServiceNowTenant
from ssc_pipeline.simulators.servicenow_render import (
    render_servicenow,
    servicenow_incidents_modified_between,
    state_audit_rows,
)
from ssc_pipeline.simulators.topdesk_render import incidents_modified_between
from ssc_pipeline.sources.servicenow.streams import parse_servicenow_ts

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
GT = datetime(2026, 11, 19, 23, 0, tzinfo=timezone.utc)
LE = datetime(2026, 11, 21, 23, 0, tzinfo=timezone.utc)
TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
TENANTS = {
    "GM0344": ServiceNowTenant("GM0344", "svc-gm0344", "secret-0344"),
    "GM0599": ServiceNowTenant("GM0599", "svc-gm0599", "secret-0599", seed=5, password_expired=True),
}
INCIDENT = "/api/now/table/incident"
AUDIT = "/api/now/table/sys_audit"
SRC = Path(__file__).resolve().parents[3] / "src"


def _query(gt: datetime = GT, le: datetime = LE) -> str:
    return f"sys_updated_on>{gt:%Y-%m-%d %H:%M:%S}^sys_updated_on<={le:%Y-%m-%d %H:%M:%S}^ORDERBYsys_updated_on"


@pytest.fixture(scope="module")
def sim() -> Iterator[ServiceNowSimulator]:
    with ServiceNowSimulator(TENANTS, now=lambda: NOW) as simulator:
        yield simulator


@pytest.fixture()
def http(sim: ServiceNowSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.tenant_url("GM0344"), auth=("svc-gm0344", "secret-0344"), timeout=10) as client:
        yield client


def _find(predicate: object) -> object:
    for d in range(1, 31):
        for t in generate_day("GM0344", date(2026, 10, d)):
            if predicate(t):  # type: ignore[operator]
                return t
    raise AssertionError("no such ticket")


# --------------------------------------------------------------------------- paging


def test_pages_with_link_and_total_count(http: httpx.Client, sim: ServiceNowSimulator) -> None:
    expected = servicenow_incidents_modified_between("GM0344", GT, LE, NOW)
    assert len(expected) > 25
    first = http.get(INCIDENT, params={"sysparm_query": _query(), "sysparm_limit": 10})
    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == str(len(expected))
    assert first.json() == {"result": expected[:10]}
    assert set(first.links) == {"first", "next", "last"}
    assert first.links["next"]["url"].startswith(f"{sim.tenant_url('GM0344')}{INCIDENT}?")
    got = list(first.json()["result"])
    response = first
    while "next" in response.links:
        response = http.get(response.links["next"]["url"])
        assert set(response.links) >= {"first", "prev", "last"}
        got += response.json()["result"]
    assert got == expected
    assert "next" not in response.links
    assert response.links["last"]["url"] == response.url


def test_offset_beyond_the_end_and_empty_windows(http: httpx.Client) -> None:
    total = len(servicenow_incidents_modified_between("GM0344", GT, LE, NOW))
    beyond = http.get(INCIDENT, params={"sysparm_query": _query(), "sysparm_offset": total})
    assert beyond.json() == {"result": []} and beyond.headers["X-Total-Count"] == str(total)
    future = http.get(INCIDENT, params={"sysparm_query": _query(NOW, NOW + timedelta(days=1))})
    assert future.json() == {"result": []} and future.headers["X-Total-Count"] == "0"
    assert "next" not in future.links


def test_gs_date_generate_equals_plain_values(http: httpx.Client) -> None:
    gs = (
        "sys_updated_on>javascript:gs.dateGenerate('2026-11-19','23:00:00')"
        "^sys_updated_on<=javascript:gs.dateGenerate('2026-11-21','23:00:00')"
    )
    plain = http.get(INCIDENT, params={"sysparm_query": _query()}).json()
    assert http.get(INCIDENT, params={"sysparm_query": gs}).json() == plain


def test_bounds_are_exclusive_below_inclusive_above(http: httpx.Client) -> None:
    rows = servicenow_incidents_modified_between("GM0344", GT, LE, NOW)
    pivot = rows[5]
    moment = parse_servicenow_ts(pivot["sys_updated_on"])

    def ids(query: str) -> set[str]:
        return {r["sys_id"] for r in http.get(INCIDENT, params={"sysparm_query": query}).json()["result"]}

    at = f"{moment:%Y-%m-%d %H:%M:%S}"
    assert pivot["sys_id"] not in ids(f"sys_updated_on>{at}^sys_updated_on<={LE:%Y-%m-%d %H:%M:%S}")
    assert pivot["sys_id"] in ids(f"sys_updated_on>={at}^sys_updated_on<={LE:%Y-%m-%d %H:%M:%S}")
    assert pivot["sys_id"] in ids(f"sys_updated_on>{GT:%Y-%m-%d %H:%M:%S}^sys_updated_on<={at}")
    assert pivot["sys_id"] not in ids(f"sys_updated_on>{GT:%Y-%m-%d %H:%M:%S}^sys_updated_on<{at}")


@pytest.mark.parametrize(
    "query",
    [
        "short_description=Printer",
        "sys_updated_on>yesterday",
        "sys_updated_on>2026-11-20T00:00:00Z",
        "sys_updated_on>2026-11-20 00:00:00^ORsys_updated_on<2026-11-01 00:00:00",
        "ORDERBYDESCsys_updated_on",
        "ORDERBYnumber",
    ],
)
def test_unsupported_queries_are_400_not_everything(http: httpx.Client, query: str) -> None:
    response = http.get(INCIDENT, params={"sysparm_query": query})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failure" and body["error"]["message"]


def test_fields_and_reference_links(http: httpx.Client) -> None:
    params = {"sysparm_query": _query(), "sysparm_limit": 3}
    narrow = http.get(INCIDENT, params={**params, "sysparm_fields": "sys_id,number,caller_id"})
    assert all(set(r) == {"sys_id", "number", "caller_id"} for r in narrow.json()["result"])
    bare = http.get(INCIDENT, params={**params, "sysparm_exclude_reference_link": "true"})
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["caller_id"]) for r in bare.json()["result"])
    assert http.get(INCIDENT, params={**params, "sysparm_display_value": "true"}).status_code == 400


# --------------------------------------------------------------------------- values


def test_values_look_like_servicenow(http: httpx.Client) -> None:
    rows = http.get(INCIDENT, params={"sysparm_query": _query(GT - timedelta(days=20))}).json()["result"]
    assert len(rows) > 200
    for row in rows:
        assert all(isinstance(v, (str, dict)) for v in row.values())  # no numbers, no nulls
        assert re.fullmatch(r"[0-9a-f]{32}", row["sys_id"])
        assert re.fullmatch(r"INC\d{7}", row["number"])
        for name in ("opened_at", "sys_updated_on", "sys_created_on", "due_date"):
            assert TS.match(row[name]), (name, row[name])
        for name in ("resolved_at", "closed_at", "u_first_response_at"):
            assert row[name] == "" or TS.match(row[name])
        assert row["state"] in {"1", "2", "3", "6", "7", "8"} and row["incident_state"] == row["state"]
        assert row["priority"] in {"1", "2", "3", "4"}
        assert row["category"] in {
            "hardware",
            "software",
            "network",
            "inquiry",
            "telephony",
            "printing",
            "facilities",
            "access",
        }
        assert set(row["caller_id"]) == {"link", "value"}
        assert row["caller_id"]["link"].endswith(f"/api/now/table/sys_user/{row['caller_id']['value']}")
        assert (row["hold_reason"] == "1") == (row["state"] == "3")
        assert (row["active"] == "false") == (row["state"] in {"6", "7", "8"})
        if row["state"] == "8":
            assert row["resolved_at"] == "" and row["closed_at"] != ""
    assert len({r["number"] for r in rows}) == len(rows)
    assert {r["state"] for r in rows} >= {"2", "6", "7"}


def test_same_tickets_as_topdesk() -> None:
    snow = servicenow_incidents_modified_between("GM0344", GT, LE, NOW)
    topdesk = incidents_modified_between("GM0344", GT, LE, NOW)
    assert [r["sys_id"] for r in snow] == [r["id"].replace("-", "") for r in topdesk]
    assert [parse_servicenow_ts(r["sys_updated_on"]) for r in snow] == [
        datetime.fromisoformat(r["modificationDate"]) for r in topdesk
    ]


def test_states_and_audit_follow_a_two_hold_ticket() -> None:
    t = _find(lambda t: len(t.holds) == 2 and t.closed_at is not None)
    (a_start, a_end), (b_start, b_end) = t.holds
    states = [
        (moment, render_servicenow(t, moment)["state"])
        for moment in (t.opened_at, t.first_response_at, a_start, a_end, b_start, b_end, t.resolved_at, t.closed_at)
    ]
    assert [s for _, s in states] == ["1", "2", "3", "2", "3", "2", "6", "7"]
    assert render_servicenow(t, a_start)["hold_reason"] == "1"
    assert render_servicenow(t, t.opened_at - timedelta(seconds=1)) is None
    rows = state_audit_rows(t, NOW)
    assert [(r["oldvalue"], r["newvalue"]) for r in rows] == [
        ("1", "2"),
        ("2", "3"),
        ("3", "2"),
        ("2", "3"),
        ("3", "2"),
        ("2", "6"),
        ("6", "7"),
    ]
    assert [parse_servicenow_ts(r["sys_created_on"]) for r in rows] == [m for m, _ in states[1:]]
    assert state_audit_rows(t, b_start) == rows[:4]
    final = render_servicenow(t, NOW)
    assert final["u_first_response_at"] == f"{t.first_response_at:%Y-%m-%d %H:%M:%S}"
    assert final["sys_mod_count"] == "7"


def test_cancelled_ticket() -> None:
    t = _find(lambda t: t.cancelled)
    row = render_servicenow(t, NOW)
    assert row["state"] == "8" and row["resolved_at"] == "" and row["close_code"] == ""
    assert row["closed_at"] == f"{t.closed_at:%Y-%m-%d %H:%M:%S}"
    assert state_audit_rows(t, NOW)[-1]["newvalue"] == "8"


def test_audit_endpoint(http: httpx.Client) -> None:
    rows = servicenow_incidents_modified_between("GM0344", GT - timedelta(days=20), LE, NOW)
    held = [r["sys_id"] for r in rows if r["state"] != "1"][:30]
    query = f"tablename=incident^fieldname=state^documentkeyIN{','.join(held)}^ORDERBYsys_created_on"
    response = http.get(AUDIT, params={"sysparm_query": query, "sysparm_limit": 10000})
    audit = response.json()["result"]
    assert response.headers["X-Total-Count"] == str(len(audit))
    assert {a["documentkey"] for a in audit} == set(held)
    stamps = [a["sys_created_on"] for a in audit]
    assert stamps == sorted(stamps)
    one = http.get(AUDIT, params={"sysparm_query": f"documentkey={held[0]}"}).json()["result"]
    assert one == [a for a in audit if a["documentkey"] == held[0]]
    for bad in (
        "tablename=incident^fieldname=state",
        "fieldname=priority^documentkey=" + held[0],
        "documentkeyINnot-a-sys-id",
    ):
        assert http.get(AUDIT, params={"sysparm_query": bad}).status_code == 400


def test_single_records_and_users(http: httpx.Client) -> None:
    row = servicenow_incidents_modified_between("GM0344", GT, LE, NOW)[0]
    one = http.get(f"{INCIDENT}/{row['sys_id']}")
    assert one.json() == {"result": row}
    user = http.get(f"/api/now/table/sys_user/{row['caller_id']['value']}").json()["result"]
    assert user["sys_id"] == row["caller_id"]["value"]
    assert user["email"].endswith("@gm0344.example.nl") and user["user_name"] == row["sys_created_by"]
    missing = http.get(f"/api/now/table/sys_user/{'0' * 32}")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "No Record found"
    assert http.get("/api/now/table/change_request").status_code == 400


# --------------------------------------------------------------------------- auth, CLI


def test_auth(sim: ServiceNowSimulator) -> None:
    url = f"{sim.tenant_url('GM0344')}{INCIDENT}"
    for auth in (None, ("svc-gm0344", "wrong"), ("svc-gm0599", "secret-0599")):
        response = httpx.get(url, auth=auth)
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "User Not Authenticated"
    expired = httpx.get(f"{sim.tenant_url('GM0599')}{INCIDENT}", auth=("svc-gm0599", "secret-0599"))
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["detail"]
    assert httpx.get(f"{sim.base_url}/gm9999{INCIDENT}", auth=("svc-gm0344", "secret-0344")).status_code == 404


def test_holds_ground_truth_matches_audit() -> None:
    for t in (t for d in range(1, 31) for t in generate_day("GM0344", date(2026, 10, d))):
        rows = state_audit_rows(t, NOW)
        starts = [parse_servicenow_ts(r["sys_created_on"]) for r in rows if r["newvalue"] == "3"]
        assert starts == [start for start, _ in hold_intervals_as_of(t, NOW)]


def test_cli_serves_with_faults_flag() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("SSC_SIMULATOR_FAULTS", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ssc_pipeline.simulators.servicenow",
            "--tenant",
            "GM0344:svc:p:w",
            "--faults",
            FaultPlan(rate=1.0, kinds=("429",)).to_json(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        response = httpx.get(f"{base_url}/gm0344{INCIDENT}", auth=("svc", "p:w"), timeout=10)
        assert response.status_code == 429 and response.headers["Retry-After"] == "0.05"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "ssc_pipeline.simulators.servicenow",
            "--tenant",
            "GM0344:svc:p",
            "--faults",
            '{"rate": 2}',
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert bad.returncode == 2 and "between 0 and 1" in bad.stderr
