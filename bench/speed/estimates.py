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


def memory_cases() -> dict[str, dict]:
    """Every default preset and the most memory a link can ask for within hosted caps."""
    wide_mlp = {"hidden": [2048] * 4}
    wide_cnn = {"channels": [64, 64], "fc_hidden": 1024}
    return {
        "cnn `default`": {"arch": "cnn"}, "mlp `default`": {"arch": "mlp"}, "logistic `default`": {"arch": "logistic"},
        "logistic, batch 2048": {"arch": "logistic", "batch_size": 2048},
        "MLP, batch 2048": {"arch": "mlp", "batch_size": 2048},
        "CNN, batch 2048": {"arch": "cnn", "batch_size": 2048},
        "CNN 64/64, fc 1024, kernel 3, batch 512": {"arch": "cnn", "batch_size": 512,
                                                    "model": {**wide_cnn, "kernel_size": 3}},
        "CNN 64/64, fc 1024, kernel 5, batch 1024": {"arch": "cnn", "batch_size": 1024, "model": wide_cnn},
        "MLP 4 x 2048, SGD, batch 2048": {"arch": "mlp", "batch_size": 2048, "optimizer": "sgd", "model": wide_mlp},
        "MLP 4 x 2048, AdamW, batch 2048": {"arch": "mlp", "batch_size": 2048, "optimizer": "adamw",
                                            "model": wide_mlp},
        "MLP 4 x 2048, AdamW, batch 8": {"arch": "mlp", "batch_size": 8, "optimizer": "adamw", "model": wide_mlp},
    }


def peak_memory(data_dir: str, values: dict, warm: bool, batches: int = 8) -> dict:
    """In a fresh process: the most anonymous memory (RssAnon) a training of `values` adds
    while it runs `batches` batches, after a first small training when `warm` (a server's
    later trainings), sampled every 2 ms."""
    import dataclasses
    import threading

    import torch

    from core.jobs.job import TrainingJob
    from core.jobs.threads import anonymous_mb
    from core.training.config import build_config, preset

    torch.set_num_threads(2)
    data = load_mnist(data_dir)
    if warm:
        TrainingJob(preset("logistic", epochs=1, train_examples=2_000), data, threads=2).start().wait(timeout=300)
    config = build_config(values)
    config = dataclasses.replace(config, epochs=1, train_examples=min(config.batch_size * batches, 60_000))
    before, peak, done = anonymous_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], anonymous_mb())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    TrainingJob(config, data, threads=2).start().wait(timeout=600)
    done.set()
    sampler.join()
    return {"before_mb": before, "growth_mb": peak[0] - before}


def measure_memory_estimates(out: Report, data_dir: str) -> list[float]:
    """Prints the table; returns measured / estimated growth per case, for a process's first training."""
    from bench.common import in_fresh_process
    from core.training.budget import BASE_MB, FIRST_TRAINING_MB, estimate
    from core.training.config import build_config

    firsts, laters = [], []
    out.table("config", "estimated MB above the base", "measured: first training", "measured: a later training",
              "first / estimated", "later / estimated less the first's share")
    for name, values in memory_cases().items():
        guess = estimate(build_config(values)).peak_mb - BASE_MB
        cold, warm = (in_fresh_process("bench.speed.estimates:peak_memory", data_dir=data_dir, values=values,
                                       warm=w)["growth_mb"] for w in (False, True))
        firsts.append(cold / guess)
        laters.append(warm / (guess - FIRST_TRAINING_MB))
        out.row(name, f"{guess:,.0f}", f"{cold:,.0f}", f"{warm:,.0f}", f"{firsts[-1]:.2f}", f"{laters[-1]:.2f}")
        out.put(f"memory {name}", {"estimated": guess, "first": cold, "later": warm})
    out.say(f"\nmeasured / estimated: first training {spread(firsts, '.2f')}, later ones {spread(laters, '.2f')}, "
            f"median (min-max) over {len(firsts)} configs (above 1: the estimate was short)")
    return firsts
