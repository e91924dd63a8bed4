"""The service catalogue: own categories onto SSC service codes, most specific entry first."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssc_pipeline.sources.files import catalogue
from ssc_pipeline.sources.files.catalogue import CatalogueError, load_catalogue, parse_catalogue

DATA = {
    "mappings": [
        {"org_code": "*", "source_system": "*", "values": {"Werkplek": "WERKPLEK", "Hardware": "WERKPLEK"}},
        {
            "org_code": "GM0505",
            "source_system": "files",
            "values": {"Hardware": "PRINTEN", "Zaaksysteem": "APPLICATIES"},
        },
        {"org_code": "*", "source_system": "topdesk", "values": {"Zaaksysteem": "OVERIG"}},
    ]
}


def test_most_specific_entry_wins() -> None:
    cat = parse_catalogue(DATA)
    assert cat.map_service("GM0505", "files", "Hardware") == ("PRINTEN", True)
    assert cat.map_service("GM0642", "files", "Hardware") == ("WERKPLEK", True)
    assert cat.map_service("gm0505", "FILES", "Zaaksysteem") == ("APPLICATIES", True)
    assert cat.map_service("GM0642", "topdesk", "Zaaksysteem") == ("OVERIG", True)


def test_values_match_case_and_space_insensitively_and_ssc_codes_map_onto_themselves() -> None:
    cat = parse_catalogue(DATA)
    assert cat.map_service("GM0642", "files", "  werkPLEK ") == ("WERKPLEK", True)
    assert cat.map_service("GM0642", "files", "telefonie") == ("TELEFONIE", True)


def test_unmapped_values_become_overig_and_say_so() -> None:
    assert parse_catalogue(DATA).map_service("GM0642", "files", "Koffieautomaat") == ("OVERIG", False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"mappings": [{"org_code": "*", "source_system": "*", "values": {"Werkplek": "WORKPLACE"}}]},
            r"entry #1 \(\*, \*\): value 'Werkplek' maps onto 'WORKPLACE', which is not one of WERKPLEK",
        ),
        (
            {"mappings": [{"org_code": "gemeente x", "source_system": "*", "values": {"a": "OVERIG"}}]},
            r"entry #1: field 'org_code' 'GEMEENTE X' is not '\*' or an organisation code",
        ),
        (
            {
                "mappings": [
                    {"org_code": "*", "source_system": "files", "values": {"Wifi": "NETWERK"}},
                    {"org_code": "*", "source_system": "files", "values": {"WIFI ": "TELEFONIE"}},
                ]
            },
            r"entry #2 \(\*, files\): value 'WIFI ' maps onto TELEFONIE, but .*entry #1 .* maps it onto NETWERK",
        ),
        ({"mappings": [{"org_code": "*", "values": {"a": "OVERIG"}}]}, r"entry #1: field 'source_system'"),
        ({"mapping": []}, "top-level 'mappings' list"),
    ],
)
def test_a_bad_catalogue_fails_naming_entry_and_field(data: object, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(data)


def test_the_project_catalogue_maps_the_ssc_category_names(tmp_path: Path) -> None:
    cat = load_catalogue()
    for name, code in {
        "Werkplek": "WERKPLEK",
        "Applicaties": "APPLICATIES",
        "Accounts en toegang": "ACCOUNTS",
        "Netwerk": "NETWERK",
        "Telefonie": "TELEFONIE",
        "Printen": "PRINTEN",
        "Facilitair": "FACILITAIR",
        "Overig": "OVERIG",
    }.items():
        assert cat.map_service("GM0505", "files", name) == (code, True)
    assert catalogue.map_service("GM0505", "files", "ICT-werkplek") == ("WERKPLEK", True)
    assert catalogue.map_service("GM0505", "files", "Koffieautomaat") == ("OVERIG", False)
    with pytest.raises(CatalogueError, match="not found"):
        load_catalogue(tmp_path / "missing.yml")
