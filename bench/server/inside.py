"""What the Inside page costs the server: `python -m bench.server inside`."""

from __future__ import annotations

import argparse

from bench.common import Report, header, load_mnist, spread, timed

INSIDE_DOC = """\
Times, on the real MNIST test set and each default model (untrained weights: the cost
depends on the shapes, not the values): one digit through every layer
(core.models.inspect.feature_stages), the 2,000-digit PCA map (core.models.inspect.embedding),
the rotation and scale curves on 1,000 digits (core.models.robustness.robustness_curves), one
bent digit read (the lab's slider), building the bent test set
(core.data.augment.shifted_test_set, once per server) and evaluating a model on it (once per
model). Medians and ranges of `--repeat` runs (curves: half as many), in milliseconds; the
page computes the map, the curves and the bent-set accuracy once per model and server process.
"""


def run_inside(args: argparse.Namespace, out: Report) -> None:
    import torch

    from core.data.augment import Change, shifted_test_set
    from core.data.loading import as_input
    from core.models.architectures import ARCHITECTURES, build_model
    from core.models.drawing import predict
    from core.models.evaluation import evaluate
    from core.models.inspect import embedding, feature_stages
    from core.models.robustness import bent, robustness_curves

    torch.set_num_threads(1)  # a page's work shares the server with trainings: one thread, as a job has
    header(out, args)
    repeat = 1 if args.quick else args.repeat
    test = load_mnist().test
    digit = as_input(test.images[:1])
    out.table(f"step (ms, median and range of {repeat})", *ARCHITECTURES)
    models = {arch: build_model(arch).eval() for arch in ARCHITECTURES}
    shifted = shifted_test_set(test)
    rows = {
        "one digit through every layer": lambda m: feature_stages(m, digit),
        "one bent digit read (a slider move)": lambda m: predict(m, bent(digit, Change(angle=20, stroke=0.5))),
        "map of 2,000 test digits (PCA)": lambda m: embedding(m, test),
        "rotation and scale curves (30 × 1,000 digits)": lambda m: robustness_curves(m, test),
        "accuracy on the 10,000 bent digits": lambda m: evaluate(m, shifted),
    }
    for name, work in rows.items():
        times = repeat if "curves" not in name else max(1, repeat // 2)
        ms = {a: [s * 1000 for s in timed(lambda: work(models[a]), times)] for a in ARCHITECTURES}
        out.row(name, *(spread(ms[a], ",.1f") for a in ARCHITECTURES))
        out.append("steps", {"step": name, "ms": ms})
    build = out.put("bent_test_set_ms", [s * 1000 for s in timed(lambda: shifted_test_set(test), repeat)])
    out.say(f"\nBuilding the bent test set (once per server): {spread(build, ',.1f')} ms")


def inside_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=5)
