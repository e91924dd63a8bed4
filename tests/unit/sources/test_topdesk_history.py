"""TOPdesk hold periods from progress trails: parsing, live simulator, concurrency and failures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from ssc_pipeline.simulators.incident_generator import hold_intervals_as_of, tickets_modified_between
from ssc_pipeline.simulators.topdesk import TopdeskSimulator, TopdeskTenant
from ssc_pipeline.sources.http import FatalError
from ssc_pipeline.sources.topdesk.client import TopdeskConnection, iter_incidents
from ssc_pipeline.sources.topdesk.history import (
    fetch_hold_intervals,
    holds_from_progress_trail,
)

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
AMS = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc
TENANT = TopdeskTenant("GM0505", "api-gm0505", "app-password-0505", seed=3)
MOCK = TopdeskConnection("https://gm0505.topdesk.example", "api", "secret")
IDS = [f"00000000-0000-4000-8000-{i:012d}" for i in range(12)]


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _entry(when: str, memo: str) -> dict[str, object]:
    return {"id": when, "entryDate": when, "memoText": memo, "plainText": memo}


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --------------------------------------------------------------------------- parsing


def test_holds_from_progress_trail() -> None:
    trail = [  # newest first, as TOPdesk lists it
        _entry("2026-11-21T08:00:00.000+0000", "Status gewijzigd naar Wachten op gebruiker"),
        _entry("2026-11-20T15:00:00.000+0000", "Graag nog even geduld, de monteur komt morgen."),
        _entry("2026-11-20T12:30:00.000+0000", "Status gewijzigd van Wachten op gebruiker naar In behandeling."),
        _entry("2026-11-20T10:00:00.000+0000", "Status gewijzigd naar Wachten op gebruiker"),
        _entry("2026-11-20T09:00:00.000+0000", "Status gewijzigd naar In behandeling"),
        _entry("2026-11-20T08:30:00.000+0000", "Mijn laptop start niet op. Groet, Jan"),
    ]
    assert holds_from_progress_trail(trail) == [
        (_t("2026-11-20T10:00:00+00:00"), _t("2026-11-20T12:30:00+00:00")),
        (_t("2026-11-21T08:00:00+00:00"), None),
    ]
    supplier = [
        _entry("2026-11-20T10:00:00.000+0000", "Status gewijzigd naar Wachten op leverancier"),
        _entry("2026-11-20T11:00:00.000+0000", "Status gewijzigd naar Gereed"),
    ]
    assert holds_from_progress_trail(supplier) == [(_t("2026-11-20T10:00:00+00:00"), _t("2026-11-20T11:00:00+00:00"))]
    assert holds_from_progress_trail(supplier, hold_statuses=frozenset({"Parked"})) == []
    # two hold statuses in a row are one hold; a missing memo is skipped, not fatal
    chained = [
        supplier[0],
        _entry("2026-11-20T10:30:00.000+0000", "Status gewijzigd naar Wachten op gebruiker"),
        {"id": "x", "entryDate": "2026-11-20T10:45:00.000+0000"},
        supplier[1],
    ]
    assert holds_from_progress_trail(chained) == holds_from_progress_trail(supplier)
    assert holds_from_progress_trail([]) == []


# --------------------------------------------------------------------------- live simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[TopdeskSimulator]:
    with TopdeskSimulator({"GM0505": TENANT}, now=lambda: NOW) as simulator:
        yield simulator


def test_holds_of_changed_incidents_match_ground_truth(sim: TopdeskSimulator) -> None:
    conn = TopdeskConnection(sim.tenant_url("GM0505"), TENANT.username, TENANT.password)
    start, end = datetime(2026, 10, 20, tzinfo=AMS), datetime(2026, 11, 26, tzinfo=AMS)
    changed = [r["id"] for r in iter_incidents(conn, start, end, page_size=200)]
    truth = {
        t.ticket_id: hold_intervals_as_of(t, NOW)
        for t in tickets_modified_between("GM0505", start, end, NOW, seed=TENANT.seed)
    }
    assert set(changed) == set(truth)
    assert sum(len(h) == 2 for h in truth.values()) >= 3
    assert any(h and h[-1][1] is None for h in truth.values())  # still on hold at NOW
    requests: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [requests.append]}, timeout=10) as client:
        holds = fetch_hold_intervals(conn, changed, max_concurrency=3, client=client)
    assert holds == truth
    assert len(requests) == len(changed)  # one trail request per changed incident, nothing else
    assert {r.url.path.rsplit("/", 1)[-1] for r in requests} == {"progresstrail"}


def test_expired_password_is_fatal_at_once() -> None:
    expired = TopdeskTenant("GM0505", "api", "pw", password_expired=True)
    with TopdeskSimulator({"GM0505": expired}, now=lambda: NOW) as simulator:
        conn = TopdeskConnection(simulator.tenant_url("GM0505"), "api", "pw")
        sleep = FakeSleep()
        with pytest.raises(FatalError) as info:
            fetch_hold_intervals(conn, IDS[:3], max_concurrency=1, sleep=sleep)
    assert info.value.status_code == 401 and "401" in str(info.value)
    assert sleep.calls == []


# --------------------------------------------------------------------------- mocked server


def test_concurrency_is_bounded() -> None:
    lock = threading.Lock()
    in_flight = peak = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.03)
        with lock:
            in_flight -= 1
        return httpx.Response(
            200,
            content=json.dumps([_entry("2026-11-20T10:00:00.000+0000", "Status gewijzigd naar Wachten op gebruiker")]),
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        holds = fetch_hold_intervals(MOCK, IDS, max_concurrency=3, client=client)
    assert peak == 3
    assert holds == {i: [(_t("2026-11-20T10:00:00+00:00"), None)] for i in IDS}


def test_long_trails_are_paged_and_a_replayed_page_asked_again() -> None:
    entries = [
        _entry(
            f"2026-11-20T{h:02d}:00:00.000+0000",
            "Status gewijzigd naar " + ("Wachten op gebruiker" if h % 2 else "In behandeling"),
        )
        for h in range(9, 14)
    ]
    pages = [(206, entries[0:2]), (206, entries[0:2]), (206, entries[2:4]), (200, entries[4:5])]
    starts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(request.url.params["start"])
        status, page = pages.pop(0)
        return httpx.Response(status, content=json.dumps(page))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        holds = fetch_hold_intervals(MOCK, IDS[:1], client=client, page_size=2)
    assert starts == ["0", "2", "2", "4"]
    assert holds[IDS[0]] == [
        (_t("2026-11-20T09:00:00+00:00"), _t("2026-11-20T10:00:00+00:00")),
        (_t("2026-11-20T11:00:00+00:00"), _t("2026-11-20T12:00:00+00:00")),
        (_t("2026-11-20T13:00:00+00:00"), None),
    ]


def test_transient_errors_retried_fatal_ones_stop_everything() -> None:
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            return httpx.Response(503, headers={"Retry-After": "1"})
        return httpx.Response(200, content=b"[]")

    sleep = FakeSleep()
    with httpx.Client(transport=httpx.MockTransport(flaky)) as client:
        assert fetch_hold_intervals(MOCK, IDS[:1], client=client, sleep=sleep) == {IDS[0]: []}
    assert len(calls) == 2 and sleep.calls == [1.0]

    def forbidden(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, content=b'[{"message": "no access"}]')

    with httpx.Client(transport=httpx.MockTransport(forbidden)) as client, pytest.raises(FatalError, match="403"):
        fetch_hold_intervals(MOCK, IDS, client=client, max_concurrency=2)


def test_ids_and_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="UUID"):
        fetch_hold_intervals(MOCK, ["../../tas/api/operators"])
    with pytest.raises(ValueError, match="max_concurrency"):
        fetch_hold_intervals(MOCK, IDS, max_concurrency=0)
    assert fetch_hold_intervals(MOCK, []) == {}
