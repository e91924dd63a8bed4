"""The hand-rolled SVG charts: scales, geometry, gaps, and that nothing external is referenced."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

from ssc_pipeline.reports import svg
from ssc_pipeline.reports.formatting import format_pct

D = Decimal


class Shapes(HTMLParser):
    """Collects the elements of an SVG with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def of(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == tag]


def shapes(markup: str) -> Shapes:
    parser = Shapes()
    parser.feed(markup)
    return parser


def test_nice_ticks_are_round_and_cover_the_data() -> None:
    assert svg.nice_ticks(D(0), D(100)) == [D(0), D(20), D(40), D(60), D(80), D(100)]
    assert svg.nice_ticks(D(0), D(15)) == [D(0), D(5), D(10), D(15)]
    assert svg.nice_ticks(D(80), D(100)) == [D(80), D(85), D(90), D(95), D(100)]
    assert svg.nice_ticks(D(0), D("43125.50")) == [D(0), D(10000), D(20000), D(30000), D(40000), D(50000)]
    assert svg.nice_ticks(D(-1500), D(0)) == [D(-1500), D(-1000), D(-500), D(0)]
    assert svg.nice_ticks(D(5), D(5)) == [D(5), D("5.2"), D("5.4"), D("5.6"), D("5.8"), D(6)]
    assert svg.nice_step(D(12)) == D("2.5")


def test_value_range_includes_zero_for_bars_and_stacks_segments() -> None:
    bars = [svg.Series("a", [3, 4], kind="bar"), svg.Series("b", [12, 1], kind="bar")]
    assert svg.value_range(bars, stacked=False, fixed=None) == (D(0), D(12))
    assert svg.value_range(bars, stacked=True, fixed=None) == (D(0), D(15))
    saving = [svg.Series("s", [D("-1500"), D("2000")])]
    assert svg.value_range(saving, stacked=False, fixed=None) == (D(-1500), D(2000))


def test_lines_off_zero_keep_a_fifth_of_the_scale() -> None:
    attainment = [svg.Series("P2", [D("88.00"), D("90.67")])]
    low, high = svg.value_range(attainment, False, (D(0), D(100)), zero_based=False)
    assert (low, high) == (D(80), D(100))
    low, high = svg.value_range([svg.Series("P1", [D("60.00")])], False, (D(0), D(100)), zero_based=False)
    assert (low, high) == (D(60), D(100))


def test_line_points_sit_on_the_scale_and_gaps_break_the_line() -> None:
    frame = svg.Frame(width=400, height=200, left=50, right=10, top=10, bottom=30)  # plot 340 x 160
    markup = svg.line_chart(
        ["2026-08", "2026-09", "2026-10", "2026-11"],
        [svg.Series("P2", [D("50"), None, D("100"), D("75")])],
        title="t",
        fixed_range=(D(0), D(100)),
        frame=frame,
        y_format=format_pct,
    )
    circles = shapes(markup).of("circle")
    assert [(c["data-x"], c["data-value"]) for c in circles] == [
        ("2026-08", "50"),
        ("2026-10", "100"),
        ("2026-11", "75"),
    ]
    # band = 340 / 4 = 85: centres at 92.5, 262.5, 347.5; y = 10 + 160 * (1 - v / 100)
    assert [(c["cx"], c["cy"]) for c in circles] == [("92.5", "90"), ("262.5", "10"), ("347.5", "50")]
    path = shapes(markup).of("path")[0]["d"]
    assert path == "M92.5 90 M262.5 10 L347.5 50"  # no segment across the missing month


def test_dashed_target_line_has_no_markers() -> None:
    markup = svg.line_chart(["a", "b"], [svg.Series("norm", [D(90), D(90)], dashed=True)], title="t")
    found = shapes(markup)
    assert found.of("circle") == []
    assert found.of("path")[0]["stroke-dasharray"] == "6 4"


def test_stacked_bars_start_where_the_previous_segment_ends() -> None:
    frame = svg.Frame(width=300, height=180, left=40, right=20, top=10, bottom=20)  # plot 240 x 150
    markup = svg.bar_chart(
        ["WERKPLEK", "APPLICATIES"],
        [svg.Series("late", [12, 5]), svg.Series("open", [3, 0])],
        stacked=True,
        title="breaches",
        frame=frame,
    )
    rects = [r for r in shapes(markup).of("rect") if "data-value" in r]
    assert [(r["data-series"], r["data-x"], r["data-value"]) for r in rects] == [
        ("late", "WERKPLEK", "12"),
        ("open", "WERKPLEK", "3"),
        ("late", "APPLICATIES", "5"),
        ("open", "APPLICATIES", "0"),
    ]
    # axis 0..15: 10 units per... 150 px / 15 = 10 px per breach
    late, open_ = rects[0], rects[1]
    assert (late["y"], late["height"]) == ("40", "120")
    assert (open_["y"], open_["height"]) == ("10", "30")
    assert late["x"] == open_["x"]


def test_grouped_bars_sit_side_by_side_and_negative_bars_hang_below_zero() -> None:
    frame = svg.Frame(width=300, height=180, left=40, right=20, top=10, bottom=20)
    markup = svg.chart(
        ["2026-10"],
        [svg.Series("cost", [D(2000)], kind="bar"), svg.Series("saving", [D(-1000)], kind="bar")],
        title="t",
        frame=frame,
    )
    cost, saving = [r for r in shapes(markup).of("rect") if "data-value" in r]
    assert float(saving["x"]) > float(cost["x"])  # type: ignore[arg-type]
    # axis -1000..2000 over 150 px: zero at y = 10 + 150 * 2/3 = 110
    assert (cost["y"], cost["height"]) == ("10", "100")
    assert (saving["y"], saving["height"]) == ("110", "50")


def test_chart_without_data_says_so() -> None:
    markup = svg.line_chart(["2026-10"], [svg.Series("P1", [None])], title="t")
    assert "geen gegevens / no data" in markup
    assert shapes(markup).of("circle") == []


def test_markup_is_inline_escaped_and_self_contained() -> None:
    markup = svg.chart(["<b>"], [svg.Series('Kosten & "baten"', [D(1)], kind="bar")], title="a < b")
    assert markup.startswith("<svg ") and markup.endswith("</svg>")
    assert "<b>" not in markup and "&lt;b&gt;" in markup and "&amp;" in markup
    assert not re.search(r"https?://|href|xlink", markup)
    assert "<title>a &lt; b</title>" in markup


def test_x_labels_are_thinned_from_the_report_month_back() -> None:
    labels = [f"2026-{m:02d}" for m in range(1, 13)]
    markup = svg.line_chart(
        labels, [svg.Series("x", [D(1)] * 12)], title="t", frame=svg.Frame(width=320, height=200, left=40)
    )
    shown = re.findall(r'class="xlabel">([^<]+)<', markup)
    assert shown[-1] == "2026-12"
    assert 1 < len(shown) < 12
