"""Benchmark harness of the SSC pipeline (issue #9): ``make bench`` / ``python -m bench``.

Six measurements, each a ratio against a stated limit and against what a team
would write instead; see ``bench/HARNESS.md`` for what is measured and how,
and ``bench/RESULTS.md`` for the figures of the last recorded run. The
modules here never touch the project's own database or ``.ssc/``: every run
gets its own temporary SSC home with its own embedded PostgreSQL (or its own
databases on ``SSC_DATABASE_URL``'s server).
"""
