"""Switchable faults for the source-system simulators: which fault a request gets, and when.

Why: "nothing lost under faults" is only a claim until the connectors have
been run against a server that misbehaves the way real ones do -- gateways
answering 502/503, rate limits (429 with ``Retry-After``), a request that
hangs past the client's timeout, a body cut off mid-transfer, a page handed
out twice, a field added in an upgrade or left out of a record. A
``FaultPlan`` says how often and which; a ``FaultInjector`` (one per running
simulator) decides per request and remembers what it needs to.

Determinism: the choice is a pure function of ``(seed, request key, attempt)``
where the attempt is how often the simulator has already seen that exact
request (method-less path plus sorted query). A retry of the same request is
therefore a *new* draw -- it can succeed -- and the outcome does not depend on
thread scheduling, because concurrent requests for different keys do not
share a counter. The same plan against the same client behaviour injects the
same faults on every run.

Fault kinds and what a correct client does about them:

* ``500``/``502``/``503`` -- retry with backoff (502/503 come as HTML, like a
  load balancer's error page, so clients cannot assume JSON error bodies);
* ``429`` -- wait at least ``Retry-After`` (``retry_after_s``; fractional
  values are sent as-is so tests stay fast), then retry;
* ``timeout`` -- the answer comes only after ``timeout_s``; a client with a
  shorter timeout gives up and retries;
* ``truncated_json`` -- the 2xx body is cut in half (Content-Length matches
  the cut body, as when a proxy drops the tail): retry;
* ``repeated_page`` -- a page request (not the first page) gets the previous
  page's response again, byte for byte, once: the paginator's identical-page
  check must catch it and the page be asked for again, never landed twice;
* ``extra_field`` / ``missing_field`` -- every record gains an unknown field or
  loses an optional one (never a key or the cursor): must be tolerated.

An expired password is not random: it is the tenant setting
``password_expired``, under which every request is a 401.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from urllib.parse import quote

__all__ = [
    "ERROR_FAULTS",
    "ERROR_STATUS",
    "FAULT_KINDS",
    "FAULTS_ENV_VAR",
    "FaultInjector",
    "FaultPlan",
    "ServedResponse",
    "request_key",
]

log = logging.getLogger(__name__)

FAULTS_ENV_VAR = "SSC_SIMULATOR_FAULTS"
FAULT_KINDS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "429",
    "timeout",
    "truncated_json",
    "repeated_page",
    "extra_field",
    "missing_field",
)
ERROR_STATUS = {"500": 500, "502": 502, "503": 503, "429": 429}
ERROR_FAULTS = frozenset(ERROR_STATUS)  # faults that replace the whole response
_MAX_REMEMBERED = 100_000


@dataclass(frozen=True)
class FaultPlan:
    """How often (``rate``, per request) and which ``kinds`` of faults a simulator injects."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    retry_after_s: float = 0.05
    timeout_s: float = 2.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", tuple(self.kinds))  # JSON gives lists
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {self.rate}")
        if "401" in self.kinds:
            raise ValueError("401 is not a random fault: set the tenant's password_expired instead")
        unknown = sorted(set(self.kinds) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(FAULT_KINDS)}")
        if not self.kinds and self.rate > 0:
            raise ValueError("a positive fault rate needs at least one fault kind")
        if self.retry_after_s < 0 or self.timeout_s <= 0:
            raise ValueError("retry_after_s must be >= 0 and timeout_s > 0")

    def pick(self, request_key: str, attempt: int) -> str | None:
        """The fault for the ``attempt``-th (0-based) sighting of ``request_key``, or None.

        A hash, not a ``Random``: the answer depends on nothing but the
        arguments and the seed, so it is the same in every process and thread.
        """
        if self.rate <= 0.0:
            return None
        digest = hashlib.sha256(f"{self.seed}|{attempt}|{request_key}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2.0**64 >= self.rate:
            return None
        return self.kinds[int.from_bytes(digest[8:16], "big") % len(self.kinds)]

    @classmethod
    def from_json(cls, text: str) -> FaultPlan:
        """``'{"rate": 0.2, "seed": 1}'`` -> plan; unknown keys are an error, not ignored."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"fault plan is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError('fault plan must be a JSON object like {"rate": 0.2, "seed": 1}')
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault plan keys {unknown}; known: {', '.join(sorted(known))}")
        return cls(**data)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> FaultPlan | None:
        """The plan in ``SSC_SIMULATOR_FAULTS``, or None when it is unset or blank."""
        text = env.get(FAULTS_ENV_VAR, "")
        return cls.from_json(text) if text.strip() else None

    def to_json(self) -> str:
        return json.dumps(
            {
                "rate": self.rate,
                "kinds": list(self.kinds),
                "seed": self.seed,
                "retry_after_s": self.retry_after_s,
                "timeout_s": self.timeout_s,
            }
        )


@dataclass(frozen=True)
class ServedResponse:
    """A page response exactly as sent, so a repeated page can be resent byte for byte."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def request_key(tenant: str, path: str, params: Mapping[str, Sequence[str]]) -> str:
    """A canonical name for a request: tenant, path and the query sorted (order-insensitive)."""
    query = "&".join(sorted(f"{quote(k)}={quote(v)}" for k, vs in params.items() for v in vs))
    return f"{tenant.lower()}|{path}|{query}"


class FaultInjector:
    """One simulator's fault state: sightings per request key, last page served per key."""

    def __init__(self, plan: FaultPlan | None) -> None:
        self.plan = plan
        self._lock = threading.Lock()
        self._attempts: OrderedDict[str, int] = OrderedDict()
        self._pages: OrderedDict[str, ServedResponse] = OrderedDict()
        self.injected: Counter[str] = Counter()

    def draw(self, key: str) -> str | None:
        """Count this sighting of ``key`` and return the fault to inject (None: behave)."""
        if self.plan is None or self.plan.rate <= 0.0:
            return None
        with self._lock:
            attempt = self._attempts.pop(key, 0)
            self._attempts[key] = attempt + 1
            while len(self._attempts) > _MAX_REMEMBERED:
                self._attempts.popitem(last=False)
        kind = self.plan.pick(key, attempt)
        if kind == "repeated_page" and attempt > 0:
            kind = None  # a page is handed out twice at most once; the re-request must work
        return kind

    def note(self, kind: str) -> None:
        """Record that ``kind`` was actually injected (tests assert every kind was exercised)."""
        with self._lock:
            self.injected[kind] += 1

    def remember(self, key: str, served: ServedResponse) -> None:
        with self._lock:
            self._pages.pop(key, None)
            self._pages[key] = served
            while len(self._pages) > _MAX_REMEMBERED // 10:
                self._pages.popitem(last=False)

    def recall(self, key: str) -> ServedResponse | None:
        with self._lock:
            return self._pages.get(key)
