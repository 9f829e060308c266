"""Drawing robustness and latency, with the models saved in the run store.

    DIGITS_DATA_DIR=../shared/data python -m bench.drawing [--store-dir DIR] [--count 1000]

Robustness: `count` MNIST test digits pasted at a random scale (40-90% of a 280x280
canvas) and position into transparent RGBA images, run through core.models.drawing.preprocess
and the most accurate saved CNN, against that CNN on the same digits as MNIST gives them.
Latency: preprocessing plus one prediction by the best saved model of each architecture,
one drawing at a time, as the Draw page does it. Trains a default model where none is saved.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from core.analysis.compare import best_per_arch
from core.data.loading import as_input, load_dataset
from core.jobs.run_keeper import stored_job
from core.models.architectures import ARCHITECTURES, predict_proba
from core.models.drawing import paste_digit, preprocess
from core.store.runs import RunStore
from core.training.config import preset

CANVAS = 280


def pasted_digits(images: torch.Tensor, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    drawings = []
    for digit in images.numpy():
        size = int(rng.uniform(0.4, 0.9) * CANVAS)
        top, left = (int(v) for v in rng.integers(0, CANVAS - size + 1, size=2))
        drawings.append(paste_digit(digit, CANVAS, size, top, left))
    return drawings


def best_models(store: RunStore, data) -> dict:
    best = best_per_arch(store.list_runs())
    for arch in ARCHITECTURES:
        if arch not in best:
            print(f"no saved {arch}: training its default preset…", flush=True)
            best[arch] = stored_job(preset(arch), data, store).start().wait().run_id
    return {arch: store.load_model(run_id)[0] for arch, run_id in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store-dir", default=None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = load_dataset()
    models = best_models(RunStore(args.store_dir), data)
    order = torch.randperm(len(data.test), generator=torch.Generator().manual_seed(args.seed))[:args.count]
    images, labels = data.test.images[order], data.test.labels[order]
    drawings = pasted_digits(images, args.seed)

    cnn = models["cnn"]
    direct = (predict_proba(cnn, as_input(images)).argmax(1) == labels).double().mean().item()
    inputs = torch.cat([preprocess(d).tensor for d in drawings])
    drawn = (predict_proba(cnn, inputs).argmax(1) == labels).double().mean().item()
    print(f"| CNN on {args.count} MNIST test digits as given | {direct:.2%} |")
    print(f"| the same digits pasted at 40-90% scale, preprocessed | {drawn:.2%} |")
    print(f"| difference | {100 * (direct - drawn):.2f} points |")

    timings = []
    with torch.inference_mode():
        for drawing in drawings[:200]:
            start = time.perf_counter()
            x = preprocess(drawing).tensor
            for model in models.values():
                predict_proba(model, x)
            timings.append(1000 * (time.perf_counter() - start))
    timings.sort()
    print(f"| preprocessing + 3 predictions, median of {len(timings)} | {statistics.median(timings):.1f} ms "
          f"(p90 {timings[int(0.9 * len(timings))]:.1f} ms) |")


if __name__ == "__main__":
    main()
