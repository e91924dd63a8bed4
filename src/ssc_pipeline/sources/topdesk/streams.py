"""Streams (entities) the TOPdesk connector extracts."""

from __future__ import annotations

from ssc_pipeline.sources.stream import Stream

__all__ = ["INCIDENTS"]

INCIDENTS = Stream("incidents", "/tas/api/incidents", "id", "modificationDate")
