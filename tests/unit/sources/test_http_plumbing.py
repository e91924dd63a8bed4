"""Shared HTTP plumbing: response classification, retries with backoff, pagination loop detection."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from ssc_pipeline.sources.http import (
    BasePaginator,
    FatalError,
    LinkHeaderPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PaginationLoopError,
    RetriableError,
    parse_retry_after,
    request_with_retries,
    validate_response,
)

URL = "https://gm0505.topdesk.example/tas/api/incidents"


def _response(status: int, body: bytes | str = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers=headers, request=httpx.Request("GET", URL))


class FakeSleep:
    """Records requested waits instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


Step = Callable[[httpx.Request], httpx.Response] | httpx.Response


def _scripted(*steps: Step) -> tuple[httpx.Client, list[httpx.Request]]:
    """A client whose transport plays ``steps`` in order (callables may raise transport errors)."""
    seen: list[httpx.Request] = []
    queue = list(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = queue.pop(0)
        return step(request) if callable(step) else step

    return httpx.Client(transport=httpx.MockTransport(handler)), seen


# --------------------------------------------------------------------------- validate_response


@pytest.mark.parametrize("status", [200, 204, 206])
def test_success_statuses_pass(status: int) -> None:
    assert validate_response(_response(status)) is None


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retriable(status: int) -> None:
    with pytest.raises(RetriableError) as info:
        validate_response(_response(status, "busy"))
    assert info.value.status_code == status
    assert info.value.retry_after is None
    assert str(status) in str(info.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 422, 501])
def test_other_errors_are_fatal(status: int) -> None:
    with pytest.raises(FatalError) as info:
        validate_response(_response(status, '[{"message": "nope"}]'))
    assert not isinstance(info.value, RetriableError)
    assert info.value.status_code == status
    assert f"HTTP {status}" in str(info.value)
    assert "nope" in str(info.value)  # the server's own explanation is kept


def test_fatal_messages_name_the_cause() -> None:
    with pytest.raises(FatalError, match="authentication failed"):
        validate_response(_response(401))
    with pytest.raises(FatalError, match="access denied"):
        validate_response(_response(403))
    with pytest.raises(FatalError, match="not found"):
        validate_response(_response(404))


def test_retry_after_seconds_is_honoured_in_error() -> None:
    with pytest.raises(RetriableError) as info:
        validate_response(_response(429, headers={"Retry-After": "7"}))
    assert info.value.retry_after == 7.0


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# --------------------------------------------------------------------------- request_with_retries


def test_backoff_retries_then_succeeds() -> None:
    client, seen = _scripted(
        _response(503),
        _response(502),
        _response(200, '[{"id": "a"}]'),
    )
    sleep = FakeSleep()
    response = request_with_retries(
        client, "GET", URL, params={"pageStart": 0}, base_delay=0.5, sleep=sleep, rng=random.Random(1)
    )
    assert response.status_code == 200
    assert response.json() == [{"id": "a"}]
    assert len(seen) == 3
    assert seen[0].url.params["pageStart"] == "0"
    assert len(sleep.calls) == 2
    # exponential with 50-100 % jitter: first wait in [0.25, 0.5], second in [0.5, 1.0]
    assert 0.25 <= sleep.calls[0] <= 0.5
    assert 0.5 <= sleep.calls[1] <= 1.0


def test_retry_after_overrides_shorter_backoff() -> None:
    client, _ = _scripted(_response(429, headers={"Retry-After": "3"}), _response(200, "[]"))
    sleep = FakeSleep()
    request_with_retries(client, "GET", URL, base_delay=0.1, sleep=sleep)
    assert sleep.calls == [3.0]


def test_retry_after_beyond_max_delay_is_not_waited_for() -> None:
    client, seen = _scripted(_response(503, headers={"Retry-After": "3600"}), _response(200, "[]"))
    sleep = FakeSleep()
    with pytest.raises(RetriableError, match="3600") as info:
        request_with_retries(client, "GET", URL, max_delay=60, sleep=sleep)
    assert info.value.retry_after == 3600.0
    assert sleep.calls == []
    assert len(seen) == 1


def test_bounded_tries_then_raises() -> None:
    client, seen = _scripted(*[_response(500, "boom")] * 10)
    sleep = FakeSleep()
    with pytest.raises(RetriableError, match="gave up after 4 tries") as info:
        request_with_retries(client, "GET", URL, max_tries=4, base_delay=1, max_delay=2.5, sleep=sleep)
    assert info.value.status_code == 500
    assert len(seen) == 4
    assert len(sleep.calls) == 3
    assert all(w <= 2.5 for w in sleep.calls)  # capped by max_delay


def test_fatal_is_not_retried() -> None:
    client, seen = _scripted(_response(401, '[{"message": "bad credentials"}]'), _response(200, "[]"))
    sleep = FakeSleep()
    with pytest.raises(FatalError, match="401"):
        request_with_retries(client, "GET", URL, sleep=sleep)
    assert len(seen) == 1
    assert sleep.calls == []


def test_transport_errors_and_timeouts_are_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    client, seen = _scripted(refuse, time_out, _response(200, "[]"))
    sleep = FakeSleep()
    assert request_with_retries(client, "GET", URL, sleep=sleep).json() == []
    assert len(seen) == 3
    assert len(sleep.calls) == 2


def test_transport_errors_exhausted_become_retriable_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client, _ = _scripted(refuse, refuse)
    with pytest.raises(RetriableError, match="ConnectError"):
        request_with_retries(client, "GET", URL, max_tries=2, sleep=FakeSleep())


def test_truncated_json_is_retried() -> None:
    full = json.dumps([{"id": "a"}, {"id": "b"}])
    client, seen = _scripted(_response(200, full[:12]), _response(200, full))
    sleep = FakeSleep()
    response = request_with_retries(client, "GET", URL, sleep=sleep)
    assert [r["id"] for r in response.json()] == ["a", "b"]
    assert len(seen) == 2
    assert len(sleep.calls) == 1


def test_empty_204_is_not_a_json_error() -> None:
    client, seen = _scripted(_response(204))
    assert request_with_retries(client, "GET", URL, sleep=FakeSleep()).status_code == 204
    assert len(seen) == 1


# --------------------------------------------------------------------------- pagination


def _page(records: list[dict[str, str]], headers: dict[str, str] | None = None) -> httpx.Response:
    return _response(200, json.dumps(records), headers=headers)


def test_offset_paginator_walks_until_short_page() -> None:
    paginator = OffsetPaginator(page_size=2)
    paginator.advance(_page([{"id": "1"}, {"id": "2"}]), [{"id": "1"}, {"id": "2"}])
    assert paginator.current_value == 2 and not paginator.finished
    paginator.advance(_page([{"id": "3"}]), [{"id": "3"}])
    assert paginator.finished
    assert paginator.pages == 2
    with pytest.raises(RuntimeError):
        paginator.advance(_page([]), [])


def test_identical_page_twice_is_a_loop() -> None:
    paginator = PageNumberPaginator()
    records = [{"id": "1"}]
    paginator.advance(_page(records), records)
    assert paginator.current_value == 2
    with pytest.raises(PaginationLoopError, match="identical to the previous page"):
        paginator.advance(_page(records), records)


def test_same_token_twice_is_a_loop() -> None:
    class StuckPaginator(BasePaginator[str]):
        """Server keeps answering with token 'abc'."""

        def get_next(self, response: httpx.Response, records: object) -> str | None:
            return "abc"

    paginator = StuckPaginator("start")
    paginator.advance(_page([{"id": "1"}]), [{"id": "1"}])
    assert paginator.current_value == "abc"
    with pytest.raises(PaginationLoopError, match="'abc'"):
        paginator.advance(_page([{"id": "2"}]), [{"id": "2"}])


def test_offset_going_back_is_a_loop() -> None:
    class BackwardsPaginator(OffsetPaginator):
        def get_next(self, response: httpx.Response, records: object) -> int | None:
            return 0  # the start offset, already requested

    paginator = BackwardsPaginator(page_size=1)
    with pytest.raises(PaginationLoopError, match="already requested"):
        paginator.advance(_page([{"id": "1"}]), [{"id": "1"}])


def test_link_header_paginator() -> None:
    paginator = LinkHeaderPaginator(URL)
    link = f'<{URL}?sysparm_offset=2>;rel="next", <{URL}?sysparm_offset=0>;rel="first"'
    paginator.advance(_page([{"id": "1"}], headers={"Link": link}), [{"id": "1"}])
    assert paginator.current_value == f"{URL}?sysparm_offset=2"
    paginator.advance(_page([{"id": "2"}]), [{"id": "2"}])
    assert paginator.finished
