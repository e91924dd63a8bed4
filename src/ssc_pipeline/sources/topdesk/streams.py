"""Streams (entities) the TOPdesk connector extracts.

A stream is a frozen dataclass after singer-sdk: the landing code needs the
primary key to deduplicate and the cursor field to reason about incremental
windows, and nothing about a stream should change at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Stream", "INCIDENTS", "STREAMS"]


@dataclass(frozen=True)
class Stream:
    """One extractable entity of a source system."""

    name: str
    path: str
    primary_key: str
    cursor_field: str


INCIDENTS = Stream("incidents", "/tas/api/incidents", "id", "modificationDate")

STREAMS: tuple[Stream, ...] = (INCIDENTS,)
