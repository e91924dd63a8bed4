"""Connectors to the organisations' source systems: one sub-package per system, shared plumbing in ``http``."""
