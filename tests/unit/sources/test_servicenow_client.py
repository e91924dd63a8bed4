"""ServiceNow connector: against the live simulator, against an httpx.MockTransport, and scrubbing."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from ssc_pipeline.pseudonymisation import REDACTED, pseudonymise
from ssc_pipeline.simulators.incident_generator import hold_intervals_as_of, tickets_modified_between
from ssc_pipeline.simulators.servicenow import ServiceNowSimulator, ServiceNowTenant
from ssc_pipeline.simulators.servicenow_render import servicenow_incidents_modified_between
from ssc_pipeline.sources.http import FatalError, PaginationLoopError, RetriableError
from ssc_pipeline.sources.servicenow.client import (
    ServiceNowConnection,
    fetch_state_audit,
    holds_from_state_audit,
    iter_incidents,
)
from ssc_pipeline.sources.servicenow.scrub import scrub_servicenow_incident
from ssc_pipeline.sources.servicenow.streams import (
    INCIDENTS,
    STATE_AUDIT,
    format_servicenow_ts,
    parse_servicenow_ts,
)

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 20, tzinfo=AMS)
END = datetime(2026, 11, 21, tzinfo=AMS)
TENANT = ServiceNowTenant("GM0344", "svc-gm0344", "secret-0344", seed=4)
KEY = b"0123456789abcdef-test-key"
UTC = timezone.utc


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="module")
def sim() -> Iterator[ServiceNowSimulator]:
    with ServiceNowSimulator({"GM0344": TENANT}, now=lambda: NOW) as simulator:
        yield simulator


@pytest.fixture()
def conn(sim: ServiceNowSimulator) -> ServiceNowConnection:
    return ServiceNowConnection(sim.tenant_url("GM0344"), TENANT.username, TENANT.password)


def _expected(start: datetime, end: datetime) -> list[dict]:
    return servicenow_incidents_modified_between("GM0344", start, end, NOW, seed=TENANT.seed)


# --------------------------------------------------------------------------- live simulator


def test_window_matches_ground_truth_over_many_pages(conn: ServiceNowConnection) -> None:
    requests: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [requests.append]}, timeout=10) as client:
        got = list(iter_incidents(conn, START, END, page_size=7, client=client))
    expected = _expected(START, END)
    assert len(expected) > 14
    assert got == expected
    assert len(requests) == math.ceil(len(expected) / 7)
    assert [int(r.url.params["sysparm_offset"]) for r in requests] == list(range(0, 7 * len(requests), 7))
    assert requests[0].url.params["sysparm_query"] == (
        "sys_updated_on>2026-11-19 23:00:00^sys_updated_on<=2026-11-20 23:00:00^ORDERBYsys_updated_on^ORDERBYsys_id"
    )
    assert requests[0].url.params["sysparm_display_value"] == "false"


def test_consecutive_windows_tile(conn: ServiceNowConnection) -> None:
    middle = datetime(2026, 11, 20, 13, 30, 0, 999999, tzinfo=AMS)  # sub-second part is floored
    first = [r["sys_id"] for r in iter_incidents(conn, START, middle, page_size=50)]
    second = [r["sys_id"] for r in iter_incidents(conn, middle, END, page_size=50)]
    whole = [r["sys_id"] for r in iter_incidents(conn, START, END, page_size=50)]
    assert first and second
    assert first + second == whole


def test_empty_window_yields_nothing(conn: ServiceNowConnection) -> None:
    later = NOW + timedelta(days=2)
    assert list(iter_incidents(conn, later, later + timedelta(days=1))) == []


def test_state_audit_gives_hold_intervals(conn: ServiceNowConnection) -> None:
    start = START - timedelta(days=25)
    tickets = tickets_modified_between("GM0344", start, END, NOW, seed=TENANT.seed)
    truth = {t.ticket_id.replace("-", ""): hold_intervals_as_of(t, NOW) for t in tickets}
    assert sum(len(v) == 2 for v in truth.values()) >= 3  # some tickets wait twice
    requests: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [requests.append]}, timeout=10) as client:
        holds = fetch_state_audit(conn, list(truth), chunk_size=40, page_size=25, client=client)
    assert holds == truth
    queries = {r.url.params["sysparm_query"] for r in requests}
    assert len(queries) == math.ceil(len(truth) / 40)  # one query per chunk, paged
    assert all(q.startswith("tablename=incident^fieldname=state^documentkeyIN") for q in queries)
    assert fetch_state_audit(conn, []) == {}


def test_expired_password_is_fatal_401_without_retries(sim: ServiceNowSimulator) -> None:
    bad = ServiceNowConnection(sim.tenant_url("GM0344"), TENANT.username, "not-the-password")
    sleep = FakeSleep()
    with pytest.raises(FatalError) as info:
        list(iter_incidents(bad, START, END, sleep=sleep))
    assert info.value.status_code == 401 and "401" in str(info.value)
    assert "not-the-password" not in str(info.value)
    assert sleep.calls == []


def test_window_and_ids_are_validated(conn: ServiceNowConnection) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        list(iter_incidents(conn, datetime(2026, 11, 20), END))
    with pytest.raises(ValueError, match="empty window"):
        list(iter_incidents(conn, END, START))
    with pytest.raises(ValueError, match="page_size"):
        list(iter_incidents(conn, START, END, page_size=0))
    with pytest.raises(ValueError, match="sys_ids"):
        fetch_state_audit(conn, ["abc^ORactive=true"])


# --------------------------------------------------------------------------- mocked server

MOCK = ServiceNowConnection("https://gm0344.service-now.example", "svc", "secret")
BASE = f"{MOCK.base_url}/api/now/table/incident"


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def _page(rows: list[dict], total: int, next_offset: int | None) -> httpx.Response:
    headers = {"X-Total-Count": str(total)}
    if next_offset is not None:
        headers["Link"] = f'<{BASE}?sysparm_offset={next_offset}&sysparm_limit=2>;rel="next"'
    return httpx.Response(200, content=json.dumps({"result": rows}), headers=headers)


ROWS = [{"sys_id": f"{i:032x}", "sys_updated_on": f"2026-11-20 0{i}:00:00"} for i in range(1, 6)]


def test_replayed_page_is_requested_again_not_landed_twice() -> None:
    script = [
        _page(ROWS[0:2], 5, 2),
        _page(ROWS[0:2], 5, 2),  # page 2 replays page 1
        _page(ROWS[2:4], 5, 4),
        _page(ROWS[4:5], 5, None),
    ]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return script.pop(0)

    got = list(iter_incidents(MOCK, START, END, page_size=2, client=_client(handler), sleep=FakeSleep()))
    assert [r["sys_id"] for r in got] == [r["sys_id"] for r in ROWS]
    assert [r.url.params.get("sysparm_offset") for r in seen] == ["0", "2", "2", "4"]


def test_a_server_that_keeps_replaying_is_a_loop_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _page(ROWS[0:2], 5, 2)

    with pytest.raises(PaginationLoopError):
        list(iter_incidents(MOCK, START, END, page_size=2, client=_client(handler)))


def test_total_count_change_or_shortfall_is_retriable() -> None:
    moving = [_page(ROWS[0:2], 5, 2), _page(ROWS[2:4], 4, 4)]
    with pytest.raises(RetriableError, match="changed while paging"):
        list(iter_incidents(MOCK, START, END, page_size=2, client=_client(lambda r: moving.pop(0))))
    short = [_page(ROWS[0:2], 5, 2), _page(ROWS[2:4], 5, None)]
    with pytest.raises(RetriableError, match="announced 5"):
        list(iter_incidents(MOCK, START, END, page_size=2, client=_client(lambda r: short.pop(0))))


def test_next_link_to_another_host_is_refused() -> None:
    evil = httpx.Response(
        200,
        content=json.dumps({"result": ROWS[0:2]}),
        headers={"X-Total-Count": "5", "Link": '<https://attacker.example/api?sysparm_offset=2>;rel="next"'},
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return evil

    with pytest.raises(FatalError, match="refusing to send credentials"):
        list(iter_incidents(MOCK, START, END, page_size=2, client=_client(handler)))
    assert len(seen) == 1


def test_transient_errors_are_retried_and_bad_bodies_fatal() -> None:
    script = [
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, content=b'{"result": ['),
        _page(ROWS[0:1], 1, None),
    ]
    sleep = FakeSleep()
    got = list(iter_incidents(MOCK, START, END, client=_client(lambda r: script.pop(0)), sleep=sleep))
    assert got == ROWS[0:1] and len(sleep.calls) == 2 and sleep.calls[0] == 3.0
    with pytest.raises(FatalError, match="result"):
        list(
            iter_incidents(
                MOCK, START, END, client=_client(lambda r: httpx.Response(200, content=b'[{"sys_id": "x"}]'))
            )
        )


# --------------------------------------------------------------------------- holds, formats


def _audit(when: str, old: str, new: str, checkpoint: int) -> dict[str, str]:
    return {
        "sys_created_on": when,
        "oldvalue": old,
        "newvalue": new,
        "record_checkpoint": str(checkpoint),
        "fieldname": "state",
    }


def test_holds_from_state_audit() -> None:
    t = lambda s: parse_servicenow_ts(s)  # noqa: E731
    rows = [
        _audit("2026-11-20 09:00:00", "1", "2", 1),
        _audit("2026-11-20 10:00:00", "2", "3", 2),
        _audit("2026-11-20 12:30:00", "3", "2", 3),
        _audit("2026-11-21 08:00:00", "2", "3", 4),
    ]
    assert holds_from_state_audit(reversed(rows)) == [
        (t("2026-11-20 10:00:00"), t("2026-11-20 12:30:00")),
        (t("2026-11-21 08:00:00"), None),
    ]
    resolved_from_hold = [rows[1], _audit("2026-11-20 11:00:00", "3", "6", 3)]
    assert holds_from_state_audit(resolved_from_hold) == [(t("2026-11-20 10:00:00"), t("2026-11-20 11:00:00"))]
    assert holds_from_state_audit([]) == []
    assert holds_from_state_audit([rows[0]]) == []


def test_timestamp_format_and_streams() -> None:
    cet = timezone(timedelta(hours=1))
    assert format_servicenow_ts(datetime(2026, 11, 20, 10, 15, 7, 999000, tzinfo=cet)) == "2026-11-20 09:15:07"
    assert parse_servicenow_ts("2026-11-20 09:15:07") == datetime(2026, 11, 20, 9, 15, 7, tzinfo=UTC)
    for bad in ("2026-11-20T09:15:07Z", "", "2026-11-20"):
        with pytest.raises(ValueError):
            parse_servicenow_ts(bad)
    with pytest.raises(ValueError):
        format_servicenow_ts(datetime(2026, 11, 20))
    assert (INCIDENTS.path, INCIDENTS.primary_key, INCIDENTS.cursor_field) == (
        "/api/now/table/incident",
        "sys_id",
        "sys_updated_on",
    )
    assert STATE_AUDIT.path == "/api/now/table/sys_audit"


# --------------------------------------------------------------------------- connection


def test_connection_repr_hides_password() -> None:
    conn = ServiceNowConnection("https://x.service-now.com", "svc", "super-secret-pw")
    assert "super-secret-pw" not in repr(conn) and "svc" in repr(conn)


@pytest.mark.parametrize(
    ("host", "port", "schema", "expected"),
    [
        ("gm0344.service-now.com", None, None, "https://gm0344.service-now.com"),
        ("https://gm0344.service-now.com/", None, None, "https://gm0344.service-now.com"),
        ("127.0.0.1", 8082, "gm0344", "http://127.0.0.1:8082/gm0344"),
        ("http://svc:pw@localhost:8082", None, None, "http://localhost:8082"),
    ],
)
def test_from_parts(host: str, port: int | None, schema: str | None, expected: str) -> None:
    conn = ServiceNowConnection.from_parts(host, "svc", "pw", port=port, schema=schema)
    assert (conn.base_url, conn.username, conn.password) == (expected, "svc", "pw")


def test_from_parts_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no host"):
        ServiceNowConnection.from_parts(" ", "svc", "pw")
    with pytest.raises(ValueError, match="no password"):
        ServiceNowConnection.from_parts("x.service-now.com", "svc", "")
    with pytest.raises(ValueError, match="conflicts"):
        ServiceNowConnection.from_parts("https://x.service-now.com:8443", "svc", "pw", port=443)


# --------------------------------------------------------------------------- scrubbing


def test_scrub_pseudonymises_people_and_redacts_text() -> None:
    row = _expected(START, END)[0]
    original = json.loads(json.dumps(row))
    scrubbed = scrub_servicenow_incident(row, KEY)
    assert row == original  # input untouched
    caller = row["caller_id"]["value"]
    assert scrubbed["caller_id"] == {"value": pseudonymise(caller, KEY)}
    assert scrubbed["opened_by"] == scrubbed["caller_id"]
    assert scrubbed["sys_created_by"] == pseudonymise(row["sys_created_by"], KEY)
    assert scrubbed["description"] == REDACTED
    assert scrubbed["short_description"] == row["short_description"]
    assert scrubbed["assignment_group"] == row["assignment_group"]  # not personal data
    text = json.dumps(scrubbed)
    for secret in (caller, row["sys_created_by"], row["description"].split("Gemeld door ")[1][:8]):
        assert secret not in text


def test_scrub_handles_dot_walked_and_bare_references() -> None:
    row = {
        "caller_id": "a" * 32,
        "caller_id.email": " Jan.Jansen@GM0344.example.nl ",
        "caller_id.name": "Jan Jansen",
        "u_caller_email": "JAN.JANSEN@gm0344.example.nl",
        "watch_list": f"{'b' * 32},{'c' * 32}",
        "comments": "",
        "work_notes": "bel 06-12345678",
        "assigned_to": "",
    }
    scrubbed = scrub_servicenow_incident(row, KEY)
    email = pseudonymise("jan.jansen@gm0344.example.nl", KEY)
    assert scrubbed["caller_id"] == pseudonymise("a" * 32, KEY)
    assert scrubbed["caller_id.email"] == email == scrubbed["u_caller_email"]
    assert scrubbed["caller_id.name"] == pseudonymise("Jan Jansen", KEY)
    assert scrubbed["watch_list"] == f"{pseudonymise('b' * 32, KEY)},{pseudonymise('c' * 32, KEY)}"
    assert scrubbed["comments"] == "" and scrubbed["work_notes"] == REDACTED
    assert scrubbed["assigned_to"] == ""
