"""File drops for organisations without an API (DESIGN §4.3).

An organisation (or the SSC, in the reserved ``SSC/`` folder) drops CSV or XLSX
files into ``<inbox>/<ORG>/`` and writes a ``READY`` marker. The formats are
documented in ``docs/file-drops.md``.

Modules: ``formats`` (the file kinds and their row parsers), ``reading``
(CSV/XLSX to rows of strings), ``catalogue`` (own categories -> SSC service
codes) and ``drops`` (the files waiting, judged and read as records). Landing
and moving them is the inbox step's (``ssc_pipeline.steps.inbox``).
"""
