"""Pseudonymise people and redact free text in ServiceNow incident rows before landing.

Same rules as TOPdesk (see ``ssc_pipeline.pseudonymisation``): keyed HMAC
pseudonyms for anything that identifies a person, so "tickets per caller"
still works; free text replaced wholesale, because it routinely holds names,
phone numbers and citizens' data and no SLA or cost figure needs it.

ServiceNow specifics:

* People are reference fields (``caller_id``, ``opened_by``, ``assigned_to``,
  ...): ``{"link", "value"}`` (or a bare sys_id with
  ``sysparm_exclude_reference_link``). The ``value`` is pseudonymised and the
  ``link`` removed -- it is a URL to look the person up. A ``display_value``
  (``sysparm_display_value=all``) is pseudonymised as well.
* Dot-walked person fields (``caller_id.name``, ``caller_id.email``...) are
  pseudonymised; e-mail addresses and user names lower-cased first, so one
  person keeps one pseudonym.
* ``sys_created_by`` / ``sys_updated_by`` hold user names (lower-cased, then
  pseudonymised), as do the caller name/e-mail copies some instances add.
* ``short_description`` is kept (the subject line the data team needs to check
  categorisation), like TOPdesk's ``briefDescription``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ssc_pipeline.pseudonymisation import REDACTED, pseudonymise

__all__ = ["scrub_servicenow_incident", "PERSON_REFERENCES", "PERSON_TEXT_FIELDS", "FREE_TEXT_FIELDS"]

PERSON_REFERENCES = ("caller_id", "opened_by", "assigned_to", "resolved_by", "closed_by", "u_caller", "watch_list")
FREE_TEXT_FIELDS = ("description", "comments", "work_notes", "close_notes", "comments_and_work_notes")
# Plain-text person fields: user names, and the caller name/e-mail copies some instances add.
PERSON_TEXT_FIELDS = ("sys_created_by", "sys_updated_by", "u_caller_name", "u_caller_email", "u_caller_user_name")


def _normalise(name: str, value: str) -> str:
    lowered = name.lower()
    if "email" in lowered or "user_name" in lowered or lowered.endswith("_by"):
        return value.strip().lower()
    return value


def _scrub_reference(value: Any, key: bytes) -> Any:
    if isinstance(value, dict):
        scrubbed = {k: v for k, v in value.items() if k != "link"}
        for name in ("value", "display_value"):
            if isinstance(scrubbed.get(name), str):
                scrubbed[name] = pseudonymise(scrubbed[name], key)
        return scrubbed
    if isinstance(value, str):  # a bare sys_id, or a comma-separated list (watch_list)
        return ",".join(pseudonymise(part.strip(), key) or "" for part in value.split(",")) if value else value
    return value


def scrub_servicenow_incident(incident: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """A deep copy of ``incident`` with people pseudonymised and free text redacted.

    The input is never mutated (the caller may still need it, e.g. for its
    checksum). Organisation-level references (``assignment_group``,
    ``company``) are not personal data and are kept.
    """
    scrubbed = copy.deepcopy(dict(incident))
    for name in list(scrubbed):
        head, dot, _ = name.partition(".")
        value = scrubbed[name]
        if name in PERSON_REFERENCES:
            scrubbed[name] = _scrub_reference(value, key)
        elif dot and head in PERSON_REFERENCES and isinstance(value, str):
            scrubbed[name] = pseudonymise(_normalise(name, value), key)
        elif name in PERSON_TEXT_FIELDS and isinstance(value, str):
            scrubbed[name] = pseudonymise(_normalise(name, value), key)
        elif name in FREE_TEXT_FIELDS and value:
            scrubbed[name] = REDACTED
    return scrubbed
