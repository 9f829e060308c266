"""The live view's accuracy probes and chart redraws: `python -m bench.server probes`."""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import QUICK_EXAMPLES, Report, Silent, header, load_mnist, timed

PROBES_DOC = """\
Trains each architecture's `default` preset on the real MNIST and times every call of
core.training.engine.probe_accuracy (core.training.engine.PROBES_PER_EPOCH - 1 an epoch, on
core.training.engine.PROBE_IMAGES test images). Probing runs in paused time, so "training s" (what
the app reports) leaves it out; the share is what it adds to the wall clock. Then times one
redraw of the Train page's charts (loss_figure and accuracy_figure of the MLP run's history,
made into JSON as st.plotly_chart sends them), which the server does every second while a run
trains.
"""


class Recording(Silent):
    def __init__(self) -> None:
        self.points, self.probes, self.epochs = [], [], []

    def on_train_point(self, seen, loss, seconds): self.points.append((seen, loss))
    def on_probe(self, seen, accuracy): self.probes.append((seen, accuracy))
    def on_check(self, *args): pass
    def on_epoch(self, metrics): self.epochs.append(metrics)


def redraw_ms(history, repeat: int = 30) -> float:
    """Milliseconds to build the live view's two figures and their JSON (median of `repeat`)."""
    from core.viz.curves import Curve, accuracy_figure, loss_figure

    curves = [Curve("this run", history)]
    times = timed(lambda: (loss_figure(curves).to_json(), accuracy_figure(curves).to_json()), repeat + 1)
    return statistics.median(times[1:]) * 1000  # the first builds plotly's validators


def measure_probes(arch: str, epochs: int, mnist, recorder: Silent | None = None,
                   train_examples: int = 0) -> tuple[float, float, int]:
    """(probe seconds, training seconds, probes) of one training."""
    from core.training import engine
    from core.training.config import preset

    spent, calls, probe = [], [], engine.probe_accuracy

    def timed_probe(model, split):
        started = time.perf_counter()
        try:
            return probe(model, split)
        finally:
            spent.append(time.perf_counter() - started)
            calls.append(len(split))

    engine.probe_accuracy = timed_probe
    try:
        config = preset(arch, epochs=epochs, **({"train_examples": train_examples} if train_examples else {}))
        result = engine.fit(config, mnist, recorder or Silent())
    finally:
        engine.probe_accuracy = probe
    return sum(spent), result.train_seconds, len(calls)


def run_probes(args: argparse.Namespace, out: Report) -> None:
    from core.models.architectures import ARCHITECTURES
    from core.training.history import History

    header(out, args)
    repeat, examples = (1, QUICK_EXAMPLES) if args.quick else (args.repeat, 0)
    mnist = load_mnist()
    out.table("architecture", "probes", "probe s (median of repeats)", "training s", "probes / training", blank=False)
    for arch in ARCHITECTURES:
        runs = [measure_probes(arch, args.epochs, mnist, train_examples=examples) for _ in range(repeat)]
        shares = [p / t for p, t, _ in runs]
        out.row(arch, runs[0][2], f"{statistics.median(p for p, _, _ in runs):.3f}",
                f"{statistics.median(t for _, t, _ in runs):.1f}",
                f"{statistics.median(shares):.2%} ({min(shares):.2%}-{max(shares):.2%})")
        out.append("architectures", {"arch": arch, "probes": runs[0][2], "probe_seconds": [p for p, _, _ in runs],
                                     "train_seconds": [t for _, t, _ in runs], "shares": shares})
    recording = Recording()
    measure_probes("mlp", args.epochs, mnist, recording, train_examples=examples)
    history = History(tuple(recording.points), tuple(recording.epochs), tuple(recording.probes))
    ms = out.put("redraw_ms", redraw_ms(history))
    out.say(f"\none redraw of the Train page's charts (MLP, {args.epochs} epoch(s), {len(history.train_points)} loss "
            f"points, {len(history.probes)} probes): {ms:.1f} ms")


def probes_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
