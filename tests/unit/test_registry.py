from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from ssc_pipeline.registry import RegistryError, load_registry, parse_registry, rsin_passes_eleven_proof

ROOT = Path(__file__).resolve().parents[2]


def entry(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "code": "GM0505",
        "oin": "00000001001730009000",
        "name": "Gemeente Dordrecht",
        "source": "topdesk",
        "connection": "topdesk_gm0505",
        "schedule": "0 2 * * *",
        "joined_on": dt.date(2019, 1, 1),
        "active": True,
    }
    base.update(overrides)
    return base


def test_project_registry_has_at_least_three_active_municipalities() -> None:
    orgs = load_registry(ROOT / "organisations.yml")
    assert len([o for o in orgs if o.active and o.code.startswith("GM")]) >= 3
    assert {o.code for o in orgs} >= {"GM0505", "GM0642", "GM0590"}


def test_valid_entry_is_typed() -> None:
    (org,) = parse_registry({"organisations": [entry(joined_on="2021-07-01", sla="SSC-STANDAARD")]})
    assert org.joined_on == dt.date(2021, 7, 1)
    assert org.sla == "SSC-STANDAARD"
    assert org.dag_id == "extract_gm0505"


def test_allocation_key_defaults_to_ticket_share() -> None:
    """ticket_share needs no allocation-keys file, so an entry without a key can still share costs."""
    (org,) = parse_registry({"organisations": [entry()]})
    assert org.allocation_key == "ticket_share"
    (org,) = parse_registry({"organisations": [entry(allocation_key="fixed_pct")]})
    assert org.allocation_key == "fixed_pct"


@pytest.mark.parametrize(
    ("override", "field", "fragment"),
    [
        ({"code": "GM505"}, "code", "GM followed by 4 digits"),
        ({"code": "gm0505"}, "code", "stable code"),
        ({"oin": "123"}, "oin", "20-digit"),
        ({"oin": "00000001001730008000"}, "oin", "11-proof"),
        ({"source": "jira"}, "source", "must be one of"),
        ({"connection": "Topdesk Secret!"}, "connection", "Airflow connection id"),
        ({"schedule": "every night"}, "schedule", "cron"),
        ({"joined_on": "01-01-2019"}, "joined_on", "not a date"),
        ({"active": "yes"}, "active", "true or false"),
        ({"colour": "blue"}, "colour", "not a known field"),
        ({"allocation_key": "population"}, "allocation_key", "must be one of"),
        ({"allocation_key": None}, "allocation_key", "must be one of"),
    ],
)
def test_malformed_entry_names_entry_and_field(override: dict[str, object], field: str, fragment: str) -> None:
    good = entry(code="GM0642", oin="00000001002840005000", connection="topdesk_gm0642")
    with pytest.raises(RegistryError) as err:
        parse_registry({"organisations": [good, entry(**override)]})
    message = str(err.value)
    assert "entry #2" in message
    assert f"field '{field}'" in message
    assert fragment in message


@pytest.mark.parametrize("missing", ["code", "oin", "name", "source", "connection", "schedule", "joined_on", "active"])
def test_missing_field_is_named(missing: str) -> None:
    raw = entry()
    del raw[missing]
    with pytest.raises(RegistryError, match=f"entry #1.*field '{missing}' is missing"):
        parse_registry({"organisations": [raw]})


def test_duplicate_code_is_rejected() -> None:
    with pytest.raises(RegistryError, match="entry #2 \\(GM0505\\): field 'code' duplicates entry #1"):
        parse_registry({"organisations": [entry(), entry()]})


def test_malformed_file_fails_on_load(tmp_path: Path) -> None:
    path = tmp_path / "organisations.yml"
    path.write_text(yaml.safe_dump({"organisations": [entry(code="GM12")]}, default_flow_style=False))
    with pytest.raises(RegistryError, match="entry #1 \\(GM12\\): field 'code'"):
        load_registry(path)


def test_eleven_proof() -> None:
    # 9*0+8*0+7*1+6*7+5*3+4*0+3*0+2*0 - 9 = 55, divisible by 11
    assert rsin_passes_eleven_proof("001730009")
    assert not rsin_passes_eleven_proof("001730008")
    assert not rsin_passes_eleven_proof("00173000")
