"""Fault plans: validation, the deterministic-but-rotating choice, and each fault on the wire."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone

import httpx
import pytest

from ssc_pipeline.simulators.faults import (
    FAULT_KINDS,
    FAULTS_ENV_VAR,
    FaultInjector,
    FaultPlan,
    request_key,
)
from ssc_pipeline.simulators.topdesk import TopdeskSimulator, TopdeskTenant
from ssc_pipeline.simulators.topdesk_render import incidents_modified_between

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
QUERY = "modificationDate=gt=2026-11-19T23:00:00Z;modificationDate=le=2026-11-20T23:00:00Z"
TENANT = TopdeskTenant("GM0505", "api", "pw")


# --------------------------------------------------------------------------- the plan


def test_defaults_cover_every_random_kind_and_no_401() -> None:
    plan = FaultPlan()
    assert plan.rate == 0.0 and plan.seed == 0
    assert plan.kinds == FAULT_KINDS
    assert set(FAULT_KINDS) == {
        "500",
        "502",
        "503",
        "429",
        "timeout",
        "truncated_json",
        "repeated_page",
        "extra_field",
        "missing_field",
    }
    assert (plan.retry_after_s, plan.timeout_s) == (0.05, 2.0)
    with pytest.raises(ValueError, match="password_expired"):
        FaultPlan(rate=0.1, kinds=("401",))
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FaultPlan(kinds=("418",))
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultPlan(rate=1.5)
    with pytest.raises(AttributeError):
        plan.rate = 0.5  # type: ignore[misc]


def test_pick_is_deterministic_and_rotates_with_the_attempt() -> None:
    plan = FaultPlan(rate=0.2, seed=1)
    keys = [f"gm0505|/tas/api/incidents|pageStart={i}" for i in range(5000)]
    first = [plan.pick(k, 0) for k in keys]
    assert first == [FaultPlan(rate=0.2, seed=1).pick(k, 0) for k in keys]  # same in any process
    faulted = [k for k, kind in zip(keys, first) if kind is not None]
    assert 0.17 < len(faulted) / len(keys) < 0.23
    # a retry is a fresh draw: most requests that failed once succeed the next time
    retried = [plan.pick(k, 1) for k in faulted]
    assert 0.15 < sum(kind is not None for kind in retried) / len(faulted) < 0.25
    assert set(Counter(first)) >= set(FAULT_KINDS)  # every kind is drawn
    assert [FaultPlan(rate=0.2, seed=2).pick(k, 0) for k in keys] != first
    assert all(FaultPlan(rate=0.0).pick(k, 0) is None for k in keys[:100])
    assert all(FaultPlan(rate=1.0, kinds=("503",)).pick(k, 3) == "503" for k in keys[:100])


def test_from_json_and_env() -> None:
    plan = FaultPlan.from_json('{"rate": 0.2, "seed": 1, "kinds": ["503", "timeout"]}')
    assert plan == FaultPlan(rate=0.2, seed=1, kinds=("503", "timeout"))
    assert FaultPlan.from_json(plan.to_json()) == plan
    assert FaultPlan.from_env({FAULTS_ENV_VAR: '{"rate":0.2,"seed":1}'}) == FaultPlan(rate=0.2, seed=1)
    assert FaultPlan.from_env({}) is None
    assert FaultPlan.from_env({FAULTS_ENV_VAR: "  "}) is None
    with pytest.raises(ValueError, match="unknown fault plan keys"):
        FaultPlan.from_json('{"rate": 0.2, "probability": 1}')
    with pytest.raises(ValueError, match="JSON object"):
        FaultPlan.from_json("[0.2]")


def test_injector_counts_sightings_and_repeats_a_page_at_most_once() -> None:
    injector = FaultInjector(FaultPlan(rate=1.0, kinds=("repeated_page",)))
    assert injector.draw("k") == "repeated_page"
    assert injector.draw("k") is None  # the re-request of a replayed page must work
    assert injector.draw("other") == "repeated_page"
    assert FaultInjector(None).draw("k") is None
    assert request_key("GM0505", "/p", {"b": ["2"], "a": ["1 x"]}) == "gm0505|/p|a=1%20x&b=2"
    assert request_key("gm0505", "/p", {"a": ["1 x"], "b": ["2"]}) == "gm0505|/p|a=1%20x&b=2"


# --------------------------------------------------------------------------- on the wire


def _client(sim: TopdeskSimulator, timeout: float = 5.0) -> httpx.Client:
    return httpx.Client(base_url=sim.tenant_url("GM0505"), auth=("api", "pw"), timeout=timeout)


@pytest.fixture()
def sim_with(request: pytest.FixtureRequest) -> Iterator[TopdeskSimulator]:
    with TopdeskSimulator({"GM0505": TENANT}, now=lambda: NOW, faults=request.param) as sim:
        yield sim


def _page(client: httpx.Client, start: int) -> httpx.Response:
    return client.get("/tas/api/incidents", params={"pageStart": start, "pageSize": 5, "query": QUERY})


@pytest.mark.parametrize("sim_with", [FaultPlan(rate=1.0, kinds=("502", "503"), seed=3)], indirect=True)
def test_gateway_errors_are_html(sim_with: TopdeskSimulator) -> None:
    with _client(sim_with) as client:
        statuses = {_page(client, 0).status_code for _ in range(6)}
        response = _page(client, 0)
    assert statuses == {502, 503}
    assert response.headers["content-type"].startswith("text/html")
    assert sim_with.injected_faults["502"] + sim_with.injected_faults["503"] == 7


@pytest.mark.parametrize("sim_with", [FaultPlan(rate=1.0, kinds=("429",), retry_after_s=1.5)], indirect=True)
def test_429_carries_retry_after(sim_with: TopdeskSimulator) -> None:
    with _client(sim_with) as client:
        response = _page(client, 0)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1.5"
    assert response.json()[0]["message"]


@pytest.mark.parametrize("sim_with", [FaultPlan(rate=1.0, kinds=("timeout",), timeout_s=0.4)], indirect=True)
def test_timeout_outlasts_a_short_client_timeout(sim_with: TopdeskSimulator) -> None:
    with _client(sim_with, timeout=0.1) as client, pytest.raises(httpx.ReadTimeout):
        _page(client, 0)
    with _client(sim_with, timeout=3) as patient:  # a patient client still gets the page
        assert patient.get("/tas/api/incidents", params={"pageSize": 5, "query": QUERY}).status_code == 206


@pytest.mark.parametrize("sim_with", [FaultPlan(rate=1.0, kinds=("truncated_json",))], indirect=True)
def test_truncated_json_is_a_2xx_with_half_a_body(sim_with: TopdeskSimulator) -> None:
    with _client(sim_with) as client:
        response = _page(client, 0)
    full = json.dumps(incidents_modified_between("GM0505", *_window(), NOW)[:5], ensure_ascii=False).encode()
    assert response.status_code == 206
    assert response.content == full[: len(full) // 2]
    with pytest.raises(ValueError):
        json.loads(response.content)


def _window() -> tuple[datetime, datetime]:
    return (datetime(2026, 11, 19, 23, tzinfo=timezone.utc), datetime(2026, 11, 20, 23, tzinfo=timezone.utc))


@pytest.mark.parametrize("sim_with", [FaultPlan(rate=1.0, kinds=("extra_field",))], indirect=True)
def test_extra_field_on_every_record(sim_with: TopdeskSimulator) -> None:
    with _client(sim_with) as client:
        records = _page(client, 0).json()
    assert len(records) == 5
    assert all(r["simulatorExtraField"] == "unexpected" for r in records)


@pytest.mark.parametrize("sim_with", [FaultPlan(rate=1.0, kinds=("missing_field",))], indirect=True)
def test_missing_field_drops_only_optional_fields(sim_with: TopdeskSimulator) -> None:
    with _client(sim_with) as client:
        records = _page(client, 0).json()
    expected = incidents_modified_between("GM0505", *_window(), NOW)[:5]
    assert [r["id"] for r in records] == [e["id"] for e in expected]
    assert all("feedbackRating" not in r and "id" not in r["priority"] for r in records)
    assert [r["priority"]["name"] for r in records] == [e["priority"]["name"] for e in expected]
    assert [r["modificationDate"] for r in records] == [e["modificationDate"] for e in expected]


@pytest.mark.parametrize("sim_with", [FaultPlan(rate=1.0, kinds=("repeated_page",))], indirect=True)
def test_repeated_page_resends_the_previous_page_once(sim_with: TopdeskSimulator) -> None:
    with _client(sim_with) as client:
        first = _page(client, 0)  # first page: nothing to repeat, served normally
        replay = _page(client, 5)
        again = _page(client, 5)
    assert first.status_code == replay.status_code == 206
    assert replay.content == first.content
    expected = incidents_modified_between("GM0505", *_window(), NOW)
    assert [r["id"] for r in again.json()] == [r["id"] for r in expected[5:10]]
    assert sim_with.injected_faults == Counter({"repeated_page": 1})


@pytest.mark.parametrize("sim_with", [FaultPlan(rate=0.0)], indirect=True)
def test_rate_zero_injects_nothing(sim_with: TopdeskSimulator) -> None:
    with _client(sim_with) as client:
        assert [_page(client, 0).status_code for _ in range(20)] == [206] * 20
    assert sim_with.injected_faults == Counter()
