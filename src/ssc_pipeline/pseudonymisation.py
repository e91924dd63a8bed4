"""Pseudonymise personal data before it lands in the warehouse (AVG/GDPR data minimisation).

Why keyed HMAC and not a plain hash: names and e-mail addresses of a
municipality's staff are guessable, so an unkeyed SHA-256 could be reversed
by hashing a staff list. With a secret key (``SSC_PSEUDONYMISATION_KEY``,
kept outside the repository like any other secret) the mapping is stable --
the same caller always gets the same pseudonym, so "tickets per caller" still
works -- but cannot be recomputed by someone who only has the warehouse.

Free-text fields (the request text, actions) routinely contain names, phone
numbers and citizen data; they are not needed for SLA or cost reporting, so
they are replaced by ``[redacted]`` rather than pseudonymised. Person ids are
pseudonymised too: anyone with TOPdesk access could look a raw id up.
``briefDescription`` (the subject line, max 80 characters) is kept: it is what
the data team needs to check categorisation.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

__all__ = [
    "KEY_ENV_VAR",
    "MIN_KEY_LENGTH",
    "REDACTED",
    "PseudonymisationKeyError",
    "pseudonymise",
    "load_key",
    "scrub_topdesk_incident",
]

KEY_ENV_VAR = "SSC_PSEUDONYMISATION_KEY"
MIN_KEY_LENGTH = 16
REDACTED = "[redacted]"
_PREFIX = "psn_"

# Identifying fields inside TOPdesk person references (caller, operator...).
_PERSON_FIELDS = ("id", "dynamicName", "name", "email", "phoneNumber", "mobileNumber",
                  "employeeNumber", "networkLoginName", "firstName", "surName")
# Person references on a TOPdesk incident (``callerLookup`` is the registered person behind ``caller``).
_PERSON_REFS = ("caller", "callerLookup", "operator")
# Free-text fields that are replaced wholesale.
_FREE_TEXT_FIELDS = ("request", "action")
# Fields whose value is case-insensitive by nature; normalised so one person maps to one pseudonym.
_CASE_INSENSITIVE = ("email", "networkLoginName")


class PseudonymisationKeyError(RuntimeError):
    """The pseudonymisation key is missing or too weak; loading must not continue without it."""


def pseudonymise(value: str | None, key: bytes) -> str | None:
    """``"psn_"`` + the first 32 hex characters of HMAC-SHA256(key, value); None and "" pass through."""
    if value is None or value == "":
        return value
    if not key:
        raise PseudonymisationKeyError("empty pseudonymisation key")
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return _PREFIX + digest[:32]


def load_key(env: Mapping[str, str] = os.environ) -> bytes:
    """Read the key from ``SSC_PSEUDONYMISATION_KEY``; refuse a missing or short one (never echo it)."""
    value = env.get(KEY_ENV_VAR)
    if value is None or not value.strip():
        raise PseudonymisationKeyError(
            f"{KEY_ENV_VAR} is not set: personal data cannot be pseudonymised without it. "
            f"Set it to a secret of at least {MIN_KEY_LENGTH} characters (the same value on "
            "every run, or pseudonyms will change)."
        )
    if len(value) < MIN_KEY_LENGTH:
        raise PseudonymisationKeyError(
            f"{KEY_ENV_VAR} is too short ({len(value)} characters); use at least {MIN_KEY_LENGTH}."
        )
    return value.encode("utf-8")


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
