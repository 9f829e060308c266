"""Quality: what the models get right beyond MNIST's own test set: bent digits (and what
training on them costs), and digits drawn on the Draw page's canvas (and how fast they are read).

    DIGITS_DATA_DIR=../shared/data python -m bench.quality robustness                 # about 8 minutes
    DIGITS_DATA_DIR=../shared/data python -m bench.quality drawing --store-dir <store>
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time

from bench.common import QUICK_EXAMPLES, Part, Report, Silent, header, load_mnist, main, spread

# == robustness: MNIST and bent-digit accuracy per model, and augmentation's cost ======================
ROBUSTNESS_DOC = """\
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
MODELS = (("cnn", "default"), ("cnn", "robust"), ("mlp", "default"), ("logistic", "default"))


def without_augmentation(config):
    return dataclasses.replace(config, augment_rotation=0.0, augment_shift=0.0, augment_scale=0.0,
                               augment_stroke=0.0)


def measure(config, mnist, shifted) -> dict:
    """Test accuracy, shifted-set accuracy and training seconds of one training of `config`."""
    from core.models.evaluation import evaluate
    from core.training.engine import fit

    result = fit(config, mnist, Silent())
    return {"test": result.evaluation.accuracy, "shifted": evaluate(result.model, shifted).accuracy,
            "seconds": result.train_seconds}


def epoch_seconds(config, mnist, images: int) -> float:
    """Training seconds of one pass over the first `images` training images, scaled to a whole epoch."""
    from core.training.engine import fit

    sliced = dataclasses.replace(config, epochs=1, train_examples=images)
    return fit(sliced, mnist, Silent()).train_seconds * len(mnist.train) / images


def augmentation_cost(mnist, repeat: int, images: int, out: Report) -> None:
    from core.training.config import preset

    robust = preset("cnn", "robust")
    with_it, without = [], []
    for turn in range(repeat):  # which goes first alternates, so neither always follows the other
        for config, times in ((robust, with_it), (without_augmentation(robust), without))[::1 if turn % 2 else -1]:
            times.append(epoch_seconds(config, mnist, images))
    extra = [a / b - 1 for a, b in zip(with_it, without)]
    out.put("cost", {"repeat": repeat, "slice": images, "with_augmentation_s": with_it, "without_s": without,
                     "extra": extra})
    out.table(f"robust preset, {repeat} slices of {images:,} images each, in turn",
              "training s per epoch: median (range)")
    out.row("with augmentation", spread(with_it))
    out.row("augmentation off", spread(without))
    out.row("extra time for augmentation",
            f"{statistics.median(extra):+.0%} ({min(extra):+.0%} to {max(extra):+.0%}, pair by pair)")


def run_robustness(args: argparse.Namespace, out: Report) -> None:
    from core.data.augment import shifted_test_set
    from core.training.config import preset

    mnist = load_mnist()
    shifted = shifted_test_set(mnist.test)
    header(out, args, f"load average {os.getloadavg()[0]:.2f} at the start")
    quick = {"epochs": 1, "train_examples": QUICK_EXAMPLES} if args.quick else {}
    if args.only != "cost":
        out.table("model", "preset", "epochs", "MNIST test accuracy", "shifted-set accuracy", "training s")
        for arch, name in MODELS:
            config = preset(arch, name, **quick)
            r = measure(config, mnist, shifted)
            out.row(arch, name, config.epochs, f"{r['test']:.2%}", f"{r['shifted']:.2%}", f"{r['seconds']:.1f}")
            out.append("accuracy", {"arch": arch, "preset": name, "epochs": config.epochs, **r})
    if args.only != "accuracy":
        augmentation_cost(mnist, 2 if args.quick else args.repeat, 1_280 if args.quick else args.slice, out)
    out.say(f"\nload average {os.getloadavg()[0]:.2f} at the end")


def _robustness_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=8, help="slices with and without augmentation, in turn")
    parser.add_argument("--slice", type=int, default=12_800, help="training images of each timed slice")
    parser.add_argument("--only", choices=("accuracy", "cost"), help="one of the two measurements (default: both)")


# == drawing: drawn digits' accuracy and latency =======================================================
DRAWING_DOC = """\
Robustness: `--count` MNIST test digits pasted at a random scale (40-90% of a 280x280
canvas) and position into transparent RGBA images, run through core.models.drawing.preprocess
and the most accurate saved CNN, against that CNN on the same digits as MNIST gives them.
Latency: preprocessing plus one prediction by the best saved model of each architecture,
one drawing at a time, as the Draw page does it. Uses the models saved in --store-dir
(default: $DIGITS_STORE_DIR, else ./runs); trains a default model where none is saved
(with --quick: 1 epoch on 5,000 images).
"""
CANVAS = 280


def pasted_digits(images, seed: int) -> list:
    import numpy as np

    from core.models.drawing import paste_digit

    rng = np.random.default_rng(seed)
    drawings = []
    for digit in images.numpy():
        size = int(rng.uniform(0.4, 0.9) * CANVAS)
        top, left = (int(v) for v in rng.integers(0, CANVAS - size + 1, size=2))
        drawings.append(paste_digit(digit, CANVAS, size, top, left))
    return drawings


def best_models(store, data, out: Report, quick: bool = False) -> dict:
    from core.analysis.compare import best_per_arch
    from core.jobs.run_keeper import stored_job
    from core.models.architectures import ARCHITECTURES
    from core.training.config import preset

    best = best_per_arch(store.list_runs())
    for arch in ARCHITECTURES:
        if arch not in best:
            out.note(f"no saved {arch}: training its default preset…")
            config = preset(arch, **({"epochs": 1, "train_examples": QUICK_EXAMPLES} if quick else {}))
            best[arch] = stored_job(config, data, store).start().wait().run_id
    return {arch: store.load_model(run_id)[0] for arch, run_id in best.items()}


def run_drawing(args: argparse.Namespace, out: Report) -> None:
    import torch

    from core.data.loading import as_input
    from core.models.architectures import predict_proba
    from core.models.drawing import preprocess
    from core.store.runs import RunStore

    header(out, args)
    count = 100 if args.quick else args.count
    data = load_mnist()
    models = best_models(RunStore(args.store_dir), data, out, args.quick)
    order = torch.randperm(len(data.test), generator=torch.Generator().manual_seed(args.seed))[:count]
    images, labels = data.test.images[order], data.test.labels[order]
    drawings = pasted_digits(images, args.seed)

    cnn = models["cnn"]
    direct = (predict_proba(cnn, as_input(images)).argmax(1) == labels).double().mean().item()
    inputs = torch.cat([preprocess(d).tensor for d in drawings])
    drawn = (predict_proba(cnn, inputs).argmax(1) == labels).double().mean().item()
    out.table("measure", "result")
    out.row(f"CNN on {count} MNIST test digits as given", f"{direct:.2%}")
    out.row("the same digits pasted at 40-90% scale, preprocessed", f"{drawn:.2%}")
    out.row("difference", f"{100 * (direct - drawn):.2f} points")

    timings = []
    with torch.inference_mode():
        for drawing in drawings[:200]:
            start = time.perf_counter()
            x = preprocess(drawing).tensor
            for model in models.values():
                predict_proba(model, x)
            timings.append(1000 * (time.perf_counter() - start))
    timings.sort()
    out.row(f"preprocessing + 3 predictions, median of {len(timings)}",
            f"{statistics.median(timings):.1f} ms (p90 {timings[int(0.9 * len(timings))]:.1f} ms)")
    out.put("drawing", {"count": count, "direct_accuracy": direct, "drawn_accuracy": drawn, "latency_ms": timings})


def _drawing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store-dir", default=None, help="the run store whose best models are used")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)


PARTS = (
    Part("robustness", run_robustness, "MNIST and bent-digit (shifted test set) accuracy of each default model and "
         "the robust CNN, and what augmentation costs a training (--only accuracy|cost)", "about 8 minutes",
         _robustness_options, ROBUSTNESS_DOC),
    Part("drawing", run_drawing, "drawn digits: the CNN on MNIST digits pasted onto a canvas and preprocessed, "
         "against the digits as given; preprocessing + 3 predictions' latency", "not recorded (longer when it "
         "must train a default model)", _drawing_options, DRAWING_DOC),
)

if __name__ == "__main__":
    main("quality", __doc__.split("\n\n")[0], PARTS)
