"""Hold periods embedded in each incident's payload, fetched per chunk of changed incidents.

The incidents that changed in a window are read page by page; per chunk of
them the hold history (TOPdesk progress trail, ServiceNow ``sys_audit``) is
fetched -- only for those incidents, with bounded concurrency -- and embedded
in each payload as ``"_holds": [{"start": ISO, "end": ISO | null}, ...]``,
the shape the dbt staging models read. Memory stays bounded by the chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

__all__ = ["CHUNK", "Holds", "with_holds"]

CHUNK = 500
Holds = Mapping[str, Sequence[tuple[dt.datetime, dt.datetime | None]]]


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


def with_holds(
    incidents: Iterable[dict[str, Any]],
    key_field: str,
    fetch_holds: Callable[[list[str]], Holds],
    scrub: Callable[[dict[str, Any]], dict[str, Any]],
) -> Iterator[dict[str, Any]]:
    """Each incident scrubbed, with its hold periods under ``_holds``."""
    for chunk in _chunks(incidents, CHUNK):
        holds = fetch_holds([inc[key_field] for inc in chunk])
        for incident in chunk:
            clean = scrub(incident)
            clean["_holds"] = [
                {"start": _utc(start), "end": _utc(end) if end else None}
                for start, end in holds.get(incident[key_field], ())
            ]
            yield clean
