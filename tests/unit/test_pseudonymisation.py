"""Pseudonymisation of personal data in landed TOPdesk incidents."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import date, datetime, timezone

import pytest

from ssc_pipeline.pseudonymisation import (
    REDACTED,
    PseudonymisationKeyError,
    load_key,
    pseudonymise,
)
from ssc_pipeline.simulators.incident_generator import generate_day
from ssc_pipeline.simulators.topdesk_render import state_as_of
from ssc_pipeline.sources.topdesk.scrub import scrub_topdesk_incident

KEY = b"0123456789abcdef-test-key"
NOW = datetime(2026, 12, 31, tzinfo=timezone.utc)


def _incidents() -> list[dict]:
    tickets = generate_day("GM0505", date(2026, 11, 20)) + generate_day("GM0505", date(2026, 11, 23))
    return [state_as_of(t, NOW) for t in tickets]


def test_pseudonymise_is_keyed_hmac_prefix() -> None:
    expected = "psn_" + hmac.new(KEY, b"Jan de Vries", hashlib.sha256).hexdigest()[:32]
    assert pseudonymise("Jan de Vries", KEY) == expected
    assert len(expected) == 36


def test_pseudonymise_stable_and_key_dependent() -> None:
    assert pseudonymise("Jan de Vries", KEY) == pseudonymise("Jan de Vries", KEY)
    assert pseudonymise("Jan de Vries", KEY) != pseudonymise("Piet Jansen", KEY)
    assert pseudonymise("Jan de Vries", KEY) != pseudonymise("Jan de Vries", b"another-key-of-16+")
    assert pseudonymise("Jan de Vries", KEY) != "psn_" + hashlib.sha256(b"Jan de Vries").hexdigest()[:32]


@pytest.mark.parametrize("value", [None, ""])
def test_empty_values_pass_through(value: str | None) -> None:
    assert pseudonymise(value, KEY) == value


def test_load_key() -> None:
    assert load_key({"SSC_PSEUDONYMISATION_KEY": "x" * 16}) == b"x" * 16
    with pytest.raises(PseudonymisationKeyError, match="SSC_PSEUDONYMISATION_KEY"):
        load_key({})
    with pytest.raises(PseudonymisationKeyError, match="SSC_PSEUDONYMISATION_KEY is too short") as info:
        load_key({"SSC_PSEUDONYMISATION_KEY": "short-secret"})
    assert "short-secret" not in str(info.value)


def test_no_caller_name_or_email_survives_scrub() -> None:
    incidents = _incidents()
    assert len(incidents) > 20
    for incident in incidents:
        name = incident["caller"]["dynamicName"]
        email = incident["caller"]["email"]
        caller_id = incident["caller"]["id"]
        scrubbed = scrub_topdesk_incident(incident, KEY)
        text = json.dumps(scrubbed, ensure_ascii=False)
        assert name not in text
        assert email not in text and email.split("@")[0] not in text
        assert caller_id not in text
        assert scrubbed["caller"]["dynamicName"] == pseudonymise(name, KEY)
        assert scrubbed["caller"]["email"] == pseudonymise(email, KEY)
        assert scrubbed["request"] == REDACTED
        # what the pipeline needs is untouched
        for field in (
            "id",
            "number",
            "modificationDate",
            "priority",
            "category",
            "processingStatus",
            "responseDate",
            "completedDate",
            "closedDate",
            "briefDescription",
        ):
            assert scrubbed[field] == incident[field]
        assert scrubbed["caller"]["branch"] == incident["caller"]["branch"]


def test_scrub_does_not_mutate_input() -> None:
    incident = _incidents()[0]
    before = copy.deepcopy(incident)
    scrub_topdesk_incident(incident, KEY)
    assert incident == before


def test_same_caller_same_pseudonym_across_incidents() -> None:
    incidents = _incidents()
    by_email: dict[str, set[str]] = {}
    for incident in incidents:
        scrubbed = scrub_topdesk_incident(incident, KEY)
        by_email.setdefault(incident["caller"]["email"], set()).add(scrubbed["caller"]["email"])
    assert all(len(pseudonyms) == 1 for pseudonyms in by_email.values())
    assert len({next(iter(p)) for p in by_email.values()}) == len(by_email)  # distinct callers stay distinct
    assert any(sum(i["caller"]["email"] == e for i in incidents) > 1 for e in by_email)  # callers recur


def test_email_case_does_not_split_a_person() -> None:
    incident = {
        "caller": {"email": "Jan.DeVries@GM0505.example.nl ", "dynamicName": "Jan de Vries"},
        "request": "",
        "action": "Gebeld met Jan, 06-12345678",
    }
    scrubbed = scrub_topdesk_incident(incident, KEY)
    assert scrubbed["caller"]["email"] == pseudonymise("jan.devries@gm0505.example.nl", KEY)
    assert scrubbed["request"] == ""  # empty free text stays empty
    assert scrubbed["action"] == REDACTED


def test_operator_and_caller_lookup_are_pseudonymised() -> None:
    incident = {"operator": {"id": "op-1", "name": "Karin Smit"}, "callerLookup": {"id": "person-1"}, "caller": None}
    scrubbed = scrub_topdesk_incident(incident, KEY)
    assert scrubbed["operator"] == {"id": pseudonymise("op-1", KEY), "name": pseudonymise("Karin Smit", KEY)}
    assert scrubbed["callerLookup"] == {"id": pseudonymise("person-1", KEY)}
    assert scrubbed["caller"] is None
