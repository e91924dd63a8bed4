"""The TOPdesk simulator (served on 127.0.0.1, port 0) and its deterministic ticket generator."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from ssc_pipeline.simulators.incident_generator import (
    MAX_TICKET_LIFETIME,
    format_topdesk_ts,
    generate_day,
    incidents_modified_between,
    parse_topdesk_ts,
    state_as_of,
)
from ssc_pipeline.simulators.topdesk import TopdeskSimulator, TopdeskTenant

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
GT = datetime(2026, 11, 19, 23, 0, tzinfo=timezone.utc)  # 2026-11-20 00:00 Amsterdam
LE = datetime(2026, 11, 21, 23, 0, tzinfo=timezone.utc)
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
TENANTS = {
    "GM0505": TopdeskTenant("GM0505", "api-gm0505", "app-password-0505"),
    "GM0363": TopdeskTenant("GM0363", "api-gm0363", "app-password-0363", seed=7),
}
SRC = Path(__file__).resolve().parents[3] / "src"


def _fiql(gt: datetime, le: datetime) -> str:
    return f"modificationDate=gt={gt:%Y-%m-%dT%H:%M:%SZ};modificationDate=le={le:%Y-%m-%dT%H:%M:%SZ}"


@pytest.fixture(scope="module")
def sim() -> Iterator[TopdeskSimulator]:
    with TopdeskSimulator(TENANTS, now=lambda: NOW) as simulator:
        yield simulator


@pytest.fixture()
def http(sim: TopdeskSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.tenant_url("GM0505"), auth=("api-gm0505", "app-password-0505"),
                      timeout=10) as client:
        yield client


# --------------------------------------------------------------------------- HTTP behaviour


def test_healthz_and_urls(sim: TopdeskSimulator) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.base_url)
    assert sim.tenant_url("GM0505") == f"{sim.base_url}/gm0505"
    response = httpx.get(f"{sim.base_url}/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


def test_pages_206_then_200_then_204(http: httpx.Client) -> None:
    expected = incidents_modified_between("GM0505", GT, LE, NOW)
    assert len(expected) > 25  # enough for several pages
    query = _fiql(GT, LE)
    first = http.get("/tas/api/incidents", params={"pageStart": 0, "pageSize": 10, "query": query})
    assert first.status_code == 206
    assert first.json() == expected[:10]
    last_start = (len(expected) - 1) // 10 * 10
    last = http.get("/tas/api/incidents",
                    params={"pageStart": last_start, "pageSize": 10, "query": query})
    assert last.status_code == 200
    assert last.json() == expected[last_start:]
    beyond = http.get("/tas/api/incidents",
                      params={"pageStart": len(expected), "pageSize": 10, "query": query})
    assert beyond.status_code == 204
    assert beyond.content == b""
    exact = http.get("/tas/api/incidents",
                     params={"pageStart": 0, "pageSize": len(expected), "query": query})
    assert exact.status_code == 200
    assert len(exact.json()) == len(expected)


def test_nothing_matches_is_204(http: httpx.Client) -> None:
    future = NOW + timedelta(days=1)  # nothing can have been modified after the simulator's now
    response = http.get("/tas/api/incidents", params={"query": _fiql(future, future + timedelta(days=1))})
    assert response.status_code == 204
    assert response.content == b""


def test_default_page_size_is_10(http: httpx.Client) -> None:
    response = http.get("/tas/api/incidents", params={"query": _fiql(GT, LE)})
    assert response.status_code == 206
    assert len(response.json()) == 10


def test_page_size_limit(http: httpx.Client) -> None:
    too_big = http.get("/tas/api/incidents", params={"pageSize": 10001, "query": _fiql(GT, LE)})
    assert too_big.status_code == 400
    body = too_big.json()
    assert isinstance(body, list) and "10000" in body[0]["message"]
    largest = http.get("/tas/api/incidents", params={"pageSize": 10000, "query": _fiql(GT, LE)})
    assert largest.status_code == 200
    assert http.get("/tas/api/incidents", params={"pageSize": "ten"}).status_code == 400
    assert http.get("/tas/api/incidents", params={"pageStart": -1}).status_code == 400


@pytest.mark.parametrize("auth", [None, ("api-gm0505", "wrong"), ("api-gm0363", "app-password-0363")])
def test_bad_credentials_are_401(sim: TopdeskSimulator, auth: tuple[str, str] | None) -> None:
    response = httpx.get(f"{sim.tenant_url('GM0505')}/tas/api/incidents", auth=auth)
    assert response.status_code == 401
    assert "Authentication failed" in response.json()[0]["message"]


def test_garbled_basic_header_is_401(sim: TopdeskSimulator) -> None:
    for header in ("Basic !!!notbase64", "Bearer abc",
                   "Basic " + base64.b64encode(b"no-colon").decode()):
        response = httpx.get(f"{sim.tenant_url('GM0505')}/tas/api/incidents",
                             headers={"Authorization": header})
        assert response.status_code == 401


def test_unknown_paths_are_404(sim: TopdeskSimulator, http: httpx.Client) -> None:
    assert http.get("/tas/api/changes").status_code == 404
    assert httpx.get(f"{sim.base_url}/gm9999/tas/api/incidents",
                     auth=("api-gm0505", "app-password-0505")).status_code == 404
    assert httpx.get(f"{sim.base_url}/nothing-here").status_code == 404


def test_fiql_filter_matches_ground_truth(http: httpx.Client) -> None:
    expected = incidents_modified_between("GM0505", GT, LE, NOW)
    response = http.get("/tas/api/incidents", params={"pageSize": 10000, "query": _fiql(GT, LE)})
    records = response.json()
    assert [r["id"] for r in records] == [r["id"] for r in expected]
    stamps = [parse_topdesk_ts(r["modificationDate"]) for r in records]
    assert all(GT < m <= LE for m in stamps)
    assert stamps == sorted(stamps)


def test_fiql_operators_and_offsets(http: httpx.Client) -> None:
    records = incidents_modified_between("GM0505", GT, LE, NOW)
    pivot = records[5]["modificationDate"]
    moment = parse_topdesk_ts(pivot)
    local = moment.astimezone(timezone(timedelta(hours=1))).isoformat()  # "+01:00" style

    def ids(query: str) -> set[str]:
        response = http.get("/tas/api/incidents", params={"pageSize": 10000, "query": query})
        return {r["id"] for r in response.json()} if response.status_code != 204 else set()

    gt, le = f"{GT:%Y-%m-%dT%H:%M:%SZ}", f"{LE:%Y-%m-%dT%H:%M:%SZ}"
    pivot_id = records[5]["id"]
    assert pivot_id not in ids(f"modificationDate=gt={pivot};modificationDate=le={le}")
    assert pivot_id in ids(f"modificationDate=ge={local};modificationDate=le={le}")
    assert pivot_id in ids(f"modificationDate=gt={gt};modificationDate=le={local}")
    assert pivot_id not in ids(f"modificationDate=gt={gt};modificationDate=lt={local}")


@pytest.mark.parametrize("query", [
    "modificationDate=gt=yesterday",
    "modificationDate>2026-11-20T00:00:00Z",
    "creationDate=gt=2026-11-20T00:00:00Z",
    "modificationDate=gt=2026-11-20T00:00:00",  # no offset: ambiguous
    "modificationDate=gt=2026-11-20T00:00:00Z,modificationDate=le=2026-11-21T00:00:00Z",
])
def test_malformed_query_is_400(http: httpx.Client, query: str) -> None:
    response = http.get("/tas/api/incidents", params={"query": query})
    assert response.status_code == 400
    assert response.json()[0]["message"]


def test_timestamp_format(http: httpx.Client) -> None:
    records = http.get("/tas/api/incidents", params={"pageSize": 10000, "query": _fiql(GT, LE)}).json()
    fields = ("callDate", "creationDate", "modificationDate", "responseDate", "completedDate",
              "closedDate", "onHoldDate", "targetDate")
    checked = 0
    for record in records:
        for name in fields:
            if record[name] is not None:
                assert TS_RE.match(record[name]), (name, record[name])
                checked += 1
    assert checked > len(records) * 3
    cet = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 20, 9, 15, tzinfo=timezone.utc)
    assert format_topdesk_ts(datetime(2026, 11, 20, 10, 15, 0, 123456, tzinfo=cet)) == (
        "2026-11-20T09:15:00.123+0000"
    )
    for text in ("2026-11-20T09:15:00.000+0000", "2026-11-20T10:15:00+01:00", "2026-11-20T09:15:00Z"):
        assert parse_topdesk_ts(text) == moment
    with pytest.raises(ValueError):
        parse_topdesk_ts("2026-11-20T09:15:00")


def test_cli_serves_until_killed() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ssc_pipeline.simulators.topdesk", "--port", "0",
         "--tenant", "GM0505:api:pass:with:colons"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        assert httpx.get(f"{base_url}/healthz", timeout=5).text == "ok"
        ok = httpx.get(f"{base_url}/gm0505/tas/api/incidents", auth=("api", "pass:with:colons"), timeout=10)
        assert ok.status_code in (200, 206)
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


# --------------------------------------------------------------------------- generator


def test_generation_is_deterministic() -> None:
    day = date(2026, 11, 20)
    assert generate_day("GM0505", day) == generate_day("GM0505", day)
    assert generate_day("gm0505", day) == generate_day("GM0505", day)
    again = incidents_modified_between("GM0505", GT, LE, NOW)
    assert again == incidents_modified_between("GM0505", GT, LE, NOW)


def test_different_org_or_seed_gives_different_data() -> None:
    day = date(2026, 11, 20)
    a = generate_day("GM0505", day)
    b = generate_day("GM0363", day)
    c = generate_day("GM0505", day, seed=1)
    assert {t.ticket_id for t in a}.isdisjoint({t.ticket_id for t in b})
    assert {t.ticket_id for t in a}.isdisjoint({t.ticket_id for t in c})
    assert [t.opened_at for t in a] != [t.opened_at for t in b]
    assert all(t.caller_email.endswith("@gm0363.example.nl") for t in b)


def test_volume_weekdays_and_weekends() -> None:
    weekday_counts = [len(generate_day("GM0505", date(2026, 11, d))) for d in (16, 17, 18, 19, 20)]
    weekend_counts = [len(generate_day("GM0505", date(2026, 11, d))) for d in (21, 22, 28, 29)]
    assert all(17 <= n <= 33 for n in weekday_counts), weekday_counts
    assert all(n <= 4 for n in weekend_counts), weekend_counts
    assert len(generate_day("GM0505", date(2026, 11, 20), tickets_per_weekday=100)) >= 70


def test_ticket_fields_and_lifecycle() -> None:
    tickets = [t for d in range(1, 31) for t in generate_day("GM0505", date(2026, 11, d))]
    numbers = [t.number for t in tickets]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"I 2611 \d{4}", n) for n in numbers)
    assert {t.priority for t in tickets} == {"P1", "P2", "P3", "P4"}
    assert sum(t.priority in ("P3", "P4") for t in tickets) > 0.7 * len(tickets)
    for t in tickets:
        assert t.opened_at.tzinfo is not None
        assert t.caller_email == t.caller_email.lower() and "@gm0505.example.nl" in t.caller_email
        assert len(t.caller_name.split(" ")) >= 2
        assert t.last_event_at - t.opened_at <= MAX_TICKET_LIFETIME
        if t.first_response_at is not None:
            assert t.first_response_at > t.opened_at
        if t.resolved_at is not None and not t.cancelled:
            assert t.resolved_at > (t.on_hold_until or t.first_response_at or t.opened_at)
        if t.closed_at is not None:
            assert t.resolved_at is not None and t.closed_at >= t.resolved_at
            assert t.closed_at - t.resolved_at <= timedelta(days=3)
        if t.feedback_rating is not None:
            assert 1 <= t.feedback_rating <= 5
    assert any(t.resolved_at is None for t in tickets)
    assert any(t.resolved_at is not None and t.closed_at is None for t in tickets)


def _find(predicate: Any) -> Any:
    for d in range(1, 31):
        for t in generate_day("GM0505", date(2026, 10, d)):
            if predicate(t):
                return t
    raise AssertionError("no such ticket generated")


def test_state_as_of_shows_only_past_events() -> None:
    t = _find(lambda t: t.closed_at is not None and t.on_hold_from is not None and not t.cancelled)
    assert state_as_of(t, t.opened_at - timedelta(seconds=1)) is None
    steps = [
        (t.opened_at, "Aangemeld", t.opened_at),
        (t.first_response_at, "In behandeling", t.first_response_at),
        (t.on_hold_from, "Wachten op gebruiker", t.on_hold_from),
        (t.on_hold_until, "In behandeling", t.on_hold_until),
        (t.resolved_at, "Gereed", t.resolved_at),
        (t.closed_at, "Afgemeld", t.closed_at),
    ]
    for moment, status, modified in steps:
        state = state_as_of(t, moment)
        assert state is not None
        assert state["processingStatus"]["name"] == status
        assert state["modificationDate"] == format_topdesk_ts(modified)
    on_hold = state_as_of(t, t.on_hold_from)
    assert on_hold["onHold"] is True and on_hold["onHoldDate"] == format_topdesk_ts(t.on_hold_from)
    assert on_hold["completed"] is False and on_hold["closedDate"] is None
    final = state_as_of(t, t.closed_at + timedelta(days=1))
    assert final["onHold"] is False and final["onHoldDate"] is None
    assert final["onHoldDuration"] == int((t.on_hold_until - t.on_hold_from).total_seconds())
    assert final["completedDate"] == format_topdesk_ts(t.resolved_at)
    assert final["feedbackRating"] == t.feedback_rating
    assert final["caller"]["dynamicName"] == t.caller_name
    assert final["priority"]["name"].startswith(t.priority + " ")


def test_cancelled_ticket_state() -> None:
    t = _find(lambda t: t.cancelled)
    state = state_as_of(t, t.resolved_at)
    assert state["processingStatus"]["name"] == "Geannuleerd"
    assert state["completed"] is True and state["completedDate"] == format_topdesk_ts(t.resolved_at)
    assert state["feedbackRating"] is None
