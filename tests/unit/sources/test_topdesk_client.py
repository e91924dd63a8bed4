"""TOPdesk connector: against the live simulator on 127.0.0.1 and against an httpx.MockTransport."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from ssc_pipeline.simulators.topdesk import TopdeskSimulator, TopdeskTenant
from ssc_pipeline.simulators.topdesk_render import incidents_modified_between
from ssc_pipeline.sources.http import FatalError, PaginationLoopError, RetriableError
from ssc_pipeline.sources.stream import Stream
from ssc_pipeline.sources.topdesk.client import TopdeskConnection, iter_incidents
from ssc_pipeline.sources.topdesk.streams import INCIDENTS

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
AMS = ZoneInfo("Europe/Amsterdam")
# The Airflow data interval of the night of 2026-11-20 (Amsterdam midnight to midnight).
START = datetime(2026, 11, 20, tzinfo=AMS)
END = datetime(2026, 11, 21, tzinfo=AMS)
TENANT = TopdeskTenant("GM0505", "api-gm0505", "app-password-0505", seed=3)


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="module")
def sim() -> Iterator[TopdeskSimulator]:
    with TopdeskSimulator({"GM0505": TENANT}, now=lambda: NOW) as simulator:
        yield simulator


@pytest.fixture()
def conn(sim: TopdeskSimulator) -> TopdeskConnection:
    return TopdeskConnection(sim.tenant_url("GM0505"), TENANT.username, TENANT.password)


def _expected(start: datetime, end: datetime) -> list[dict]:
    return incidents_modified_between("GM0505", start, end, NOW, seed=TENANT.seed)


# --------------------------------------------------------------------------- live simulator


def test_window_matches_ground_truth_over_many_pages(conn: TopdeskConnection) -> None:
    requests: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [requests.append]}, timeout=10) as client:
        got = list(iter_incidents(conn, START, END, page_size=7, client=client))
    expected = _expected(START, END)
    assert len(expected) > 14
    assert {r["id"] for r in got} == {r["id"] for r in expected}
    assert got == expected  # same records, same order, nothing duplicated
    assert len(requests) == math.ceil(len(expected) / 7)
    assert [int(r.url.params["pageStart"]) for r in requests] == list(range(0, 7 * len(requests), 7))
    assert requests[0].url.params["query"] == (
        "modificationDate=gt=2026-11-19T23:00:00Z;modificationDate=le=2026-11-20T23:00:00Z"
    )
    assert requests[0].url.params["sort"] == "modificationDate:asc"


def test_consecutive_windows_tile(conn: TopdeskConnection) -> None:
    middle = datetime(2026, 11, 20, 13, 30, tzinfo=AMS)
    first = [r["id"] for r in iter_incidents(conn, START, middle, page_size=50)]
    second = [r["id"] for r in iter_incidents(conn, middle, END, page_size=50)]
    whole = [r["id"] for r in iter_incidents(conn, START, END, page_size=50)]
    assert first and second
    assert set(first).isdisjoint(second)
    assert first + second == whole


def test_empty_window_yields_nothing(conn: TopdeskConnection) -> None:
    later = NOW + timedelta(days=2)
    assert list(iter_incidents(conn, later, later + timedelta(days=1))) == []


def test_wrong_password_is_fatal_401(sim: TopdeskSimulator) -> None:
    bad = TopdeskConnection(sim.tenant_url("GM0505"), TENANT.username, "not-the-password")
    sleep = FakeSleep()
    with pytest.raises(FatalError) as info:
        list(iter_incidents(bad, START, END, sleep=sleep))
    message = str(info.value)
    assert "401" in message and "authentication" in message
    assert "not-the-password" not in message
    assert info.value.status_code == 401
    assert sleep.calls == []  # not retried


def test_window_must_be_aware_and_non_empty(conn: TopdeskConnection) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        list(iter_incidents(conn, datetime(2026, 11, 20), END))
    with pytest.raises(ValueError, match="empty window"):
        list(iter_incidents(conn, END, START))
    with pytest.raises(ValueError, match="page_size"):
        list(iter_incidents(conn, START, END, page_size=10001))


# --------------------------------------------------------------------------- mocked server


def _mock_client(handler: object) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


MOCK_CONN = TopdeskConnection("https://gm0505.topdesk.example", "api", "secret")


def test_repeated_page_raises_loop_error() -> None:
    page = json.dumps([{"id": "a", "modificationDate": "2026-11-20T09:00:00.000+0000"}])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(206, content=page)  # claims "more" but never advances

    with pytest.raises(PaginationLoopError):
        list(iter_incidents(MOCK_CONN, START, END, page_size=1, client=_mock_client(handler)))


def test_transient_errors_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[httpx.Request] = []
    script = [
        httpx.Response(503, headers={"Retry-After": "2"}),
        httpx.Response(206, content=json.dumps([{"id": "a"}, {"id": "b"}])),
        httpx.Response(200, content=b'[{"id": "c"'),  # truncated body
        httpx.Response(200, content=json.dumps([{"id": "c"}])),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        assert request.headers["Authorization"].startswith("Basic ")
        return script.pop(0)

    sleep = FakeSleep()
    got = list(iter_incidents(MOCK_CONN, START, END, page_size=2, client=_mock_client(handler), sleep=sleep))
    assert [r["id"] for r in got] == ["a", "b", "c"]
    assert [c.url.params["pageStart"] for c in calls] == ["0", "0", "2", "2"]
    assert str(calls[0].url).startswith("https://gm0505.topdesk.example/tas/api/incidents?")
    assert len(sleep.calls) == 2 and sleep.calls[0] == 2.0


def test_persistent_outage_raises_retriable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502)

    with pytest.raises(RetriableError, match="gave up after 5 tries"):
        list(iter_incidents(MOCK_CONN, START, END, client=_mock_client(handler), sleep=FakeSleep()))


def test_non_array_body_is_fatal() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"message": "maintenance"}')

    with pytest.raises(FatalError, match="JSON array"):
        list(iter_incidents(MOCK_CONN, START, END, client=_mock_client(handler)))


# --------------------------------------------------------------------------- connection, stream


def test_connection_repr_hides_password() -> None:
    conn = TopdeskConnection("https://x.topdesk.net", "api", "super-secret-pw")
    assert "super-secret-pw" not in repr(conn)
    assert "api" in repr(conn)


@pytest.mark.parametrize(
    ("host", "port", "schema", "expected"),
    [
        ("gm0505.topdesk.net", None, None, "https://gm0505.topdesk.net"),
        ("https://gm0505.topdesk.net/", None, None, "https://gm0505.topdesk.net"),
        ("127.0.0.1", 8081, "gm0505", "http://127.0.0.1:8081/gm0505"),
        ("localhost:8081", None, "/gm0505/", "http://localhost:8081/gm0505"),
        ("http://127.0.0.1:8081/gm0505", 8081, None, "http://127.0.0.1:8081/gm0505"),
        ("http://user:pw@127.0.0.1", None, None, "http://127.0.0.1"),
    ],
)
def test_from_parts(host: str, port: int | None, schema: str | None, expected: str) -> None:
    conn = TopdeskConnection.from_parts(host, "api", "pw", port=port, schema=schema)
    assert conn.base_url == expected
    assert (conn.username, conn.password) == ("api", "pw")


def test_from_parts_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no host"):
        TopdeskConnection.from_parts("", "api", "pw")
    with pytest.raises(ValueError, match="no password"):
        TopdeskConnection.from_parts("x.topdesk.net", "api", "")
    with pytest.raises(ValueError, match="conflicts"):
        TopdeskConnection.from_parts("https://x.topdesk.net:8443", "api", "pw", port=443)


def test_incidents_stream_definition() -> None:
    assert INCIDENTS == Stream("incidents", "/tas/api/incidents", "id", "modificationDate")
    with pytest.raises(AttributeError):
        INCIDENTS.path = "/other"  # type: ignore[misc]
