"""The training-time estimate (core.training.budget) against measured trainings: every preset
and the extremes a link can ask for within the caps (whole-test-set checks after every batch,
batch 8, the widest CNN, the largest MLP with AdamW), each on a slice of the training set so
that the whole part takes minutes. Wall seconds from queueing to the end, as the server's time
limit counts them, against the estimate of the same sliced config: the estimate is linear in
examples, so the slice's ratio is the full run's.
"""
from __future__ import annotations

import time

from bench.common import Report, load_mnist, spread

ESTIMATE_DOC = __doc__


def cases(quick: bool) -> dict[str, object]:
    from core.models.architectures import ARCHITECTURES
    from core.training.config import build_config, preset

    def sliced(config, examples: int):
        import dataclasses
        return dataclasses.replace(config, epochs=1, train_examples=min(examples // (10 if quick else 1), 60_000))

    found = {f"{arch} `{name}`": sliced(preset(arch, name), 20_000)
             for arch in sorted(ARCHITECTURES) for name in ARCHITECTURES.named(arch).presets}
    extremes = {
        "CNN, a test-set check every 1,000 examples": ({"arch": "cnn", "test_every": 1000}, 5_000),
        "logistic, a test-set check after every batch": ({"arch": "logistic", "test_every": 1}, 2_000),
        "CNN, batch 8": ({"arch": "cnn", "batch_size": 8}, 2_000),
        "CNN 64/64 channels, fc 1024, batch 8": ({"arch": "cnn", "batch_size": 8,
                                                  "model": {"channels": [64, 64], "fc_hidden": 1024}}, 1_000),
        "MLP 4 x 2048, AdamW, batch 8": ({"arch": "mlp", "batch_size": 8, "optimizer": "adamw",
                                          "model": {"hidden": [2048] * 4}}, 1_000),
        "MLP 4 x 2048, AdamW, batch 256": ({"arch": "mlp", "batch_size": 256, "optimizer": "adamw",
                                            "model": {"hidden": [2048] * 4}}, 20_000),
        "MLP, batch 8": ({"arch": "mlp", "batch_size": 8}, 5_000),
    }
    found.update({name: sliced(build_config(values), examples) for name, (values, examples) in extremes.items()})
    return found


def measure_estimates(out: Report, quick: bool) -> list[float]:
    """Prints the table; returns measured / estimated per case."""
    import torch

    from core.jobs.job import TrainingJob
    from core.training.budget import estimate

    torch.set_num_threads(2)
    data = load_mnist()
    ratios = []
    out.table("config (one epoch of the slice)", "examples", "measured s", "estimated s", "measured / estimated")
    for name, config in cases(quick).items():
        began = time.perf_counter()
        snap = TrainingJob(config, data, threads=2).start().wait(timeout=900)
        wall = time.perf_counter() - began
        guess = estimate(config).seconds
        ratios.append(wall / guess)
        out.row(name, f"{config.train_examples:,}", f"{wall:.2f}", f"{guess:.2f}", f"{ratios[-1]:.2f}")
        out.put(name, {"status": str(snap.status), "measured": wall, "estimated": guess})
    out.say(f"\nmeasured / estimated: median (min-max) {spread(ratios, '.2f')} over {len(ratios)} configs "
            "(above 1: the estimate was short)")
    return ratios
