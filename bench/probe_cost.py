"""What the live view costs a training: the accuracy probes, and building its two charts.

    DIGITS_DATA_DIR=../shared/data python -m bench.probe_cost [--epochs 1] [--repeat 3]

Trains each architecture's `default` preset on the real MNIST and times every call of
core.training.engine.probe_accuracy (core.training.engine.PROBES_PER_EPOCH - 1 an epoch, on
core.training.engine.PROBE_IMAGES test images). Probing runs in paused time, so "training s" (what
the app reports) leaves it out; the share below is what it adds to the wall clock. Then
times one redraw of the Train page's charts (loss_figure and accuracy_figure of the MLP
run's history, made into JSON as st.plotly_chart sends them), which the server does every
second while a run trains.
"""
from __future__ import annotations

import argparse
import statistics
import time

from bench.thread_overhead import Silent
from core.config.settings import data_dir
from core.data.loading import load_dataset
from core.models.architectures import ARCHITECTURES
from core.training import engine
from core.training.config import preset
from core.training.history import History
from core.viz.curves import Curve, accuracy_figure, loss_figure


class Recording(Silent):
    def __init__(self) -> None:
        self.points, self.probes, self.epochs = [], [], []
    def on_train_point(self, seen, loss, seconds): self.points.append((seen, loss))
    def on_probe(self, seen, accuracy): self.probes.append((seen, accuracy))
    def on_check(self, *args): pass
    def on_epoch(self, metrics): self.epochs.append(metrics)


def redraw_ms(history: History, repeat: int = 30) -> float:
    """Milliseconds to build the live view's two figures and their JSON (median of `repeat`)."""
    curves = [Curve("this run", history)]
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        loss_figure(curves).to_json()
        accuracy_figure(curves).to_json()
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:]) * 1000  # the first builds plotly's validators


def measure(arch: str, epochs: int, mnist, recorder: Silent | None = None) -> tuple[float, float, int]:
    """(probe seconds, training seconds, probes) of one training."""
    spent, calls, probe = [], [], engine.probe_accuracy

    def timed(model, split):
        started = time.perf_counter()
        try:
            return probe(model, split)
        finally:
            spent.append(time.perf_counter() - started)
            calls.append(len(split))

    engine.probe_accuracy = timed
    try:
        result = engine.fit(preset(arch, epochs=epochs), mnist, recorder or Silent())
    finally:
        engine.probe_accuracy = probe
    return sum(spent), result.train_seconds, len(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    mnist = load_dataset(data_dir(), download=False)
    print("| architecture | probes | probe s (median of repeats) | training s | probes / training |")
    print("| --- | --- | --- | --- | --- |")
    for arch in ARCHITECTURES:
        runs = [measure(arch, args.epochs, mnist) for _ in range(args.repeat)]
        shares = [p / t for p, t, _ in runs]
        print(f"| {arch} | {runs[0][2]} | {statistics.median(p for p, _, _ in runs):.3f} | "
              f"{statistics.median(t for _, t, _ in runs):.1f} | {statistics.median(shares):.2%} "
              f"({min(shares):.2%}-{max(shares):.2%}) |")
    recording = Recording()
    measure("mlp", args.epochs, mnist, recording)
    history = History(tuple(recording.points), tuple(recording.epochs), tuple(recording.probes))
    print(f"\none redraw of the Train page's charts (MLP, {args.epochs} epoch(s), {len(history.train_points)} loss "
          f"points, {len(history.probes)} probes): {redraw_ms(history):.1f} ms")


if __name__ == "__main__":
    main()
