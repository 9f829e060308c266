"""Plotly figures of training curves, shared by the pages and usable from notebooks.

Every figure takes run histories as core.history.History.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from core.history import History

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True)
class Curve:
    label: str                # legend name, e.g. "current run" or a run id
    history: History
    dashed: bool = False      # earlier runs overlaid on the current one


def smooth(values: list[float], weight: float = 0.6) -> list[float]:
    """Exponential moving average with bias correction, as TensorBoard smooths curves."""
    out, average = [], 0.0
    for i, value in enumerate(values, start=1):
        average = weight * average + (1 - weight) * value
        out.append(average / (1 - weight ** i))
    return out


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, **yaxis: Any) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, hovermode="x unified",
                      margin=dict(l=10, r=10, t=50, b=10), height=360,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    fig.update_yaxes(**yaxis)
    return fig


def loss_figure(curves: list[Curve]) -> go.Figure:
    """Train loss against examples seen (raw and smoothed), test loss per epoch as markers."""
    fig = go.Figure()
    for i, curve in enumerate(curves):
        colour, dash = PALETTE[i % len(PALETTE)], "dash" if curve.dashed else "solid"
        points = curve.history.train_points
        xs, losses = [p[0] for p in points], [p[1] for p in points]
        if not curve.dashed:
            fig.add_scatter(x=xs, y=losses, mode="lines", name=f"{curve.label}: train loss",
                            line=dict(color=colour, width=1), opacity=0.3)
        fig.add_scatter(x=xs, y=smooth(losses), mode="lines", name=f"{curve.label}: train loss (smoothed)",
                        line=dict(color=colour, width=2, dash=dash))
        epochs = curve.history.epochs
        fig.add_scatter(x=[e.examples_seen for e in epochs], y=[e.test_loss for e in epochs],
                        mode="markers", name=f"{curve.label}: test loss",
                        marker=dict(color=colour, size=9, symbol="circle-open" if curve.dashed else "circle",
                                    line=dict(width=2, color=colour)))
    return _layout(fig, "Loss", "training examples seen", "cross-entropy loss", rangemode="tozero")


def accuracy_figure(curves: list[Curve], x: str = "epoch") -> go.Figure:
    """Train and test accuracy per epoch; x is "epoch", "examples_seen" or "train_seconds"."""
    fig = go.Figure()
    for i, curve in enumerate(curves):
        colour, dash = PALETTE[i % len(PALETTE)], "dash" if curve.dashed else "solid"
        epochs = curve.history.epochs
        fig.add_scatter(x=[getattr(e, x) for e in epochs], y=[e.test_accuracy for e in epochs],
                        mode="lines+markers", name=f"{curve.label}: test accuracy",
                        line=dict(color=colour, dash=dash))
        trained = [e for e in epochs if e.train_accuracy is not None]
        fig.add_scatter(x=[getattr(e, x) for e in trained], y=[e.train_accuracy for e in trained],
                        mode="lines+markers", name=f"{curve.label}: train accuracy",
                        line=dict(color=colour, dash="dot"), marker=dict(symbol="diamond"))
    titles = {"epoch": "epoch (0 = before training)", "examples_seen": "training examples seen",
              "train_seconds": "training seconds"}
    last_epoch = max((e.epoch for c in curves for e in c.history.epochs), default=0)
    if x == "epoch" and last_epoch <= 12:  # plotly would tick 0.5, 1.5, ... on short runs
        fig.update_xaxes(dtick=1)
    return _layout(fig, "Accuracy", titles[x], "accuracy", tickformat=".0%", range=[0, 1.02])


def accuracy_bars(names: list[str], accuracies: list[float]) -> go.Figure:
    """Test accuracy per model, as seed 003 compares its three networks."""
    fig = go.Figure(go.Bar(x=accuracies, y=names, orientation="h", text=[f"{a:.2%}" for a in accuracies],
                           marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(names))]))
    low = max(0.0, min(accuracies, default=0.0) - 0.05)
    fig.update_layout(title="Test accuracy", height=120 + 40 * len(names), margin=dict(l=10, r=10, t=50, b=10))
    fig.update_xaxes(range=[low, 1.0], tickformat=".0%")
    return fig


def per_class_bars(names: list[str], per_class: list[list[float]]) -> go.Figure:
    """Accuracy on each digit, one bar per model."""
    fig = go.Figure()
    for i, (name, values) in enumerate(zip(names, per_class)):
        fig.add_bar(x=list(range(10)), y=values, name=name, marker_color=PALETTE[i % len(PALETTE)])
    low = max(0.0, min((v for vs in per_class for v in vs), default=0.0) - 0.05)
    fig.update_layout(barmode="group", title="Accuracy per digit", height=360,
                      margin=dict(l=10, r=10, t=50, b=10), legend=dict(orientation="h", y=1.0, yanchor="bottom"))
    fig.update_xaxes(title="true digit", dtick=1)
    fig.update_yaxes(range=[low, 1.0], tickformat=".0%")
    return fig


def confusion_heatmap(confusion: list[list[int]], title: str) -> go.Figure:
    """Counts of (true, predicted) pairs; the diagonal is hidden so the mistakes stand out."""
    off_diagonal = [[None if r == c else n for c, n in enumerate(row)] for r, row in enumerate(confusion)]
    fig = go.Figure(go.Heatmap(z=off_diagonal, x=list(range(10)), y=list(range(10)), colorscale="Reds",
                               text=confusion, texttemplate="%{text}",
                               hovertemplate="true %{y}, predicted %{x}: %{text} images<extra></extra>"))
    fig.update_layout(title=title, height=460, margin=dict(l=10, r=10, t=50, b=10))
    fig.update_xaxes(title="predicted digit", dtick=1, side="bottom")
    fig.update_yaxes(title="true digit", dtick=1, autorange="reversed")
    return fig


def probability_bars(probabilities: list[float]) -> go.Figure:
    """One model's probability for each digit 0-9."""
    fig = go.Figure(go.Bar(x=list(range(10)), y=probabilities, marker_color=PALETTE[0],
                           hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(height=160, margin=dict(l=10, r=10, t=10, b=10))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    return fig
