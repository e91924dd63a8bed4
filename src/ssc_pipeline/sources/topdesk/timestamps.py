"""TOPdesk timestamp format, shared by the connector and the simulator.

TOPdesk writes timestamps as ``2026-11-20T09:15:00.000+0000``: UTC, millisecond
precision and an offset without a colon. Keeping one formatter and one parser
here means the simulator cannot drift from what the client expects.
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["format_topdesk_ts", "parse_topdesk_ts", "format_fiql_ts"]


def _require_aware(dt: datetime) -> datetime:
    """Naive datetimes are ambiguous across the Amsterdam DST switch, so refuse them."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {dt.isoformat()}")
    return dt.astimezone(timezone.utc)


def format_topdesk_ts(dt: datetime) -> str:
    """Format ``dt`` the way TOPdesk does: UTC, milliseconds, ``+0000``."""
    utc = _require_aware(dt)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}+0000"


def parse_topdesk_ts(value: str) -> datetime:
    """Parse a TOPdesk timestamp into an aware UTC datetime.

    Accepts TOPdesk's own ``+0000`` form as well as ``+01:00`` and ``Z``, because
    FIQL queries typed by people and other tools use those. A timestamp without
    an offset is rejected rather than guessed.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("empty timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"not a TOPdesk timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a UTC offset: {value!r}")
    return parsed.astimezone(timezone.utc)


def format_fiql_ts(dt: datetime) -> str:
    """Format a FIQL query bound: UTC, whole seconds, ``Z`` (``2026-11-20T00:00:00Z``).

    Sub-second parts are dropped (floored). Because both ends of every window
    are floored the same way, consecutive windows still tile without gaps.
    """
    utc = _require_aware(dt)
    return f"{utc:%Y-%m-%dT%H:%M:%S}Z"
