"""Typed, validated loading of ``organisations.yml``.

The registry is the one place where an organisation is added. A malformed entry
fails loudly with the entry and the field named: silently dropping an
organisation would make its figures vanish from every report (DESIGN §4.2).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ssc_pipeline import codes

SOURCES = ("topdesk", "servicenow", "files")
# The SSC itself: its inbox folder (cost ledger, keys, surveys) and its Assets carry this code,
# so no organisation may have it.
SSC_CODE = "SSC"
ALLOCATION_KEYS = codes.ALLOCATION_KEYS
_GM_CODE = re.compile(r"^GM\d{4}$")
_OTHER_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
_OIN = re.compile(r"^\d{20}$")
_CONN_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_REQUIRED = ("code", "oin", "name", "source", "connection", "schedule", "joined_on", "active")
_KNOWN = set(_REQUIRED) | {"sla", "description", "allocation_key"}


class RegistryError(ValueError):
    """Raised for a registry that cannot be trusted; the message names entry and field."""


@dataclass(frozen=True)
class Organisation:
    code: str
    oin: str
    name: str
    source: str
    connection: str
    schedule: str
    joined_on: dt.date
    active: bool
    sla: str | None = None
    allocation_key: str = "ticket_share"

    @property
    def dag_id(self) -> str:
        return f"extract_{self.code.lower()}"

    @property
    def asset_uri(self) -> str:
        """URI of the Asset this organisation's accepted raw loads update."""
        return f"ssc://raw/{self.code.lower()}"


def rsin_passes_eleven_proof(rsin: str) -> bool:
    """The 11-proof for a 9-digit RSIN/BSN: 9*d1 + 8*d2 + ... + 2*d8 - d9 is divisible by 11."""
    if not re.fullmatch(r"\d{9}", rsin):
        return False
    digits = [int(c) for c in rsin]
    total = sum(w * d for w, d in zip(range(9, 1, -1), digits[:8])) - digits[8]
    return total % 11 == 0 and total != 0


def validate_code(code: object) -> str | None:
    """Return an error text for a bad organisation code, or None when it is valid."""
    if not isinstance(code, str):
        return "must be a string such as GM0505"
    if code.startswith("GM"):
        if not _GM_CODE.match(code):
            return f"{code!r} is not a CBS gemeentecode (GM followed by 4 digits)"
        return None
    if not _OTHER_CODE.match(code):
        return f"{code!r} is not a stable code (upper-case letters, digits, underscore; 2-16 long)"
    return None


def validate_oin(oin: object) -> str | None:
    """Return an error text for a bad OIN, or None when it is valid."""
    if not isinstance(oin, str) or not _OIN.match(oin):
        return "must be a 20-digit organisatie-identificatienummer, quoted as a string"
    if oin.startswith("00000001") and not rsin_passes_eleven_proof(oin[8:17]):
        return f"RSIN {oin[8:17]} inside OIN {oin} fails the 11-proof"
    return None


def _entry_label(index: int, raw: dict[str, Any]) -> str:
    code = raw.get("code") if isinstance(raw, dict) else None
    return f"organisations.yml entry #{index + 1}" + (f" ({code})" if code else "")


def _parse_entry(index: int, raw: Any) -> Organisation:
    if not isinstance(raw, dict):
        raise RegistryError(f"organisations.yml entry #{index + 1}: must be a mapping of fields")
    label = _entry_label(index, raw)

    def fail(field: str, why: str) -> RegistryError:
        return RegistryError(f"{label}: field '{field}' {why}")

    for field in _REQUIRED:
        if field not in raw or raw[field] is None or raw[field] == "":
            raise fail(field, "is missing")
    for field in raw:
        if field not in _KNOWN:
            raise fail(field, f"is not a known field (known: {', '.join(sorted(_KNOWN))})")
    if err := validate_code(raw["code"]):
        raise fail("code", err)
    if err := validate_oin(raw["oin"]):
        raise fail("oin", err)
    if not isinstance(raw["name"], str):
        raise fail("name", "must be a string")
    if raw["source"] not in SOURCES:
        raise fail("source", f"must be one of {', '.join(SOURCES)}, not {raw['source']!r}")
    if not isinstance(raw["connection"], str) or not _CONN_ID.match(raw["connection"]):
        raise fail("connection", "must be an Airflow connection id (lower-case letters, digits, _)")
    if not isinstance(raw["schedule"], str) or not _valid_cron(raw["schedule"]):
        raise fail("schedule", f"{raw['schedule']!r} is not a valid cron expression")
    joined = raw["joined_on"]
    if isinstance(joined, str):
        try:
            joined = dt.date.fromisoformat(joined)
        except ValueError:
            raise fail("joined_on", f"{joined!r} is not a date (YYYY-MM-DD)") from None
    if not isinstance(joined, dt.date):
        raise fail("joined_on", "must be a date (YYYY-MM-DD)")
    if not isinstance(raw["active"], bool):
        raise fail("active", "must be true or false")
    sla = raw.get("sla")
    if sla is not None and not isinstance(sla, str):
        raise fail("sla", "must be an agreement id (string)")
    allocation_key = raw.get("allocation_key", "ticket_share")
    if allocation_key not in ALLOCATION_KEYS:
        raise fail("allocation_key", f"must be one of {', '.join(ALLOCATION_KEYS)}, not {allocation_key!r}")
    return Organisation(
        code=raw["code"],
        oin=raw["oin"],
        name=raw["name"],
        source=raw["source"],
        connection=raw["connection"],
        schedule=raw["schedule"],
        joined_on=joined,
        active=raw["active"],
        sla=sla,
        allocation_key=allocation_key,
    )


def _valid_cron(expr: str) -> bool:
    from croniter import croniter  # shipped with Airflow; imported lazily to keep imports light

    return len(expr.split()) == 5 and croniter.is_valid(expr)


def parse_registry(data: Any) -> list[Organisation]:
    """Validate the parsed YAML document and return its organisations in file order."""
    if not isinstance(data, dict) or not isinstance(data.get("organisations"), list):
        raise RegistryError("organisations.yml: top level must have a list 'organisations'")
    orgs = [_parse_entry(i, raw) for i, raw in enumerate(data["organisations"])]
    seen: dict[str, int] = {}
    for i, org in enumerate(orgs):
        if org.code in seen:
            raise RegistryError(
                f"organisations.yml entry #{i + 1} ({org.code}): field 'code' duplicates entry #{seen[org.code] + 1}"
            )
        seen[org.code] = i
    return orgs


def default_registry_path() -> Path:
    """``SSC_REGISTRY`` if set, else ``organisations.yml`` in the project root."""
    if env := os.environ.get("SSC_REGISTRY"):
        return Path(env)
    return project_root() / "organisations.yml"


def project_root() -> Path:
    """The project folder: ``SSC_PROJECT_ROOT`` if set, else the repository this file lives in."""
    if env := os.environ.get("SSC_PROJECT_ROOT"):
        return Path(env)
    return Path(__file__).resolve().parents[2]


def ssc_home(create: bool = True) -> Path:
    """Working folder for local state (database, Airflow home, inbox): ``SSC_HOME`` or ``.ssc/``.

    ``create=False`` only computes the path (DAG files may do no I/O at import).
    """
    home = Path(os.environ.get("SSC_HOME") or project_root() / ".ssc")
    if create:
        home.mkdir(parents=True, exist_ok=True)
    return home


def load_registry(path: Path | None = None) -> list[Organisation]:
    path = path or default_registry_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"organisation registry not found: {path}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from None
    return parse_registry(data)


def active_organisations(path: Path | None = None) -> list[Organisation]:
    return [o for o in load_registry(path) if o.active]
