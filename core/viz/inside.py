"""Plotly figures of the Inside page: the network's shape, a 2-D map of the test set,
accuracy as digits are bent, and one layer's values for a digit."""
from __future__ import annotations

import plotly.graph_objects as go

from core.models.inspect import Block, Embedding
from core.models.robustness import RobustnessCurve
from core.viz.curves import PALETTE

POSITIVE, NEGATIVE = "#b2182b", "#2166ac"  # core.viz.pictures.diverging's ends
DIGIT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf")  # one per true digit 0-9


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


def network_figure(blocks: list[Block]) -> go.Figure:
    """The network top to bottom, a box per block; a box's width grows with how many
    values its output holds (on a log scale), so the image visibly becomes ten scores."""
    sizes = [max(1, _count(b.shape)) for b in blocks]
    widest = max(sizes)
    fig = go.Figure()
    for row, (block, size) in enumerate(zip(blocks, sizes)):
        half = 0.2 + 0.8 * (len(str(size)) / len(str(widest))) / 2
        fig.add_shape(type="rect", x0=0.5 - half, x1=0.5 + half, y0=row - 0.38, y1=row + 0.38,
                      fillcolor=PALETTE[row % len(PALETTE)], opacity=0.18, line=dict(width=1))
        params = f" · {block.parameters:,} parameters" if block.parameters else ""
        fig.add_annotation(x=0.5, y=row, text=f"<b>{block.title}</b><br>{_shape_text(block.shape)} values{params}",
                           showarrow=False, font=dict(size=13))
    fig.update_layout(height=70 * len(blocks) + 20, margin=dict(l=0, r=0, t=10, b=10), dragmode=False,
                      xaxis=dict(visible=False, range=[0, 1], fixedrange=True),
                      yaxis=dict(visible=False, range=[len(blocks) - 0.5, -0.5], fixedrange=True))
    return fig


def _count(shape: tuple[int, ...]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def embedding_figure(found: Embedding, chosen: int | None = None,
                     drawing: tuple[float, float] | None = None) -> go.Figure:
    """The map, one colour per true digit; each point carries its test index, so a chart
    shown with on_select reports which digit was clicked. `drawing` is placed as a star."""
    fig = go.Figure()
    coords, labels = found.coords.tolist(), found.labels.tolist()
    indices, predictions = found.indices.tolist(), found.predictions.tolist()
    for digit in range(len(DIGIT_COLOURS)):
        points = [i for i, label in enumerate(labels) if label == digit]
        fig.add_scattergl(x=[coords[i][0] for i in points], y=[coords[i][1] for i in points], mode="markers",
                          name=str(digit), marker=dict(size=6, color=DIGIT_COLOURS[digit], opacity=0.75),
                          customdata=[[indices[i], predictions[i]] for i in points],
                          hovertemplate="test digit %{customdata[0]}: a " + str(digit)
                          + ", read as %{customdata[1]}<extra></extra>")
    if chosen is not None and chosen in indices:
        at = indices.index(chosen)
        fig.add_scatter(x=[coords[at][0]], y=[coords[at][1]], mode="markers", name="chosen", hoverinfo="skip",
                        marker=dict(size=18, symbol="circle-open", color="#000000", line=dict(width=3)))
    if drawing is not None:
        fig.add_scatter(x=[drawing[0]], y=[drawing[1]], mode="markers", name="your drawing", hoverinfo="skip",
                        marker=dict(size=22, symbol="star", color="#ffd700", line=dict(width=2, color="#000000")))
    first, second = found.explained
    fig.update_layout(height=480, margin=dict(l=10, r=10, t=30, b=10), hovermode="closest", dragmode="pan",
                      clickmode="event+select", legend=dict(title="true digit", itemsizing="constant"),
                      xaxis=dict(title=f"first direction ({first:.0%} of the spread)", zeroline=False),
                      yaxis=dict(title=f"second direction ({second:.0%})", zeroline=False))
    return fig


def robustness_figure(curves: dict[str, RobustnessCurve], title: str, x_title: str, x_format: str,
                      now: float | None = None) -> go.Figure:
    """Accuracy against one change (angle or scale), one line per model; a dotted line
    marks `now`, where the lab's slider stands."""
    fig = go.Figure()
    if now is not None:
        fig.add_vline(x=now, line=dict(dash="dot", width=1, color="#888888"))
    for i, (name, curve) in enumerate(curves.items()):
        fig.add_scatter(x=list(curve.values), y=list(curve.accuracies), mode="lines+markers", name=name,
                        line=dict(color=PALETTE[i % len(PALETTE)]),
                        hovertemplate=f"{name}: %{{y:.1%}} at %{{x:{x_format}}}<extra></extra>")
    fig.update_layout(title=dict(text=title, y=0.98, yanchor="top"), height=340, margin=dict(l=10, r=10, t=70, b=10),
                      hovermode="x unified", legend=dict(orientation="h", y=1.0, yanchor="bottom"))
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title="accuracy on 1,000 test digits", range=[0, 1.02], tickformat=".0%")
    return fig


def unit_bars(values: list[float], title: str, labels: list[str] | None = None) -> go.Figure:
    """One bar per unit (or per digit for the outputs) of one layer for one digit."""
    x = labels or list(range(len(values)))
    colours = [NEGATIVE if v < 0 else POSITIVE for v in values]  # the colours of the feature maps
    fig = go.Figure(go.Bar(x=x, y=values, marker_color=colours, hovertemplate="%{x}: %{y:.3g}<extra></extra>"))
    fig.update_layout(title=dict(text=title, y=0.95, yanchor="top"), height=220, margin=dict(l=10, r=10, t=40, b=10),
                      bargap=0.1)
    fig.update_xaxes(type="category", showticklabels=len(x) <= 32)
    return fig
