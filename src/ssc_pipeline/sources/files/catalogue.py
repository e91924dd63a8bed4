"""The service catalogue: each organisation's own categories mapped onto SSC service codes.

Why a YAML file in the project root (``service_catalogue.yml``) and not code:
the SSC's functional administrator adds a mapping when an organisation
introduces a new category, and that must be a reviewed one-line change.

Lookup, most specific first: (organisation, source system), (organisation,
``*``), (``*``, source system), (``*``, ``*``). A value that already is an SSC
service code maps onto itself. Values compare case-insensitively with
whitespace collapsed, because the same category arrives as ``Werkplek`` from
one export and ``werkplek `` from a hand-edited spreadsheet.

An unmapped value maps onto ``OVERIG`` with ``mapped=False``; the caller
reports it (the inbox lists it on the ``FileLoad`` and in ``audit.files``)
instead of rejecting the file or dropping the ticket: the ticket still counts
for the SLA, and the catalogue can be completed afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ssc_pipeline.codes import SERVICE_CODES as SSC_SERVICE_CODES
from ssc_pipeline.codes import UNMAPPED_SERVICE
from ssc_pipeline.registry import project_root

__all__ = [
    "CATALOGUE_FILE",
    "UNMAPPED_CODE",
    "CatalogueError",
    "ServiceCatalogue",
    "default_catalogue_path",
    "load_catalogue",
    "map_service",
    "normalise_value",
]

CATALOGUE_FILE = "service_catalogue.yml"
UNMAPPED_CODE = UNMAPPED_SERVICE
ANY = "*"
_ORG = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")


class CatalogueError(ValueError):
    """The catalogue cannot be trusted; the message names the entry and the field."""


def normalise_value(value: str) -> str:
    """Case-insensitive, whitespace-collapsed form used for matching."""
    return " ".join(value.split()).casefold()


@dataclass(frozen=True)
class ServiceCatalogue:
    """(org code or ``*``, source system or ``*``, normalised value) -> SSC service code."""

    entries: Mapping[tuple[str, str, str], str]

    def lookup(self, org_code: str, source_system: str, value: str) -> str | None:
        """The SSC code for ``value`` or None; an SSC code itself maps onto itself."""
        if value.strip().upper() in SSC_SERVICE_CODES:
            return value.strip().upper()
        key = normalise_value(value)
        org, system = org_code.upper(), source_system.lower()
        for scope in ((org, system), (org, ANY), (ANY, system), (ANY, ANY)):
            if (code := self.entries.get((*scope, key))) is not None:
                return code
        return None

    def map_service(self, org_code: str, source_system: str, value: str) -> tuple[str, bool]:
        """``(service code, mapped)``; unmapped values give ``("OVERIG", False)``."""
        code = self.lookup(org_code, source_system, value)
        return (code, True) if code is not None else (UNMAPPED_CODE, False)


def default_catalogue_path() -> Path:
    return project_root() / CATALOGUE_FILE


def _entry_field(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: field '{name}' must be a non-empty string")
    return value.strip()


def parse_catalogue(data: Any, source: str = CATALOGUE_FILE) -> ServiceCatalogue:
    """Validate the YAML structure; a bad entry fails loudly, never silently skipped."""
    if not isinstance(data, Mapping) or not isinstance(data.get("mappings"), list):
        raise CatalogueError(f"{source}: expected a top-level 'mappings' list")
    entries: dict[tuple[str, str, str], str] = {}
    origin: dict[tuple[str, str, str], str] = {}
    for index, entry in enumerate(data["mappings"], start=1):
        where = f"{source} entry #{index}"
        if not isinstance(entry, Mapping):
            raise CatalogueError(f"{where}: expected a mapping with org_code, source_system, values")
        unknown = set(entry) - {"org_code", "source_system", "values", "description"}
        if unknown:
            raise CatalogueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        org = _entry_field(entry, "org_code", where).upper()
        system = _entry_field(entry, "source_system", where).lower()
        if org != ANY and not _ORG.match(org):
            raise CatalogueError(f"{where}: field 'org_code' {org!r} is not '*' or an organisation code")
        where = f"{where} ({org}, {system})"
        values = entry.get("values")
        if not isinstance(values, Mapping) or not values:
            raise CatalogueError(f"{where}: field 'values' must map source values onto SSC codes")
        for raw_value, code in values.items():
            if not isinstance(raw_value, str) or not raw_value.strip():
                raise CatalogueError(f"{where}: source value {raw_value!r} is not a non-empty string")
            if code not in SSC_SERVICE_CODES:
                raise CatalogueError(
                    f"{where}: value {raw_value!r} maps onto {code!r}, which is not "
                    "one of " + ", ".join(SSC_SERVICE_CODES)
                )
            key = (org, system, normalise_value(raw_value))
            if key in entries and entries[key] != code:
                raise CatalogueError(
                    f"{where}: value {raw_value!r} maps onto {code}, but {origin[key]} maps it onto {entries[key]}"
                )
            entries[key], origin[key] = code, where
    return ServiceCatalogue(entries)


def load_catalogue(path: Path | None = None) -> ServiceCatalogue:
    """Read and validate the catalogue file (default: ``service_catalogue.yml`` in the project root)."""
    path = path or default_catalogue_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"service catalogue {path} not found") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name} is not valid YAML: {exc}") from None
    return parse_catalogue(data, path.name)


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> ServiceCatalogue:
    return load_catalogue(Path(path))


def map_service(org_code: str, source_system: str, value: str) -> tuple[str, bool]:
    """Map through the default catalogue (re-read when the file changes)."""
    path = default_catalogue_path()
    return _cached(str(path), path.stat().st_mtime_ns).map_service(org_code, source_system, value)
