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
What counts as personal in a source's records is the source's own business:
``sources/<system>/scrub.py`` applies these rules to each system's fields.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

__all__ = [
    "KEY_ENV_VAR",
    "MIN_KEY_LENGTH",
    "REDACTED",
    "PseudonymisationKeyError",
    "pseudonymise",
    "load_key",
]

KEY_ENV_VAR = "SSC_PSEUDONYMISATION_KEY"
MIN_KEY_LENGTH = 16
REDACTED = "[redacted]"
_PREFIX = "psn_"


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
