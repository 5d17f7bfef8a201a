"""Charts of the registry as server-side SVG (pygal): readable without JavaScript or any service.

Each chart comes with its numbers as a table, for screen readers and for copying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pygal
from markupsafe import Markup
from pygal.style import Style

from registry.display import money

# Colours told apart by people with the common colour-vision deficiencies (Okabe and Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#555555")
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#666666",
    font_family="Helvetica, Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    tooltip_font_size=13,
    colors=PALETTE,
)
# Technologies beyond these many are one "other technologies" series.
MAX_SERIES = 6
# pygal's own scripts: its tooltips come from its site, which the registry never loads.
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


@dataclass
class Chart:
    """An SVG chart and the table of the numbers it draws."""

    title: str
    svg: Markup
    headings: list[str]
    rows: list[list[str]] = field(default_factory=list)


def _svg(chart: pygal.graph.graph.Graph, title: str) -> Markup:
    text = _SCRIPT.sub("", chart.render(is_unicode=True))
    # One accessible name for the picture; the table beside it has the numbers.
    text = text.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(title)}" ', 1)
    return Markup(text)


def _config(**options) -> dict:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "style": STYLE,
        "width": 720,
        "height": 380,
        "legend_at_bottom": True,
        "show_minor_x_labels": True,
        "truncate_legend": 40,
        **options,
    }


def _whole_numbers(largest: int) -> list[int]:
    """Axis ticks for a count: whole numbers only, at most about eight of them."""
    step = max(1, -(-largest // 8))
    return list(range(0, largest + step, step))


def per_year_by_technology(rows: list[tuple[int, str, int]]) -> Chart | None:
    """Deployments per year (of their earliest dated evidence), stacked by technology."""
    if not rows:
        return None
    years = list(range(min(r[0] for r in rows), max(r[0] for r in rows) + 1))
    totals: dict[str, int] = {}
    for _, label, count in rows:
        totals[label] = totals.get(label, 0) + count
    ranked = sorted(totals, key=lambda label: (-totals[label], label))
    shown = ranked[:MAX_SERIES]
    other = "other technologies" if len(ranked) > MAX_SERIES else None
    counts: dict[str, dict[int, int]] = {
        label: {} for label in [*shown, *([other] if other else [])]
    }
    for year, label, count in rows:
        series = label if label in shown else other
        if series is not None:
            counts[series][year] = counts[series].get(year, 0) + count
    title = "Deployments per year by technology"
    chart = pygal.StackedBar(**_config(x_label_rotation=-45 if len(years) > 12 else 0))
    chart.x_labels = [str(y) for y in years]
    chart.y_labels = _whole_numbers(
        max(sum(by_year.get(y, 0) for by_year in counts.values()) for y in years)
    )
    for series, by_year in counts.items():
        chart.add(series, [by_year.get(y) or None for y in years])
    table = Chart(title, _svg(chart, title), ["Year", *counts.keys()])
    table.rows = [
        [str(y), *(str(counts[s].get(y, 0)) for s in counts)]
        for y in years
        if any(counts[s].get(y) for s in counts)
    ]
    return table


def top_vendors(rows: list[tuple[str, str, int]], page: str) -> Chart | None:
    """The vendors named in most deployments, each bar linked to the vendor's page."""
    if not rows:
        return None
    title = "Top vendors by number of deployments"
    chart = pygal.HorizontalBar(
        **_config(show_legend=False, print_values=True, height=60 + 34 * len(rows))
    )
    chart.x_labels = [name for _, name, _ in reversed(rows)]
    chart.y_labels = _whole_numbers(max(count for _, _, count in rows))
    chart.add(
        "deployments",
        [
            {"value": count, "xlink": {"href": f"{page}{vendor}"}}
            for vendor, _, count in reversed(rows)
        ],
    )
    table = Chart(title, _svg(chart, title), ["Vendor", "Deployments"])
    table.rows = [[name, str(count)] for _, name, count in rows]
    return table


def spending_per_year(rows: list[tuple[int, float, int]]) -> Chart | None:
    """The stated value of deployments per year, in euros, and how many stated one."""
    if not rows:
        return None
    years = list(range(min(r[0] for r in rows), max(r[0] for r in rows) + 1))
    by_year = {year: (total, count) for year, total, count in rows}
    title = "Spending per year (stated values, EUR)"
    chart = pygal.Bar(
        **_config(
            show_legend=False,
            x_label_rotation=-45 if len(years) > 12 else 0,
            value_formatter=lambda v: money(v, "EUR") or "",
        )
    )
    chart.x_labels = [str(y) for y in years]
    chart.add("EUR", [by_year[y][0] if y in by_year else None for y in years])
    table = Chart(title, _svg(chart, title), ["Year", "EUR", "Deployments with a value"])
    table.rows = [
        [str(y), money(by_year[y][0], "EUR") or "", str(by_year[y][1])]
        for y in years
        if y in by_year
    ]
    return table
