"""Small HTML builders shared by the report sections, and the report's style sheet.

Two attributes make a report checkable by a machine: ``data-figure`` names a
figure (``attainment:P2:2026-10``) and ``data-value`` holds its raw value as
published (``95.20``), next to the Dutch-formatted text a director reads.
Any other text with digits in it (months, codes, timestamps, checksums) is
marked ``data-meta``, so a test can prove that no number on the page comes
from anywhere but the published rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

from ssc_pipeline.reports.formatting import Number

FigureFormat = Callable[[Number | None], str]


def bi(nl: str, en: str) -> str:
    """Dutch and English side by side, both marked with their language (screen readers, hyphenation)."""
    return f'<span lang="nl">{escape(nl)}</span> / <span lang="en">{escape(en)}</span>'


def bi_text(nl: str, en: str) -> str:
    """The plain-text form of ``bi`` for SVG titles and legends."""
    return f"{nl} / {en}"


def raw(value: object) -> str:
    """The ``data-value`` of a figure: the value exactly as PostgreSQL returned it; empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fig(key: str, value: Number | None, formatter: FigureFormat, tag: str = "td", cls: str = "num") -> str:
    """One printed figure: ``<td data-figure=... data-value=...>1.234,56</td>``."""
    return (
        f'<{tag} class="{cls}" data-figure="{escape(key)}" data-value="{escape(raw(value))}">'
        f"{escape(formatter(value))}</{tag}>"
    )


def meta(text: str, tag: str = "span", cls: str = "") -> str:
    """Text that carries digits but is not a figure (a month, a code, a checksum)."""
    klass = f' class="{cls}"' if cls else ""
    return f"<{tag}{klass} data-meta>{escape(text)}</{tag}>"


def table(head: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "figures") -> str:
    """A table from ready-made cells: ``head`` are HTML snippets, ``rows`` full ``<td>``/``<th>`` cells."""
    header = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    return f'<table class="{cls}"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


def empty(nl: str = "Geen gepubliceerde cijfers", en: str = "No published figures") -> str:
    """The notice printed instead of a chart when a published table is absent or empty."""
    return f'<p class="empty" data-empty>{bi(nl, en)}</p>'


def decimal_places(value: Number | None, default: int = 2) -> int:
    """As many decimals as the published value carries (an allocation share of 0.2345 keeps four)."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return default if value is None else 0


STYLE = """
@page { size: A4; margin: 14mm 12mm 16mm; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: #111; font-size: 10pt; line-height: 1.35;
       max-width: 186mm; margin: 8mm auto; }
h1 { font-size: 17pt; margin: 0 0 2pt; }
h2 { font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1.5pt solid #0072B2; padding-bottom: 2pt;
     break-after: avoid; }
h3 { font-size: 10.5pt; margin: 8pt 0 3pt; break-after: avoid; }
header .meta { color: #333; font-size: 9.5pt; }
.certified { display: inline-block; border: 1pt solid #009E73; color: #00684c; padding: 1pt 5pt;
             font-size: 8.5pt; margin-top: 3pt; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 5pt; margin: 8pt 0; }
.tile { border: 0.75pt solid #bbb; border-radius: 3pt; padding: 5pt 6pt; break-inside: avoid; }
.tile .label { font-size: 8pt; color: #333; min-height: 2.2em; }
.tile .value { font-size: 15pt; font-weight: bold; white-space: nowrap; }
.tile .sub { font-size: 8pt; color: #444; }
.tile.bad .value { color: #b0300a; }
figure { margin: 4pt 0; break-inside: avoid; }
figure.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 6pt; }
figcaption { font-size: 8.5pt; color: #444; }
svg.chart { display: block; max-height: 80mm; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 4pt 0 6pt; break-inside: auto; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border-bottom: 0.5pt solid #ccc; padding: 1.5pt 4pt; text-align: left; vertical-align: top; }
th { background: #f1f4f8; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tbody tr.total td, tbody tr.total th { font-weight: bold; border-top: 1pt solid #888; }
.override { border: 1pt solid #D55E00; background: #fff3ec; padding: 4pt 6pt; margin: 6pt 0 0; }
.empty { border: 1pt dashed #999; padding: 6pt 8pt; color: #444; }
.lineage td { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 7.5pt;
              word-break: break-all; }
footer { margin-top: 12pt; font-size: 8pt; color: #555; border-top: 0.5pt solid #ccc; padding-top: 4pt; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  section { break-before: auto; }
  section.page { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
"""
