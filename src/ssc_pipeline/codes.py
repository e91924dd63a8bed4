"""SSC-wide codes every source maps onto (DESIGN §4.2): one list each, used everywhere."""

from __future__ import annotations

SERVICE_CODES = ("WERKPLEK", "APPLICATIES", "ACCOUNTS", "NETWERK", "TELEFONIE", "PRINTEN", "FACILITAIR", "OVERIG")
UNMAPPED_SERVICE = "OVERIG"
PRIORITIES = ("P1", "P2", "P3", "P4")
STATUSES = ("open", "in_progress", "on_hold", "resolved", "closed", "cancelled")
# How an organisation shares the SSC's costs (docs/finance.md); ticket_share needs no keys file.
ALLOCATION_KEYS = ("inhabitants", "workplaces", "fixed_pct", "ticket_share")
COST_CATEGORIES = ("personnel", "licences", "infrastructure", "housing")
