"""Pseudonymise people and redact free text in TOPdesk incidents before landing.

The rules are ``ssc_pipeline.pseudonymisation``'s: keyed HMAC pseudonyms for
whatever identifies a person (person ids too: anyone with TOPdesk access could
look a raw id up), free text (the request, actions) replaced wholesale.
``briefDescription`` (the subject line, max 80 characters) is kept: it is what
the data team needs to check categorisation.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ssc_pipeline.pseudonymisation import REDACTED, pseudonymise

__all__ = ["scrub_topdesk_incident"]

# Identifying fields inside TOPdesk person references (caller, operator...).
_PERSON_FIELDS = (
    "id",
    "dynamicName",
    "name",
    "email",
    "phoneNumber",
    "mobileNumber",
    "employeeNumber",
    "networkLoginName",
    "firstName",
    "surName",
)
# Person references on a TOPdesk incident (``callerLookup`` is the registered person behind ``caller``).
_PERSON_REFS = ("caller", "callerLookup", "operator")
# Free-text fields that are replaced wholesale.
_FREE_TEXT_FIELDS = ("request", "action")
# Fields whose value is case-insensitive by nature; normalised so one person maps to one pseudonym.
_CASE_INSENSITIVE = ("email", "networkLoginName")


def _scrub_person(person: dict[str, Any], key: bytes) -> None:
    for name in _PERSON_FIELDS:
        value = person.get(name)
        if isinstance(value, str):
            normalised = value.strip().lower() if name in _CASE_INSENSITIVE else value
            person[name] = pseudonymise(normalised, key)


def scrub_topdesk_incident(incident: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """A deep copy of ``incident`` with people pseudonymised and free text redacted.

    The input is never mutated (the caller may still need it, e.g. for its
    checksum). The caller's branch (the organisation) is not personal data
    and is kept.
    """
    scrubbed = copy.deepcopy(dict(incident))
    for ref in _PERSON_REFS:
        person = scrubbed.get(ref)
        if isinstance(person, dict):
            _scrub_person(person, key)
    for name in _FREE_TEXT_FIELDS:
        if scrubbed.get(name):
            scrubbed[name] = REDACTED
    return scrubbed
