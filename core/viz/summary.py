"""A chart in words: a short text alternative of any plotly figure the pages draw, for
screen readers and for anyone who would rather read the numbers than the lines."""
from __future__ import annotations

from typing import Any

import numpy as np

MOST_CELLS = 3    # a heatmap is told by its largest cells
MOST_BARS = 12    # more bars than this are told by the largest ones only


def _number(value: Any, percent: bool) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    if isinstance(value, str):
        return value
    return f"{value:.1%}" if percent else f"{value:,.4g}"


def _percent_axis(figure, axis: str) -> bool:
    layout = getattr(figure.layout, axis, None)
    return bool(layout is not None and layout.tickformat and "%" in layout.tickformat)


def _line(trace, percent_y: bool, percent_x: bool) -> str | None:
    xs, ys = list(trace.x if trace.x is not None else []), list(trace.y if trace.y is not None else [])
    if not ys:
        return None
    if (trace.mode or "lines").startswith("markers") and "lines" not in (trace.mode or ""):
        return f"{trace.name or 'points'}: {len(ys):,} points"
    xs = xs or list(range(len(ys)))
    first = f"{_number(ys[0], percent_y)} at {_number(xs[0], percent_x)}"
    last = f"{_number(ys[-1], percent_y)} at {_number(xs[-1], percent_x)}"
    return f"{trace.name or 'line'}: from {first} to {last}" if len(ys) > 1 else f"{trace.name or 'line'}: {first}"


def _bars(trace, percent: bool) -> str | None:
    values = list(trace.x if trace.orientation == "h" else trace.y)
    names = list(trace.y if trace.orientation == "h" else trace.x) if trace.x is not None else list(range(len(values)))
    pairs = list(zip(names, values))
    if len(pairs) > MOST_BARS:
        pairs = sorted(pairs, key=lambda pair: -(pair[1] or 0))[:MOST_BARS // 2]
    told = ", ".join(f"{name} {_number(value, percent)}" for name, value in pairs)
    return f"{trace.name}: {told}" if trace.name else told


def _heatmap(trace, row_title: str, column_title: str) -> str:
    z = np.asarray(trace.z, dtype=float)
    rows = list(trace.y) if trace.y is not None else list(range(z.shape[0]))
    cols = list(trace.x) if trace.x is not None else list(range(z.shape[1]))
    cells = [(z[i, j], rows[i], cols[j]) for i in range(z.shape[0]) for j in range(z.shape[1])
             if not (z.shape[0] == z.shape[1] and i == j) and np.isfinite(z[i, j])]
    top = sorted(cells, key=lambda cell: -cell[0])[:MOST_CELLS]
    return "largest cells off the diagonal: " + "; ".join(
        f"{row_title or 'row'} {r}, {column_title or 'column'} {c}: {_number(v, False)}" for v, r, c in top)


def figure_in_words(figure, what: str = "") -> list[str]:
    """One line for the chart's title (else `what` it shows) and axes, then one per trace that
    has something to tell."""
    x_title, y_title = figure.layout.xaxis.title.text, figure.layout.yaxis.title.text
    title = figure.layout.title.text or what or y_title or "A chart"
    lines = [title + (f" ({y_title} against {x_title})" if x_title and y_title and title != y_title else "") + "."]
    percent_x, percent_y = _percent_axis(figure, "xaxis"), _percent_axis(figure, "yaxis")
    for trace in figure.data:
        if trace.type == "bar":
            found = _bars(trace, percent_x if trace.orientation == "h" else percent_y)
        elif trace.type == "heatmap":
            found = _heatmap(trace, y_title, x_title)
        elif trace.type in ("scatter", "scattergl") and (trace.name or "lines" in (trace.mode or "lines")):
            found = _line(trace, percent_y, percent_x)
        else:
            found = trace.name
        if found:
            lines.append(found + ".")
    return lines if len(lines) > 1 else [lines[0][:-1] + ": nothing is drawn yet."]
