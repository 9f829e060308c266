"""What training on bent digits buys: accuracy on MNIST and on the shifted test set, and its cost.

    DIGITS_DATA_DIR=../shared/data python -m bench.robustness [--repeat 8] [--slice 12800]

Trains the default CNN, the robust CNN (the default's network trained with augmentation,
core.data.augment), the default MLP and the default logistic regression, same seed, with
core.training.engine.fit, and reports each one's MNIST test accuracy, its accuracy on
core.data.augment.shifted_test_set (every test digit turned, resized, moved and drawn thicker
or thinner, once, from a fixed seed) and its training seconds. Then what augmentation
costs: the robust preset trained on the first `--slice` images with its augmentation and
with it off, in turn, `--repeat` times each, scaled to seconds per epoch. Short slices
taken in turn put the machine's drift (whole epochs here vary by 15% and more from one
to the next) on both alike.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import time

import torch

from bench.thread_overhead import Silent
from core.config.settings import data_dir
from core.data.augment import shifted_test_set
from core.data.loading import Dataset, Split, load_dataset
from core.models.evaluation import evaluate
from core.training.config import TrainConfig, preset
from core.training.engine import fit

MODELS = (("cnn", "default"), ("cnn", "robust"), ("mlp", "default"), ("logistic", "default"))


def without_augmentation(config: TrainConfig) -> TrainConfig:
    return dataclasses.replace(config, augment_rotation=0.0, augment_shift=0.0, augment_scale=0.0,
                               augment_stroke=0.0)


def measure(config: TrainConfig, mnist: Dataset, shifted: Split) -> dict:
    """Test accuracy, shifted-set accuracy and training seconds of one training of `config`."""
    result = fit(config, mnist, Silent())
    return {"test": result.evaluation.accuracy, "shifted": evaluate(result.model, shifted).accuracy,
            "seconds": result.train_seconds}


def epoch_seconds(config: TrainConfig, mnist: Dataset, images: int) -> float:
    """Training seconds of one pass over the first `images` training images, scaled to a whole epoch."""
    sliced = dataclasses.replace(config, epochs=1, train_examples=images)
    return fit(sliced, mnist, Silent()).train_seconds * len(mnist.train) / images


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=8, help="slices with and without augmentation, in turn")
    parser.add_argument("--slice", type=int, default=12_800, help="training images of each timed slice")
    parser.add_argument("--only", choices=("accuracy", "cost"), help="one of the two measurements (default: both)")
    args = parser.parse_args()
    mnist = load_dataset(data_dir(), download=False)
    shifted = shifted_test_set(mnist.test)
    print(f"# bench.robustness: {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, {torch.get_num_threads()} "
          f"torch threads, torch {torch.__version__}, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f} at the start")
    if args.only != "cost":
        print("\n| model | preset | epochs | MNIST test accuracy | shifted-set accuracy | training s |")
        print("| --- | --- | --- | --- | --- | --- |")
        for arch, name in MODELS:
            config = preset(arch, name)
            r = measure(config, mnist, shifted)
            print(f"| {arch} | {name} | {config.epochs} | {r['test']:.2%} | {r['shifted']:.2%} "
                  f"| {r['seconds']:.1f} |", flush=True)
    if args.only != "accuracy":
        augmentation_cost(mnist, args.repeat, args.slice)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


def augmentation_cost(mnist: Dataset, repeat: int, images: int) -> None:
    robust = preset("cnn", "robust")
    with_it, without = [], []
    for turn in range(repeat):  # which goes first alternates, so neither always follows the other
        for config, times in ((robust, with_it), (without_augmentation(robust), without))[::1 if turn % 2 else -1]:
            times.append(epoch_seconds(config, mnist, images))
    extra = [a / b - 1 for a, b in zip(with_it, without)]
    print(f"\n| robust preset, {repeat} slices of {images:,} images each, in turn "
          "| training s per epoch: median (range) |")
    print("| --- | --- |")
    print(f"| with augmentation | {spread(with_it)} |")
    print(f"| augmentation off | {spread(without)} |")
    print(f"| extra time for augmentation | {statistics.median(extra):+.0%} "
          f"({min(extra):+.0%} to {max(extra):+.0%}, pair by pair) |", flush=True)


if __name__ == "__main__":
    main()
