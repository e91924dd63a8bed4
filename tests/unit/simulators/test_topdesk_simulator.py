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

from ssc_pipeline.simulators.incident_generator import MAX_TICKET_LIFETIME, generate_day
from ssc_pipeline.simulators.topdesk import TopdeskSimulator, TopdeskTenant
from ssc_pipeline.simulators.topdesk_render import (
    format_topdesk_ts,
    incidents_modified_between,
    parse_topdesk_ts,
    state_as_of,
)

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
    with httpx.Client(
        base_url=sim.tenant_url("GM0505"), auth=("api-gm0505", "app-password-0505"), timeout=10
    ) as client:
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
    last = http.get("/tas/api/incidents", params={"pageStart": last_start, "pageSize": 10, "query": query})
    assert last.status_code == 200
    assert last.json() == expected[last_start:]
    beyond = http.get("/tas/api/incidents", params={"pageStart": len(expected), "pageSize": 10, "query": query})
    assert beyond.status_code == 204
    assert beyond.content == b""
    exact = http.get("/tas/api/incidents", params={"pageStart": 0, "pageSize": len(expected), "query": query})
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
    for header in ("Basic !!!notbase64", "Bearer abc", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = httpx.get(f"{sim.tenant_url('GM0505')}/tas/api/incidents", headers={"Authorization": header})
        assert response.status_code == 401


def test_unknown_paths_are_404(sim: TopdeskSimulator, http: httpx.Client) -> None:
    assert http.get("/tas/api/changes").status_code == 404
    assert (
        httpx.get(f"{sim.base_url}/gm9999/tas/api/incidents", auth=("api-gm0505", "app-password-0505")).status_code
        == 404
    )
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


@pytest.mark.parametrize(
    "query",
    [
        "modificationDate=gt=yesterday",
        "modificationDate>2026-11-20T00:00:00Z",
        "creationDate=gt=2026-11-20T00:00:00Z",
        "modificationDate=gt=2026-11-20T00:00:00",  # no offset: ambiguous
        "modificationDate=gt=2026-11-20T00:00:00Z,modificationDate=le=2026-11-21T00:00:00Z",
    ],
)
def test_malformed_query_is_400(http: httpx.Client, query: str) -> None:
    response = http.get("/tas/api/incidents", params={"query": query})
    assert response.status_code == 400
    assert response.json()[0]["message"]


def test_timestamp_format(http: httpx.Client) -> None:
    records = http.get("/tas/api/incidents", params={"pageSize": 10000, "query": _fiql(GT, LE)}).json()
    fields = (
        "callDate",
        "creationDate",
        "modificationDate",
        "responseDate",
        "completedDate",
        "closedDate",
        "onHoldDate",
        "targetDate",
    )
    checked = 0
    for record in records:
        for name in fields:
            if record[name] is not None:
                assert TS_RE.match(record[name]), (name, record[name])
                checked += 1
    assert checked > len(records) * 3
    cet = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 20, 9, 15, tzinfo=timezone.utc)
    assert format_topdesk_ts(datetime(2026, 11, 20, 10, 15, 0, 123456, tzinfo=cet)) == ("2026-11-20T09:15:00.123+0000")
    for text in ("2026-11-20T09:15:00.000+0000", "2026-11-20T10:15:00+01:00", "2026-11-20T09:15:00Z"):
        assert parse_topdesk_ts(text) == moment
    with pytest.raises(ValueError):
        parse_topdesk_ts("2026-11-20T09:15:00")


def test_cli_serves_until_killed() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ssc_pipeline.simulators.topdesk",
            "--port",
            "0",
            "--tenant",
            "GM0505:api:pass:with:colons",
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


# --------------------------------------------------------------------------- holds, history, 401


def test_tickets_have_zero_to_two_holds_inside_their_life() -> None:
    tickets = [t for m in (9, 10, 11) for d in range(1, 29) for t in generate_day("GM0505", date(2026, m, d))]
    counts = {n: sum(len(t.holds) == n for t in tickets) for n in (0, 1, 2)}
    assert sum(counts.values()) == len(tickets)
    assert counts[1] > 0.08 * len(tickets) and counts[2] > 0.01 * len(tickets)
    for t in tickets:
        if t.holds:
            assert (t.on_hold_from, t.on_hold_until) == t.holds[0]
            assert t.first_response_at is not None and t.holds[0][0] > t.first_response_at
            assert all(start < end for start, end in t.holds)
            if len(t.holds) == 2:
                assert t.holds[0][1] < t.holds[1][0]
            if t.resolved_at is not None:
                assert t.holds[-1][1] < t.resolved_at
            assert t.last_event_at >= t.holds[-1][1]
        else:
            assert t.on_hold_from is None and t.on_hold_until is None


def _two_hold_ticket() -> Any:
    return _find(lambda t: len(t.holds) == 2 and t.closed_at is not None and not t.cancelled)


def test_state_as_of_tracks_two_holds() -> None:
    t = _two_hold_ticket()
    (a_start, a_end), (b_start, b_end) = t.holds
    first_len = int((a_end - a_start).total_seconds())
    during_second = state_as_of(t, b_start + timedelta(seconds=1))
    assert during_second["onHold"] is True
    assert during_second["onHoldDate"] == format_topdesk_ts(b_start)
    assert during_second["onHoldDuration"] == first_len  # only finished holds count
    assert during_second["processingStatus"]["name"] == "Wachten op gebruiker"
    assert during_second["modificationDate"] == format_topdesk_ts(b_start)
    between = state_as_of(t, a_end + timedelta(seconds=1))
    assert between["onHold"] is False and between["onHoldDate"] is None
    assert between["processingStatus"]["name"] == "In behandeling"
    final = state_as_of(t, NOW)
    assert final["onHoldDuration"] == first_len + int((b_end - b_start).total_seconds())


def test_progress_trail_endpoint(sim: TopdeskSimulator, http: httpx.Client) -> None:
    t = _two_hold_ticket()
    response = http.get(f"/tas/api/incidents/id/{t.ticket_id}/progresstrail", params={"page_size": 100})
    assert response.status_code == 200
    entries = response.json()
    dates = [parse_topdesk_ts(e["entryDate"]) for e in entries]
    assert dates == sorted(dates, reverse=True)  # newest first, as TOPdesk lists it
    changes = [
        (parse_topdesk_ts(e["entryDate"]), e["memoText"])
        for e in reversed(entries)
        if e["memoText"].startswith("Status gewijzigd")
    ]
    (a_start, a_end), (b_start, b_end) = t.holds
    assert changes == [
        (t.first_response_at, "Status gewijzigd naar In behandeling"),
        (a_start, "Status gewijzigd naar Wachten op gebruiker"),
        (a_end, "Status gewijzigd naar In behandeling"),
        (b_start, "Status gewijzigd naar Wachten op gebruiker"),
        (b_end, "Status gewijzigd naar In behandeling"),
        (t.resolved_at, "Status gewijzigd naar Gereed"),
        (t.closed_at, "Status gewijzigd naar Afgemeld"),
    ]
    assert entries[-1]["person"]["id"] == t.caller_id and entries[-1]["operator"] is None
    assert set(entries[0]) == {"id", "entryDate", "operator", "person", "invisibleForCaller", "memoText", "plainText"}
    paged = http.get(f"/tas/api/incidents/id/{t.ticket_id}/progresstrail", params={"page_size": 3})
    assert paged.status_code == 206 and paged.json() == entries[:3]
    rest = http.get(f"/tas/api/incidents/id/{t.ticket_id}/progresstrail", params={"start": 3, "page_size": 100})
    assert rest.status_code == 200 and rest.json() == entries[3:]
    assert http.get(f"/tas/api/incidents/id/{t.ticket_id}/progresstrail", params={"page_size": 101}).status_code == 400


def test_progress_trail_as_of_now_and_unknown_ids(sim: TopdeskSimulator, http: httpx.Client) -> None:
    t = _find(lambda t: t.closed_at is not None)
    single = http.get(f"/tas/api/incidents/id/{t.ticket_id}")
    assert single.status_code == 200 and single.json() == state_as_of(t, NOW)
    ticket_hex = t.ticket_id.replace("-", "")
    assert http.get(f"/tas/api/incidents/id/{ticket_hex}").json()["id"] == t.ticket_id
    missing = "00000000-0000-4000-8000-000000000000"
    assert http.get(f"/tas/api/incidents/id/{missing}/progresstrail").status_code == 404
    assert http.get(f"/tas/api/incidents/id/{missing}").status_code == 404
    open_now = generate_day("GM0505", date(2026, 11, 26))[-1]  # opened the day before NOW
    entries = http.get(f"/tas/api/incidents/id/{open_now.ticket_id}/progresstrail").json()
    assert all(parse_topdesk_ts(e["entryDate"]) <= NOW for e in entries)


def test_expired_password_is_401_on_every_request() -> None:
    expired = TopdeskTenant("GM0505", "api", "pw", password_expired=True)
    with TopdeskSimulator({"GM0505": expired}, now=lambda: NOW) as simulator:
        for path in ("/tas/api/incidents", "/tas/api/version"):
            response = httpx.get(f"{simulator.tenant_url('GM0505')}{path}", auth=("api", "pw"))
            assert response.status_code == 401
            assert "expired" in response.json()[0]["message"]
        assert httpx.get(f"{simulator.base_url}/healthz").status_code == 200


def test_cli_takes_faults_and_expired_passwords() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "SSC_SIMULATOR_FAULTS": '{"rate": 1.0, "kinds": ["503"]}'}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ssc_pipeline.simulators.topdesk",
            "--tenant",
            "GM0505:api:pw",
            "--tenant",
            "GM0363:api:pw",
            "--password-expired",
            "gm0363",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        faulty = httpx.get(f"{base_url}/gm0505/tas/api/incidents", auth=("api", "pw"), timeout=10)
        assert faulty.status_code == 503  # from $SSC_SIMULATOR_FAULTS
        assert httpx.get(f"{base_url}/gm0363/tas/api/incidents", auth=("api", "pw"), timeout=10).status_code == 401
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
