"""What the Inside page costs the server, per architecture's `default` preset.

    DIGITS_DATA_DIR=../shared/data python -m bench.inside_cost [--repeat 5]

Times, on the real MNIST test set and each default model (untrained weights: the cost
depends on the shapes, not the values): one digit through every layer
(core.models.inspect.feature_stages), the 2,000-digit PCA map (core.models.inspect.embedding), the
rotation and scale curves on 1,000 digits (core.models.robustness.robustness_curves), one
bent digit read (the lab's slider), building the bent test set (core.data.augment.shifted_test_set,
once per server) and evaluating a model on it (once per model). Medians and ranges of
`repeat` runs, in milliseconds; the page computes the map, the curves and the bent-set
accuracy once per model and server process.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from core.config.settings import data_dir
from core.data.augment import Change, shifted_test_set
from core.data.loading import as_input, load_dataset
from core.models.architectures import ARCHITECTURES, build_model
from core.models.drawing import predict
from core.models.evaluation import evaluate
from core.models.inspect import embedding, feature_stages
from core.models.robustness import bent, robustness_curves


def timed(work, repeat: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), max(times)


def cell(found: tuple[float, float, float]) -> str:
    median, low, high = found
    return f"{median:,.1f} ({low:,.1f}-{high:,.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)  # a page's work shares the server with trainings: one thread, as a job has
    test = load_dataset(data_dir(), download=False).test
    digit = as_input(test.images[:1])
    print(f"| step (ms, median and range of {args.repeat}) | " + " | ".join(ARCHITECTURES) + " |")
    print("| --- |" + " --- |" * len(ARCHITECTURES))
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
        repeat = args.repeat if "curves" not in name else max(1, args.repeat // 2)
        print(f"| {name} | " + " | ".join(cell(timed(lambda: work(models[a]), repeat)) for a in ARCHITECTURES) + " |")
    build = timed(lambda: shifted_test_set(test), args.repeat)
    print(f"\nBuilding the bent test set (once per server): {cell(build)} ms")


if __name__ == "__main__":
    main()
