"""Plotly figures of training curves, shared by the pages and usable from notebooks.

Every figure takes run histories as core.training.history.History.
"""
from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from core.jobs.snapshot import JobSnapshot
from core.training.history import History

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def plotly_text(text: str) -> str:
    """Text as a Plotly label shows it as typed: labels read a subset of HTML, so <, > and &
    are escaped (quotes are not: Plotly would show &quot;)."""
    return html.escape(str(text), quote=False)


@dataclass(frozen=True)
class Curve:
    label: str                # legend name as typed, e.g. "current run", a run id or a nickname
    history: History
    dashed: bool = False      # earlier runs overlaid on the current one

    @property
    def legend(self) -> str:
        return plotly_text(self.label)


def run_curve(snap: JobSnapshot, label: str = "this run") -> Curve:
    """A job's curve: a run that ended between two epochs (stopped, at a limit) gets its final
    test-set accuracy as its last point, so the chart ends where the figure beside it does."""
    history = snap.history
    ended_between = all(epoch.examples_seen != snap.examples_seen for epoch in history.epochs)
    if snap.done and snap.test_accuracy is not None and snap.examples_seen and ended_between:
        history = dataclasses.replace(history, checks=(*history.checks, (snap.examples_seen, snap.train_seconds,
                                                                         snap.test_accuracy)))
    return Curve(label, history)


def run_x_end(snap: JobSnapshot) -> int | None:
    """Where a job's charts end: the whole run while it trains, where it ended once done."""
    return (snap.examples_seen if snap.done else snap.total_examples) or None


def smooth(values: list[float], weight: float = 0.6) -> list[float]:
    """Exponential moving average with bias correction, as TensorBoard smooths curves."""
    out, average = [], 0.0
    for i, value in enumerate(values, start=1):
        average = weight * average + (1 - weight) * value
        out.append(average / (1 - weight ** i))
    return out


# Accuracy is drawn on a log scale of the error rate, labelled as accuracy: going from 90%
# to 99% takes as much room as from 10% to 90%, so 92.7% and 97.9% look as different as
# they are, and the untrained model's 10% still fits.
ACCURACY_TICKS = (0.1, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999)
BEST_SHOWN = 0.999  # 100% would be infinitely far up that axis


def _layout(title: str, x_title: str, y_title: str, xaxis: dict | None = None, **yaxis: Any) -> dict:
    # A layout given whole to go.Figure: plotly validates it once. Built up with
    # update_layout it cost 18 ms against 2.5 ms, and the live view builds two a second.
    return dict(title=dict(text=title, y=0.98, yanchor="top"), hovermode="x unified", height=360,
                xaxis=dict(title=dict(text=x_title), **(xaxis or {})), yaxis=dict(title=dict(text=y_title), **yaxis),
                margin=dict(l=10, r=10, t=70, b=10),
                # "normal": a group's entries side by side, not stacked as plotly groups them
                legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, traceorder="normal"))


def _examples_axis(x_end: float | None) -> dict:
    """An examples axis fixed to [0, x_end], with room for the markers at 0 and at the end."""
    return dict(range=[-0.02 * x_end, 1.02 * x_end]) if x_end else {}


def _name(curve: Curve, what: str, solo: bool) -> str:
    """Legend text: "train loss" for a page's one run, the run's label where several are drawn."""
    return what if solo else curve.legend if what.startswith("test") else f"{curve.legend} ({what})"


def loss_clip(curves: list[Curve]) -> tuple[float, float] | None:
    """(top of the axis, highest loss) when some loss is far above the untrained model's, as
    when a run diverges: drawn in full, the curve that matters would be a flat line at 0."""
    values = [loss for c in curves for _, loss in c.history.train_points]
    values += [e.test_loss for c in curves for e in c.history.epochs]
    untrained = [c.history.epochs[0].test_loss for c in curves if c.history.epochs]
    reference = max(untrained or values[:1] or [0.0])
    if not values or reference <= 0 or max(values) <= 3 * reference:
        return None
    return 1.5 * reference, max(values)


def loss_figure(curves: list[Curve], x_end: float | None = None) -> go.Figure:
    """Train loss against examples seen (raw and smoothed), test loss per epoch as markers;
    dashed curves are earlier runs, one legend entry each. `x_end` fixes the axis's end (a
    live run's total examples), so it does not rescale while the run trains."""
    traces, solo = [], sum(not c.dashed for c in curves) == 1
    for i, curve in enumerate(curves):
        colour, dash = PALETTE[i % len(PALETTE)], "dash" if curve.dashed else "solid"
        points = curve.history.train_points
        xs, losses = [p[0] for p in points], [p[1] for p in points]
        group = dict(type="scatter", legendgroup=curve.label)
        if not curve.dashed:
            traces.append(dict(x=xs, y=losses, mode="lines", name=_name(curve, "train loss", solo),
                               line=dict(color=colour, width=1), opacity=0.5, **group))
        traces.append(dict(x=xs, y=smooth(losses), mode="lines", line=dict(color=colour, width=2, dash=dash),
                           name=curve.legend if curve.dashed else _name(curve, "smoothed", solo), **group))
        epochs = curve.history.epochs
        traces.append(dict(x=[e.examples_seen for e in epochs], y=[e.test_loss for e in epochs], mode="markers",
                           name=_name(curve, "test loss", solo) if not curve.dashed else curve.legend,
                           showlegend=not curve.dashed,
                           marker=dict(color=colour, size=9, symbol="circle-open" if curve.dashed else "circle",
                                       line=dict(width=2, color=colour)), **group))
    yaxis: dict[str, Any] = dict(rangemode="tozero")
    layout = _layout("Loss", "training examples seen", "cross-entropy loss", xaxis=_examples_axis(x_end), **yaxis)
    clip = loss_clip(curves)
    if clip is not None:
        top, highest = clip
        layout["yaxis"]["range"] = [0, top]
        layout["annotations"] = [dict(text=f"off the chart: up to {highest:.3g}", xref="paper",
                                      yref="paper", x=1, y=1, xanchor="right", yanchor="top", showarrow=False,
                                      font=dict(color="#d62728"))]
    return go.Figure(data=traces, layout=layout)


def _accuracy_trace(xs: list, accuracies: list[float], **trace: Any) -> dict:
    return dict(type="scatter", x=xs, y=[max(1 - a, 1 - BEST_SHOWN) for a in accuracies], customdata=accuracies,
                hovertemplate="%{customdata:.2%}", **trace)


def accuracy_axis() -> dict:
    """The y axis of accuracy_figure: error rate on a log scale, read as accuracy (higher is up)."""
    return dict(type="log", autorange="reversed", tickvals=[round(1 - a, 3) for a in ACCURACY_TICKS],
                ticktext=[f"{a:.1%}".replace(".0%", "%") for a in ACCURACY_TICKS])


def accuracy_figure(curves: list[Curve], x: str = "examples_seen", train: bool = True,
                    title: str = "Accuracy", x_end: float | None = None, named: bool = False) -> go.Figure:
    """Test accuracy (and, with `train`, train accuracy per epoch) against x: "examples_seen"
    (with the probes inside epochs: core.training.engine.PROBE_IMAGES test images, the whole test set
    at each epoch's end, marked), "epoch" or "train_seconds". `named`: every curve's legend is
    its label, even a page's one run's (the projector's legend is its ranking)."""
    traces, solo = [], not named and sum(not c.dashed for c in curves) == 1
    for i, curve in enumerate(curves):
        colour, dash = PALETTE[i % len(PALETTE)], "dash" if curve.dashed else "solid"
        epochs = curve.history.epochs
        if x == "examples_seen":
            ends = {e.examples_seen for e in epochs}
            points = curve.history.test_accuracy_points()
            xs, accuracies = [p[0] for p in points], [p[1] for p in points]
            sizes = [9 if seen in ends else 4 for seen in xs]
        else:
            xs, accuracies, sizes = [getattr(e, x) for e in epochs], [e.test_accuracy for e in epochs], 7
        traces.append(_accuracy_trace(xs, accuracies, mode="lines+markers", line=dict(color=colour, dash=dash),
                                      marker=dict(size=sizes), legendgroup=curve.label,
                                      name=curve.legend if curve.dashed else _name(curve, "test accuracy", solo)))
        trained = [e for e in epochs if e.train_accuracy is not None]
        if train and not curve.dashed:
            traces.append(_accuracy_trace([getattr(e, x) for e in trained], [e.train_accuracy for e in trained],
                                          mode="lines+markers", name=_name(curve, "train accuracy", solo),
                                          legendgroup=curve.label, line=dict(color=colour, dash="dot"),
                                          marker=dict(symbol="diamond", size=8)))
    titles = {"epoch": "epoch (0 = before training)", "examples_seen": "training examples seen",
              "train_seconds": "training seconds"}
    xaxis: dict[str, Any] = {}
    last_epoch = max((e.epoch for c in curves for e in c.history.epochs), default=0)
    if x == "epoch" and last_epoch <= 12:  # plotly would tick 0.5, 1.5, ... on short runs
        xaxis["dtick"] = 1
    xaxis.update(_examples_axis(x_end))
    layout = _layout(title, titles[x], "test accuracy (zoomed in near 100%)", xaxis=xaxis, **accuracy_axis())
    return go.Figure(data=traces, layout=layout)


def accuracy_bars(names: list[str], accuracies: list[float], bent: list[float] | None = None) -> go.Figure:
    """Test accuracy per model, as seed 003 compares its three networks; bars from 0. With
    `bent`, each model's accuracy on the bent test digits sits beside it."""
    series = [("MNIST test digits", accuracies)] + ([("bent test digits", bent)] if bent is not None else [])
    names = [plotly_text(n) for n in names]
    fig = go.Figure([go.Bar(x=values, y=names, orientation="h", name=name, text=[f"{a:.2%}" for a in values],
                            textposition="inside", insidetextanchor="end",
                            marker_color=PALETTE[i] if bent is not None
                            else [PALETTE[k % len(PALETTE)] for k in range(len(names))])
                     for i, (name, values) in enumerate(series)])
    fig.update_layout(title="Test accuracy", height=120 + 40 * len(names) * len(series), showlegend=bent is not None,
                      margin=dict(l=10, r=10, t=50, b=10), barmode="group",
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", traceorder="normal"))
    fig.update_xaxes(range=[0, 1.05], tickformat=".0%", dtick=0.2)  # past 1: plotly drops a tick on the edge
    fig.update_yaxes(autorange="reversed")  # first model on top, as in the pickers
    return fig


def per_class_error_bars(names: list[str], per_class: list[list[float]]) -> go.Figure:
    """The share of each digit's test images a model gets wrong, one bar per model, from 0."""
    fig = go.Figure()
    for i, (name, values) in enumerate(zip(names, per_class)):
        fig.add_bar(x=list(range(len(values))), y=[1 - v for v in values], name=plotly_text(name),
                    marker_color=PALETTE[i % len(PALETTE)], hovertemplate="digit %{x}: %{y:.1%} wrong")
    fig.update_layout(barmode="group", title=dict(text="Mistakes per digit", y=0.98, yanchor="top"), height=380,
                      margin=dict(l=10, r=10, t=70, b=10), legend=dict(orientation="h", y=1.0, yanchor="bottom"))
    fig.update_xaxes(title="true digit", dtick=1)
    fig.update_yaxes(title="test images it gets wrong", rangemode="tozero", tickformat=".0%")
    return fig


def confusion_heatmap(confusion: list[list[int]], title: str) -> go.Figure:
    """Counts of (true, predicted) pairs; the diagonal is hidden so the mistakes stand out.
    A clickable point sits on every cell (plotly selects points, not heatmap cells): a
    chart shown with on_select reports the clicked cell as that point's x and y."""
    n = len(confusion)
    off_diagonal = [[None if r == c else count for c, count in enumerate(row)] for r, row in enumerate(confusion)]
    fig = go.Figure(go.Heatmap(z=off_diagonal, x=list(range(n)), y=list(range(n)), colorscale="Reds",
                               text=confusion, texttemplate="%{text}", hoverinfo="skip", showscale=False))
    cells = [(c, r) for r in range(n) for c in range(n)]
    fig.add_scatter(x=[c for c, _ in cells], y=[r for _, r in cells], mode="markers", showlegend=False,
                    customdata=[confusion[r][c] for c, r in cells],
                    hovertemplate="true %{y}, predicted %{x}: %{customdata} images<extra></extra>",
                    marker=dict(symbol="square", size=30, color="#000000", opacity=0),
                    selected=dict(marker=dict(opacity=0.3)), unselected=dict(marker=dict(opacity=0)))
    fig.update_layout(title=title, height=460, margin=dict(l=10, r=10, t=50, b=10), hovermode="closest",
                      clickmode="event+select", dragmode=False)
    fig.update_xaxes(title="predicted digit", dtick=1, side="bottom", range=[-0.5, n - 0.5])
    fig.update_yaxes(title="true digit", dtick=1, range=[n - 0.5, -0.5])  # 0 on top
    return fig


def probability_bars(probabilities: list[float]) -> go.Figure:
    """One model's probability for each digit 0-9."""
    fig = go.Figure(go.Bar(x=list(range(10)), y=probabilities, marker_color=PALETTE[0],
                           hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(height=160, margin=dict(l=10, r=10, t=10, b=10))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    return fig


LOCKED_GREY = "#8c8c8c"


def lesson_bars(titles: list[str], done: list[int], learners: int, is_open: list[bool] | None = None) -> go.Figure:
    """How many learners of a class have done every task of each lesson, first lesson on top;
    lessons not open to the class are grey and say so."""
    is_open = is_open or [True] * len(titles)
    titles = [plotly_text(t) + ("" if shown else " (locked)") for t, shown in zip(titles, is_open)]
    fig = go.Figure(go.Bar(x=done, y=titles, orientation="h",
                           marker_color=[PALETTE[0] if shown else LOCKED_GREY for shown in is_open],
                           text=[f"{n} of {learners}" for n in done], textposition="auto"))
    fig.update_layout(title="Learners who did every task of each lesson", height=120 + 44 * len(titles),
                      margin=dict(l=10, r=10, t=50, b=10), showlegend=False)
    fig.update_xaxes(range=[0, max(learners, 1)], dtick=max(1, learners // 10), title="learners")
    fig.update_yaxes(autorange="reversed")
    return fig
