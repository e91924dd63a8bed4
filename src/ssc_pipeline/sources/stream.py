"""What a connector extracts: one frozen ``Stream`` per entity, after singer-sdk.

The landing code takes a stream's primary key and cursor field as the typed key
columns of its raw table (``sources.spec``), and the connectors take its path;
nothing about a stream changes at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Stream"]


@dataclass(frozen=True)
class Stream:
    """One extractable entity of a source system."""

    name: str
    path: str
    primary_key: str
    cursor_field: str
